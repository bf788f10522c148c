"""`ingress-explorer serve`: real HTTP through the Ingress rules, to simulated Pods or a cluster's own."""

from __future__ import annotations

import argparse
import asyncio
import ipaddress
import re
import shlex
import signal
import subprocess
import sys
import time
from pathlib import Path
from typing import TYPE_CHECKING

from explorer.commands import collector
from explorer.commands.common import (
    Style, add_cluster_options, add_controller_option, chosen_controller, add_nginx_config_option, add_source_options, is_live,
    load_sources, report_problems,
    use_colour,
)

if TYPE_CHECKING:
    from explorer.model.source import ClusterSource
    from explorer.model.state import ClusterState
    from explorer.proxy import Proxy
    from explorer.profiles import ControllerProfile
    from explorer.traffic import Subscription, TrafficEvent

EXAMPLES = """\
examples:
  ingress-explorer serve -f sample-manifests/article-v1
  curl -i -H 'Host: foo-bar.com' http://127.0.0.1:8080/foo
  ingress-explorer serve -f shop/ --controller gce --time-scale 0.05
  ingress-explorer serve -f . --http-port 0 --https-port 0 --status-port 0   (any free ports)
  ingress-explorer serve --context dev -n shop       the cluster's rules, to its own Pods (port-forward)
  ingress-explorer serve -f sample-manifests/gateway-api-traffic --controller gateway
                     each Gateway listener port gets a local port (80 -> 8080, the next one 8081, ...;
                     HTTPS listeners count up from --https-port), certificates from certificateRefs

Every response carries X-Ingress-Explorer-Ingress, -Backend and -Pod headers.
The files are watched: save an edit and the next request uses it. Ctrl-C stops everything.
On a cluster, the rules follow its changes, requests reach its Pods through port-forwards (RBAC:
create on pods/portforward), and only the Pods the cluster reports Ready take traffic.
"""


def add_parser(sub: argparse._SubParsersAction, help_text: str) -> None:
    parser = sub.add_parser(
        "serve", help=help_text, description="Start simulated Pods and a local proxy that routes real HTTP "
        "and HTTPS requests through the Ingress rules as the chosen controller would, with its redirects, "
        "default-backend answers and health checks.",
        epilog=EXAMPLES, formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    add_source_options(parser)
    add_cluster_options(parser)
    add_controller_option(parser, gateway=True)
    add_nginx_config_option(parser)
    parser.add_argument("--listen", default="127.0.0.1", metavar="ADDR",
                        help="address to listen on (default 127.0.0.1; anything else is reachable from "
                             "other machines, and you will be warned)")
    parser.add_argument("--http-port", type=_port, default=8080, metavar="N",
                        help="HTTP port (default 8080; 0 = any free port; gce: one per Ingress, counting up)")
    parser.add_argument("--https-port", type=_port, default=8443, metavar="N",
                        help="HTTPS port (default 8443; 0 = any free port; gce: one per Ingress, counting up)")
    parser.add_argument("--status-port", type=_port, default=8079, metavar="N",
                        help="port of the JSON status page: listeners, Pods, health (default 8079; 0 = any)")
    parser.add_argument("--time-scale", type=_scale, default=1.0, metavar="X",
                        help="speed of simulated time for health checks and for the proxy timeouts an "
                             "ingress-nginx annotation or ConfigMap sets: 0.05 runs a 60 s interval in 3 s "
                             "(default 1, real time)")
    parser.add_argument("--no-watch", dest="watch", action="store_false",
                        help="do not reload when the files (or the cluster) change")
    parser.add_argument("-q", "--quiet", action="store_true", help="do not log each request")


def run(args: argparse.Namespace) -> int:
    pods = None  # the simulated Pods' process, started first: its start overlaps the reading of the manifests
    if not is_live(args):
        from explorer.sim.host import spawn

        pods = spawn()
    try:
        return _run(args, pods)
    finally:
        if pods is not None:  # stopped by the proxy; else (bad input, Ctrl-C) its stdin's end stops it
            if pods.stdin is not None:
                pods.stdin.close()
            try:
                pods.wait(5)
            except subprocess.TimeoutExpired:
                pods.kill()
                pods.wait()


def _run(args: argparse.Namespace, pods: "subprocess.Popen[bytes] | None") -> int:
    from explorer.routing import get_profile

    source = None
    if is_live(args):
        from explorer.commands.common import open_live

        with collector.paused_then_settled(collect=False):
            opened = open_live(args)
        if opened is None:
            return 2
        source, state = opened
        report_problems(state.problems, sys.stderr)
    else:
        args.namespace = str(args.namespace)
        with collector.paused_then_settled(collect=False):
            loaded = load_sources(args)
        if loaded is None:
            return 2
        state = loaded
    if not _is_loopback(args.listen):
        print(f"warning: --listen {args.listen} is not a loopback address: other machines can reach this "
              "proxy and the Pods' answers", file=sys.stderr)
    args.controller = chosen_controller(args.controller, state, sys.stderr)
    if args.controller == "gateway":  # the Gateway API front end (routing.gateway) instead of Ingresses
        from explorer.routing.gateway.compile import GATEWAY_PROFILE

        profile = GATEWAY_PROFILE
        if not state.gateways:
            print("error: no Gateway in the manifests: --controller gateway serves the listeners of Gateways and "
                  "the HTTPRoutes attached to them (apiVersion: gateway.networking.k8s.io/v1)", file=sys.stderr)
            if source is not None:
                source.close()
            return 2
    else:
        profile = get_profile(args.controller)
    try:
        return asyncio.run(_serve(args, state, profile, source, pods))
    except KeyboardInterrupt:
        return 130
    finally:
        if source is not None:
            source.close()


#: SIGHUP too: a closed terminal stops the proxy cleanly, and its TLS key directory goes with it.
_STOP_SIGNALS = tuple(getattr(signal, name) for name in ("SIGINT", "SIGTERM", "SIGHUP") if hasattr(signal, name))


async def _serve(args: argparse.Namespace, state: "ClusterState", profile: "ControllerProfile",
                 source: "ClusterSource | None" = None, pods: "subprocess.Popen[bytes] | None" = None) -> int:
    from explorer.proxy import ProxyError, ProxyOptions, start_proxy

    style = Style(use_colour(sys.stdout))
    options = ProxyOptions(listen=args.listen, http_port=args.http_port, https_port=args.https_port,
                           status_port=args.status_port, time_scale=args.time_scale,
                           forward=source.forward if source is not None else None, pods_process=True,
                           pods_spawned=pods)
    try:
        proxy = await start_proxy(state, profile, options)
    except ProxyError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in _STOP_SIGNALS:
        loop.add_signal_handler(sig, stop.set)
    from explorer.traffic import HealthChanged, HealthChecksStarted, MirrorSent, PodsOnDemand, RequestCompleted

    # --quiet logs no request: then the proxy makes no RequestCompleted event at all (it makes only what is read)
    kinds = (HealthChanged, HealthChecksStarted, PodsOnDemand) + (() if args.quiet else (RequestCompleted, MirrorSent))
    events = proxy.subscribe(kinds=kinds)
    tasks = [asyncio.create_task(_log(events, style, args.quiet))]
    if args.watch:
        tasks.append(asyncio.create_task(_follow(source, proxy, profile, state) if source is not None
                                         else _watch(args, proxy, profile)))
    try:
        print(banner(proxy, state, profile, style), flush=True)
        await stop.wait()
    finally:
        print("stopping: closing listeners and " + ("port-forwards" if source is not None else "simulated Pods"),
              file=sys.stderr, flush=True)
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)
        if source is not None:
            await asyncio.to_thread(source.close)  # ends changes(), so the thread reading it returns
        await proxy.stop()
        for sig in _STOP_SIGNALS:
            loop.remove_signal_handler(sig)
    return 0


#: curl lines the banner prints per load balancer (a cluster dump has 10,000 rules).
CURL_LINES = 20


def banner(proxy: "Proxy", state: "ClusterState", profile: "ControllerProfile", style: Style) -> str:
    """Where everything listens, and a curl line per rule to paste."""
    from explorer.routing import table_for

    lines = [style.bold(f"ingress-explorer serve: {profile.title} ({profile.name}), {state.summary()}")]
    if proxy.sims is not None and proxy.pool.on_demand:
        lines.append(style.yellow(
            f"simulated Pods: {proxy.pool.pod_count:,}, more than {proxy.pool.eager_limit:,}: each starts on its "
            "first request, and a backend's health checks start with the first request routed to it (until then "
            "the status page shows its health as Unknown)"))
    elif proxy.sims is not None:
        pods = proxy.sims.pods
        lines.append(f"simulated Pods: {len(pods)}" + (" (no workload in the manifests: forwards answer "
                                                        f"{profile.no_healthy_backend_status})" if not pods else ""))
    else:
        lines.append(f"Pods: {proxy.upstreams.description}, opened when a request is sent; "
                     "the Pods the cluster reports Ready take traffic")
    if profile.front_end == "gateway":
        lines += gateway_banner(proxy, state, style)
        if proxy.status_port is not None:
            lines += ["", f"status (JSON): http://{_bracket(proxy.options.listen)}:{proxy.status_port}/"]
        return "\n".join([*lines, "", style.dim("Ctrl-C to stop.")])
    table = table_for(state, profile)
    if not proxy.listeners:
        lines.append(style.yellow(f"no Ingress is served by {profile.title}: nothing to listen for"))
    for name, info in proxy.listeners.items():
        lines.append("")
        lb = table.entry_points.get(name)
        title = "shared load balancer (every Ingress)" if not profile.load_balancer_per_ingress \
            else f"load balancer of Ingress {name}"
        lines.append(style.bold(title))
        lines.append(f"  http:  {info.base_url('http')}")
        lines.append(f"  https: {info.base_url('https') or 'none (no certificate: GKE opens no HTTPS front end)'}")
        for cert in info.certificates:
            lines.append(f"  certificate {cert}")
        if lb is not None:
            curls = curl_lines(lb, info)
            for line in curls[:CURL_LINES]:
                lines.append(style.cyan(f"  {line}"))
            if len(curls) > CURL_LINES:
                lines.append(style.dim(f"  ... and {len(curls) - CURL_LINES:,} more rules (`ingress-explorer "
                                       "route` says where a URL goes)"))
    if proxy.status_port is not None:
        lines.append("")
        lines.append(f"status (JSON): http://{_bracket(proxy.options.listen)}:{proxy.status_port}/")
    lines.append("")
    lines.append(style.dim("Ctrl-C to stop."))
    return "\n".join(lines)


def gateway_banner(proxy: "Proxy", state: "ClusterState", style: Style) -> list[str]:
    """Per Gateway listener port: the local port that stands for it, and a curl line per route match."""
    from explorer.routing.gateway import routing_for

    table = routing_for(state).gateways
    lines: list[str] = []
    for gateway in table.gateways:
        lines += ["", style.bold(f"Gateway {gateway.meta.key}")]
        for port in sorted({lt.listener.port for lt in table.listeners_of(gateway)}):
            on_port = [lt for lt in table.listeners_of(gateway) if lt.listener.port == port]
            names = ", ".join(f"{lt.listener.name!r} {lt.listener.protocol}" for lt in on_port)
            info = proxy.listeners.get(f"{gateway.meta.key}:{port}")
            bases = [b for b in (info.base_url("http"), info.base_url("https")) if b] if info is not None else []
            if not bases:
                lines.append(style.yellow(f"  listener port {port} ({names}): not served (only HTTP and HTTPS "
                                          "listeners are simulated)"))
                continue
            lines.append(f"  listener port {port} ({names}): {', '.join(bases)}")
            assert info is not None
            for cert in info.certificates:
                lines.append(f"    certificate {cert}")
            seen: set[tuple[str, str, str]] = set()
            curls: list[str] = []
            for lt in on_port:
                if lt.scheme not in ("http", "https"):
                    continue
                for entry in lt.entries:
                    for hostname in entry.hostnames:
                        host = (hostname or "").replace("*", "anything", 1)
                        shown = _literal_prefix(entry.match.path.value)
                        if (lt.scheme, host, shown) in seen:
                            continue
                        seen.add((lt.scheme, host, shown))
                        if lt.scheme == "http":
                            curls.append(_curl(info.base_url("http"), host, shown))
                        else:
                            local, name = info.https_port, host or "localhost"
                            curls.append(f"curl -k --resolve {shlex.quote(f'{name}:{local}:{info.host}')} "
                                         f"{shlex.quote(f'https://{name}:{local}{shown}')}")
            for line in curls[:CURL_LINES]:
                lines.append(style.cyan(f"    {line}"))
            if len(curls) > CURL_LINES:
                lines.append(style.dim(f"    ... and {len(curls) - CURL_LINES:,} more matches (`ingress-explorer "
                                       "route --controller gateway` says where a URL goes)"))
    return lines


def curl_lines(lb, info) -> list[str]:
    """One ready-to-paste curl per rule path (and per default backend) of one load balancer."""
    base = info.base_url("http")
    out: list[str] = []
    seen: set[tuple[str, str]] = set()
    for ingress in lb.ingresses:
        for rule in ingress.rules:
            host = rule.host.replace("*", "anything", 1) if rule.host else ""
            for path in rule.paths or ():
                shown = _literal_prefix(path.path)
                if (host, shown) in seen:
                    continue
                seen.add((host, shown))
                out.append(_curl(base, host, shown))
            if host and info.https_port and any(rule.host in tls.hosts for tls in ingress.tls):
                port = info.https_port
                first = _literal_prefix(rule.paths[0].path) if rule.paths else "/"
                out.append(f"curl -k --resolve {shlex.quote(f'{host}:{port}:{info.host}')} "
                           f"{shlex.quote(f'https://{host}:{port}{first}')}")
        if ingress.default_backend is not None and ("", "/") not in seen:
            seen.add(("", "/"))
            out.append(_curl(base, "", "/") + "   # defaultBackend")
    return out


def _literal_prefix(path: str | None) -> str:
    """The part of a rule path a request can use as written: `/api(/|$)(.*)` -> `/api`, `/x/*` -> `/x/`."""
    return re.split(r"[()\[\]*+?{}|$^\\]", path or "/", maxsplit=1)[0] or "/"


def _curl(base: str | None, host: str, path: str) -> str:
    header = f"-H {shlex.quote('Host: ' + host)} " if host else ""
    return f"curl -i {header}{shlex.quote(f'{base}{path}')}"


async def _log(events: "Subscription", style: Style, quiet: bool) -> None:
    async for event in events:
        line = log_line(event, style, quiet)
        if line:
            print(line, flush=True)


def log_line(event: "TrafficEvent", style: Style, quiet: bool = False) -> str | None:
    """The access-log line of a finished request, or a health change; None for other events."""
    from explorer.traffic import HealthChanged, HealthChecksStarted, MirrorSent, PodsOnDemand, RequestCompleted

    if not isinstance(event, (RequestCompleted, HealthChanged, HealthChecksStarted, PodsOnDemand, MirrorSent)) \
            or isinstance(event, (RequestCompleted, MirrorSent)) and quiet:
        return None
    stamp = time.strftime("%H:%M:%S", time.localtime(getattr(event, "time", time.time())))
    if isinstance(event, RequestCompleted):
        status = str(event.status)
        status = style.green(status) if event.status < 400 else style.red(status) if event.status >= 500 \
            else style.yellow(status)
        where = f"-> {event.backend} pod {event.pod}" if event.pod != "-" else f"({event.outcome})"
        return f"{stamp} {event.method} {event.host}{event.path} {status} {where} {event.elapsed_ms:.1f}ms"
    if isinstance(event, MirrorSent):  # a Gateway API RequestMirror copy
        answer = f"{event.status} (answer discarded)" if event.status else f"not delivered: {event.reason}"
        return f"{stamp} mirror {event.method} {event.host}{event.path} -> {event.target} pod {event.pod} {answer}"
    if isinstance(event, HealthChanged):
        return f"{stamp} health: {event.backend} pod {event.pod} is {event.state}"
    if isinstance(event, HealthChecksStarted):
        return f"{stamp} health: {event.backend}: checks start ({event.targets} targets), for its first request"
    if isinstance(event, PodsOnDemand):  # a reloaded snapshot crossed the size (the first one is in the banner)
        return f"{stamp} {event.describe()}"
    return None


async def _watch(args: argparse.Namespace, proxy: "Proxy", profile: "ControllerProfile") -> None:
    """Poll the files' modification times; on a change, load again and apply to the running proxy."""
    from explorer.commands.common import report_problems
    from explorer.model import load

    sources = [f for f in args.files if f != "-"]
    seen = _mtimes(sources)
    while True:
        await asyncio.sleep(1.0)
        now = _mtimes(sources)
        if now == seen:
            continue
        seen = now
        try:
            with collector.paused_then_settled():  # frees the snapshot this one replaces
                state = load(args.files, namespace=args.namespace)
        except Exception as exc:  # noqa: BLE001 - a bug in loading must not end reloading for good
            from explorer.printable import bug_message

            _reload_failed(proxy, bug_message(exc))
            continue
        report_problems(state.problems, sys.stderr)
        unread = [p for p in state.problems if p.skipped and p.severity == "error"]
        if unread:
            # half a file (a YAML error mid-edit) would drop its routes: keep serving what was last good
            _reload_failed(proxy, f"{unread[0]}" + (f" (and {len(unread) - 1} more)" if len(unread) > 1 else ""))
            continue
        try:
            await proxy.apply(state, profile)
        except Exception as exc:  # noqa: BLE001
            from explorer.printable import bug_message

            _reload_failed(proxy, bug_message(exc))
            continue
        proxy.reload = {"ok": True, "at": time.strftime("%H:%M:%S"), "objects": len(state.objects)}
        print(f"reloaded: {state.summary()}", flush=True)


def _reload_failed(proxy: "Proxy", why: str) -> None:
    """Say so on stdout and on the status page; the proxy keeps the last good state until a fixed edit."""
    stamp = time.strftime("%H:%M:%S")
    proxy.reload = {"ok": False, "at": stamp, "error": why,
                    "serving": "the last state that loaded; fix the file and it reloads"}
    print(f"{stamp} reload failed, still serving the last good state: {why}", flush=True)


async def _follow(source: "ClusterSource", proxy: "Proxy", profile: "ControllerProfile",
                  first: "ClusterState") -> None:
    """Each new snapshot of the cluster (its watches, debounced) is applied to the running proxy."""
    told = {str(p) for p in first.problems}  # printed before the banner
    changes = source.changes()
    while True:
        state = await asyncio.to_thread(next, changes, None)
        if state is None:  # the source was closed
            return
        fresh = [p for p in state.problems if str(p) not in told]
        told.update(str(p) for p in fresh)
        report_problems(fresh, sys.stderr)
        with collector.paused_then_settled():  # frees the snapshot this one replaces
            await proxy.apply(state, profile)
        print(f"cluster changed: {state.summary()}", flush=True)


def _mtimes(sources: list[str]) -> dict[str, float]:
    out: dict[str, float] = {}
    for source in sources:
        root = Path(source)
        paths = [root] if root.is_file() else [p for p in root.rglob("*") if p.is_file()] if root.is_dir() else []
        for path in paths:
            try:
                out[str(path)] = path.stat().st_mtime
            except OSError:
                continue
    return out


def _port(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a port number") from None
    if not 0 <= value <= 65535:
        raise argparse.ArgumentTypeError(f"{value} is not a port (0-65535; 0 = any free port)")
    return value


def _scale(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a number") from None
    if not 0 < value <= 100:
        raise argparse.ArgumentTypeError("--time-scale must be above 0 (0.05 = 20 times faster) and at most 100")
    return value


def _is_loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


def _bracket(host: str) -> str:
    return f"[{host}]" if ":" in host else host


"""The proof of a migration: the same requests through the Ingress and through the generated Gateway API (pure).

Probes come from both compiled RouteTables (explorer/migrate/probes.py). Each goes
through the one evaluator, `explorer.routing.evaluate.route`, twice: over the
Ingress table on its controller and over the Gateway API table compiled from the
written manifests (loaded from their YAML text as files are). Only answers are
computed per probe; the trace and `route_gateway`'s explanation are built for the
probes that differ (explaining costs more than routing). Compared:

- forward: the backend namespace/service:port (a named Ingress port resolved to
  its number through the Service, as backendRefs need numbers), the split of
  weighted backends (a canary weight) as shares, the Host the backend sees
  (upstream-vhost, URLRewrite hostname), the headers set on the request
  (x-forwarded-prefix, RequestHeaderModifier) and the protocol to it
  (backend-protocol, BackendTLSPolicy); the upstream path too with `paths`
  (`migrate --upstream-paths`; always for `convert`);
- redirect: the status and the Location (an empty path read as "/", RFC 3986 6.2.3);
- any other answer: the status (refused: no listener, connection refused).

Not compared, on purpose: response bodies (nginx's and GKE's default-backend
pages are not Gateway API's 404 page: both are "404 from the front end"), the
upstream path unless asked (a capture-group rewrite is listed per annotation),
and what neither engine simulates (timeouts, health checks): listed instead.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Callable, Iterable

from explorer.model.state import ClusterState
from explorer.profiles import ControllerProfile
from explorer.routing import Request
from explorer.routing.decision import Decision
from explorer.routing.evaluate import route as evaluate
from explorer.routing.gateway import BackendShare, GatewayDecision, GatewayRouting, routing_for
from explorer.routing.gateway import hostnames
from explorer.routing.gateway.compile import entry_point_name
from explorer.routing.gateway.evaluate import request_port
from explorer.routing.route import table_for
from explorer.routing.table import EntryPoint, RouteTable
from explorer.migrate.gateway import BACKEND_PROTOCOL, Migration
from explorer.migrate.probes import UNNAMED_HOST, probe_requests

__all__ = ["UNNAMED_HOST", "Difference", "Proof", "Result", "compare", "gateway_outcome", "migrate_and_prove",
           "outcome_of", "prove", "prove_conversion"]

Outcome = tuple[Any, ...]


#: What a difference shows beyond its cause, built when first read: (before, after, why, before_text, after_text).
Rendered = tuple[dict[str, Any], dict[str, Any], str, str, str]


class Difference:
    """One probe answered differently: the request, the cause (the grouping key) and which part differs.

    Both `route -o json` objects, the why and the two report lines are built when first read: a text
    report shows three requests per cause, and a big cluster can differ on tens of thousands.
    """

    __slots__ = ("method", "url", "headers", "cause", "what", "_render", "_rendered")

    def __init__(self, method: str, url: str, headers: dict[str, str], cause: str, what: str,
                 render: Callable[[], Rendered]) -> None:
        self.method, self.url, self.headers, self.cause, self.what = method, url, headers, cause, what
        self._render: Callable[[], Rendered] | None = render
        self._rendered: Rendered | None = None

    def _get(self) -> Rendered:
        if self._rendered is None:
            assert self._render is not None
            self._rendered, self._render = self._render(), None
        return self._rendered

    @property
    def before(self) -> dict[str, Any]:
        """`route -o json` of the original side, without its trace."""
        return self._get()[0]

    @property
    def after(self) -> dict[str, Any]:
        """`route -o json` of the result (`--controller gateway` for a migration), without its trace."""
        return self._get()[1]

    @property
    def why(self) -> str:
        """The rule or answer behind it, and what the other side did instead."""
        return self._get()[2]

    @property
    def before_text(self) -> str:
        return self._get()[3]

    @property
    def after_text(self) -> str:
        return self._get()[4]

    def as_dict(self) -> dict[str, Any]:
        return {"method": self.method, "url": self.url, "headers": self.headers, "before": self.before,
                "after": self.after, "why": self.why, "differs": self.what}


@dataclass
class Proof:
    probes: int = 0
    differences: list[Difference] = field(default_factory=list)

    @property
    def equivalent(self) -> bool:
        return not self.differences


def _location(url: str | None) -> str | None:
    """RFC 3986 6.2.3: an empty http(s) path is "/"; `https://h` and `https://h/` are one Location."""
    if url is None:
        return None
    scheme, sep, rest = url.partition("://")
    if sep and "/" not in rest.split("?", 1)[0]:
        host, q, query = rest.partition("?")
        return f"{scheme}://{host}/{q}{query}"
    return url


def _port(state: ClusterState, namespace: str, service: str, port: str) -> str:
    if port.isdigit():
        return port
    svc = state.service(namespace, service)
    named = next((sp for sp in svc.ports if sp.name == port), None) if svc else None
    return str(named.port) if named else port


def outcome_of(d: Decision, state: ClusterState, protocol: str = "HTTP", paths: bool = False) -> Outcome:
    """What a client and the backend see of a decision, in a form two engines' answers compare by.

    `paths`: also the path the backend is asked for (off for a migration: a rewrite Gateway API cannot say,
    with capture groups, is listed per annotation instead, and `--upstream-paths` asks for it)."""
    if d.outcome == "forward" and d.backend is not None:
        b = d.backend
        split: tuple[tuple[str, float], ...] = ()
        shares = [w for w in d.backends if w.weight > 0 and w.answer is None]
        if len(shares) > 1:
            total = sum(w.weight for w in shares)
            split = tuple(sorted((f"{w.ref.namespace}/{w.ref.service}:{_port(state, w.ref.namespace, w.ref.service, w.ref.port)}",
                                  round(w.weight / total, 4)) for w in shares))
        host = next((v for n, v in d.upstream_headers if n.lower() == "host"), None)
        headers = tuple(sorted((n.lower(), v) for n, v in d.upstream_headers if n.lower() != "host"))
        return ("forward", f"{b.namespace}/{b.service}:{_port(state, b.namespace, b.service, b.port)}", split,
                d.upstream_path if paths else None, host, headers, protocol)
    if d.outcome == "redirect":
        return ("redirect", d.status, _location(d.location))
    if d.outcome == "refused":
        return ("refused",)
    return ("answer", d.status)


def gateway_outcome(d: GatewayDecision | None, protocol: str = "HTTP", paths: bool = False) -> Outcome:
    """`outcome_of` for a `route_gateway` answer (one request with its explanation, as the TUI shows it)."""
    if d is None:
        return ("refused",)
    if d.outcome == "forward" and d.backend is not None:
        b = d.backend
        shares = [s for s in d.backends if s.weight > 0 and s.status is None]
        split: tuple[tuple[str, float], ...] = ()
        if len(shares) > 1:
            total = sum(s.weight for s in shares)
            split = tuple(sorted((f"{s.namespace}/{s.service}:{s.port}", round(s.weight / total, 4)) for s in shares))
        sent = {(n.lower(), v) for n, v in d.request.headers}
        host = d.upstream_host if d.upstream_host and d.upstream_host != d.request.host else None
        headers = tuple(sorted((n.lower(), v) for n, v in d.request_headers
                               if n.lower() != "host" and (n.lower(), v) not in sent))
        path = ((d.upstream_path or "").split("?", 1)[0] or None) if paths else None
        return ("forward", f"{b.namespace}/{b.service}:{b.port}", split, path, host, headers, protocol)
    if d.outcome == "redirect":
        return ("redirect", d.status, _location(d.location))
    if d.outcome == "refused":
        return ("refused",)
    return ("answer", d.status)


_PARTS = ("answer", "backend", "weighted split", "upstream path", "Host sent to the backend",
          "headers set on the request", "protocol to the backend")


def _what(b: Outcome, a: Outcome) -> str:
    if b[0] != a[0]:
        return "answer"
    if b[0] == "forward":
        return ", ".join(name for name, x, y in zip(_PARTS[1:], b[1:], a[1:]) if x != y)
    return "status" if b[1] != a[1] else "Location"


def _show(o: Outcome) -> str:
    if o[0] == "forward":
        extra = [f"split {', '.join(f'{k} {v:.0%}' for k, v in o[2])}"] if o[2] else []
        if o[3] is not None:
            extra.append(f"path {o[3]}")
        if o[4]:
            extra.append(f"Host {o[4]}")
        extra += [f"{n}: {v}" for n, v in o[5]]
        if o[6] != "HTTP":
            extra.append(o[6])
        return f"forward to {o[1]}" + (f" ({'; '.join(extra)})" if extra else "")
    if o[0] == "redirect":
        return f"{o[1]} redirect to {o[2]}"
    if o[0] == "refused":
        return "connection refused"
    return f"{o[1]} from the front end"


def _kind(o: Outcome) -> str:
    return o[0] if o[0] != "answer" else f"answer {o[1]}"


Protocol = Callable[[Decision], str]


def _http(d: Decision) -> str:
    return "HTTP"


def compare(requests: Iterable[Request], before: Callable[[Request], Decision], before_state: ClusterState,
            after: Callable[[Request], Decision], after_state: ClusterState,
            before_protocol: Protocol = _http, after_protocol: Protocol = _http, paths: bool = False,
            ) -> Iterable[tuple[Request, Decision, Decision, Outcome, Outcome]]:
    """Every probe whose answers differ: (request, before, after, their outcomes)."""
    for request in requests:
        b = before(request)
        a = after(request)
        ob = outcome_of(b, before_state, before_protocol(b) if b.outcome == "forward" else "HTTP", paths)
        oa = outcome_of(a, after_state, after_protocol(a) if a.outcome == "forward" else "HTTP", paths)
        if ob != oa:
            yield request, b, a, ob, oa


def nginx_protocol(d: Decision) -> str:
    """ingress-nginx's backend-protocol of the Ingress that answered (HTTP by default; AUTO_HTTP is HTTP)."""
    value = (d.ingress.annotation(BACKEND_PROTOCOL) or "HTTP").strip().upper() if d.ingress is not None else "HTTP"
    return "HTTP" if value in ("", "AUTO_HTTP") else value


def gateway_protocol(state: ClusterState) -> Protocol:
    """HTTPS to a Service a BackendTLSPolicy targets (listed, not simulated: its validation is not checked)."""
    tls: set[tuple[str, str]] = set()
    for o in state.others:
        if o.meta.kind == "BackendTLSPolicy":
            spec = (o.meta.raw or {}).get("spec") or {}
            for ref in spec.get("targetRefs") or ():
                if isinstance(ref, dict) and ref.get("kind") == "Service":
                    tls.add((o.meta.namespace, str(ref.get("name"))))

    def protocol(d: Decision) -> str:
        b = d.backend
        return "HTTPS" if b is not None and (b.namespace, b.service) in tls else "HTTP"

    return protocol


def _by_gateway(table: RouteTable) -> dict[str, list[EntryPoint]]:
    """The Gateway table's entry points (one per Gateway and port, `ns/name:port`) by Gateway."""
    out: dict[str, list[EntryPoint]] = {}
    for name, ep in table.entry_points.items():
        out.setdefault(name.rsplit(":", 1)[0], []).append(ep)
    return out


#: Told every `TICK_EVERY` probes: (probes routed, probes of this load balancer, the proof so far); False stops.
Tick = Callable[[int, int, "Proof"], bool]
TICK_EVERY = 256


def prove(original: ClusterState, profile: ControllerProfile, migration: Migration,
          generated: ClusterState, paths: bool = False, tick: Tick | None = None) -> Proof:
    """Route every probe through both sides; `generated` holds the written manifests plus the Services.

    `paths` compares the path the backend is asked for too (see outcome_of). `tick`, when given, hears how
    far the probes of each load balancer got and can stop the proof there (a screen showing progress)."""
    proof = Proof()
    routing = routing_for(generated)
    ingress_table = table_for(original, profile)
    targets = [(ingress, gw) for ingress, gw in migration.gateway_of.items()] if profile.load_balancer_per_ingress \
        else [(None, gw) for gw in dict.fromkeys(migration.gateway_of.values())]
    after_protocol = gateway_protocol(generated)
    gateway_eps = _by_gateway(routing.routes)
    causes: dict[tuple[Any, ...], str] = {}
    lost: dict[str, list[str]] = {}  # Ingress -> annotations not carried over: the likely cause of a difference
    for note in migration.annotations:
        if note.handling != "converted":
            lost.setdefault(note.ingress, []).append(note.annotation)
    for ingress, gateway in targets:
        # GKE: each load balancer is probed with its own Ingress's hosts and paths (linear in the Ingresses);
        # nginx: the shared one with all of them.
        own = list(ingress_table.entry_points.values()) if ingress is None else \
            [ep for ep in (ingress_table.entry_points.get(ingress),) if ep is not None]
        requests = probe_requests([own, gateway_eps.get(gateway, [])])
        proof.probes += len(requests)

        def before(r: Request, lb: str | None = ingress) -> Decision:
            return evaluate(ingress_table, r, lb)

        by_scheme = {scheme: entry_point_name(gateway, port) for scheme, port in (("http", 80), ("https", 443))}

        def after(r: Request, gw: str = gateway, names: dict[str, str] = by_scheme) -> Decision:
            # probes name no port: the scheme's default picks the listener (request_port for any other)
            return evaluate(routing.routes, r, names[r.scheme] if ":" not in r.host
                            else entry_point_name(gw, request_port(r)))

        sent: Iterable[Request] = requests if tick is None else _ticking(requests, tick, proof)
        for request, b, a, ob, oa in compare(sent, before, original, after, generated,
                                             nginx_protocol if profile.reads_nginx_annotations else _http,
                                             after_protocol, paths):
            proof.differences.append(_difference(profile, migration, lost, request, b, routing, gateway, a, ob, oa,
                                                 causes))
    return proof


def _ticking(requests: list[Request], tick: Tick, proof: Proof) -> Iterable[Request]:
    total = len(requests)
    for done, request in enumerate(requests):
        if done and done % TICK_EVERY == 0 and not tick(done, total, proof):
            return
        yield request


def gateway_answer(routing: GatewayRouting, request: Request, gateway: str, d: Decision) -> GatewayDecision:
    """`route --controller gateway`'s answer without its explanation, read off the evaluator's decision.

    route_gateway explains every match attached to the listener (10,000 on a big shared Gateway); a
    difference needs only the answer and the HTTPRoute rule behind it (`explain(...)` gives the rest).
    """
    out = GatewayDecision(request, d.outcome, d.reason, gateway=gateway, status=d.status, location=d.location)
    port = request_port(request)
    out.listener_port = port
    listener = _listener(routing, request, gateway)
    out.listener = listener.name if listener is not None else ""
    entry = routing.entries.get(id(d.route)) if d.route is not None else None
    if entry is not None:
        out.route_namespace, out.route_name = entry.route.meta.namespace, entry.route.meta.name
        out.rule_index, out.rule_name, out.match_index = entry.rule_index, entry.rule.name, entry.match_index
        out.source = entry.match.location
    weights = {(b.ref.namespace, b.ref.service, b.ref.port): b.weight for b in d.backends}
    out.backends = [BackendShare(b.ref.namespace, b.ref.service, int(b.ref.port) if b.ref.port.isdigit() else None,
                                 b.weight, None, "") for b in d.backends]
    if d.backend is not None:
        key = (d.backend.namespace, d.backend.service, d.backend.port)
        out.backend = BackendShare(d.backend.namespace, d.backend.service,
                                   int(d.backend.port) if d.backend.port.isdigit() else None,
                                   weights.get(key, 1), None, "")
    if d.outcome == "forward":
        out.upstream_path = d.upstream_path
        out.upstream_host = next((v for n, v in d.upstream_headers if n.lower() == "host"), request.host)
        out.request_headers = [("Host", out.upstream_host), *[(n, v) for n, v in d.upstream_headers
                                                             if n.lower() != "host"]]
        if entry is not None and d.backend is not None:
            out.reason = (f"HTTPRoute {entry.route.meta.key} rule {entry.rule_index} match {entry.match_index} "
                          f"forwards to Service {d.backend.namespace}/{d.backend.service} port {d.backend.port}")
    elif d.outcome == "refused" and listener is None:
        out.reason = f"no {request.scheme.upper()} listener of Gateway {gateway} on port {port}: connection refused"
    return out


def _difference(profile: ControllerProfile, migration: Migration, lost: dict[str, list[str]], request: Request,
                before: Decision, routing: GatewayRouting, gateway: str, answer: Decision, b: Outcome,
                a: Outcome, causes: dict[tuple[Any, ...], str]) -> Difference:
    what = _what(b, a)
    # the cause depends on the two routes that answered, the scheme and host's listener and what differs:
    # worded once per combination (a big cluster differs on tens of thousands of probes, few causes)
    key = (id(before.route), id(answer.route), request.scheme, request.hostname, what, b[:2], a[0], gateway)
    cause = causes.get(key)
    if cause is None:
        cause = causes[key] = _cause(profile, migration, lost, request, before, routing, gateway, answer, b, what)

    def render() -> Rendered:
        after = gateway_answer(routing, request, gateway, answer)
        before_text, after_text = f"{_show(b)} ({before.reason})", f"{_show(a)} ({after.reason})"
        after_dict = after.as_dict()
        after_dict.pop("trace", None)
        return (_without_trace(before), after_dict, f"{cause}: {before_text}; Gateway API: {after_text}",
                before_text, after_text)

    return Difference(request.method, request.url, dict(request.headers), cause, what, render)


def _cause(profile: ControllerProfile, migration: Migration, lost: dict[str, list[str]], request: Request,
           before: Decision, routing: GatewayRouting, gateway: str, answer: Decision, b: Outcome, what: str) -> str:
    sources = migration.rule_sources
    entry = routing.entries.get(id(answer.route)) if answer.route is not None else None
    listened = _listener(routing, request, gateway) is not None
    rule_key = (entry.route.meta.key, entry.rule_index) if entry is not None else None
    if (answer.outcome == "refused" or not listened) and request.scheme == "https" \
            and before.outcome != "refused" and not profile.https_needs_tls:
        cause = (f"{profile.title} answers HTTPS for every host, with its self-signed default certificate where "
                 "no spec.tls names the host; a Gateway HTTPS listener needs a certificateRef, so there is none")
    elif rule_key is not None and before.path is None and rule_key in sources:
        cause = f"{sources[rule_key]} as written for Gateway API"
    elif before.path is not None and before.ingress is not None:
        cause = (f"Ingress {before.ingress.meta.key} {before.path.field} ({before.path.path_type} "
                 f"{before.path.shown_path}, host {before.rule_host or '*'})")
    elif before.ingress is not None and before.used_default_backend:
        cause = f"Ingress {before.ingress.meta.key} spec.defaultBackend"
    else:
        cause = f"{before.profile}: {_kind(b)} (no Ingress rule answers)"
    if not cause.startswith(profile.title):
        cause += f" on {request.scheme}"
    if what != "answer":
        cause += f": the {what} differs"
    keys = {before.ingress.meta.key} if before.ingress is not None else set()
    keys |= {c.meta.key for c in _canaries_of(migration, before)}
    named = [n for k in sorted(keys) for n in lost.get(k, [])]
    if named:
        cause += f"; not converted on it: {', '.join(named)}"
    return cause


def _listener(routing: GatewayRouting, request: Request, gateway: str) -> Any:
    port = request_port(request)
    return next((lt.listener for lt in routing.gateways.listeners.get(gateway, ())
                 if lt.listener.port == port and lt.scheme == request.scheme
                 and hostnames.matches(lt.listener.hostname, request.hostname)), None)


def _without_trace(d: Decision) -> dict[str, Any]:
    """`route -o json` without its trace: explaining costs more than routing, and the why names the rule."""
    return d.as_dict(trace=False)


def _canaries_of(migration: Migration, d: Decision) -> list[Any]:
    """The canary Ingresses folded into the route that answered (their annotations may be the cause)."""
    if d.route is None or d.route.origin.http_path is None:
        return []
    return migration.canaries.get(id(d.route.origin.http_path), [])


@dataclass
class Result:
    migration: Migration
    files: dict[str, str]  # file name -> YAML text, as written
    generated: ClusterState  # the written manifests loaded back, plus the input's non-Ingress objects
    proof: Proof


def migrate_and_prove(state: ClusterState, profile: ControllerProfile, gateway_class: str | None = None,
                      emitter: str = "standard", paths: bool = False) -> Result:
    """Convert, render, load the rendered YAML back as files are loaded, and prove it against the Ingresses."""
    from explorer.migrate.gateway import render, to_gateway_api
    from explorer.model.load import load_texts
    from explorer.model.objects import Ingress

    migration = to_gateway_api(state, profile, gateway_class, emitter)
    files = render(migration)
    loaded = load_texts(files)
    kept = [o for o in state.objects if not isinstance(o, Ingress)]
    generated = ClusterState([*kept, *loaded.objects], loaded.problems, tuple(files))
    return Result(migration, files, generated, prove(state, profile, migration, generated, paths))


def prove_conversion(before: ClusterState, after: ClusterState, profile: ControllerProfile) -> Proof:
    """`convert`'s proof: the v1beta1 manifests and their v1 rewrite, routed by the same controller.

    Both sides are Ingress tables of one profile, probed from both (per load balancer on GKE); any
    difference is a pathType (or path) the conversion chose wrongly, named by the rule on each side.
    """
    proof = Proof()
    t_before, t_after = table_for(before, profile), table_for(after, profile)
    if profile.load_balancer_per_ingress:
        targets: list[str | None] = list(dict.fromkeys([*t_before.entry_points, *t_after.entry_points]))
    else:
        targets = [None]
    for lb in targets:
        sides = [list(t.entry_points.values()) if lb is None else
                 [ep for ep in (t.entry_points.get(lb),) if ep is not None] for t in (t_before, t_after)]
        requests = probe_requests(sides)
        proof.probes += len(requests)

        def route_before(r: Request, lb: str | None = lb) -> Decision:
            return evaluate(t_before, r, lb)

        def route_after(r: Request, lb: str | None = lb) -> Decision:
            return evaluate(t_after, r, lb)

        for request, b, a, ob, oa in compare(requests, route_before, before, route_after, after, paths=True):
            proof.differences.append(_converted_difference(request, b, a, ob, oa))
    return proof


def _rule_of(d: Decision) -> str:
    if d.path is not None and d.ingress is not None:
        return (f"Ingress {d.ingress.meta.key} {d.path.field} ({d.path.path_type or 'no pathType'} "
                f"{d.path.shown_path}, host {d.rule_host or '*'})")
    if d.ingress is not None and d.used_default_backend:
        return f"Ingress {d.ingress.meta.key} spec.defaultBackend"
    return f"{d.profile}: {_kind(outcome_of(d, ClusterState([])))} (no Ingress rule answers)"


def _converted_difference(request: Request, before: Decision, after: Decision, b: Outcome, a: Outcome) -> Difference:
    what = _what(b, a)
    cause = f"{_rule_of(before)} as written, {_rule_of(after)} once converted: the {what} differs"

    def render() -> Rendered:
        before_text, after_text = f"{_show(b)} ({before.reason})", f"{_show(a)} ({after.reason})"
        return (_without_trace(before), _without_trace(after), f"{cause}: {before_text}; converted: {after_text}",
                before_text, after_text)

    return Difference(request.method, request.url, dict(request.headers), cause, what, render)

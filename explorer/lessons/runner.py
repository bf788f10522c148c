"""Run a step's checks, including those that need real traffic through the embedded proxy.

The runner never names the proxy: it is handed a `PortFactory`, a function
that makes a fresh `explorer.traffic.TrafficPort` (the embedded proxy
implements it; the CLI and the TUI, which are edges, supply it). It starts
the port, replays what the simulated cluster has applied so the controller
sees the same history as the pure checks, sends the requests and
handshakes a check asks for, and hands what it saw to
`checks.judge_response` / `checks.judge_certificate`. All traffic stays on
127.0.0.1.
"""

from __future__ import annotations

import asyncio
import base64
import math
import ssl
from urllib.parse import urlsplit
from dataclasses import dataclass
from typing import Callable

from explorer.lessons.attempt import Attempt
from explorer.lessons.checks import (
    CheckResult, SentDuringRollout, StepResult, check_step, judge_certificate, judge_response, judge_rollout,
    profile_of, quote, request_of,
)
from explorer.lessons.messages import say
from explorer.lessons.spec import RequestCheck, RolloutCheck, Step, TLSCheck
from explorer.model.redact import reveal
from explorer.routing import ControllerProfile, route
from explorer.topology.pods import pods_for_service
from explorer.topology.rollout import simulate_rollout
from explorer.traffic import HopReached, ListenerInfo, RequestCompleted, ResponseSummary, TrafficPort

#: Makes a fresh, unstarted port to real traffic (the embedded proxy on 127.0.0.1).
PortFactory = Callable[[], TrafficPort]

_TIMEOUT = 10.0  # seconds for one request or handshake on loopback


async def run_step(step: Step, attempt: Attempt, lang: str, ports: PortFactory) -> StepResult:
    """Every check of the step: the pure ones, then the proxy ones (one proxy per controller)."""
    pure = check_step(step, attempt, lang)
    results = list(pure.results)
    waiting: dict[str, list[int]] = {}
    for index, result in enumerate(results):
        if result.passed is None:
            waiting.setdefault(profile_of(result.check, step.profile).name, []).append(index)
    for name, indexes in waiting.items():
        profile = profile_of(results[indexes[0]].check, step.profile)
        try:
            proxy = await _start(ports, attempt, profile)
        except Exception as exc:  # the proxy could not start: every check it would run fails, saying why
            for i in indexes:
                results[i] = CheckResult(results[i].check, False, results[i].expected,
                                         say("got.no_proxy", lang, error=exc),
                                         quote(str(exc), lang, say("reason.no_proxy", lang)))
            continue
        try:
            for i in indexes:
                results[i] = await _run(results[i].check, attempt, lang, profile, proxy)
        finally:
            await proxy.stop()
    return StepResult(step, tuple(results))


def run_step_sync(step: Step, attempt: Attempt, lang: str, ports: PortFactory) -> StepResult:
    """`run_step` for programs without an event loop (the CLI)."""
    return asyncio.run(run_step(step, attempt, lang, ports))


async def _start(ports: PortFactory, attempt: Attempt, profile: ControllerProfile) -> TrafficPort:
    proxy = ports()
    applied = [*attempt.history, attempt.texts]
    states = [attempt.state_of(texts) for texts in applied]
    await proxy.start(states[0], profile)
    try:
        for state in states[1:]:
            await proxy.apply(state, profile)
    except BaseException:
        await proxy.stop()
        raise
    return proxy


async def _run(check, attempt: Attempt, lang: str, profile: ControllerProfile, proxy: TrafficPort) -> CheckResult:
    if isinstance(check, RequestCheck):
        headers = {"Host": check.host} if check.host else {}
        headers.update(check.headers)
        try:
            got = await asyncio.wait_for(proxy.send(check.method, check.url, headers=headers or None,
                                                    body=b"x" * check.body_bytes), _TIMEOUT)
        except Exception as exc:
            return judge_response(check, lang, profile, None, "-", "-", None, _describe(exc))
        location = next((v for k, v in got.headers if k.lower() == "location"), None)
        return judge_response(check, lang, profile, got.status, got.pod, got.backend, location, headers=got.headers,
                              body=got.body)
    if isinstance(check, RolloutCheck):
        return await _rollout(check, attempt, lang, profile, proxy)
    assert isinstance(check, TLSCheck)
    return await _handshake(check, attempt, lang, profile, proxy)


#: Real seconds per simulated second while a rollout is enacted: the 10 s NEG detach takes 2 s of a check.
ROLLOUT_SPEED = 0.2


async def _rollout(check: RolloutCheck, attempt: Attempt, lang: str, profile: ControllerProfile,
                   proxy: TrafficPort) -> CheckResult:
    """One old Pod leaves while real requests go through the proxy, one per Pod and simulated second.

    The proxy closes the Pod's port when the timeline says it stops serving and keeps sending it
    requests until the detach; a request the load balancer gives it in between is refused: 502."""
    rollout = simulate_rollout(attempt.state, profile, attempt.namespace, check.service, check.paths)
    service = attempt.state.service(attempt.namespace, check.service)
    pods = sorted(p.key for p in pods_for_service(attempt.state, service)) if service is not None else []
    workloads = attempt.state.workloads_for(service) if service is not None else []
    where = f"{workloads[0].meta.location} (Deployment {workloads[0].meta.name})" if workloads else ""
    if rollout.termination is None or not pods:
        return judge_rollout(check, lang, profile, rollout, (), where)
    t = rollout.termination
    quick = [p for p in check.paths if not any(r.path == p and r.duration > 0 for r in rollout.requests)]
    headers = {"Host": urlsplit(check.url).hostname or ""}
    try:
        await proxy.terminate_pod(pods[0], t.stops_serving * ROLLOUT_SPEED, t.detached * ROLLOUT_SPEED)
    except Exception as exc:
        return judge_rollout(check, lang, profile, rollout, (), where, _describe(exc))
    loop = asyncio.get_running_loop()
    began = loop.time()
    sent: list[SentDuringRollout] = []
    for second in range(int(math.ceil(t.detached)) if quick else 0):
        at = second + 0.5  # between the timeline's whole seconds, so no request races an edge of it
        for n in range(len(pods)):
            path = quick[(second * len(pods) + n) % len(quick)]
            await asyncio.sleep(max(0.0, began + at * ROLLOUT_SPEED - loop.time()))
            try:
                got = await asyncio.wait_for(proxy.send("GET", check.url + path, headers=headers), _TIMEOUT)
                sent.append(SentDuringRollout(path, at, got.status, got.pod))
            except Exception:
                sent.append(SentDuringRollout(path, at, None, "-"))
    # the Pod has left the NEG before the step's next check: later requests reach the other Pods
    await asyncio.sleep(max(0.0, began + t.detached * ROLLOUT_SPEED + 0.05 - loop.time()))
    return judge_rollout(check, lang, profile, rollout, tuple(sent), where)


async def _handshake(check: TLSCheck, attempt: Attempt, lang: str, profile: ControllerProfile,
                     proxy: TrafficPort) -> CheckResult:
    decision = route(attempt.state, profile, request_of(f"https://{check.sni}/", None))
    info: ListenerInfo | None = proxy.listeners.get(decision.load_balancer) or next(
        iter(proxy.listeners.values()), None)
    if profile.front_end == "gateway":  # the Gateway listener that terminates TLS (port 443 as written)
        info = next((i for i in proxy.listeners.values() if i.https_port is not None), None)
    wanted = _secret_certificate(attempt, check.secret) if check.secret else None
    if info is None or info.https_port is None:
        error = f"no HTTPS front end: {decision.reason}" if decision.outcome == "refused" else "no HTTPS listener"
        return judge_certificate(check, lang, profile, None, wanted, (), "", error)
    context = ssl.create_default_context()
    context.check_hostname = False
    context.verify_mode = ssl.CERT_NONE  # we compare the certificate itself, not its trust chain
    try:
        _, writer = await asyncio.wait_for(
            asyncio.open_connection(info.host, info.https_port, ssl=context, server_hostname=check.sni), _TIMEOUT)
    except Exception as exc:
        return judge_certificate(check, lang, profile, None, wanted, (), "", _describe(exc))
    try:
        served = writer.get_extra_info("ssl_object").getpeercert(binary_form=True)
    finally:
        writer.close()
        try:
            await writer.wait_closed()
        except (ssl.SSLError, ConnectionError):
            pass
    fallback = say("source.first" if profile.unknown_sni_certificate == "first" else "source.fake", lang,
                   controller=profile.title)
    claimed = next((line.split(": ", 1)[1] for line in info.certificates
                    if check.sni in line.split(": ", 1)[0].split(", ")), None)
    source = claimed or fallback
    secret = attempt.state.secrets.get((attempt.namespace, check.secret)) if check.secret else None
    if secret is None:  # the Secret the rules name for this host: where a wrong certificate would be
        secret = next((attempt.state.secrets.get((i.meta.namespace, t.secret_name)) for i in attempt.state.ingresses
                       for t in i.tls if t.secret_name and check.sni in t.hosts), None)
    where = f"{secret.meta.location} (Secret {secret.meta.name})" if secret is not None else ""
    return judge_certificate(check, lang, profile, served, wanted, _names(served), source, where=where,
                             claimed=claimed is not None)


@dataclass
class DemoRun:
    """A step's demo request, sent through the proxy: what came back, and the hops it reached in order."""

    summary: ResponseSummary | None
    hops: list[str]  # HopReached.kind of each hop reached
    error: str = ""


async def send_demo(attempt: Attempt, url: str, host: str | None, profile: ControllerProfile,
                    ports: PortFactory) -> DemoRun:
    """Send one request through a proxy running the attempt's state, and collect its hop events."""
    try:
        proxy = await _start(ports, attempt, profile)
    except Exception as exc:
        return DemoRun(None, [], f"the proxy did not start: {exc}")
    events = proxy.subscribe()
    try:
        try:
            summary = await asyncio.wait_for(proxy.send("GET", url, {"Host": host} if host else None), _TIMEOUT)
        except Exception as exc:
            return DemoRun(None, [], _describe(exc))
        hops: list[str] = []
        loop = asyncio.get_running_loop()
        deadline = loop.time() + 1.0
        while (left := deadline - loop.time()) > 0:
            try:
                event = await asyncio.wait_for(events.queue.get(), left)
            except asyncio.TimeoutError:
                break
            if event is None or getattr(event, "request_id", None) != summary.request_id:
                continue
            if isinstance(event, HopReached):
                hops.append(event.kind)
            if isinstance(event, RequestCompleted):
                break
        return DemoRun(summary, hops)
    finally:
        events.close()
        await proxy.stop()


def _secret_certificate(attempt: Attempt, name: str) -> bytes | None:
    """The first certificate of the Secret's tls.crt, as DER; None when the Secret holds none."""
    secret = attempt.state.secrets.get((attempt.namespace, name))
    raw = secret.meta.raw if secret is not None else None
    if not isinstance(raw, dict):
        return None
    pem = reveal((raw.get("stringData") or {}).get("tls.crt"))  # sealed by the loader (explorer.model.redact)
    if pem is None and reveal((raw.get("data") or {}).get("tls.crt")) is not None:
        try:
            pem = base64.b64decode(reveal(raw["data"]["tls.crt"]) or "").decode("ascii", "replace")
        except ValueError:
            return None
    if not isinstance(pem, str) or "-----BEGIN CERTIFICATE-----" not in pem:
        return None
    first = pem[pem.index("-----BEGIN CERTIFICATE-----"):]
    end = first.find("-----END CERTIFICATE-----")
    try:
        return ssl.PEM_cert_to_DER_cert(first[: end + len("-----END CERTIFICATE-----")])
    except ValueError:
        return None


def _names(der: bytes) -> tuple[str, ...]:
    """The DNS names a certificate is for (its SANs, else its CN)."""
    from cryptography import x509
    from cryptography.x509.oid import NameOID

    cert = x509.load_der_x509_certificate(der)
    names: list[str]
    try:
        names = list(cert.extensions.get_extension_for_class(x509.SubjectAlternativeName).value.get_values_for_type(
            x509.DNSName))
    except x509.ExtensionNotFound:
        names = [str(a.value) for a in cert.subject.get_attributes_for_oid(NameOID.COMMON_NAME)]
    return tuple(names)


def _describe(exc: BaseException) -> str:
    if isinstance(exc, asyncio.TimeoutError):
        return f"no answer within {_TIMEOUT:g} s"
    return str(exc) or type(exc).__name__

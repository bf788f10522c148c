"""Judge a step's checks on the same machinery every view uses (pure).

Routes go through `explorer.routing.route`, findings through
`explorer.diagnostics.check`, health, addresses and hops through the
controller simulation (`explorer.topology`). Nothing here matches paths,
reads annotations or decides health itself. Checks that need real traffic
(RequestCheck, TLSCheck) are judged here from what the runner observed
(`judge_response`, `judge_certificate`); the runner does the I/O.

Every failing result says what it got, why, and where to look: the field
(file:line and path) or the hop of the flow that is wrong.
"""

from __future__ import annotations

import base64
import binascii
import json
import re
from dataclasses import dataclass
from typing import Callable

from explorer.diagnostics.finding import Finding
from explorer.lessons.attempt import Attempt
from explorer.lessons.messages import say
from explorer.lessons.text import DEFAULT_LANG
from explorer.lessons.patch import PatchError, without
from explorer.lessons.findings_text import finding_title
from explorer.lessons.spec import (
    AddressChangeCheck, AddressCheck, Check, CleanCheck, GatewayCheck, MigrationCheck, RolloutCheck, ProbeCheck, ServiceTypeCheck, FindingCheck, HealthCheckPath, HealthCheckState, HopsCheck, RequestCheck, RouteCheck,
    Step, TLSCheck, needs_proxy,
)
from explorer.lessons.controllers import lesson_profile
from explorer.routing import ControllerProfile, Decision, Request, route
from explorer.migrate.gateway import to_gateway_api
from explorer.migrate.proof import prove
from explorer.model.objects import Ingress
from explorer.model.state import ClusterState
from explorer.routing.gateway import routing_for
from explorer.topology.controller import BackendService, ControllerState, health_checks, reconcile
from explorer.topology.gke import reserved_addresses
from explorer.topology.rollout import Rollout
from explorer.topology.flow import resolve


@dataclass(frozen=True)
class CheckResult:
    check: Check
    passed: bool | None  # None: not run (it needs the embedded proxy)
    expected: str  # the goal, in the learner's language
    actual: str  # what it is now
    reason: str = ""  # why it fails, in the machinery's words
    where: str = ""  # file:line and field, or the hop, to look at


@dataclass(frozen=True)
class StepResult:
    step: Step
    results: tuple[CheckResult, ...]

    @property
    def passed(self) -> bool:
        return all(r.passed is True for r in self.results)

    @property
    def pending(self) -> tuple[CheckResult, ...]:
        return tuple(r for r in self.results if r.passed is None)

    @property
    def failures(self) -> tuple[CheckResult, ...]:
        return tuple(r for r in self.results if r.passed is False)


def checks_of(step: Step) -> tuple[Check, ...]:
    """The step's checks, after the one every step has first: the files load and no error-level finding stands."""
    profiles = tuple(dict.fromkeys([step.profile, *(c.profile for c in step.checks if c.profile)]))
    return (CleanCheck(profiles), *step.checks)


def check_step(step: Step, attempt: Attempt, lang: str) -> StepResult:
    """Every check of the step that can be judged without traffic; proxy checks come back not run."""
    return StepResult(step, tuple(evaluate(c, attempt, lang, step.profile) for c in checks_of(step)))


def profile_of(check: Check, default: str) -> ControllerProfile:
    return lesson_profile(check.profile or default)


def evaluate(check: Check, attempt: Attempt, lang: str, default_profile: str) -> CheckResult:
    profile = profile_of(check, default_profile)
    if needs_proxy(check):
        return CheckResult(check, None, expectation(check, lang, profile), say("got.not_run", lang))
    judge = _JUDGES[type(check)]
    return judge(check, attempt, lang, profile)


# ------------------------------------------------------------------ what each check wants


def expectation(check: Check, lang: str, profile: ControllerProfile) -> str:
    controller = profile.title
    named: str | None = getattr(check, "host", None)
    host = say("host", lang, host=named) if named else ""
    if isinstance(check, RouteCheck) and check.client:
        host += say("want.client", lang, client=check.client)
    if isinstance(check, RequestCheck):
        host += _sent(check, lang)
    if isinstance(check, RouteCheck):
        via = say(f"via.{check.default_backend}", lang) if check.default_backend else ""
        if check.service is not None:
            port = f":{check.port}" if check.port else ""
            return say("want.route.service", lang, url=check.url, host=host, service=check.service, port=port,
                       via=via, controller=controller)
        if check.location is not None:
            return say("want.route.redirect", lang, url=check.url, host=host, status=check.status,
                       location=check.location, controller=controller)
        return say("want.route.status", lang, url=check.url, host=host, status=check.status, via=via,
                   controller=controller)
    if isinstance(check, CleanCheck):
        return say("want.clean", lang, controllers=", ".join(lesson_profile(p).title for p in check.profiles))
    if isinstance(check, FindingCheck):
        key = "want.finding.present" if check.present else "want.finding.absent"
        return say(key, lang, code=check.code, title=finding_title(check.code, lang), controller=controller)
    if isinstance(check, HealthCheckState):
        return say("want.health", lang, service=check.service, state=check.state, controller=controller)
    if isinstance(check, HealthCheckPath):
        source = say("source", lang, source=check.source) if check.source else ""
        return say("want.health_check", lang, service=check.service, path=check.path, source=source)
    if isinstance(check, AddressChangeCheck):
        return say("want.address_changed", lang, ingress=check.ingress)
    if isinstance(check, ServiceTypeCheck):
        return say("want.service_type", lang, service=check.service, type=check.type)
    if isinstance(check, ProbeCheck):
        return say("want.probe", lang, service=check.service, path=check.path)
    if isinstance(check, AddressCheck):
        return say("want.address", lang, ingress=check.ingress, name=check.reserved)
    if isinstance(check, HopsCheck):
        return say("want.hops", lang, url=check.url, host=host, hops=" → ".join(check.through),
                   controller=controller)
    if isinstance(check, RequestCheck):
        pod = say("want.request.pod", lang, service=check.service) if check.service else ""
        location = say("want.request.location", lang, location=check.location) if check.location else ""
        if check.backend:
            location += say("want.request.backend", lang, service=check.backend)
        if check.path:
            location += say("want.request.path", lang, path=check.path)
        for name, value in check.response_headers:
            location += say("want.request.header", lang, header=f"{name}: {value}")
        url = check.url if check.method == "GET" else f"{check.method} {check.url}"
        return say("want.request", lang, url=url, host=host, status=check.status, pod=pod, location=location,
                   controller=controller)
    if isinstance(check, MigrationCheck):
        scheme = say("want.migration.scheme", lang, scheme=check.scheme) if check.scheme else ""
        return say("want.migration", lang, scheme=scheme, ingress=check.ingress, gateway=check.gateway,
                   controller=controller)
    if isinstance(check, RolloutCheck):
        return say("want.rollout", lang, service=check.service, paths=", ".join(check.url + p for p in check.paths),
                   controller=controller)
    if isinstance(check, GatewayCheck):
        if check.implementation is None:
            return say("want.gateway.address", lang, gateway=check.gateway, address=check.address)
        first = say("want.gateway.implementation", lang, gateway=check.gateway,
                    implementation=_implementation(check.implementation, lang))
        return say("want.gateway.both", lang, first=first, address=check.address) if check.address else first
    assert isinstance(check, TLSCheck)
    if not check.covers:
        return say("want.tls.fallback", lang, sni=check.sni, controller=controller)
    secret = say("want.tls.secret", lang, secret=check.secret) if check.secret else ""
    return say("want.tls", lang, sni=check.sni, secret=secret, controller=controller)


# ------------------------------------------------------------------ routes


def request_of(url: str, host: str | None, client: str | None = None) -> Request:
    return Request.from_url(url, headers=(("Host", host),) if host else (), client=client or "127.0.0.1")


def _sent(check: RequestCheck, lang: str) -> str:
    """What the request carries besides its URL: headers (credentials by user name only) and a body's size."""
    shown = [f"{name}: {_header_shown(name, value)}" for name, value in check.headers]
    out = say("want.request.headers", lang, headers=", ".join(shown)) if shown else ""
    if check.body_bytes:
        out += say("want.request.body", lang, size=size_text(check.body_bytes))
    return out


def _header_shown(name: str, value: str) -> str:
    """Authorization: Basic names its user and hides its password; other credentials are hidden whole."""
    if name.lower() not in ("authorization", "proxy-authorization", "cookie"):
        return value
    scheme, _, token = value.partition(" ")
    if scheme.lower() == "basic":
        try:
            user = base64.b64decode(token, validate=True).decode("utf-8").partition(":")[0]
        except (binascii.Error, UnicodeDecodeError):
            return "Basic …"
        return f"Basic {user}:…"
    return f"{scheme} …" if token else "…"


def size_text(n: int) -> str:
    """1572864 -> 1.5 MiB: sizes as nginx's limits are written (1m = 1 MiB)."""
    for unit, factor in (("MiB", 1 << 20), ("KiB", 1 << 10)):
        if n >= factor:
            return f"{n / factor:g} {unit}"
    return f"{n} B"


def _route(check: RouteCheck, attempt: Attempt, lang: str, profile: ControllerProfile) -> CheckResult:
    decision = route(attempt.state, profile, request_of(check.url, check.host, check.client))
    actual = describe_decision(decision, lang, profile)
    ok = _route_matches(check, decision)
    reason, where = "", ""
    if not ok:
        reason = quote(symptom(decision.reason), lang, say("reason.route", lang, got=actual))
        if check.service and decision.forwards and decision.backend and decision.backend.service != check.service:
            reason = quote(symptom(decision.reason), lang,
                           say("reason.wrong_service", lang, got=decision.backend.service, want=check.service), True)
        where = _decision_site(attempt, profile, decision, check.service)
    return CheckResult(check, ok, expectation(check, lang, profile), actual, reason, where)


def _route_matches(check: RouteCheck, d: Decision) -> bool:
    if check.default_backend is not None and d.used_default_backend != check.default_backend:
        return False
    if check.service is not None:  # a 503 for no ready endpoints: sent to that Service, which has no ready Pod
        unready = d.status in (502, 503) and "has no ready endpoints" in d.reason
        return (d.forwards or unready) and d.backend is not None and d.backend.service == check.service and \
            (check.port is None or d.backend.port == check.port)
    if d.status != check.status or d.forwards:
        return False
    return check.location is None or d.location == check.location


def describe_decision(d: Decision, lang: str, profile: ControllerProfile) -> str:
    if d.outcome == "forward" and d.backend is not None:
        via = say("via.ingress", lang) if d.used_default_backend == "ingress" else ""
        return say("got.forward", lang, backend=d.backend, via=via)
    if d.outcome == "redirect":
        return say("got.redirect", lang, status=d.status, location=d.location)
    if d.outcome == "refused":
        return say("got.refused", lang)
    return say("got.answer", lang, status=d.status, controller=profile.title)


def _decision_site(attempt: Attempt, profile: ControllerProfile, d: Decision, wanted: str | None) -> str:
    """The path meant for the wanted Service and why it lost; else the field that decided, or the broken hop."""
    for entry in d.trace:
        if wanted and entry.verdict in ("no-match", "matched", "skipped", "other-host") and entry.backend.split(":")[0] == wanted \
                and entry.location is not None:
            return f"{entry.location} {entry.field}: {symptom(entry.reason)}"
    if d.forwards and d.path is not None:
        return f"{d.path.location} {d.path.field}"
    for entry in d.trace:
        if entry.verdict in ("not-served", "skipped") and entry.location is not None:
            return f"{entry.location} {entry.field}".rstrip()
    flow = resolve(attempt.state, profile, d, attempt.controller(profile))
    broken = flow.first_break()
    if broken is not None:
        place = f" ({broken.location})" if broken.location else ""
        return f"{broken.label}{place}: {broken.reason}"
    owner = d.ingress or next((i for i in attempt.state.ingresses if i.meta.key == d.load_balancer), None) \
        or next(iter(attempt.state.ingresses), None)
    return f"{owner.meta.location} (Ingress {owner.meta.name})" if owner is not None else ""


# ------------------------------------------------------------------ findings


def _finding(check: FindingCheck, attempt: Attempt, lang: str, profile: ControllerProfile) -> CheckResult:
    found = [f for f in attempt.findings(profile) if f.code == check.code and _is(f.object, check.object)]
    ok = bool(found) == check.present
    if found:
        first = found[0]
        where = f"{first.location} {first.field}".rstrip()
        actual = say("got.finding.present", lang, code=check.code, where=first.location)
        reason = finding_reason(first, lang)  # the symptom; the fix is for the hints
    else:
        actual, where, reason = say("got.finding.absent", lang, code=check.code), "", ""
    if ok:
        reason, where = "", ""
    return CheckResult(check, ok, expectation(check, lang, profile), actual, reason, where)


#: The router's advice inside its reasons, "(write /foo/* or use pathType Prefix ...)": the hints' job, not the check's.
_ADVICE = re.compile(r"\s*\((?:write|use|set|add|remove)\b[^()]*\)")


def symptom(text: str) -> str:
    """The machinery's sentence without the fix it suggests, so a failing check leaves the fix to the hints."""
    return _ADVICE.sub("", text)


def quote(text: str, lang: str, lead: str, lead_in_english: bool = False) -> str:
    """The machinery's own words (router, controller, proxy) behind `lead`, the symptom in the learner's language.

    English shows the machinery's sentence (after the lead only when asked); other languages always
    lead with their own sentence and quote the original, so it can still be searched for."""
    if lang == DEFAULT_LANG:
        if not text:
            return lead
        return f"{lead}: {text}" if lead_in_english else text
    return say("quoted", lang, lead=lead, text=text) if text else lead


def finding_reason(finding: Finding, lang: str) -> str:
    """What a finding says is wrong, in the learner's language: never its hint (the fix is the hints' job)."""
    if lang == DEFAULT_LANG:
        return finding.message
    return say("reason.finding", lang, code=finding.code, title=finding_title(finding.code, lang),
               message=finding.message)


def _clean(check: CleanCheck, attempt: Attempt, lang: str, profile: ControllerProfile) -> CheckResult:
    """Loading errors and error-level findings, every one with file:line, in file order."""
    seen: dict[tuple[str, str, int, str], Finding] = {}
    for name in check.profiles:
        for f in attempt.findings(lesson_profile(name)):
            if f.severity == "error":
                seen.setdefault((f.code, f.location.file, f.location.line, f.message), f)
    errors = sorted(seen.values(), key=lambda f: f.sort_key())
    expected = expectation(check, lang, profile)
    if not errors:
        return CheckResult(check, True, expected, say("got.clean", lang))
    first = errors[0]
    lines = [f"{f.location} {f.code}: {finding_reason(f, lang)}" for f in errors[:5]]
    if len(errors) > 5:
        lines.append(say("got.more", lang, n=len(errors) - 5))
    return CheckResult(check, False, expected, say("got.errors", lang, n=len(errors)), "\n".join(lines),
                       f"{first.location} {first.field}".rstrip())


def _is(obj: str, wanted: str | None) -> bool:
    """Kind/namespace/name (a finding's object) is Kind/name (a lesson's)."""
    if wanted is None:
        return True
    kind, _, name = wanted.partition("/")
    return obj.startswith(f"{kind}/") and obj.endswith(f"/{name}")


# ------------------------------------------------------------------ health


def _backends(cs: ControllerState, namespace: str, service: str, port: str | None) -> list[BackendService]:
    return [b for b in cs.backends.values() if b.namespace == namespace and b.service == service
            and (port is None or b.names_port(port))]


def _no_backend(cs: ControllerState, check: HealthCheckState | HealthCheckPath, lang: str) -> tuple[str, str, str]:
    errors = [f"{lb.ingress}: {lb.error}" for lb in cs.load_balancers.values() if lb.error]
    reason = quote("; ".join(errors), lang, say("reason.no_backend", lang)) if errors else \
        say("reason.not_named", lang, service=check.service)
    return say("got.no_backend", lang, service=check.service), reason, "; ".join(
        f"Ingress {lb.ingress}" for lb in cs.load_balancers.values() if lb.error)


def _health(check: HealthCheckState, attempt: Attempt, lang: str, profile: ControllerProfile) -> CheckResult:
    cs = attempt.controller(profile)
    expected = expectation(check, lang, profile)
    backends = _backends(cs, attempt.namespace, check.service, check.port)
    if not backends:
        actual, reason, where = _no_backend(cs, check, lang)
        return CheckResult(check, False, expected, actual, reason, where)
    backend = backends[0]
    state = cs.backend_health(backend.id)
    ok = state == check.state
    reason = where = ""
    if not ok:
        hc = backend.health_check
        last = next((cs.target_health(backend.id, t.name).last_status for t in backend.targets), None)
        low, high = cs.healthy_statuses
        who = say("reason.lb_check" if hc is not None else "reason.readiness", lang)
        path = hc.path if hc is not None else next((t.check.path for t in backend.targets if t.check), "/")
        reason = say("reason.health", lang, who=who, path=path,
                     got=last if last is not None else say("reason.no_answer", lang),
                     accepts=f"{low}" if low == high else f"{low}-{high}", why=hc.why if hc else "")
        blocked = next((t.blocked for t in health_checks(cs) if t.backend_id == backend.id and t.blocked), "")
        if blocked:  # the probes never reached the Pods: say why, in the machinery's words
            reason = quote(blocked, lang, reason, True)
        where = f"backend {backend.id} (Service {backend.service}:{backend.port})"
    return CheckResult(check, ok, expected, say("got.health", lang, state=state), reason, where)


def _health_check(check: HealthCheckPath, attempt: Attempt, lang: str, profile: ControllerProfile) -> CheckResult:
    cs = attempt.controller(profile)
    expected = expectation(check, lang, profile)
    backends = [b for b in _backends(cs, attempt.namespace, check.service, check.port) if b.health_check]
    if not backends:
        actual, reason, where = _no_backend(cs, check, lang)
        return CheckResult(check, False, expected, actual, reason, where)
    hc = backends[0].health_check
    assert hc is not None
    ok = hc.path == check.path and (check.source is None or hc.source == check.source)
    actual = say("got.health_check", lang, path=hc.path, source=hc.source)
    reason = "" if ok else say("reason.source", lang, source=hc.source, why=hc.why)
    where = "" if ok else f"backend {backends[0].id} (Service {check.service})"
    return CheckResult(check, ok, expected, actual, reason, where)


def _probe(check: ProbeCheck, attempt: Attempt, lang: str, profile: ControllerProfile) -> CheckResult:
    expected = expectation(check, lang, profile)
    service = attempt.state.services.get((attempt.namespace, check.service))
    workloads = attempt.state.workloads_for(service) if service is not None else []
    containers = [(w, c) for w in workloads for c in w.template.containers]
    if not containers:
        return CheckResult(check, False, expected, say("got.probe.no_pods", lang, service=check.service),
                           say("got.probe.no_pods", lang, service=check.service),
                           str(service.meta.location) if service is not None else "")
    for workload, container in containers:
        probe = container.readiness_probe
        if probe is None or probe.kind != "httpGet" or probe.path != check.path:
            got = say("got.probe.none", lang) if probe is None else (
                f"{probe.kind} {probe.path}" if probe.path else probe.kind)
            return CheckResult(check, False, expected, say("got.probe", lang, container=container.name, got=got),
                               say("reason.probe", lang, container=container.name, got=got, want=check.path),
                               f"{container.location} {container.field}")
    return CheckResult(check, True, expected, say("got.probe", lang, container=containers[0][1].name,
                                                  got=f"httpGet {check.path}"))


# ------------------------------------------------------------------ addresses and hops


def _address(check: AddressCheck, attempt: Attempt, lang: str, profile: ControllerProfile) -> CheckResult:
    expected = expectation(check, lang, profile)
    key = f"{attempt.namespace}/{check.ingress}"
    ingress = attempt.state.ingress(attempt.namespace, check.ingress)
    where = str(ingress.meta.location) if ingress is not None else ""
    lb = attempt.controller(profile).load_balancers.get(key)
    if lb is None or lb.address is None:
        error = lb.error if lb is not None and lb.error else f"{profile.title} serves no Ingress {key}"
        return CheckResult(check, False, expected, say("got.no_address", lang),
                           say("reason.address_error", lang, error=error), where)
    try:
        gone = without(attempt.texts, f"Ingress/{check.ingress}")
    except PatchError as exc:
        return CheckResult(check, False, expected, lb.address, quote(str(exc), lang, say("reason.patch", lang)), where)
    again = attempt.replay(profile, then=[gone, attempt.texts]).load_balancers.get(key)
    after = again.address if again is not None and again.address else say("got.no_address", lang)
    actual = say("got.address", lang, before=lb.address, source=lb.address_source, after=after)
    ok = lb.address_source == "static" and lb.static_ip_name == check.reserved and after == lb.address
    if ok:
        reason = ""
    elif lb.address_source == "static" and lb.static_ip_name != check.reserved:
        reason = say("reason.address_other", lang, got=lb.static_ip_name, want=check.reserved)
    elif lb.address_source == "static":
        reason = say("reason.address_lost", lang, before=lb.address, after=after)
    else:
        reason = say("reason.address_changed", lang, source=lb.address_source)
    return CheckResult(check, ok, expected, actual, reason, "" if ok else where)


def _address_change(check: AddressChangeCheck, attempt: Attempt, lang: str,
                    profile: ControllerProfile) -> CheckResult:
    """The addresses the Ingress had over the applied history, the way the controller gave them out."""
    expected = expectation(check, lang, profile)
    key = f"{attempt.namespace}/{check.ingress}"
    seen: list[str] = []
    cs: ControllerState | None = None
    for now, texts in enumerate([*attempt.history, attempt.texts], start=1):
        cs, _ = reconcile(cs, attempt.state_of(texts), profile, now=float(now))
        lb = cs.load_balancers.get(key)
        if lb is not None and lb.address and (not seen or seen[-1] != lb.address):
            seen.append(lb.address)
    lb = cs.load_balancers.get(key) if cs is not None else None
    ingress = attempt.state.ingress(attempt.namespace, check.ingress)
    where = str(ingress.meta.location) if ingress is not None else ""
    if lb is None or not lb.address:
        return CheckResult(check, False, expected, say("got.no_address", lang),
                           say("reason.address_gone", lang, ingress=check.ingress), where)
    actual = say("got.addresses", lang, addresses=" → ".join(seen), source=lb.address_source)
    if lb.address_source != "ephemeral":
        return CheckResult(check, False, expected, actual, say("reason.address_source", lang, source=lb.address_source),
                           where)
    if len(seen) < 2:
        return CheckResult(check, False, expected, actual, say("reason.address_same", lang, address=lb.address), where)
    return CheckResult(check, True, expected, actual)


def _service_type(check: ServiceTypeCheck, attempt: Attempt, lang: str, profile: ControllerProfile) -> CheckResult:
    expected = expectation(check, lang, profile)
    service = attempt.state.services.get((attempt.namespace, check.service))
    if service is None:
        return CheckResult(check, False, expected, say("got.no_service", lang, service=check.service),
                           say("got.no_service", lang, service=check.service))
    ok = service.type == check.type
    return CheckResult(check, ok, expected, service.type,
                       "" if ok else say("reason.service_type", lang, service=check.service, got=service.type),
                       "" if ok else f"{service.meta.location} spec.type")


def _hops(check: HopsCheck, attempt: Attempt, lang: str, profile: ControllerProfile) -> CheckResult:
    decision = route(attempt.state, profile, request_of(check.url, check.host))
    flow = resolve(attempt.state, profile, decision, attempt.controller(profile))
    kinds = [h.kind for h in flow.hops]
    if any(p.pod.state == "ok" for p in flow.pods):
        kinds.append("pod")
    broken = flow.first_break()
    ok = tuple(kinds) == check.through and broken is None
    reason = where = ""
    if not ok:
        if tuple(kinds) == check.through and broken is not None:  # the right way, but a hop on it is broken
            reason = quote(broken.reason, lang, say("reason.hops.broken", lang, hop=broken.label), True)
            where = str(broken.location) if broken.location else ""
        else:
            reason = say("reason.hops", lang, want=" → ".join(check.through))
            if broken is not None:
                where = f"{broken.label}: {broken.reason}"
    return CheckResult(check, ok, expectation(check, lang, profile), say("got.hops", lang, hops=" → ".join(kinds)),
                       reason, where)


# ------------------------------------------------------------------ migrations


def _migration(check: MigrationCheck, attempt: Attempt, lang: str, profile: ControllerProfile) -> CheckResult:
    """migrate's proof, with the learner's Gateway API in place of the generated one.

    The original side is the Ingress on its controller; the other is every object but the
    Ingresses (the Gateways, HTTPRoutes and Services in the lesson's files), as `migrate`
    loads what it wrote. The Migration says which Gateway stands for the Ingress, and
    which annotations `migrate` would not carry over (the proof names them as causes)."""
    expected = expectation(check, lang, profile)
    state = attempt.state
    ingress = state.ingress(attempt.namespace, check.ingress)
    if ingress is None:
        return CheckResult(check, False, expected, say("got.no_ingress", lang, ingress=check.ingress),
                           say("got.no_ingress", lang, ingress=check.ingress))
    migration = to_gateway_api(state, profile)
    key = f"{attempt.namespace}/{check.gateway}"
    if profile.load_balancer_per_ingress:  # GKE: this Ingress's own load balancer against the Gateway
        migration.gateway_of = {ingress.meta.key: key}
    else:  # nginx: one entry point for every Ingress of the class, as migrate pairs them
        migration.gateway_of = {k: key for k in migration.gateway_of}
        migration.gateway_of.setdefault(ingress.meta.key, key)
    generated = ClusterState([o for o in state.objects if not isinstance(o, Ingress)], list(state.problems),
                             tuple(state.sources))
    proof = prove(state, profile, migration, generated)
    differences = [d for d in proof.differences if check.scheme is None or d.url.startswith(f"{check.scheme}://")]
    probes = proof.probes
    if not differences:
        return CheckResult(check, True, expected, say("got.migration.same", lang, probes=probes))
    first = differences[0]
    return CheckResult(check, False, expected, say("got.migration", lang, probes=probes, n=len(differences)),
                       say("reason.migration" if len(differences) > 1 else "reason.migration.one", lang,
                           url=f"{first.method} {first.url}", before=first.before_text, after=first.after_text,
                           more=len(differences) - 1),
                       first.cause)


@dataclass(frozen=True)
class SentDuringRollout:
    """One real request the runner sent through the proxy while the old Pod left."""

    path: str
    at: float  # simulated seconds after the Pod's deletion
    status: int | None  # None: no answer
    pod: str


def judge_rollout(check: RolloutCheck, lang: str, profile: ControllerProfile, rollout: Rollout,
                  sent: tuple[SentDuringRollout, ...], where: str = "", error: str = "") -> CheckResult:
    """The real requests' answers, and the timeline's for the slow paths the runner could not send sped up."""
    expected = expectation(check, lang, profile)
    if rollout.termination is None:
        return CheckResult(check, False, expected, say("got.rollout.none", lang),
                           quote(rollout.problem, lang, say("reason.rollout.none", lang)))
    if error:
        return CheckResult(check, False, expected, say("got.request.failed", lang, error=error),
                           quote(error, lang, say("reason.request_failed", lang)))
    slow = [r for r in rollout.requests if r.duration > 0]
    slow_failed = [r for r in slow if r.status == 502]
    real_failed = [r for r in sent if r.status != 200]
    actual = say("got.rollout", lang, failed=len(real_failed), total=len(sent), slow_failed=len(slow_failed),
                 slow=len(slow))
    if not real_failed and not slow_failed:
        return CheckResult(check, True, expected, actual)
    timeline = rollout.termination.describe()
    if real_failed:
        first = real_failed[0]
        text = (f"GET {first.path} sent {first.at:g} s after the Pod's deletion got "
                f"{first.status if first.status is not None else 'no answer'} through the proxy. Timeline: {timeline}")
        lead = say("reason.rollout.real", lang, path=first.path, start=f"{first.at:g}",
                   status=first.status if first.status is not None else "-")
    else:
        first_slow = slow_failed[0]
        text = f"GET {first_slow.path} at {first_slow.start:g} s: {first_slow.why}. Timeline: {timeline}"
        lead = say("reason.rollout", lang, path=first_slow.path, start=f"{first_slow.start:g}")
    return CheckResult(check, False, expected, actual, quote(text, lang, lead), where)


def _implementation(name: str, lang: str) -> str:
    """A Gateway API implementation a check names, in the learner's words."""
    return say(f"impl.{name}", lang) if name in ("gke", "conformance") else name


def _gateway(check: GatewayCheck, attempt: Attempt, lang: str, profile: ControllerProfile) -> CheckResult:
    expected = expectation(check, lang, profile)
    gateway = next((g for g in attempt.state.gateways
                    if g.meta.namespace == attempt.namespace and g.meta.name == check.gateway), None)
    if gateway is None:
        return CheckResult(check, False, expected, say("got.no_gateway", lang, gateway=check.gateway),
                           say("got.no_gateway", lang, gateway=check.gateway))
    impl = routing_for(attempt.state).gateways.implementations.get(gateway.meta.key)
    named = [value for kind, value in gateway.addresses if kind == "NamedAddress"]
    shown = ", ".join(f"{kind} {value}" for kind, value in gateway.addresses) or say("got.none", lang)
    actual = say("got.gateway", lang, cls=gateway.gateway_class_name, implementation=impl.title if impl else "-",
                 addresses=shown)
    where = f"{gateway.meta.location} (Gateway {gateway.meta.name})"
    if check.implementation is not None and (impl is None or impl.name != check.implementation):
        return CheckResult(check, False, expected, actual, say(
            "reason.gateway.implementation", lang, cls=gateway.gateway_class_name,
            got=impl.title if impl else "-", want=_implementation(check.implementation, lang)),
            f"{where} spec.gatewayClassName")
    if check.address is not None:
        if check.address not in named:
            return CheckResult(check, False, expected, actual, say(
                "reason.gateway.address", lang, got=shown, want=check.address), f"{where} spec.addresses")
        reserved = [a for a in reserved_addresses(attempt.state) if a.name == check.address]
        if not reserved:
            return CheckResult(check, False, expected, actual,
                               say("reason.gateway.unreserved", lang, name=check.address), f"{where} spec.addresses")
        if not any(a.location == "global" for a in reserved):
            return CheckResult(check, False, expected, actual, say(
                "reason.gateway.regional", lang, where=reserved[0].ref, name=check.address),
                f"{reserved[0].ref} spec.location")
    return CheckResult(check, True, expected, actual)


_JUDGES: dict[type, Callable[..., CheckResult]] = {
    CleanCheck: _clean,
    RouteCheck: _route,
    FindingCheck: _finding,
    HealthCheckState: _health,
    HealthCheckPath: _health_check,
    ProbeCheck: _probe,
    AddressCheck: _address,
    AddressChangeCheck: _address_change,
    ServiceTypeCheck: _service_type,
    HopsCheck: _hops,
    MigrationCheck: _migration,
    GatewayCheck: _gateway,
}


# ------------------------------------------------------------------ judging what the runner saw


def judge_response(check: RequestCheck, lang: str, profile: ControllerProfile, status: int | None, pod: str,
                   backend: str, location: str | None, error: str = "",
                   headers: tuple[tuple[str, str], ...] = (), body: str = "") -> CheckResult:
    """A response the proxy gave: `backend` as X-Ingress-Explorer-Backend says it (namespace/service:port);
    `headers`, the response's, for `check.response_headers`; `body`, to read what the echo app was asked."""
    expected = expectation(check, lang, profile)
    if status is None:
        return CheckResult(check, False, expected, say("got.request.failed", lang, error=error),
                           quote(error, lang, say("reason.request_failed", lang)))
    actual = say("got.request", lang, status=status, pod=pod)
    reasons = []
    if status != check.status:
        reasons.append(say("reason.status", lang, want=check.status, got=status))
    service = backend.split("/", 1)[-1].split(":", 1)[0] if backend not in ("", "-") else ""
    if check.service is not None and (pod in ("", "-") or service != check.service):
        reasons.append(say("reason.pod", lang, pod=pod, service=check.service))
    if check.backend is not None and service != check.backend:
        reasons.append(say("reason.backend", lang, got=service or "-", want=check.backend))
    if check.location is not None and location != check.location:
        reasons.append(say("reason.status", lang, want=check.location, got=location or "-"))
    if check.path is not None:
        asked = _echoed_path(body)
        if asked != check.path:
            reasons.append(say("reason.path", lang, want=check.path, got=asked or "-"))
    for name, value in check.response_headers:
        got = next((v for k, v in headers if k.lower() == name.lower()), None)
        if got != value:
            reasons.append(say("reason.status", lang, want=f"{name}: {value}",
                               got=f"{name}: {got}" if got is not None else say("reason.no_header", lang, name=name)))
    return CheckResult(check, not reasons, expected, actual, "; ".join(reasons),
                       f"backend {backend}" if reasons and backend not in ("", "-") else "")


def _echoed_path(body: str) -> str | None:
    """The path the echo app says it was asked for (None when the body is not the echo app's)."""
    try:
        echoed = json.loads(body)
    except ValueError:
        return None
    path = echoed.get("path") if isinstance(echoed, dict) else None
    return path if isinstance(path, str) else None


def covers(names: tuple[str, ...], host: str) -> bool:
    """A certificate for `names` is valid for `host` (RFC 6125: `*.` stands for exactly one left-most label)."""
    host = host.lower().rstrip(".")
    for name in (n.lower().rstrip(".") for n in names):
        if name == host:
            return True
        if name.startswith("*.") and "." in host and host.split(".", 1)[1] == name[2:]:
            return True
    return False


def judge_certificate(check: TLSCheck, lang: str, profile: ControllerProfile, served: bytes | None,
                      wanted: bytes | None, names: tuple[str, ...], source: str, error: str = "",
                      where: str = "", claimed: bool = False) -> CheckResult:
    """`served` and `wanted` are DER certificates: the handshake's, and the one in `check.secret` (None: unreadable).

    The goal is about names: the certificate served for SNI `check.sni` covers that name. With
    `covers: false` the name has no certificate: the controller's fallback is served, and no tls
    entry claims the name (`claimed`) with a certificate for another. `where` is the Secret's file:line."""
    expected = expectation(check, lang, profile)
    if served is None:
        return CheckResult(check, False, expected, say("got.request.failed", lang, error=error),
                           quote(error, lang, say("reason.handshake", lang)))
    shown = ", ".join(names) or say("got.tls.no_names", lang)
    actual = say("got.tls", lang, names=shown, source=source)
    if covers(names, check.sni) != check.covers:
        key = "reason.tls.not_covered" if check.covers else "reason.tls.covered"
        return CheckResult(check, False, expected, actual, say(key, lang, sni=check.sni, names=shown),
                           where or (f"Secret {check.secret}" if check.secret else source))
    if check.covers and source.startswith("self-signed"):  # made up by the proxy: no controller serves this
        return CheckResult(check, False, expected, actual, say("reason.tls.made_up", lang, source=source),
                           where or source)
    if not check.covers and claimed:
        return CheckResult(check, False, expected, actual, say("reason.tls.claimed", lang, sni=check.sni, source=source),
                           where or source)
    if check.secret is not None and (wanted is None or served != wanted):
        return CheckResult(check, False, expected, actual, say("reason.tls", lang, secret=check.secret, source=source),
                           where or f"Secret {check.secret}")
    return CheckResult(check, True, expected, actual)

"""The proof of a migration: the same requests through the Ingress and through the generated Gateway API (pure).

Probes come from both sides: every host either names (and one neither names),
every path at, below, beside, with and without a trailing slash and in upper
case, over http and https. Each goes through `explorer.routing.route` (the
Ingress on its controller) and `route_gateway` (the generated manifests, loaded
from their YAML text as files are) and the two answers are compared on their
outcome class only:

- forward: the backend namespace/service:port (a named Ingress port is resolved
  to its number through the Service, as Gateway API backendRefs need numbers);
- redirect: the status and the Location (an empty path read as "/", RFC 3986 6.2.3);
- any other answer: the status (refused: no listener, connection refused).

Not compared, on purpose: the upstream path and headers (rewrites are listed per
annotation instead), response bodies (nginx's and GKE's default-backend pages
are not Gateway API's 404 page: both are "404 from the front end") and which
of weighted backends a request draws.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Iterable

from explorer.model.gateway import HTTPRoute
from explorer.model.objects import Ingress
from explorer.model.state import ClusterState
from explorer.profiles import ControllerProfile
from explorer.routing import Request, route
from explorer.routing.decision import Decision
from explorer.routing.gateway import GatewayDecision, GatewaySelectionError, route_gateway, routing_for
from explorer.migrate.gateway import Migration

UNNAMED_HOST = "host-no-rule-names.invalid"


@dataclass(frozen=True, slots=True)
class Difference:
    method: str
    url: str
    headers: dict[str, str]
    before: dict[str, Any]  # `route -o json` of the Ingress side
    after: dict[str, Any]  # `route --controller gateway -o json` of the Gateway side
    why: str  # the Ingress rule or answer behind it, and what the Gateway did instead
    cause: str  # the grouping key of the text report
    before_text: str = ""  # one line each, for the text report
    after_text: str = ""

    def as_dict(self) -> dict[str, Any]:
        return {"method": self.method, "url": self.url, "headers": self.headers, "before": self.before,
                "after": self.after, "why": self.why}


@dataclass
class Proof:
    probes: int = 0
    differences: list[Difference] = field(default_factory=list)

    @property
    def equivalent(self) -> bool:
        return not self.differences


def probe_requests(ingresses: Iterable[Ingress], routes: Iterable[HTTPRoute]) -> list[Request]:
    """Probes from one load balancer's Ingresses and the HTTPRoutes written for its Gateway."""
    hosts: set[str] = {UNNAMED_HOST}
    paths: set[str] = {"/"}
    for ingress in ingresses:
        for rule in ingress.rules:
            if rule.host:
                hosts.add(rule.host)
            for hp in rule.paths or ():
                paths.add(_literal_prefix(hp.path or "/"))
        for tls in ingress.tls:
            hosts.update(tls.hosts)
    for r in routes:
        hosts.update(r.hostnames)
        for route_rule in r.rules:
            for m in route_rule.matches:
                if m.path is not None:
                    paths.add(_literal_prefix(m.path.value))
    concrete = sorted(h.replace("*", "probe", 1) for h in hosts if h)
    variants: set[str] = set()
    for p in paths:
        bare = p.rstrip("/") or "/"
        variants.update({p, bare, bare.rstrip("/") + "/", bare.rstrip("/") + "/below", bare + "x", p.upper()})
    return [Request.from_url(f"{scheme}://{host}{path}") for scheme in ("http", "https") for host in concrete
            for path in sorted(variants)]


def _literal_prefix(path: str) -> str:
    """A path's literal start: `/api(/|$)(.*)` -> `/api`, `/static/*` -> `/static/` (probes need real paths)."""
    for i, ch in enumerate(path):
        if ch in "*()[]{}|$^+?\\.":
            return path[:i] or "/"
    return path


def _location(url: str | None) -> str | None:
    """RFC 3986 6.2.3: an empty http(s) path is "/"; `https://h` and `https://h/` are one Location."""
    if url is None:
        return None
    scheme, sep, rest = url.partition("://")
    if sep and "/" not in rest.split("?", 1)[0]:
        host, q, query = rest.partition("?")
        return f"{scheme}://{host}/{q}{query}"
    return url


def prove(original: ClusterState, profile: ControllerProfile, migration: Migration,
          generated: ClusterState) -> Proof:
    """Route every probe through both sides; `generated` holds the written manifests plus the Services."""
    proof = Proof()
    routing = routing_for(generated)
    targets = [(ingress, gw) for ingress, gw in migration.gateway_of.items()] if profile.load_balancer_per_ingress \
        else [(None, gw) for gw in dict.fromkeys(migration.gateway_of.values())]
    lost: dict[str, list[str]] = {}  # Ingress -> annotations not carried over: the likely cause of a difference
    for note in migration.annotations:
        if note.handling != "converted":
            lost.setdefault(note.ingress, []).append(note.annotation)
    by_key = {i.meta.key: i for i in original.ingresses}
    members: dict[str, list[Ingress]] = {}
    for key, gw in migration.gateway_of.items():
        members.setdefault(gw, []).append(by_key[key])
    routes: dict[str, list[HTTPRoute]] = {}
    for r in generated.http_routes:
        for gw in dict.fromkeys(f"{ref.namespace}/{ref.name}" for ref in r.parent_refs):
            routes.setdefault(gw, []).append(r)
    for ingress, gateway in targets:
        # GKE: each load balancer is probed with its own Ingress's hosts and paths (linear in the Ingresses);
        # nginx: the shared one with all of them.
        own = [by_key[ingress]] if ingress is not None else members.get(gateway, [])
        for request in probe_requests(own, routes.get(gateway, [])):
            proof.probes += 1
            before = route(original, profile, request, ingress)
            try:
                after: GatewayDecision | None = route_gateway(routing, request, gateway)
            except GatewaySelectionError:
                after = None
            b, a = outcome_of(before, original), gateway_outcome(after)
            if b != a:
                proof.differences.append(
                    _difference(profile, migration.rule_sources, lost, request, before, after, b, a))
    return proof


def outcome_of(d: Decision, state: ClusterState) -> tuple[Any, ...]:
    if d.outcome == "forward" and d.backend is not None:
        port = d.backend.port
        if not port.isdigit():
            service = state.service(d.backend.namespace, d.backend.service)
            named = next((sp for sp in service.ports if sp.name == port), None) if service else None
            port = str(named.port) if named else port
        return ("forward", f"{d.backend.namespace}/{d.backend.service}:{port}")
    if d.outcome == "redirect":
        return ("redirect", d.status, _location(d.location))
    if d.outcome == "refused":
        return ("refused",)
    return ("answer", d.status)


def gateway_outcome(d: GatewayDecision | None) -> tuple[Any, ...]:
    if d is None:
        return ("refused",)
    if d.outcome == "forward" and d.backend is not None:
        return ("forward", f"{d.backend.namespace}/{d.backend.service}:{d.backend.port}")
    if d.outcome == "redirect":
        return ("redirect", d.status, _location(d.location))
    if d.outcome == "refused":
        return ("refused",)
    return ("answer", d.status)


def _difference(profile: ControllerProfile, sources: dict[tuple[str, int], str], lost: dict[str, list[str]],
                request: Request, before: Decision, after: GatewayDecision | None,
                b: tuple[Any, ...], a: tuple[Any, ...]) -> Difference:
    if (after is None or after.outcome == "refused" or not after.listener) and request.scheme == "https" \
            and before.outcome != "refused" and not profile.https_needs_tls:
        cause = (f"{profile.title} answers HTTPS for every host, with its self-signed default certificate where "
                 "no spec.tls names the host; a Gateway HTTPS listener needs a certificateRef, so there is none")
    elif after is not None and after.route_name and after.rule_index is not None and (before.path is None) \
            and (f"{after.route_namespace}/{after.route_name}", after.rule_index) in sources:
        cause = f"{sources[(f'{after.route_namespace}/{after.route_name}', after.rule_index)]} as written for Gateway API"
    elif before.path is not None and before.ingress is not None:
        cause = (f"Ingress {before.ingress.meta.key} {before.path.field} ({before.path.path_type} "
                 f"{before.path.shown_path}, host {before.rule_host or '*'})")
    elif before.ingress is not None and before.used_default_backend:
        cause = f"Ingress {before.ingress.meta.key} spec.defaultBackend"
    else:
        cause = f"{before.profile}: {_kind(b)} (no Ingress rule answers)"
    if not cause.startswith(profile.title):
        cause += f" on {request.scheme}"
    if before.ingress is not None and lost.get(before.ingress.meta.key):
        cause += f"; not converted on it: {', '.join(lost[before.ingress.meta.key])}"
    after_text = after.reason if after is not None else "no Gateway listener takes this request"
    before_text, after_line = f"{_show(b)} ({before.reason})", f"{_show(a)} ({after_text})"
    why = f"{cause}: {before_text}; Gateway API: {after_line}"
    after_dict = after.as_dict() if after is not None else {"url": request.url, "outcome": "refused",
                                                            "reason": after_text}
    for d in (after_dict,):
        d.pop("trace", None)
    # `route -o json` without its trace (explaining costs more than routing; the why names the rule instead)
    before_dict = before.as_dict(trace=False)
    return Difference(request.method, request.url, dict(request.headers), before_dict, after_dict, why, cause,
                      before_text, after_line)


def _kind(o: tuple[Any, ...]) -> str:
    return o[0] if o[0] != "answer" else f"answer {o[1]}"


def _show(o: tuple[Any, ...]) -> str:
    if o[0] == "forward":
        return f"forward to {o[1]}"
    if o[0] == "redirect":
        return f"{o[1]} redirect to {o[2]}"
    if o[0] == "refused":
        return "connection refused"
    return f"{o[1]} from the front end"


@dataclass
class Result:
    migration: Migration
    files: dict[str, str]  # file name -> YAML text, as written
    generated: ClusterState  # the written manifests loaded back, plus the input's non-Ingress objects
    proof: Proof


def migrate_and_prove(state: ClusterState, profile: ControllerProfile, gateway_class: str | None = None) -> Result:
    """Convert, render, load the rendered YAML back as files are loaded, and prove it against the Ingresses."""
    from explorer.migrate.gateway import render, to_gateway_api
    from explorer.model.load import load_texts
    from explorer.model.objects import Ingress

    migration = to_gateway_api(state, profile, gateway_class)
    files = render(migration)
    loaded = load_texts(files)
    kept = [o for o in state.objects if not isinstance(o, Ingress)]
    generated = ClusterState([*kept, *loaded.objects], loaded.problems, tuple(files))
    return Result(migration, files, generated, prove(state, profile, migration, generated))

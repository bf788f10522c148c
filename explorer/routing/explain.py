"""The decision trace: every candidate the router considered, and why it won or lost.

Built from the compiled router after the decision is made, so the fast path
never pays for it. Explaining is the product: reasons are full sentences a
learner can act on.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from explorer.model.objects import Ingress
from explorer.routing.compiled import PathEntry, Router, Server
from explorer.routing.decision import Decision, TraceEntry
from explorer.routing.paths import (
    explain_exact, explain_prefix, host_matches, prefix_matches, url_map_matches,
)

if TYPE_CHECKING:
    from explorer.routing.route import RouteResult


def explain(router: Router, decision: Decision, result: "RouteResult") -> list[TraceEntry]:
    p = router.profile
    trace: list[TraceEntry] = []
    for s in router.classes:
        if not s.served or "assumed" in s.why:
            trace.append(TraceEntry("note" if s.served else "not-served", s.why, s.ingress.meta.key,
                                    location=s.ingress.meta.location))
    if router.uses_file_order and len(router.ages) > 1:
        trace.append(TraceEntry("note", "Ingresses carry no creationTimestamp here, so their order in the "
                                        "files stands for creation order (older wins conflicts)"))
    if result.lb_why:
        trace.append(TraceEntry("note", result.lb_why))
    if result.path != decision.request.path:
        how = "decoded, slashes merged, dot-segments removed" if p.decode_percent else "dot-segments removed"
        trace.append(TraceEntry("note", f"{p.title} matches the normalised path {result.path} ({how})"))
    if result.server_why:
        trace.append(TraceEntry("note", result.server_why))
    if result.server is not None and result.server.regex is not None:
        trace.append(TraceEntry("note", result.server.regex_because))
    lb = result.lb
    for name, other in router.load_balancers.items():
        if other is lb:
            continue
        for ingress in other.ingresses:
            trace.append(TraceEntry("other-load-balancer", f"{ingress.meta.key} is a separate load balancer "
                                    "with its own address; this request did not go there", ingress.meta.key,
                                    location=ingress.meta.location))
    if lb is not None:
        entries = {(id(e.ingress), e.rule_index, e.path_index): e for s in _servers(lb) for e in s.entries}
        for ingress in lb.ingresses:
            trace.extend(_ingress_entries(router, decision, result, ingress, entries))
    if decision.path is None:
        trace.append(TraceEntry("chosen", decision.reason, decision.ingress.meta.key if decision.ingress else "",
                                backend=str(decision.backend) if decision.backend else ""))
    return trace


def _servers(lb) -> list[Server]:
    return [*lb.hosts.values(), *lb.wildcards.values(), lb.catch_all]


def _ingress_entries(router: Router, decision: Decision, result: "RouteResult", ingress: Ingress,
                     entries: dict) -> list[TraceEntry]:
    host = decision.request.hostname
    out: list[TraceEntry] = []
    server = result.server
    for ri, rule in enumerate(ingress.rules):
        rule_host = rule.host
        if rule.paths is None:
            out.append(TraceEntry("note", f"rule {rule.field} for host {rule_host or '*'} has no http section: "
                                  "its requests go to the default backend", ingress.meta.key, rule_host,
                                  field=rule.field, location=rule.location))
            continue
        host_reason = _host_reason(router, rule_host, host, server)
        for pi, hp in enumerate(rule.paths):
            e: PathEntry | None = entries.get((id(ingress), ri, pi))
            common = dict(ingress=ingress.meta.key, host=rule_host, path=hp.shown_path, path_type=hp.path_type or None,
                          backend=str(hp.backend), field=hp.field, location=hp.location)
            if host_reason:
                out.append(TraceEntry("other-host", host_reason, **common))
            elif e is None or e.skip:
                out.append(TraceEntry("skipped", e.skip if e else "not used by the controller", **common))
            elif e is result.entry:
                out.append(TraceEntry("chosen", _match_text(router, e, result.path)[1] + _forward_text(decision),
                                      **common))
            else:
                matched, text = _match_text(router, e, result.path)
                if matched:
                    out.append(TraceEntry("matched", f"{text}, but {_loses(router, e, result)}", **common))
                else:
                    out.append(TraceEntry("no-match", text, **common))
    return out


def _forward_text(decision: Decision) -> str:
    if decision.outcome == "forward" and decision.upstream_path and decision.upstream_path != decision.request.path:
        return f"; the upstream path becomes {decision.upstream_path}"
    if decision.status:
        return f"; the controller answers {decision.status} itself"
    return ""


def _host_reason(router: Router, rule_host: str, host: str, server: Server | None) -> str:
    """Why a rule's host is not the one answering (empty when it is)."""
    labels = router.profile.wildcard_host_labels
    if server is not None and server.host == rule_host:
        return ""
    if not rule_host:
        return (f"host-less rule: not used, because host {host} has rules of its own "
                "(a matching host never falls back to host-less rules)")
    if rule_host.startswith("*."):
        if host_matches(rule_host, host, labels):
            return f"wildcard {rule_host} covers {host}, but a rule naming {server.host if server else host} exactly wins"
        suffix = rule_host[1:]
        if host.endswith(suffix) and labels == "one" and host != suffix[1:]:
            return (f"wildcard {rule_host} does not cover {host}: * stands for exactly one label, and "
                    f"{host[: -len(suffix)]} has {host[: -len(suffix)].count('.') + 1}")
        return f"wildcard {rule_host} does not cover {host}"
    return f"rule host {rule_host} does not match request host {host or '(none)'}"


def _match_text(router: Router, e: PathEntry, path: str) -> tuple[bool, str]:
    hp = e.http_path
    how = f" ({e.how})" if e.how else ""
    if e.regex is not None:
        ok = e.regex.match(path) is not None
        return ok, f"regex ^{hp.path or '/'} {'matches' if ok else 'does not match'} {path}{how}"
    if e.patterns:
        ok = any(url_map_matches(pattern, path) for pattern in e.patterns)
        verb = "matches" if ok else "does not match"
        return ok, f"URL-map path {' / '.join(e.patterns)} {verb} {path}{how}"
    rule_path = hp.path if hp.path is not None else "/"
    if hp.path_type == "Exact":
        return rule_path == path, explain_exact(rule_path, path)
    ok = prefix_matches(rule_path, path)
    text = explain_prefix(rule_path, path)
    if hp.path_type == "ImplementationSpecific":
        text = text.replace("Prefix", "ImplementationSpecific", 1) + how
    return ok, text


def _loses(router: Router, e: PathEntry, result: "RouteResult") -> str:
    p = router.profile
    w = result.entry
    if w is None:
        if result.fields.get("status") == 301:
            return f"nginx first redirects {result.path} to {result.path}/ (a Prefix path written with a slash)"
        return "the request was answered before reaching it"
    winner = f"{w.http_path.path_type} {w.http_path.shown_path} ({w.ingress.meta.key})"
    if e.regex is not None:
        return f"regex paths are tried longest first, and {winner} comes first"
    if e.patterns:
        shared = set(e.patterns) & set(w.patterns)
        if shared:
            return f"the same URL-map path {sorted(shared)[0]} comes later from {winner}, and the later one wins"
        return f"the more specific URL-map path of {winner} wins"
    wp, ep = w.http_path.path or "/", e.http_path.path or "/"
    if wp == ep:
        if w.http_path.path_type == "Exact" and e.http_path.path_type != "Exact":
            return f"Exact beats Prefix for the same path: {winner} wins"
        return f"the same path is also in {winner}, which is older: with {p.title} the oldest Ingress wins"
    if wp == result.path and p.exact_location_for_prefix:
        return f"{winner} matches {result.path} exactly (an exact location), which comes before prefix matches"
    if wp.rstrip("/") == ep.rstrip("/"):
        return f"{winner} is the longer path as written, and the longest path wins"
    return f"the longer path {winner} wins"

"""The decision trace: every candidate the evaluator considered, and why it won or lost.

Built from the RouteTable after the decision is made, so the fast path never
pays for it. It walks the entry point's listing (every route and remark of its
objects in origin order, usable or not), so nothing the front end compiled is
left out. Explaining is the product: reasons are full sentences a learner can
act on.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from explorer.routing.decision import Decision, TraceEntry
from explorer.routing.paths import (
    explain_exact, explain_prefix, host_matches, prefix_matches, url_map_matches,
)
from explorer.routing.table import Remark, Route, VirtualHost

if TYPE_CHECKING:
    from explorer.routing.evaluate import RouteResult


def explain(decision: Decision, result: "RouteResult") -> list[TraceEntry]:
    table = result.table
    p = table.profile
    trace: list[TraceEntry] = []
    for s in table.served:
        if not s.served or "assumed" in s.why:
            trace.append(TraceEntry("note" if s.served else "not-served", s.why, s.ingress.meta.key,
                                    location=s.ingress.meta.location))
    for note in table.notes:
        trace.append(TraceEntry("note", note))
    if result.lb_why:
        trace.append(TraceEntry("note", result.lb_why))
    if result.matched_path != decision.request.path:
        how = "decoded, slashes merged, dot-segments removed" if table.decode_percent else "dot-segments removed"
        trace.append(TraceEntry("note", f"{p.title} matches the normalised path {result.matched_path} ({how})"))
    if result.vhost_why:
        trace.append(TraceEntry("note", result.vhost_why))
    if result.vhost is not None and result.vhost.regex is not None:
        trace.append(TraceEntry("note", result.vhost.regex_because))
    ep = result.entry_point
    for other in table.entry_points.values():
        if other is ep:
            continue
        trace.append(TraceEntry("other-load-balancer", f"{other.origin.key} is a separate load balancer "
                                "with its own address; this request did not go there", other.origin.key,
                                location=other.origin.location))
    if ep is not None:
        winner = result.route if result.route is not None and result.route.default is None \
            and not result.route.implicit else None
        for item in ep.listing:
            if isinstance(item, Remark):
                trace.append(TraceEntry("note", item.text, item.origin.key, item.host, field=item.origin.field,
                                        location=item.origin.location))
            else:
                trace.append(_route_entry(decision, result, item, winner))
        chosen = result.route
        if chosen is not None and chosen.default is None and not chosen.implicit:
            for note in chosen.notes:
                trace.append(TraceEntry("note", note, chosen.origin.key, location=chosen.origin.location))
    if decision.path is None:
        trace.append(TraceEntry("chosen", decision.reason, decision.ingress.meta.key if decision.ingress else "",
                                backend=str(decision.backend) if decision.backend else ""))
    for report in decision.annotations:  # never silent: every annotation of the deciding Ingress(es)
        what = report.error and f"invalid ({report.error})" or report.suggestion and \
            f"did you mean {report.suggestion}?" or report.note
        trace.append(TraceEntry("note", f"annotation {report.key}: {report.handling}; {what}",
                                decision.ingress.meta.key if decision.ingress else ""))
    for line in decision.undecided:  # route cannot decide these for one request; serve carries them out
        trace.append(TraceEntry("note", f"not decided by one request: {line}",
                                decision.ingress.meta.key if decision.ingress else ""))
    return trace


def _route_entry(decision: Decision, result: "RouteResult", r: Route, winner: Route | None) -> TraceEntry:
    hp = r.origin.http_path
    common = dict(
        ingress=r.origin.key, host=r.host,
        path=hp.shown_path if hp is not None else r.match.path.value,
        path_type=(hp.path_type or None) if hp is not None else r.match.path.kind,
        backend=str(hp.backend) if hp is not None else _backends(r), field=r.origin.field,
        location=r.origin.location,
    )
    host_reason = _host_reason(result, r.host, decision.request.hostname, result.vhost)
    if host_reason:
        return TraceEntry("other-host", host_reason, **common)  # type: ignore[arg-type]
    if r.skip:
        return TraceEntry("skipped", r.skip, **common)  # type: ignore[arg-type]
    # The same rule may answer as another Route object (a canary pair compiles the mainline's route anew with
    # its canary): the rule written in the Ingress is what the trace lists.
    if r is winner or (winner is not None and hp is not None and winner.origin.http_path is hp
                       and winner.origin.key == r.origin.key):
        return TraceEntry("chosen", _match_text(r, result.matched_path)[1] + _forward_text(decision),
                          **common)  # type: ignore[arg-type]
    matched, text = _match_text(r, result.matched_path)
    if matched and r.match.guarded and not r.match.accepts(decision.request):
        return TraceEntry("no-match", f"{text}, but its other conditions (headers, query, method, cookie or "
                          "client address) do not", **common)  # type: ignore[arg-type]
    if matched:
        return TraceEntry("matched", f"{text}, but {_loses(result, r, winner)}", **common)  # type: ignore[arg-type]
    return TraceEntry("no-match", text, **common)  # type: ignore[arg-type]


def _backends(r: Route) -> str:
    from explorer.routing.table import Forward

    if isinstance(r.action, Forward):
        return ", ".join(str(b.ref) for b in r.action.backends)
    return ""


def _forward_text(decision: Decision) -> str:
    if decision.outcome == "forward" and decision.upstream_path and decision.upstream_path != decision.request.path:
        return f"; the upstream path becomes {decision.upstream_path}"
    if decision.status:
        return f"; the controller answers {decision.status} itself"
    return ""


def _host_reason(result: "RouteResult", rule_host: str, host: str, vhost: VirtualHost | None) -> str:
    """Why a rule's host is not the one answering (empty when it is)."""
    ep = result.entry_point
    labels = ep.hosts.wildcard_labels if ep is not None and ep.hosts is not None else "one"
    if vhost is not None and vhost.host == rule_host:
        return ""
    if not rule_host:
        return (f"host-less rule: not used, because host {host} has rules of its own "
                "(a matching host never falls back to host-less rules)")
    if rule_host.startswith("*."):
        if host_matches(rule_host, host, labels):
            return f"wildcard {rule_host} covers {host}, but a rule naming {vhost.host if vhost else host} exactly wins"
        suffix = rule_host[1:]
        if host.endswith(suffix) and labels == "one" and host != suffix[1:]:
            return (f"wildcard {rule_host} does not cover {host}: * stands for exactly one label, and "
                    f"{host[: -len(suffix)]} has {host[: -len(suffix)].count('.') + 1}")
        return f"wildcard {rule_host} does not cover {host}"
    return f"rule host {rule_host} does not match request host {host or '(none)'}"


def _match_text(r: Route, path: str) -> tuple[bool, str]:
    pm = r.match.path
    hp = r.origin.http_path
    how = f" ({r.how})" if r.how else ""
    if pm.kind == "regex" and pm.regex is not None:
        ok = pm.regex.match(path) is not None
        return ok, f"regex ^{pm.value} {'matches' if ok else 'does not match'} {path}{how}"
    if pm.kind == "url-map":
        ok = any(url_map_matches(pattern, path) for pattern in pm.patterns)
        verb = "matches" if ok else "does not match"
        return ok, f"URL-map path {' / '.join(pm.patterns)} {verb} {path}{how}"
    rule_path = hp.path if hp is not None and hp.path is not None else pm.value
    if pm.kind == "exact":
        return rule_path == path, explain_exact(rule_path, path)
    ok = prefix_matches(rule_path, path)
    text = explain_prefix(rule_path, path)
    written = hp.path_type if hp is not None else ""
    if written == "ImplementationSpecific":
        text = text.replace("Prefix", "ImplementationSpecific", 1) + how
    return ok, text


def _loses(result: "RouteResult", e: Route, w: Route | None) -> str:
    p = result.table.profile
    if w is None:
        route = result.route
        if route is not None and route.implicit:
            return (f"nginx first redirects {result.matched_path} to {result.matched_path}/ "
                    "(a Prefix path written with a slash)")
        return "the request was answered before reaching it"
    winner = f"{w.label} ({w.origin.key})"
    if e.match.path.kind == "regex":
        return f"regex paths are tried longest first, and {winner} comes first"
    if e.match.path.kind == "url-map":
        shared = set(e.match.path.patterns) & set(w.match.path.patterns)
        if shared:
            return f"the same URL-map path {sorted(shared)[0]} comes later from {winner}, and the later one wins"
        return f"the more specific URL-map path of {winner} wins"
    wp, ep = w.match.path.value, e.match.path.value
    if wp == ep:
        if w.match.path.kind == "exact" and e.match.path.kind != "exact":
            return f"Exact beats Prefix for the same path: {winner} wins"
        return f"the same path is also in {winner}, which is older: with {p.title} the oldest Ingress wins"
    if wp == result.matched_path and p.exact_location_for_prefix:
        return f"{winner} matches {result.matched_path} exactly (an exact location), which comes before prefix matches"
    if wp.rstrip("/") == ep.rstrip("/"):
        return f"{winner} is the longer path as written, and the longest path wins"
    return f"the longer path {winner} wins"

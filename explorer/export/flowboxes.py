"""From a topology `Flow` to the boxes of the flow diagram, in the shape of the controller profile.

The hops, their states and their reasons all come from `explorer.topology`;
this module only chooses short titles and lines for the boxes, and maps the
hops the proxy reports reached (`HopReached.kind`) onto boxes so a request can light them.
Pure (no textual): the TUI and `ingress-explorer diagram` draw from it alike.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from explorer.export.boxes import Box, Diagram, Link
from explorer.model import ClusterState
from explorer.routing import ControllerProfile, Decision, Request
from explorer.topology import ControllerState, Flow, Hop, IngressRow, resolve
from explorer.topology.flow import PodHop
from explorer.topology.pods import SIMULATED_REPLICAS

STATUS_WORDS = {"ok": "ok", "broken": "broken", "unknown": "unknown"}
MAX_POD_LINES = 12  # Pods named in the Pods box; the status line counts them all


@dataclass
class DrawnFlow:
    """A diagram and, for each hop kind, the index of its box (to light hops the proxy reports)."""

    diagram: Diagram
    boxes_by_kind: dict[str, int]

    def box_for_hop(self, kind: str) -> int | None:
        """The box of a hop the proxy reports reached (`HopReached.kind`); a Pod's port is its Pod's box."""
        return self.boxes_by_kind.get("pod" if kind == "container-port" else kind)


def example_request(row: IngressRow) -> Request:
    """A request this rule is written for: its host (a wildcard filled in) and its path."""
    host = row.host or "example.com"
    if host.startswith("*."):
        host = "www" + host[1:]
    path = row.path if row.path.startswith("/") else "/"
    return Request(host=host, path=path.replace("*", "x"))


def diagram_for_row(profile: ControllerProfile, row: IngressRow) -> DrawnFlow:
    """The flow of the rule itself (`row.flow`); the client box shows the request it is written for."""
    request = example_request(row)
    caption = f"{row.host or '*'} {row.path} ({row.path_type or 'defaultBackend'}) → {row.backend}"
    if row.flow is None:
        box = Box(f"Ingress {row.ingress}", (row.reason,), "broken", "not served")
        return DrawnFlow(Diagram([_client(request.method, request.path, request.hostname), box],
                                   [Link("broken", row.reason)], caption), {"client": 0, "ingress": 1})
    return _draw(profile, row.flow, caption, (request.method, request.path, request.hostname))


def diagram_for(state: ClusterState, profile: ControllerProfile, decision: Decision,
                health: ControllerState | None = None, flow: Flow | None = None) -> DrawnFlow:
    """The flow of one routed request, stopping where the request stops.

    `health`: a controller whose health checks ran; None draws the Pods' predicted readiness.
    `flow`: the decision's flow when the proxy already resolved it (one request, one resolve).
    """
    request = decision.request
    if flow is None:
        flow = resolve(state, profile, decision, health)
    caption = f"{request.method} {request.url} → {_answer(decision)}"
    return _draw(profile, flow, caption, (request.method, request.path, request.hostname), decision)


def _client(method: str, path: str, host: str) -> Box:
    return Box("client", (f"{method}\u00a0{path}", f"Host:\u00a0{host}"))


def _draw(profile: ControllerProfile, flow: Flow, caption: str, client: tuple[str, str, str],
          decision: Decision | None = None) -> DrawnFlow:
    """`decision`: the request drawn; when the controller answers it itself, its boxes say so.

    The topology's controller hop says what a controller does with a request
    it forwards; for one it answers (a 404 from its default backend, a
    redirect) that sentence would contradict the picture, and a ✔ on a 404
    would read as success.
    """
    boxes: list[Box] = [_client(*client)]
    links: list[Link] = []
    kinds = {"client": 0}
    notes: list[tuple[str, str]] = []
    for hop in flow.hops:
        if hop.kind == "client":
            continue
        kinds[hop.kind] = len(boxes)
        boxes.append(_box(profile, hop, decision))
        links.append(_link(hop))
    if flow.pods:
        kinds["pod"] = len(boxes)
        box, link, pod_notes = _pods(flow)
        boxes.append(box)
        links.append(link)
        notes += pod_notes
    answer = next((i for hop, i in ((h, kinds.get(h.kind)) for h in flow.hops) if hop.kind == "answer"), None)
    diagram = Diagram(boxes, links, caption, notes, stop=answer)  # type: ignore[arg-type]
    return DrawnFlow(diagram, kinds)


def _title(profile: ControllerProfile, hop: Hop) -> str:
    if hop.kind == "load-balancer":
        return "L4 LoadBalancer" if profile.proxy_in_cluster else "L7 load balancer"
    return {
        "controller": f"{profile.title} Pod", "ingress": "Ingress rule", "answer": "the controller answers",
        "service": "Service", "node": "node:nodePort",
    }.get(hop.kind, hop.kind)


_ADDRESS = re.compile(r"\d+\.\d+\.\d+\.\d+")


def _lines(profile: ControllerProfile, hop: Hop) -> tuple[list[str], list[str]]:
    """Short lines for the box, and longer explanations shown only when the box is wide.

    The labels are the topology's sentences; the box repeats neither its title nor the kind.
    """
    label = hop.label
    if hop.kind == "load-balancer":
        address = _ADDRESS.search(label)
        lines = [f"Service {profile.controller_service.partition('/')[2]}"] if profile.proxy_in_cluster else []
        lines.append(address.group(0) if address else "no address")
        return lines, [hop.detail] if hop.detail else []
    if hop.kind == "controller":
        return [label.removeprefix("controller Pod ")], [hop.detail] if hop.detail else []
    if hop.kind == "ingress":
        name, _, rule = label.removeprefix("Ingress ").partition(": ")
        what, _, target = rule.partition(" → ")
        return [part for part in (name, what, f"→ {target}" if target else "") if part], []
    if hop.kind == "service":
        name, _, rest = label.removeprefix("Service ").partition(" ")
        return [name, *rest.split(", ")], [hop.detail] if hop.detail else []
    if hop.kind == "node":
        return [label.partition(" — ")[2] or label], [hop.detail] if hop.detail else []
    return [label], [hop.detail] if hop.detail else []


def _box(profile: ControllerProfile, hop: Hop, decision: Decision | None = None) -> Box:
    lines, extra = _lines(profile, hop)
    state = hop.state
    status = STATUS_WORDS[state]
    answered = decision is not None and decision.backend is None and decision.status is not None
    if hop.kind == "answer" and state == "ok":
        # the controller did its job, but a 4xx/5xx is no success for the request: no ✔ on a 404
        failed = decision is not None and decision.status is not None and decision.status >= 400
        state, status = ("broken", f"answers {decision.status}") if failed and decision is not None else \
            (state, "answers")
        lines = [line for line in lines if not (failed and line == status)]
    elif hop.kind == "controller" and answered and decision is not None:
        extra = [f"{profile.title}: {decision.reason}"]  # not "proxies to the Service's Pods": it answered
    return Box(_title(profile, hop), tuple(lines), state, status, tuple(extra))


def _link(hop: Hop) -> Link:
    return Link(hop.state, hop.reason if hop.state != "ok" else "")


def _pods(flow: Flow) -> tuple[Box, Link, list[tuple[str, str]]]:
    """All Pods in one box: one line each with its state in words, then the container port."""
    real = [p for p in flow.pods if p.view is not None]
    notes: list[tuple[str, str]] = []
    if not real:  # no Pods at all, or not reachable: the one placeholder hop says why
        only = flow.pods[0]
        return Box("Pods", (only.pod.label,), only.pod.state, "none" if only.pod.state == "broken" else "unknown"), \
            Link(only.pod.state, only.pod.reason), notes
    lines = []
    shown = _pods_to_show(real)
    for pod in real:
        if id(pod) in shown:
            mark = {"ok": "✔", "broken": "✘", "unknown": "?"}[pod.pod.state]
            lines.append(f"{mark}\u00a0{pod.view.name if pod.view else pod.pod.label}")
        for hop in (pod.pod, pod.port):
            if hop.state != "ok" and hop.reason and (hop.state, hop.reason) not in notes:
                notes.append((hop.state, hop.reason))
    if len(shown) < len(real):
        lines.append(f"… {len(real) - len(shown)} more Pods")
    ports = {p.port.label.removeprefix("container ") for p in real}
    lines.append("→ " + ", ".join(sorted(ports)))
    counts = {state: sum(1 for p in real if p.pod.state == state) for state in ("ok", "unknown", "broken")}
    state = "ok" if counts["ok"] else ("unknown" if counts["unknown"] else "broken")
    if any(p.port.state == "broken" for p in real):
        state = "broken"
    status = f"{counts['ok']}/{len(real)} ready" + "".join(
        f", {counts[s]} {word}" for s, word in (("unknown", "unknown"), ("broken", "not ready")) if counts[s])
    asked = sum({id(p.view.owner): p.view.owner.replicas for p in real if p.view and not p.view.live}.values())
    if len(real) >= SIMULATED_REPLICAS and asked > len(real):
        lines.insert(-1, f"{len(real):,} of {asked:,} simulated")
    box = Box("Pods", tuple(lines), state, status, cut_middle=True)  # type: ignore[arg-type]
    return box, Link(state), notes  # type: ignore[arg-type]


def _pods_to_show(real: list[PodHop]) -> set[int]:
    """Which Pods get a line: all of a small workload; of a big one, those not ready first (they are the news)."""
    if len(real) <= MAX_POD_LINES:
        return {id(p) for p in real}
    ranked = sorted(real, key=lambda p: p.pod.state == "ok")  # stable: not-ready ones first, each in order
    return {id(p) for p in ranked[:MAX_POD_LINES - 1]}  # one line left for "… N more Pods"


def _answer(decision: Decision) -> str:
    if decision.outcome == "forward" and decision.backend is not None:
        return str(decision.backend)
    if decision.outcome == "redirect":
        return f"{decision.status} to {decision.location}"
    if decision.outcome == "refused":
        return "connection refused"
    return f"{decision.status} from the controller"

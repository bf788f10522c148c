"""Flows of several rules merged into one graph: equal boxes become one node.

The flows of an Ingress's paths share their front (the load balancer, the
controller) and often their back (the Pods); drawn as one graph they show
where the paths part. A box is "equal" when everything it says is equal, so
nothing a box says is lost in the merge.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Sequence

from explorer.export.boxes import Diagram


@dataclass(frozen=True, slots=True)
class Node:
    id: str
    title: str
    lines: tuple[str, ...]
    state: str  # ok | broken | unknown
    status: str


@dataclass(frozen=True, slots=True)
class Edge:
    source: str
    target: str
    state: str
    reason: str


@dataclass
class Graph:
    title: str
    nodes: list[Node] = field(default_factory=list)
    edges: list[Edge] = field(default_factory=list)
    #: (node id, state, text): a remark written under a box in the TUI (e.g. why a Pod is not ready).
    notes: list[tuple[str, str, str]] = field(default_factory=list)


STATE_MARK = {"ok": "✔", "broken": "✘", "unknown": "?"}


def merge(diagrams: Sequence[Diagram], title: str) -> Graph:
    graph = Graph(title)
    ids: dict[tuple, str] = {}
    edges: set[tuple[str, str]] = set()
    notes: set[tuple[str, str, str]] = set()
    for diagram in diagrams:
        chain = []
        for box in diagram.boxes:
            key = (box.title, tuple(box.lines), box.state, box.status)
            if key not in ids:
                ids[key] = f"n{len(ids)}"
                graph.nodes.append(Node(ids[key], box.title, tuple(box.lines), box.state, box.status))
            chain.append(ids[key])
        for index in range(len(chain) - 1):
            if (chain[index], chain[index + 1]) in edges:
                continue
            edges.add((chain[index], chain[index + 1]))
            link = diagram.link(index)
            graph.edges.append(Edge(chain[index], chain[index + 1], link.state, link.reason))
        for state, text in diagram.notes:
            note = (chain[-1], state, text)
            if chain and note not in notes:
                notes.add(note)
                graph.notes.append(note)
    return graph


def wrap(text: str, width: int = 44) -> list[str]:
    """Split a long line on spaces, so graph labels stay narrow without cutting names."""
    lines: list[str] = []
    current = ""
    for word in text.split(" "):
        if current and len(current) + 1 + len(word) > width:
            lines.append(current)
            current = word
        else:
            current = f"{current} {word}" if current else word
    lines.append(current)
    return lines


def status_line(node: Node) -> str:
    return f"{STATE_MARK.get(node.state, '?')} {node.status}" if node.status else ""

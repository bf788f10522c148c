"""A merged flow graph as a Mermaid flowchart (renders in GitHub, GitLab, many slide tools)."""

from __future__ import annotations

from explorer.export.graph import STATE_MARK, Graph, Node, status_line, wrap

#: Colours of the TUI's states: green ok, red broken, amber unknown.
CLASSES = {
    "ok": "stroke:#2e7d32,stroke-width:1px",
    "broken": "stroke:#c62828,stroke-width:3px,color:#c62828",
    "unknown": "stroke:#b26a00,stroke-width:2px,stroke-dasharray:5 3",
}
LINK_COLOUR = {"broken": "#c62828", "unknown": "#b26a00"}


def escape(text: str) -> str:
    """Text inside a quoted Mermaid label: entity codes for what the parser or HTML would read."""
    return (text.replace("#", "#35;").replace("&", "#38;").replace('"', "#quot;").replace("<", "#lt;").replace(">", "#gt;")
            .replace("|", "#124;"))


def _label(node: Node) -> str:
    parts = [f"<b>{escape(node.title)}</b>"]
    if node.status:
        parts.append(escape(status_line(node)))
    for line in node.lines:
        parts += [escape(part) for part in wrap(line)]
    return "<br/>".join(parts)


def to_mermaid(graph: Graph) -> str:
    out = []
    if graph.title:
        out += ["---", f"title: {_yaml_string(graph.title)}", "---"]
    out.append("flowchart LR")
    for node in graph.nodes:
        out.append(f'  {node.id}["{_label(node)}"]:::{node.state}')
    styled = []
    for number, edge in enumerate(graph.edges):
        if edge.state == "ok" or not edge.reason:
            out.append(f"  {edge.source} --> {edge.target}")
        else:
            text = escape(f"{STATE_MARK[edge.state]} {edge.reason}")
            out.append(f'  {edge.source} -.->|"{"<br/>".join(wrap(text))}"| {edge.target}')
        if edge.state in LINK_COLOUR:
            styled.append((number, LINK_COLOUR[edge.state]))
    for index, (node_id, state, text) in enumerate(graph.notes):
        out.append(f'  note{index}["{"<br/>".join(escape(p) for p in wrap(f"{STATE_MARK[state]} {text}"))}"]'
                   f":::{state}")
        out.append(f"  {node_id} -.- note{index}")
        styled.append((len(graph.edges) + index, LINK_COLOUR.get(state, "#888888")))
    for state, style in CLASSES.items():
        out.append(f"  classDef {state} {style}")
    for number, colour in styled:
        out.append(f"  linkStyle {number} stroke:{colour},stroke-width:2px")
    return "\n".join(out) + "\n"


def _yaml_string(text: str) -> str:
    """The front matter is YAML: a double-quoted scalar holds any caption."""
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"') + '"'

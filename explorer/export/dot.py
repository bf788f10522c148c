"""A merged flow graph as Graphviz DOT (`dot -Tsvg`, `dot -Tpng`), with HTML-like labels."""

from __future__ import annotations

from html import escape as _html

from explorer.export.graph import STATE_MARK, Graph, Node, status_line, wrap

COLOUR = {"ok": "#2e7d32", "broken": "#c62828", "unknown": "#b26a00"}


def escape(text: str) -> str:
    return _html(text, quote=False)


def _label(node: Node) -> str:
    colour = COLOUR.get(node.state, "#000000")
    rows = [f"<b>{escape(node.title)}</b>"]
    if node.status:
        rows.append(f'<font color="{colour}">{escape(status_line(node))}</font>')
    for line in node.lines:
        rows += [escape(part) for part in wrap(line)]
    return "<" + '<br align="left"/>'.join(rows) + '<br align="left"/>>'


def _quoted(text: str) -> str:
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n") + '"'


def to_dot(graph: Graph) -> str:
    out = [
        "digraph flow {",
        f"  graph [rankdir=LR, labelloc=t, fontname=\"DejaVu Sans\", label={_quoted(graph.title)}];",
        '  node [shape=box, style="rounded", fontname="DejaVu Sans Mono", fontsize=10];',
        '  edge [fontname="DejaVu Sans", fontsize=9];',
    ]
    for node in graph.nodes:
        width = 3 if node.state == "broken" else 1
        style = '"rounded,dashed"' if node.state == "unknown" else '"rounded"'
        out.append(f"  {node.id} [label={_label(node)}, color=\"{COLOUR.get(node.state, '#000000')}\", "
                   f"penwidth={width}, style={style}];")
    for edge in graph.edges:
        attrs = []
        if edge.state != "ok":
            attrs += [f"color=\"{COLOUR[edge.state]}\"", f"fontcolor=\"{COLOUR[edge.state]}\"", "style=dashed"]
            if edge.reason:
                attrs.append(f"label={_quoted(chr(10).join(wrap(f'{STATE_MARK[edge.state]} {edge.reason}')))}")
        out.append(f"  {edge.source} -> {edge.target}" + (f" [{', '.join(attrs)}]" if attrs else "") + ";")
    for index, (node_id, state, text) in enumerate(graph.notes):
        label = _quoted("\n".join(wrap(f"{STATE_MARK[state]} {text}")))
        out.append(f"  note{index} [shape=note, label={label}, color=\"{COLOUR.get(state, '#000000')}\"];")
        out.append(f"  {node_id} -> note{index} [style=dotted, arrowhead=none];")
    out.append("}")
    return "\n".join(out) + "\n"

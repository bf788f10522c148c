"""The flow diagram for slides and docs: Mermaid, Graphviz DOT and SVG (pure; no textual).

Every format is drawn from the same boxes the TUI draws (titles, lines,
states, broken links with their reasons), so a slide shows what the tool
shows. The text and SVG pictures are the TUI's own box drawing; Mermaid and
DOT merge the flows of several paths into one graph, so an Ingress's fan-out
(one load balancer, several rules, several Services) is visible at once.
"""

"""`ingress-explorer diagram`: the flow as the TUI's boxes, Mermaid, DOT and SVG.

Mermaid is parsed by mermaid's own parser (its bundle, in headless Chromium),
DOT by pydot (and by Graphviz's `dot` where it is installed), SVG by
xml.etree and, where librsvg's rsvg-convert is installed, rendered to PNG.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import xml.etree.ElementTree as ET

import pydot
import pytest

from browser import MERMAID_JS, launch
from conftest import DATA, SAMPLES, run_cli
from explorer.cli import main
from explorer.export.graph import Edge, Graph, Node, merge
from explorer.export.mermaid import to_mermaid

TRICKY = DATA / "diagram" / "tricky.yaml"
TRICKY_PATH = '/q"uote|pipe<lt>&amp#hash;{braces}[x]--end'
CASES = [
    (SAMPLES / "article-v1", "nginx"),
    (SAMPLES / "article-v1", "gce"),
    (SAMPLES / "article-default-backend", "nginx"),
    (SAMPLES / "article-default-backend", "gce"),
    (TRICKY, "nginx"),
    (TRICKY, "gce"),
]
IDS = [f"{path.name}-{controller}" for path, controller in CASES]


pytestmark = pytest.mark.filterwarnings("ignore::DeprecationWarning:pydot")


@pytest.fixture
def draw(capsys):
    """Run `ingress-explorer diagram` in this process (the CLI's own subprocess tests are below)."""

    def run(source, controller: str, fmt: str, *extra: str) -> str:
        code = main(["diagram", "-f", str(source), "--controller", controller, "--format", fmt, *extra])
        out, err = capsys.readouterr()
        assert code == 0, err
        return out

    return run


# ------------------------------------------------------------------ text


def test_text_draws_every_hop_of_every_path_as_boxes(draw):
    out = draw(SAMPLES / "article-v1", "gce", "text", "--width", "120")
    assert out.count("Ingress default/my-ingress on GKE Ingress") == 1
    for caption in ("foo-bar.com /foo (Prefix) → my-nodeport-01:8080", "foo-bar.com /bar (Prefix) → my-nodeport-02:8081"):
        assert caption in out
    for title in ("client", "Ingress rule", "Service", "node:nodePort", "Pods"):
        assert out.count(f"│{title}") >= 2, title
    assert "load balancer" in out.lower()
    assert "╭" in out and "╯" in out and "\x1b[" not in out
    assert max(len(line) for line in out.splitlines()) <= 120


def test_text_says_why_a_link_is_broken(draw):
    out = draw(SAMPLES / "article-default-backend", "nginx", "text", "--width", "140")
    assert "─✘▶" in out
    assert "Service default/def-backend not found" in out


def test_ingress_option_picks_one_and_names_the_others_when_unknown(draw):
    out = draw(TRICKY, "nginx", "text", "--ingress", "shop/other")
    assert "Ingress shop/other" in out and "default/tricky" not in out
    bad = run_cli("diagram", "-f", str(TRICKY), "--ingress", "tricky")  # as a user runs it
    assert bad.returncode == 2
    assert "no Ingress tricky; the Ingresses are default/tricky, shop/other" in bad.stderr


def test_no_ingress_is_a_usage_error(capsys):
    assert main(["diagram", "-f", str(SAMPLES / "article" / "01-nodeports.yaml")]) == 2
    assert "no Ingress" in capsys.readouterr().err


# ------------------------------------------------------------------ mermaid


@pytest.fixture(scope="module")
def mermaid_page():
    """A blank page with mermaid's bundle loaded; `parse(text)` answers "ok" or the parser's error."""
    if not MERMAID_JS.exists():
        reason = (f"mermaid's bundle is not at {MERMAID_JS}: .ci/run fetches it "
                  "(npm pack mermaid; dist/mermaid.min.js), or set MERMAID_JS")
        if os.environ.get("CI"):
            pytest.fail(reason)
        pytest.skip(reason)
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = launch(playwright)
        page = browser.new_page()
        page.set_content("<html><body></body></html>")
        page.add_script_tag(path=str(MERMAID_JS))

        def parse(text: str) -> str:
            return page.evaluate("async (t) => { try { await mermaid.parse(t); return 'ok'; } "
                                 "catch (e) { return String(e.message || e); } }", text)

        yield parse
        browser.close()


@pytest.mark.parametrize("source, controller", CASES, ids=IDS)
def test_mermaid_is_accepted_by_mermaids_parser(source, controller, mermaid_page, draw):
    assert mermaid_page(draw(source, controller, "mermaid")) == "ok"


def test_the_parser_would_catch_a_broken_diagram(mermaid_page):
    graph = Graph("t", [Node("a", "a", ("x",), "ok", ""), Node("b", "b", (), "ok", "")], [Edge("a", "b", "ok", "")])
    text = to_mermaid(graph)
    assert mermaid_page(text) == "ok"
    assert mermaid_page(text.replace('"]:::ok', ']:::ok', 1)) != "ok"


@pytest.mark.parametrize("source, controller", CASES, ids=IDS)
def test_mermaid_structure(source, controller, draw):
    text = draw(source, controller, "mermaid")
    lines = text.splitlines()
    assert lines[:4][3] == "flowchart LR" and lines[0] == "---"
    nodes = [line for line in lines if line.startswith("  n") and '["' in line]
    edges = [line for line in lines if " --> " in line or " -.->" in line]
    assert nodes and len(edges) >= len(nodes) - 3  # every node but the clients is reached by an edge
    for line in nodes:  # labels carry no raw character the parser or HTML would read
        label = line.split('["', 1)[1].rsplit('"]', 1)[0]
        assert '"' not in label and "<" not in label.replace("<b>", "").replace("</b>", "").replace("<br/>", "")


def test_mermaid_escapes_what_it_must(draw):
    text = draw(TRICKY, "nginx", "mermaid")
    assert "/q#quot;uote#124;pipe#lt;lt#gt;#38;amp#35;hash;{braces}[x]--end" in text


# ------------------------------------------------------------------ dot


@pytest.mark.parametrize("source, controller", CASES, ids=IDS)
def test_dot_parses_and_keeps_every_box(source, controller, draw):
    text = draw(source, controller, "dot")
    graphs = pydot.graph_from_dot_data(text)
    assert graphs is not None and len(graphs) == 1
    graph = graphs[0]
    names = {node.get_name() for node in graph.get_nodes()} - {"node", "edge", "graph"}
    assert names and all(edge.get_source() in names and edge.get_destination() in names
                         for edge in graph.get_edges())
    if shutil.which("dot"):  # Graphviz itself, where it is installed
        done = subprocess.run(["dot", "-Tsvg"], input=text, capture_output=True, text=True, timeout=60)
        assert done.returncode == 0 and not done.stderr, done.stderr
        ET.fromstring(done.stdout)


def test_dot_label_keeps_the_tricky_path_literal(draw):
    graph = pydot.graph_from_dot_data(draw(TRICKY, "nginx", "dot"))[0]
    labels = " ".join(str(node.get_label()) for node in graph.get_nodes())
    assert "/q\"uote|pipe&lt;lt&gt;&amp;amp#hash;{braces}[x]--end" in labels


def test_merge_shares_boxes_between_paths(draw):
    out = draw(SAMPLES / "article-v1", "nginx", "mermaid")
    assert out.count("<b>L4 LoadBalancer</b>") == 1  # one load balancer in front of both paths
    assert out.count("<b>Ingress rule</b>") == 2


def test_merge_keeps_a_broken_links_reason():
    class Box:
        def __init__(self, title, state="ok"):
            self.title, self.lines, self.state, self.status = title, (), state, ""

    class Link:
        state, reason = "broken", "because"

    class Diagram:
        boxes = [Box("a"), Box("b", "broken")]
        caption, notes = "", [("broken", "a note")]

        def link(self, index):
            return Link()

    graph = merge([Diagram(), Diagram()], "t")
    assert [(e.source, e.target, e.state, e.reason) for e in graph.edges] == [("n0", "n1", "broken", "because")]
    assert graph.notes == [("n1", "broken", "a note")]


# ------------------------------------------------------------------ svg


@pytest.mark.parametrize("source, controller", CASES, ids=IDS)
def test_svg_is_well_formed_and_draws_the_boxes(source, controller, draw):
    text = draw(source, controller, "svg")
    root = ET.fromstring(text)
    assert root.tag == "{http://www.w3.org/2000/svg}svg"
    shown = "".join(root.itertext()).replace("\xa0", " ")
    assert "╭" in shown and "client" in shown and "Ingress rule" in shown
    assert "cdnjs" not in text and "url(\"http" not in text  # no font fetched from the network


def test_svg_renders_to_a_picture(tmp_path):
    rsvg = shutil.which("rsvg-convert")
    if rsvg is None:
        pytest.skip("rsvg-convert (Debian's librsvg2-bin) is not installed")
    svg = tmp_path / "flow.svg"
    assert main(["diagram", "-f", str(SAMPLES / "article-v1"), "-o", str(svg)]) == 0
    png = tmp_path / "flow.png"
    done = subprocess.run([rsvg, "-o", str(png), str(svg)], capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr
    assert png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n" and png.stat().st_size > 20_000


def test_output_format_follows_the_file_suffix(tmp_path):
    for suffix, start in ((".mmd", "---"), (".dot", "digraph"), (".svg", "<svg")):
        target = tmp_path / f"flow{suffix}"
        assert main(["diagram", "-f", str(SAMPLES / "article-v1"), "-o", str(target)]) == 0
        assert target.read_text(encoding="utf-8").startswith(start)


def test_a_big_workload_names_twelve_pods_and_counts_the_rest(tmp_path):
    from test_topology_scale import BIG

    (tmp_path / "big.yaml").write_text(BIG)
    out = run_cli("diagram", "-f", str(tmp_path / "big.yaml"))
    assert out.returncode == 0, out.stderr
    assert "1000/1000 ready" in out.stdout and "… 989 more Pods" in out.stdout
    assert out.stdout.count("✔\u00a0big-") == 11


def test_a_million_replicas_are_simulated_as_five_thousand_and_the_box_says_so(tmp_path):
    from test_topology_scale import BIG

    (tmp_path / "huge.yaml").write_text(BIG.replace("replicas: 1000", "replicas: 1000000"))
    out = run_cli("diagram", "-f", str(tmp_path / "huge.yaml"))
    assert out.returncode == 0, out.stderr
    assert "5000/5000 ready" in out.stdout and "5,000 of 1,000,000 simulated" in out.stdout

"""The flow diagram on a narrow terminal: boxes stack top to bottom, each whole, instead of being cut (issue 21)."""

from __future__ import annotations

import pytest
from rich.cells import cell_len

from conftest import SAMPLES, run_cli
from explorer.export.boxes import STACK_BELOW, Box, Diagram, Link, render

LONG_POD = "site01-mwkt697lkk-7l7zt"


def six_hops(broken_at: int | None = None) -> Diagram:
    boxes = [Box("client", ("GET /foo", "Host: foo-bar.com")),
             Box("L4 LoadBalancer", ("Service ingress-nginx-controller", "34.95.194.130"), status="ok"),
             Box("ingress-nginx Pod", ("ingress-nginx-controller-9xthxpxhpw-2m5jh",), status="ok"),
             Box("Ingress rule", ("default/my-ingress", "foo-bar.com /foo (Prefix)"), status="ok"),
             Box("Service", ("my-nodeport-01", ":8080 (http) → targetPort 80"), status="ok"),
             Box("Pods", (f"✔ {LONG_POD}", "→ web :80 (http)"), status="2/2 ready", cut_middle=True)]
    links = [Link("broken", "no endpoints") if i == broken_at else Link() for i in range(5)]
    return Diagram(boxes, links, caption="foo-bar.com /foo (Prefix) → my-nodeport-01:8080")


@pytest.mark.parametrize("width", [40, 60, 80, STACK_BELOW - 1])
def test_below_the_stacking_width_every_box_has_a_row_of_its_own_and_fits(width):
    lines = render(six_hops(), width).plain.split("\n")
    assert all(cell_len(line) <= width for line in lines), [line for line in lines if cell_len(line) > width]
    tops = [n for n, line in enumerate(lines) if line.startswith("╭")]
    assert len(tops) == 6 and all(line.count("╭") <= 1 for line in lines)  # one box per row, never two
    titles = [lines[n].split("─ ", 1)[1].split(" ")[0] for n in tops]
    assert titles == ["client", "L4", "ingress-nginx", "Ingress", "Service", "Pods"]  # in the order travelled
    for top in tops:  # every box closed: its right edge, and a bottom border below its lines
        bottom = next(n for n in range(top + 1, len(lines)) if lines[n].startswith("╰"))
        assert all(cell_len(line) == width and line.endswith(("╮", "│", "╯")) for line in lines[top:bottom + 1])
    assert sum("▼" in line for line in lines) == 5  # the way down, once between each pair of boxes


def test_a_stacked_box_joins_short_details_and_keeps_a_pods_name_ends():
    drawn = render(six_hops(), 80).plain
    assert "GET /foo · Host: foo-bar.com" in drawn
    assert f"✔ {LONG_POD} · → web :80 (http)" in drawn  # room enough: the whole name
    narrow = render(six_hops(), 24).plain
    assert "-7l7zt" in narrow and "…" in narrow  # cut in the middle, the ends a user tells Pods by are kept


def test_a_broken_link_is_marked_where_it_breaks_and_its_reason_written_under_the_drawing():
    lines = render(six_hops(broken_at=4), 80).plain.split("\n")
    marked = [n for n, line in enumerate(lines) if "✘▼" in line]
    assert len(marked) == 1
    assert lines[marked[0] + 1].startswith("╭─ Pods")  # the way from Service down to the Pods is the broken one
    assert "Service → Pods: no endpoints" in lines[-1]


def test_at_the_stacking_width_and_wider_boxes_stay_side_by_side():
    lines = render(six_hops(), STACK_BELOW).plain.split("\n")
    assert max(line.count("╭") for line in lines) > 1


def test_the_diagram_command_at_80_columns_draws_every_box_whole():
    out = run_cli("diagram", "-f", str(SAMPLES / "article-v1"), "--width", "80")
    assert out.returncode == 0, out.stderr
    lines = out.stdout.splitlines()
    assert all(cell_len(line) <= 80 for line in lines)
    assert sum(line.startswith("╭─ Pods ✔ ") for line in lines) == 2  # both rules' flows, stacked
    pods = [lines[n + 1] for n, line in enumerate(lines) if line.startswith("╭─ Pods")]
    assert all("site0" in line and "…" not in line for line in pods), pods  # the Pods' names whole


def test_stacked_boxes_taller_than_the_screen_leave_out_their_explanations_first():
    diagram = six_hops()
    diagram.boxes[1] = Box("L4 LoadBalancer", ("34.95.194.130",), status="ok",
                           extra=("L4 load balancer: passes TCP :80 and :443 to the controller Pods",))
    explained = render(diagram, 80).plain
    assert "passes TCP :80" in explained
    height = len(explained.split("\n"))
    fitted = render(diagram, 80, max_lines=height - 1).plain
    assert "passes TCP :80" not in fitted and len(fitted.split("\n")) <= height - 1
    assert "34.95.194.130" in fitted and "✔ ok" in fitted  # names, addresses and states stay
    assert render(diagram, 80, max_lines=height).plain == explained  # room enough: nothing left out

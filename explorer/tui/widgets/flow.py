"""The flow diagram widget: the hops of one rule or one request, drawn to fit the space it gets."""

from __future__ import annotations

from typing import TYPE_CHECKING

from typing import Any

from rich.text import Text
from textual.app import App
from textual.geometry import Size
from textual.reactive import reactive
from textual.widget import Widget

if TYPE_CHECKING:
    from explorer.export.boxes import Diagram


def hop_seconds(app: App[Any], seconds: float) -> float:
    """How long a hop stays lit: `seconds`, or none when animations are off (TEXTUAL_ANIMATIONS=none).

    That is Textual's own setting, for users who want no motion; the tests'
    conftest sets it, so a test waits for what a request does, not for a show.
    """
    return 0.0 if app.animation_level == "none" else seconds


class FlowDiagram(Widget, can_focus=True):
    """Draws a `Diagram`; `lit` is the hop a request is at now, hops up to `passed` were travelled."""

    HELP = """\
## Flow diagram

The way a request travels: client → load balancer → Ingress → Service → Pods,
in the shape of the chosen controller (press **c** to switch).

- Every box names the real object and its ports; its state is written in words
  (✔ ready, ✘ broken, ? unknown) as well as coloured.
- A broken link is drawn `─✘▶` and its reason is written under the drawing.
- When a request is sent (**r**), the hops light up one by one as it reaches them.
"""

    DEFAULT_CSS = """
    FlowDiagram {
        height: auto;
        padding: 0 1;
    }
    FlowDiagram:focus {
        background: $boost;
    }
    """

    diagram: reactive[Diagram | None] = reactive(None, layout=True)
    lit: reactive[int | None] = reactive(None)
    passed: reactive[int] = reactive(-1)

    def __init__(self, empty: str = "Select a rule to see its flow.", **kwargs) -> None:
        super().__init__(**kwargs)
        self.empty = empty

    def show(self, diagram: Diagram | None) -> None:
        self.diagram = diagram
        self.lit = None
        self.passed = -1

    def render(self) -> Text:
        if self.diagram is None:
            return Text(self.empty, style="dim")
        from explorer.export.boxes import render

        return render(self.diagram, self.content_region.width or self.size.width, self.lit, self.passed,
                      max_lines=self._most_lines())

    def get_content_height(self, container: Size, viewport: Size, width: int) -> int:
        if self.diagram is None:  # the empty text, as many lines as it wraps to
            return max(1, len(Text(self.empty).wrap(self.app.console, max(width, 1))))
        from explorer.export.boxes import render

        return len(render(self.diagram, width, max_lines=self._most_lines()).plain.split("\n"))

    def _most_lines(self) -> int:
        """The most lines the diagram can show at once: the screen's, less the footer and a header."""
        return max(self.app.size.height - 2, 1)

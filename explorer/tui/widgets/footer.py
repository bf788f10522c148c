"""The footer: the most important keys first, and only as many as fit (`?` lists every one).

One widget draws the whole line: Textual's Footer mounts and styles a widget per key (about 14 ms of CPU
for thirteen keys at the first frame, see benchmarks/README.md); this draws the same cells as that footer
(key bold in the accent colour, its description after it, the command palette's key at the right edge)
and maps a click's column back to the key, which it presses as Textual's footer does.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, NamedTuple

from rich.style import Style
from rich.segment import Segment
from textual import events
from textual.strip import Strip
from textual.widget import Widget

if TYPE_CHECKING:
    from textual.screen import Screen

#: Actions in the order their keys matter to someone new; keys of the screen or widget not named here come
#: first (the editor's f5, a lesson's keys): they are what that screen is for.
ORDER = (
    "request", "focus_url", "switch_mode('explore')", "switch_mode('flow')", "switch_mode('lessons')", "filter",
    "switch_controller", "help", "ask_quit", "screenshot", "switch_mode('migrate')", "command_bar", "edit",
    "undo_apply", "zoom_flow", "zoom", "back", "command_palette",
)


class FooterItem(NamedTuple):
    """One key as the footer shows it, and what a click on it presses.

    (A named tuple: the footer is in the first frame, and a frozen dataclass compiles its methods at import.)
    """

    key: str
    key_display: str
    description: str
    action: str
    disabled: bool = False
    tooltip: str = ""
    palette: bool = False  # the command palette's key: drawn at the right edge, as Textual's footer does

    @property
    def width(self) -> int:
        """Cells the key takes: " key description " (the palette's: "▏key description ")."""
        return len(self.key_display) + len(self.description) + 3


class KeysFooter(Widget, can_focus=False):
    """Footer that sorts its keys by ORDER and leaves out those that would not fit, instead of cutting one."""

    ALLOW_SELECT = False
    COMPONENT_CLASSES = {"footer-key--key", "footer-key--description", "footer-key--border", "footer-key--hover"}
    DEFAULT_CSS = """
    KeysFooter {
        color: $footer-foreground;
        background: $footer-background;
        dock: bottom;
        height: 1;
        text-wrap: nowrap;
        .footer-key--key {
            color: $footer-key-foreground;
            background: $footer-key-background;
            text-style: bold;
        }
        .footer-key--description {
            color: $footer-description-foreground;
            background: $footer-description-background;
        }
        .footer-key--border { color: $foreground 20%; }
        .footer-key--hover { background: $block-hover-background; }
    }
    """

    def __init__(self) -> None:
        super().__init__()
        self.items: tuple[FooterItem, ...] = ()  # the keys shown, in order
        self._spans: list[tuple[int, int, FooterItem]] = []  # cells [start, end) of each key on the line
        self._hover: FooterItem | None = None

    def on_mount(self) -> None:
        self.screen.bindings_updated_signal.subscribe(self, self.bindings_changed)
        self.update_keys()

    def on_unmount(self) -> None:
        self.screen.bindings_updated_signal.unsubscribe(self)

    def bindings_changed(self, screen: Screen[object]) -> None:
        if screen.app.app_focus and self.is_attached and screen is self.screen:
            self.call_after_refresh(self.update_keys)

    def on_resize(self, _: events.Resize) -> None:
        self.update_keys()

    def update_keys(self) -> None:
        """Fit the active keys to the width; repaint only when what is shown changes."""
        if not self.is_attached:
            return
        shown = self._fitting()
        if shown != self.items:
            self.items = shown
            self.refresh()

    def _active(self) -> list[FooterItem]:
        """The screen's keys to show, one per action, as Textual's Footer.compose lists them."""
        app = self.app
        active = self.screen.active_bindings
        items: dict[str, FooterItem] = {}
        for _node, binding, enabled, tooltip in active.values():
            if binding.show and binding.action not in items:
                items[binding.action] = FooterItem(binding.key, app.get_key_display(binding), binding.description,
                                                   binding.action, not enabled, tooltip)
        if app.ENABLE_COMMAND_PALETTE and app.COMMAND_PALETTE_BINDING in active:
            _node, binding, enabled, _tooltip = active[app.COMMAND_PALETTE_BINDING]
            items[f"{binding.action} (palette)"] = FooterItem(
                binding.key, app.get_key_display(binding), binding.description, binding.action, not enabled,
                binding.tooltip or binding.description, palette=True)
        return list(items.values())

    def _fitting(self) -> tuple[FooterItem, ...]:
        rank = {action: n for n, action in enumerate(ORDER, start=1)}
        keys = sorted(self._active(), key=lambda item: rank.get(item.action, 0))
        room = self.size.width or self.app.size.width
        used = 0
        shown = []
        for item in keys:
            if used + item.width > room:
                break
            used += item.width
            shown.append(item)
        return tuple(shown)

    def render_line(self, y: int) -> Strip:
        """The line of keys as segments (the Line API): the gaps take the footer's background only, as the
        cells between Textual's footer keys do (a rendered Text would give them the footer's colour too)."""
        width = self.size.width
        fill = Style(bgcolor=self.rich_style.bgcolor)
        if y:
            return Strip.blank(width, fill)
        key_style = self.get_component_rich_style("footer-key--key")
        description_style = self.get_component_rich_style("footer-key--description")
        hover = Style(bgcolor=self.get_component_rich_style("footer-key--hover").bgcolor)
        segments: list[Segment] = []
        self._spans = []
        used = 0

        def add(text: str, style: Style, item: FooterItem | None = None) -> None:
            nonlocal used
            if item is not None and item.disabled:
                style += Style(dim=True)
            if item is not None and item == self._hover:
                style += hover
            segments.append(Segment(text, style))
            used += len(text)

        for item in (item for item in self.items if not item.palette):
            start = used
            if item.description:
                add(f" {item.key_display} ", key_style, item)
                add(f"{item.description} ", description_style, item)
            else:
                add(item.key_display, key_style, item)
            self._spans.append((start, used, item))
        for item in (item for item in self.items if item.palette):
            if width - used - item.width > 0:
                add(" " * (width - used - item.width), fill)
            start = used
            add("▏", self.get_component_rich_style("footer-key--border"))
            add(item.key_display, key_style, item)
            add(f" {item.description}", description_style, item)
            add(" ", fill)
            self._spans.append((start, used, item))
        return Strip(segments).extend_cell_length(width, fill).crop(0, width)

    def item_at(self, x: int) -> FooterItem | None:
        """The key drawn at column x of the footer, if any."""
        return next((item for start, end, item in self._spans if start <= x < end), None)

    def on_mouse_move(self, event: events.MouseMove) -> None:
        item = self.item_at(event.x)
        if item != self._hover:
            self._hover = item
            self.tooltip = (item.tooltip or None) if item else None
            self.styles.pointer = "pointer" if item else "default"
            self.refresh()

    def on_leave(self, _: events.Leave) -> None:
        if self._hover is not None:
            self._hover = None
            self.tooltip = None
            self.refresh()

    def on_mouse_down(self, event: events.MouseDown) -> None:
        """Press the key clicked on, as Textual's FooterKey does (a bell for a disabled one)."""
        item = self.item_at(event.x)
        if item is None:
            return
        if item.disabled:
            self.app.bell()
        else:
            self.app.simulate_key(item.key)

"""The footer: the most important keys first, and only as many as fit (`?` lists every one)."""

from __future__ import annotations

from textual.app import ComposeResult
from textual.events import Resize
from textual.widgets import Footer
from textual.widgets._footer import FooterKey

#: Actions in the order their keys matter to someone new; keys of the screen or widget not named here come
#: first (the editor's f5, a lesson's keys): they are what that screen is for.
ORDER = (
    "request", "focus_url", "switch_mode('explore')", "switch_mode('flow')", "switch_mode('lessons')", "filter",
    "switch_controller", "help", "ask_quit", "screenshot", "switch_mode('migrate')", "command_bar", "edit",
    "undo_apply", "zoom_flow", "zoom", "back", "command_palette",
)


class KeysFooter(Footer):
    """Footer that sorts its keys by ORDER and leaves out those that would not fit, instead of cutting one."""

    def __init__(self) -> None:
        super().__init__()
        self._fitted_width = 0

    def compose(self) -> ComposeResult:
        keys = list(super().compose())
        rank = {action: n for n, action in enumerate(ORDER, start=1)}
        keys.sort(key=lambda w: rank.get(w.action, 0) if isinstance(w, FooterKey) else len(ORDER) + 1)
        room = self.size.width or self.app.size.width
        used = 0
        shown = []
        for widget in keys:
            width = _width(widget)
            if used + width > room:
                break
            used += width
            shown.append(widget)
        self._fitted_width = room
        yield from shown

    async def on_resize(self, event: Resize) -> None:
        if event.size.width != self._fitted_width:
            await self.recompose()


def _width(widget: object) -> int:
    """Cells a footer key takes: " key description " (FooterKey pads one cell each side)."""
    if isinstance(widget, FooterKey):
        return len(widget.key_display) + len(widget.description) + 3
    return 12

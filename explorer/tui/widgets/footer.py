"""The footer: the most important keys first, and only as many as fit (`?` lists every one)."""

from __future__ import annotations

from textual.app import ComposeResult
from textual.events import Resize
from textual.widget import Widget
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
        self._shown: tuple[object, ...] | None = None  # what the mounted keys say (see recompose)
        self._made: list[Widget] | None = None  # keys recompose made to compare, for compose to mount

    async def recompose(self) -> None:
        """Recompose only when the keys shown would change.

        Textual recomposes a footer on every change of bindings (each focus change while the screen
        mounts: three times before the first frame), and mounting and styling its keys again costs
        about 15 ms each time.
        """
        if self.is_attached and self._shown is not None:
            fitting = self._fitting()
            if _signature(fitting) == self._shown:
                return
            self._made = fitting  # (compose mounts these rather than making every key again)
        await super().recompose()

    def compose(self) -> ComposeResult:
        shown, self._made = self._made if self._made is not None else self._fitting(), None
        self._shown = _signature(shown)
        yield from shown

    def _fitting(self) -> list[Widget]:
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
        return shown

    async def on_resize(self, event: Resize) -> None:
        if event.size.width != self._fitted_width:
            await self.recompose()


def _signature(widgets: list[Widget]) -> tuple[object, ...] | None:
    """What a row of footer keys shows and does; None when it holds anything but plain keys (always recompose)."""
    if not all(type(w) is FooterKey for w in widgets):
        return None
    return tuple((w.key, w.key_display, w.description, w.action, w._disabled, str(w.tooltip or ""), w.classes)
                 for w in widgets if isinstance(w, FooterKey))


def _width(widget: object) -> int:
    """Cells a footer key takes: " key description " (FooterKey pads one cell each side)."""
    if isinstance(widget, FooterKey):
        return len(widget.key_display) + len(widget.description) + 3
    return 12

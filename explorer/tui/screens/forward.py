"""What a screen other than Explore does with the command bar's `:KIND` and `:ns`: hand them to Explore."""

from __future__ import annotations

from textual.screen import Screen

from explorer.tui.widgets.command_bar import SetNamespace, ShowKind


class ForwardsListingsToExplore(Screen):
    """Flow and Migrate list nothing themselves: `:svc`, `:gtw`, `:ns NAME` switch to Explore, which does."""

    def on_show_kind(self, message: ShowKind) -> None:
        self._to_explore(message)

    def on_set_namespace(self, message: SetNamespace) -> None:
        self._to_explore(message)

    def _to_explore(self, message: ShowKind | SetNamespace) -> None:
        self.app.switch_mode("explore")
        self.app.screen.post_message(message)

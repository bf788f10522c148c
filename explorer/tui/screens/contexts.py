"""`:ctx`: the kubeconfig's contexts in a list, as k9s's context view; enter reads the chosen cluster.

The list is read as plain YAML (`explorer.live.contexts`), so opening it
costs nothing; the kubernetes client is imported only once a context is
chosen, by the app's worker that connects.
"""

from __future__ import annotations

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import DataTable, Static

from explorer.live.contexts import KubeContexts


class ContextPicker(ModalScreen[str | None]):
    """Pick a kubeconfig context; dismissed with its name, or None when closed with esc."""

    HELP = """\
## Contexts

Every context of the kubeconfig kubectl would read (`--kubeconfig`, else
`KUBECONFIG`, else `~/.kube/config`). `*` marks the kubeconfig's
current-context. **enter** reads the selected cluster, read-only, in the
context's namespace; what is on screen stays until it has been read.
**esc** closes the list.
"""

    BINDINGS = [Binding("escape", "cancel", "Close", id="contexts.close", tooltip="Close the list, keep the view")]

    DEFAULT_CSS = """
    ContextPicker {
        align: center middle;
    }
    ContextPicker #contexts-table {
        height: auto;
        max-height: 20;
    }
    ContextPicker #contexts-title {
        margin-bottom: 1;
    }
    """

    def __init__(self, contexts: KubeContexts, on_screen: str | None = None) -> None:
        """`on_screen`: the source name shown now (`cluster:dev`), where the cursor starts."""
        super().__init__()
        self.contexts = contexts
        self.on_screen = on_screen

    def compose(self) -> ComposeResult:
        files = ", ".join(self.contexts.files)
        with Vertical(id="contexts-box", classes="dialog"):
            yield Static(Text.assemble(("Contexts", "bold"), f" in {files}", style=""), id="contexts-title")
            yield DataTable(id="contexts-table", cursor_type="row", zebra_stripes=True)
            yield Static(Text("enter reads the selected cluster · esc closes", style="dim"))

    def on_mount(self) -> None:
        table = self.query_one(DataTable)
        table.add_columns("CURRENT", "NAME", "CLUSTER", "NAMESPACE", "SERVER")
        start = 0
        for index, context in enumerate(self.contexts.contexts):
            shown = self.on_screen == f"cluster:{context.name}"
            name = Text(context.name + ("  (on screen)" if shown else ""), style="bold" if shown else "")
            table.add_row("*" if context.name == self.contexts.current else "", name, context.cluster,
                          context.namespace or "", context.server, key=context.name)
            if shown or (context.name == self.contexts.current and self.on_screen is None):
                start = index
        table.move_cursor(row=start)
        table.focus()

    def on_data_table_row_selected(self, event: DataTable.RowSelected) -> None:
        event.stop()
        self.dismiss(event.row_key.value)

    def action_cancel(self) -> None:
        self.dismiss(None)

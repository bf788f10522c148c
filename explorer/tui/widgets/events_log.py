"""The events log: what the controller and the proxy did, newest last (RichLog: mounted after the first frame)."""

from __future__ import annotations

from datetime import datetime

from rich.text import Text
from textual import getters
from textual.widgets import RichLog

from explorer.tui.base import ExplorerApp


class EventsLog(RichLog):
    app = getters.app(ExplorerApp)

    HELP = """\
## Events

What the controller and the embedded proxy did: load balancers created or
refused (as `kubectl describe ingress` shows them), health checks that changed,
and one line per request that went through the proxy.
"""

    def __init__(self, **kwargs) -> None:
        super().__init__(markup=False, wrap=False, max_lines=2000, **kwargs)
        self.shown = 0

    def on_mount(self) -> None:
        self.watch(self.app, "event_count", self.catch_up)

    def catch_up(self, count: int) -> None:
        """Write the app's events this log has not shown yet (it may mount after many; the app keeps the last ones)."""
        events = self.app.events
        new = min(count - self.shown, len(events))
        for when, source, text, style in list(events)[len(events) - new:] if new > 0 else ():
            line = Text(datetime.fromtimestamp(when).strftime("%H:%M:%S "), style="dim")
            line.append(f"{source:<9} ", style="bold")
            line.append(text, style=style)
            self.write(line)
        self.shown = max(self.shown, count)

"""The TUI with its embedded proxy on thousands of Pods: Pods on demand, said so, health redrawn row by row."""

from __future__ import annotations

import explorer.tui.app as tui_app
from explorer.proxy import Proxy, ProxyOptions
from explorer.tui.widgets.resources import ResourceTable
from test_proxy_scale import REPLICAS, many_pods
from tui_helpers import SIZE, loaded, make_app, table_rows, until


async def test_thousands_of_pods_start_on_demand_and_health_is_unknown_until_checked(tmp_path, monkeypatch):
    monkeypatch.setattr(tui_app, "HEALTH_ROWS_INLINE", 20)  # the first probed redraw (300 rows) goes to a thread
    dump = tmp_path / "many.yaml"
    dump.write_text(many_pods())
    app = make_app(dump, start_proxy=True, traffic_factory=lambda: Proxy(ProxyOptions(time_scale=0.05)))
    async with app.run_test(size=SIZE) as pilot:
        await loaded(pilot)
        table = app.query_one(ResourceTable)
        await until(pilot, lambda: app.traffic is not None, what="the embedded proxy to listen")
        await until(pilot, lambda: "(Pods on demand)" in app.sub_title, what="the subtitle to say so")
        assert any(source == "proxy" and "3,000 simulated Pods (more than 500): a Pod starts on its first request"
                   in text for _, source, text, _ in app.events)
        # nothing probed: every row says Unknown, not the predicted ok
        await until(pilot, lambda: {row[6] for row in table_rows(table)} == {"? unknown"},
                    what="health to be Unknown")
        proxy = app.traffic
        assert isinstance(proxy, Proxy) and proxy.sims is not None and proxy.sims.servers_started == 0

        await pilot.press("down", "down")
        first_key = table._row_locations.get_key(0)
        summary = await proxy.send("GET", "http://h3.example.com/p2/x")
        assert summary.status == 200 and summary.pod.startswith("app17-")
        assert proxy.sims.servers_started == REPLICAS

        def health_of(backend: str) -> set[str]:
            return {row[6] for row in table_rows(table) if row[3] == backend}

        await until(pilot, lambda: health_of("app17:http") == {"✔ ok"}, what="app17's rows to turn ok")
        assert health_of("app18:http") == {"? unknown"}
        assert any(source == "health" and "default-app17-80: health checks start" in text
                   for _, source, text, _ in app.events)
        # the rows were redrawn in place: same row keys, the cursor where it was
        assert table._row_locations.get_key(0) is first_key and table.cursor_row == 2

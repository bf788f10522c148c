"""The first probed health redraw of many rows costs the event loop nothing big: no repr() of the View, cells in a thread."""

from __future__ import annotations

import threading

import explorer.tui.app as tui_app
from explorer.proxy import Proxy, ProxyOptions
from explorer.tui.widgets import resources
from explorer.tui.widgets.resources import ResourceTable
from test_proxy_scale import many_pods
from tui_helpers import SIZE, loaded, make_app, table_rows, until


async def test_health_redraw_of_many_rows_makes_its_cells_off_the_loop_and_describes_workers_briefly(
        tmp_path, monkeypatch):
    monkeypatch.setattr(tui_app, "HEALTH_ROWS_INLINE", 20)  # the first probed redraw (300 rows) goes to a thread
    patched_in: list[str] = []
    patched = resources._Listing.patched

    def spy(self, view, indices):
        patched_in.append(threading.current_thread().name)
        return patched(self, view, indices)

    monkeypatch.setattr(resources._Listing, "patched", spy)
    descriptions: list[str] = []
    run_worker = tui_app.IngressExplorer.run_worker

    def record(self, work, *args, description: str = "", **kwargs):
        descriptions.append(description)
        return run_worker(self, work, *args, description=description, **kwargs)

    monkeypatch.setattr(tui_app.IngressExplorer, "run_worker", record)
    dump = tmp_path / "many.yaml"
    dump.write_text(many_pods())
    app = make_app(dump, start_proxy=True, traffic_factory=lambda: Proxy(ProxyOptions(time_scale=0.05)))
    main = threading.current_thread().name
    async with app.run_test(size=SIZE) as pilot:
        await loaded(pilot)
        table = app.query_one(ResourceTable)
        await until(pilot, lambda: app.traffic is not None and app.view is not None and app.view.probed
                    and not app._health_redrawing, what="the first probed redraw")
        await until(pilot, lambda: {row[6] for row in table_rows(table)} == {"? unknown"},
                    what="health to be Unknown")
        assert patched_in and main not in patched_in[:1]  # the 300 rows' cells were made in the health thread
        assert table._prepared is None  # taken by patch
    # Textual's default description is repr() of the arguments: for a View, seconds on a cluster dump
    assert "the rows whose health changed" in descriptions
    assert all(len(d) < 200 for d in descriptions), [d[:80] for d in descriptions if len(d) >= 200]

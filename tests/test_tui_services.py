"""The TUI's services without Textual: news that coalesces, the probed health, files watched on disk."""

from __future__ import annotations

import threading
import time
from pathlib import Path

from explorer.model import load
from explorer.routing import PROFILES
from explorer.topology import predicted_sync
from explorer.traffic import HealthChecked
from explorer.tui.app import Told
from explorer.tui.services.health import HealthBook
from explorer.tui.services.news import ClusterChanged, FilesChanged, HealthNews, Logged, Progress
from explorer.tui.services.watch import FileWatcher
from explorer.tui.workspace import Workspace
from tui_helpers import SAMPLES


def test_a_flood_of_health_or_progress_news_coalesces_but_log_lines_and_file_changes_never_do():
    assert Told(HealthNews()).can_replace(Told(HealthNews()))
    assert Told(Progress("parsing")).can_replace(Told(Progress("building")))
    assert not Told(Progress("parsing")).can_replace(Told(HealthNews()))
    assert not Told(Logged("proxy", "a")).can_replace(Told(Logged("proxy", "b")))
    assert not Told(FilesChanged(("a.yaml",))).can_replace(Told(FilesChanged(("b.yaml",))))
    assert ClusterChanged.replaceable  # each snapshot is the whole state: the newest one is enough


def test_the_health_book_keeps_probes_and_gives_each_changed_backend_once():
    state = load([str(SAMPLES / "article-v1")])
    controller, _ = predicted_sync(state, PROFILES["nginx"])
    book = HealthBook()
    book.reset(controller)
    backend, target = next((b.id, t.name) for b in controller.backends.values() for t in b.targets)
    changed = [book.record(HealthChecked(backend, target, "/", None, False, 1.0, now)) for now in range(1, 20)]
    assert any(changed), "failing probes never made the target unhealthy"
    _, backends = book.take_changed()
    assert backends == {backend}
    assert book.take_changed()[1] == set() and not book.pending
    assert not book.record(HealthChecked("no/such:80", target, "/", 200, True, 1.0, 30.0))  # not this view's


def test_the_file_watcher_tells_a_change_on_disk_without_polling(tmp_path: Path):
    target = tmp_path / "ingress.yaml"
    target.write_text((SAMPLES / "article-v1" / "ingress.yaml").read_text())
    workspace = Workspace([str(tmp_path)])
    workspace.load()
    told: list[object] = []
    arrived = threading.Event()
    watcher = FileWatcher(lambda news: (told.append(news), arrived.set()), [str(tmp_path)],
                          workspace.changed_on_disk, debounce_ms=50).start()
    try:
        time.sleep(0.3)  # the watch is set up in its thread
        assert not told  # nothing changed yet
        target.write_text(target.read_text() + "\n# edited\n")
        assert arrived.wait(10), "no news of the edit"
        assert told == [FilesChanged((str(target),))]
    finally:
        watcher.close()


async def test_the_events_list_is_bounded_and_the_log_shows_the_newest():
    from explorer.tui.base import EVENTS_KEPT
    from explorer.tui.widgets.events_log import EventsLog
    from tui_helpers import SIZE, loaded, make_app, until

    app = make_app(SAMPLES / "article-v1", watch_files=False)
    async with app.run_test(size=SIZE) as pilot:
        await loaded(pilot)
        for n in range(EVENTS_KEPT + 500):
            app.log_event("test", f"event number {n}")
        assert len(app.events) == EVENTS_KEPT
        assert app.events[-1][2] == f"event number {EVENTS_KEPT + 499}"
        await pilot.press("v")
        log = app.screen.query_one(EventsLog)
        await until(pilot, lambda: log.lines and f"event number {EVENTS_KEPT + 499}" in log.lines[-1].text,
                    what="the newest event in the log")
        assert not any("event number 0 " in line.text or line.text.endswith("event number 0")
                       for line in log.lines)

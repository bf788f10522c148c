"""The command line's garbage-collector policy (explorer/commands/collector.py), seen from outside.

A one-shot command runs without cyclic collection and leaves the collector
as it found it; `serve`'s swap of snapshots frees the one it replaced, even
though the earlier settle froze it.
"""

from __future__ import annotations

import argparse
import gc
import subprocess
import sys
import weakref
from typing import Iterator

import pytest

from conftest import SAMPLES
from explorer.cli import main
from explorer.commands import collector


@pytest.fixture
def passes() -> Iterator[list[int]]:
    """The generation of every collection that starts while the test runs."""
    seen: list[int] = []

    def count(phase: str, info: dict[str, int]) -> None:
        if phase == "start":
            seen.append(info["generation"])

    assert gc.isenabled()
    gc.collect()  # counts start from zero: no pass is due before the test's own first allocations
    gc.callbacks.append(count)
    try:
        yield seen
    finally:
        gc.callbacks.remove(count)
        gc.unfreeze()  # leave the test process's collector as it was


def test_a_one_shot_command_runs_without_cyclic_collection_and_gives_the_collector_back(
        passes: list[int], capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch) -> None:
    import explorer.commands.route as route

    seen: dict[str, object] = {}
    real_run = route.run

    def run(args: argparse.Namespace) -> int:  # the command itself, with the collector watched around it
        seen["enabled"], before = gc.isenabled(), len(passes)
        code = real_run(args)
        seen["passes"] = len(passes) - before
        return code

    monkeypatch.setattr(route, "run", run)
    assert main(["route", "-f", str(SAMPLES / "article-v1"), "http://foo-bar.com/foo"]) == 0
    assert "my-nodeport-01" in capsys.readouterr().out
    assert seen == {"enabled": False, "passes": 0}
    assert gc.isenabled()


def test_a_one_shot_command_that_is_the_process_leaves_its_objects_frozen_for_the_exit() -> None:
    """`main()` with no argv is the process's own command line: no collector given back to walk the start's objects."""
    code = (f"import gc, sys; sys.argv = ['ingress-explorer', 'route', '-f', {str(SAMPLES / 'article-v1')!r}, "
            "'http://foo-bar.com/foo']\n"
            "from explorer.cli import main\n"
            "code = main(); print(code, gc.isenabled(), gc.get_freeze_count() > 1000)")
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    assert "my-nodeport-01" in done.stdout and done.stdout.splitlines()[-1] == "0 False True"


class Snapshot:
    """Stands for a routed snapshot: it refers to itself (state -> router -> state)."""

    def __init__(self) -> None:
        self.me = self


def test_a_settled_snapshot_is_frozen_and_freed_once_the_next_one_replaces_it(passes: list[int]) -> None:
    with collector.paused_then_settled(collect=False):  # serve's first snapshot
        assert not gc.isenabled()
        first = Snapshot()
    assert gc.isenabled() and gc.get_freeze_count() > 0 and passes == []
    gone = weakref.ref(first)
    del first
    with collector.paused_then_settled():  # the next one replaces it
        second = Snapshot()
    assert gone() is None, "the replaced snapshot (a cycle) was never freed"
    assert second.me is second and gc.isenabled()


def test_the_tuis_start_pause_and_a_pipeline_pause_in_another_thread_give_the_collector_back_once_both_end(
        passes: list[int]) -> None:
    import threading

    from explorer.tui import gcpause

    gcpause.start_paused()  # the tui command, before textual is imported
    assert not gc.isenabled()
    inside, go_on = threading.Event(), threading.Event()

    def job() -> None:  # the state pipeline's first job: it opens its pause while the app starts
        with gcpause.gc_paused():
            inside.set()
            go_on.wait(5)

    worker = threading.Thread(target=job)
    worker.start()
    assert inside.wait(5)
    gcpause.end_start_pause()  # the first frame is on screen; the job still runs
    assert not gc.isenabled()
    go_on.set()
    worker.join(5)
    assert gc.isenabled() and passes == []
    gcpause.end_start_pause()  # a second end (the app's unmount) changes nothing
    assert gc.isenabled()


def test_a_large_snapshot_made_inside_the_start_pause_is_still_collected_once_and_frozen(
        passes: list[int], monkeypatch: pytest.MonkeyPatch) -> None:
    from explorer.tui import gcpause

    monkeypatch.setattr(gcpause, "COLLECT_AFTER", 1_000)
    told: list[str] = []
    gcpause.start_paused()
    with gcpause.gc_paused(told.append):  # a large first load: the first frame is drawn while it goes on
        gcpause.end_start_pause()
        assert not gc.isenabled()
        made = [Snapshot() for _ in range(5_000)]
    assert told == ["collecting garbage"] and passes == [2]  # one full pass, by the last pause to end
    assert gc.isenabled() and len(made) == 5_000


def test_without_the_start_pause_its_end_leaves_the_collector_alone(passes: list[int]) -> None:
    from explorer.tui import gcpause

    gc.disable()  # someone else's pause (a one-shot command's)
    try:
        gcpause.end_start_pause()
        assert not gc.isenabled() and gc.get_freeze_count() == 0
    finally:
        gc.enable()

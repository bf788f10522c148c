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

"""Progress is kept per user, written atomically, and a broken file never stops a learner."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

from explorer.lessons import progress as progress_module
from explorer.lessons.catalog import load_catalog
from explorer.lessons.progress import ProgressStore, state_dir
from explorer.lessons.session import Session


def test_state_dir_follows_xdg_and_falls_back_to_local_state(tmp_path, monkeypatch):
    assert state_dir({"XDG_STATE_HOME": str(tmp_path)}) == tmp_path / "ingress-explorer"
    monkeypatch.setenv("HOME", str(tmp_path))
    assert state_dir({}) == tmp_path / ".local" / "state" / "ingress-explorer"
    # a relative XDG_STATE_HOME is invalid by the spec and ignored
    assert state_dir({"XDG_STATE_HOME": "relative/dir"}) == tmp_path / ".local" / "state" / "ingress-explorer"


def test_a_missing_file_is_no_progress_and_the_directory_is_made_on_first_write(tmp_path):
    store = ProgressStore(tmp_path / "deep" / "er" / "progress.json")
    assert store.load().lessons == {}
    store.update("tls", lambda p: setattr(p, "step", 1))
    assert json.loads(store.path.read_text())["lessons"]["tls"]["step"] == 1
    assert store.notice is None


def test_writes_are_atomic_and_leave_no_temporary_files(tmp_path, monkeypatch):
    store = ProgressStore(tmp_path / "progress.json")
    store.update("tls", lambda p: setattr(p, "step", 1))
    before = store.path.read_bytes()

    from explorer import fsio

    real_write = os.write

    def broken_write(fd, data):  # progress is written by explorer.fsio now, so the break is in its write
        real_write(fd, bytes(data[: len(data) // 2]))  # half a file, then the process dies
        raise KeyboardInterrupt

    monkeypatch.setattr(fsio.os, "write", broken_write)
    with pytest.raises(KeyboardInterrupt):
        store.update("tls", lambda p: setattr(p, "step", 2))
    assert store.path.read_bytes() == before  # the old progress is intact
    assert sorted(p.name for p in tmp_path.iterdir()) == ["progress.json"]


def test_each_change_rereads_the_file_so_two_programs_do_not_undo_each_other(tmp_path):
    path = tmp_path / "progress.json"
    tui, cli = ProgressStore(path), ProgressStore(path)
    tui.update("tls", lambda p: setattr(p, "step", 1))
    cli.update("health-checks", lambda p: p.of("probe").__setattr__("solved", True))
    tui.update("tls", lambda p: p.of("tls-secret").__setattr__("hints", 2))
    data = json.loads(path.read_text())["lessons"]
    assert data["tls"]["step"] == 1 and data["tls"]["steps"]["tls-secret"]["hints"] == 2
    assert data["health-checks"]["steps"]["probe"]["solved"] is True


@pytest.mark.parametrize("content", [
    b"{not json",
    b'{"version": 1, "lessons": []}',
    b'{"version": 1, "lessons": {"tls": {"step": -3}}}',
    b'{"version": 1, "lessons": {"tls": {"applied": [1, 2]}}}',
    b'{"version": 99, "lessons": {}}',
    b"\xff\xfe\x00binary",
    b"[]",
])
def test_a_corrupt_file_is_set_aside_with_a_message_and_progress_starts_fresh(tmp_path, content):
    path = tmp_path / "progress.json"
    path.write_bytes(content)
    store = ProgressStore(path)
    assert store.load().lessons == {}
    assert store.notice is not None and str(path) in store.notice
    aside = [p for p in tmp_path.iterdir() if p.name.startswith("progress.json.corrupt-")]
    assert len(aside) == 1 and aside[0].read_bytes() == content  # nothing the learner had is thrown away
    assert str(aside[0]) in store.notice
    store.update("tls", lambda p: setattr(p, "step", 1))  # and the next write works
    assert json.loads(path.read_text())["lessons"]["tls"]["step"] == 1


def test_reset_one_lesson_or_all(tmp_path):
    store = ProgressStore(tmp_path / "progress.json")
    for lesson in ("tls", "health-checks", "path-types"):
        store.update(lesson, lambda p: setattr(p, "step", 1))
    store.reset("tls")
    assert set(store.load().lessons) == {"health-checks", "path-types"}
    store.reset()
    assert store.load().lessons == {}


def test_a_session_keeps_step_hints_solution_seen_and_history_across_restarts(tmp_path):
    lesson = load_catalog().get("health-checks")
    assert lesson is not None
    path = tmp_path / "progress.json"
    session = Session(lesson, ProgressStore(path))
    session.begin("/somewhere")
    assert session.reveal_hint()[0] == 1
    start = lesson.start_texts()
    session.apply_solution(start)  # step 1: the readinessProbe (the learner confirmed)

    again = Session(lesson, ProgressStore(path))  # a new program: everything is still there
    assert again.index == 0 and again.mine.hints == 1 and again.mine.seen_solution
    assert again.progress.dir == "/somewhere" and again.progress.applied == [start]
    assert not again.advance()  # not solved yet


def test_progress_file_is_utf8_json_a_person_can_read(tmp_path):
    store = ProgressStore(tmp_path / "progress.json")
    store.update("tls", lambda p: setattr(p, "dir", "/home/学習者/lesson7"))
    text = store.path.read_text(encoding="utf-8")
    assert "学習者" in text and text.startswith("{\n")
    assert os.stat(store.path).st_size == len(text.encode())


def test_the_default_store_lives_under_xdg_state_home(tmp_path, monkeypatch):
    monkeypatch.setenv("XDG_STATE_HOME", str(tmp_path))
    assert ProgressStore().path == Path(tmp_path) / "ingress-explorer" / "progress.json"

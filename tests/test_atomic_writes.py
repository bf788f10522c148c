"""A crash during a save loses nothing: every writer of user files writes a temporary file, then renames it.

The writers: lessons progress (explorer/lessons/progress.py), the lesson files
a solution writes (explorer/lessons/workdir.py), the TUI editor's save
(explorer/tui/workspace.py) and `convert --write` (explorer/commands/convert.py).
Each is killed with SIGKILL in the middle of writing a few MiB, again and
again; the file must then hold one whole version, never part of one. A plain
`write_text` fails the same test, so the test can tell. tests/test_lessons_progress.py
covers a progress write that dies halfway through json.dump.
"""

from __future__ import annotations

import os
import random
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from explorer.lessons import progress as progress_module
from explorer.lessons.progress import ProgressStore

ROOT = Path(__file__).resolve().parent.parent
SAMPLES = ROOT / "explorer" / "data" / "sample-manifests"
SIZE = 2_000_000  # characters per version: writing one takes milliseconds, so kills land mid-write
WRITERS = ["progress", "lesson-files", "tui-editor", "convert"]

# Writes two versions of one file in turn, forever, with one writer; says "writing" after the first.
SCRIPT = r"""
import sys
from pathlib import Path

writer, path, size = sys.argv[1], Path(sys.argv[2]), int(sys.argv[3])
texts = ["# A " + "a" * size + "\n", "# B " + "b" * size + "\n"]
if writer == "progress":
    from explorer.lessons.progress import LessonProgress, Progress, ProgressStore
    store = ProgressStore(path)
    versions = [Progress({"x": LessonProgress(step=i + 1, dir=text)}) for i, text in enumerate(texts)]
    write = lambda i: store.save(versions[i])
elif writer == "lesson-files":
    from explorer.lessons.workdir import write_atomic
    write = lambda i: write_atomic(path, texts[i])
elif writer == "tui-editor":
    from explorer.tui.workspace import Workspace
    path.write_text(texts[0])
    workspace = Workspace([str(path)])
    workspace.load()
    write = lambda i: workspace.save(str(path), texts[i], overwrite_changed=True)
elif writer == "convert":
    from explorer.commands.convert import _save
    write = lambda i: _save(path, texts[i])
else:  # "plain": what a non-atomic save does
    write = lambda i: path.write_text(texts[i])
write(0)
if sys.argv[4:] == ["pause-before-rename"]:  # the next save stops between its temporary file and the rename
    import os
    import time

    def replace_later(src, dst):
        print("renaming", flush=True)
        time.sleep(60)

    os.replace = replace_later
print("writing", flush=True)
turn = 1
while True:
    write(turn % 2)
    turn += 1
"""


def texts() -> list[str]:
    return ["# A " + "a" * SIZE + "\n", "# B " + "b" * SIZE + "\n"]


def kill_mid_write(writer: str, path: Path, before_rename: bool = False) -> None:
    """Start the writer, let it write for a random few milliseconds (or until it renames), SIGKILL it."""
    extra = ["pause-before-rename"] if before_rename else []
    proc = subprocess.Popen([sys.executable, "-c", SCRIPT, writer, str(path), str(SIZE), *extra], cwd=ROOT,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        line = proc.stdout.readline()
        assert line == "writing\n", proc.stderr.read()
        if before_rename:
            assert proc.stdout.readline() == "renaming\n"
        else:
            time.sleep(random.uniform(0.002, 0.04))
    finally:
        proc.send_signal(signal.SIGKILL)
        proc.wait(10)
        proc.stdout.close()
        proc.stderr.close()
    assert proc.returncode == -signal.SIGKILL


def whole_version(writer: str, path: Path) -> bool:
    """Does the file hold exactly one of the two versions?"""
    if writer == "progress":
        store = ProgressStore(path)
        loaded = store.load()
        lesson = loaded.lessons.get("x")
        return store.notice is None and lesson is not None and (lesson.step, lesson.dir) in {
            (i + 1, text) for i, text in enumerate(texts())}
    return path.read_text() in texts()


def kills(writer: str, tmp_path: Path, times: int) -> tuple[list[bool], int]:
    """Kill the writer `times` times: was the file whole after each, and how many kills cut a write short."""
    path = tmp_path / writer / ("progress.json" if writer == "progress" else "ingress.yaml")
    path.parent.mkdir()
    results, mid_write = [], 0
    for _ in range(times):
        for leftover in [p for p in path.parent.iterdir() if p != path]:
            leftover.unlink()
        kill_mid_write(writer, path)
        mid_write += any(p != path for p in path.parent.iterdir())  # a temporary file was being written
        results.append(whole_version(writer, path))
    return results, mid_write


@pytest.mark.parametrize("writer", WRITERS)
def test_a_writer_killed_mid_save_leaves_a_whole_file(writer, tmp_path):
    results, _ = kills(writer, tmp_path, 3)
    assert results == [True] * 3


@pytest.mark.parametrize("writer", WRITERS)
def test_a_writer_killed_between_writing_and_renaming_keeps_the_old_version(writer, tmp_path):
    path = tmp_path / ("progress.json" if writer == "progress" else "ingress.yaml")
    kill_mid_write(writer, path, before_rename=True)
    assert whole_version(writer, path)
    if writer == "progress":
        assert ProgressStore(path).load().lessons["x"].step == 1  # the version saved before
    else:
        assert path.read_text() == texts()[0]  # the version saved before; the new one never replaced it
    left = [p for p in tmp_path.iterdir() if p != path]
    assert len(left) == 1 and "b" * 100 in left[0].read_text()  # the new version was whole, only not renamed


@pytest.mark.slow
@pytest.mark.parametrize("writer", WRITERS)
def test_a_writer_killed_mid_save_many_times_leaves_a_whole_file(writer, tmp_path):
    results, mid_write = kills(writer, tmp_path, 40)
    assert results == [True] * 40
    assert mid_write >= 1  # some kills cut a write short (measured: 6 to 30 of 40, depending on the writer)


def test_the_kill_test_catches_a_plain_write(tmp_path):
    path = tmp_path / "plain.yaml"
    for _ in range(20):  # a kill lands mid-write nearly every time; twenty misses in a row do not happen
        kill_mid_write("plain", path)
        if not whole_version("plain", path):
            return
    pytest.fail("twenty kills of a plain write_text never left a torn file: the kill test proves nothing")


# ------------------------------------------------------------------ the rename itself fails


@pytest.fixture
def failing_replace(monkeypatch):
    """os.replace raises, as on a full disk or a crash between write and rename."""
    def refuse(src, dst):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(os, "replace", refuse)


def test_progress_keeps_the_old_file_when_the_rename_fails(tmp_path, monkeypatch):
    store = ProgressStore(tmp_path / "progress.json")
    store.update("tls", lambda p: setattr(p, "step", 1))
    before = store.path.read_bytes()
    monkeypatch.setattr(progress_module.os, "replace", lambda src, dst: (_ for _ in ()).throw(OSError(28, "full")))
    with pytest.raises(OSError):
        store.update("tls", lambda p: setattr(p, "step", 2))
    assert store.path.read_bytes() == before
    assert [p.name for p in tmp_path.iterdir()] == ["progress.json"]  # no temporary file left behind


def test_lesson_files_keep_the_old_text_when_the_rename_fails(tmp_path, failing_replace):
    from explorer.lessons.workdir import write_atomic

    path = tmp_path / "ingress.yaml"
    path.write_text("old\n")
    with pytest.raises(OSError):
        write_atomic(path, "new\n")
    assert path.read_text() == "old\n"
    assert [p.name for p in tmp_path.iterdir()] == ["ingress.yaml"]


def test_the_tui_save_keeps_the_old_text_and_says_why_when_the_rename_fails(tmp_path, monkeypatch):
    from explorer.tui.workspace import SaveRefused, Workspace

    path = tmp_path / "ingress.yaml"
    path.write_text("# old\n")
    workspace = Workspace([str(path)])
    workspace.load()
    monkeypatch.setattr(os, "replace", lambda src, dst: (_ for _ in ()).throw(OSError(28, "No space left on device")))
    with pytest.raises(SaveRefused, match="No space left on device"):
        workspace.save(str(path), "# new\n")
    assert path.read_text() == "# old\n"


def test_convert_keeps_the_old_file_when_the_rename_fails(tmp_path, failing_replace, capsys):
    from explorer.cli import main

    source = SAMPLES / "article" / "02-ingress.yaml"
    path = tmp_path / "ingress.yaml"
    path.write_text(source.read_text())
    code = main(["convert", "-f", str(path), "--write"])
    err = capsys.readouterr().err
    assert code != 0 and f"error: cannot write {path}: No space left on device" in err
    assert path.read_text() == source.read_text()


def test_progress_after_a_kill_is_whole_and_the_next_save_works(tmp_path):
    kill_mid_write("progress", tmp_path / "progress.json")
    store = ProgressStore(tmp_path / "progress.json")
    store.update("x", lambda p: setattr(p, "step", 5))
    assert ProgressStore(store.path).load().lessons["x"].step == 5

"""The one atomic write (explorer.fsio) and the writers that use it, tried as issue 19's attacker did.

Planted symlinks at the old predictable temporary name, a 0600 Secret file,
a 0444 file, a symlinked manifest, a root-run convert of a user's file, a
failing rename, and `diagram -o` / `convert -o` aimed at their own input.
"""

from __future__ import annotations

import os
import stat
from pathlib import Path

import pytest

from conftest import SAMPLES
from explorer import fsio
from explorer.cli import main
from explorer.fsio import WriteRefused, write_atomic

V1BETA1 = (SAMPLES / "article" / "02-ingress.yaml").read_text()


def test_a_new_file_gets_the_umask_mode_and_the_text_exactly(tmp_path):
    old = os.umask(0o022)
    try:
        path = write_atomic(tmp_path / "a.yaml", "x\r\ny\n")
    finally:
        os.umask(old)
    assert path.read_bytes() == b"x\r\ny\n"
    assert stat.S_IMODE(path.stat().st_mode) == 0o644  # not mkstemp's 0600 (lesson files were left 0600)
    assert write_atomic(tmp_path / "k.pem", "key", mode=0o600).stat().st_mode & 0o777 == 0o600


def test_an_existing_file_keeps_its_mode(tmp_path):
    path = tmp_path / "secret.yaml"
    path.write_text("old")
    path.chmod(0o600)
    write_atomic(path, "new")
    assert path.read_text() == "new" and stat.S_IMODE(path.stat().st_mode) == 0o600


def test_a_read_only_file_is_refused_and_left_alone(tmp_path):
    path = tmp_path / "ro.yaml"
    path.write_text("old")
    path.chmod(0o444)
    with pytest.raises(WriteRefused, match="is read-only"):
        write_atomic(path, "new")
    assert path.read_text() == "old" and os.listdir(tmp_path) == ["ro.yaml"]


def test_a_symlink_is_written_through_and_stays_a_link(tmp_path):
    real = tmp_path / "real" / "ingress.yaml"
    real.parent.mkdir()
    real.write_text("old")
    link = tmp_path / "link.yaml"
    link.symlink_to(real)
    write_atomic(link, "new")
    assert link.is_symlink() and real.read_text() == "new"
    assert sorted(os.listdir(real.parent)) == ["ingress.yaml"]


def test_a_symlink_planted_where_the_old_writers_put_their_temporary_file_is_not_followed(tmp_path):
    victim = tmp_path / "victim"
    victim.write_text("precious")
    path = tmp_path / "ingress.yaml"
    path.write_text(V1BETA1)
    for planted in (f".{path.name}.ingress-explorer.tmp", f"{path.name}.ingress-explorer.tmp"):
        (tmp_path / planted).symlink_to(victim)
    assert main(["convert", "-f", str(path), "--write"]) == 0
    assert victim.read_text() == "precious"
    assert "networking.k8s.io/v1\n" in path.read_text()


def test_the_temporary_name_is_random_and_exclusive(tmp_path, monkeypatch):
    names: list[str] = []
    real_open = os.open

    def recording(name, flags, mode=0o777, **kw):
        if str(name).endswith(".tmp"):
            names.append(os.path.basename(name))
            assert flags & os.O_EXCL and flags & os.O_NOFOLLOW and flags & os.O_CREAT
        return real_open(name, flags, mode, **kw)

    monkeypatch.setattr(fsio.os, "open", recording)
    write_atomic(tmp_path / "a.yaml", "1")
    write_atomic(tmp_path / "a.yaml", "2")
    assert len(names) == 2 and names[0] != names[1] and all(n.startswith(".a.yaml.") for n in names)


def test_a_failed_rename_leaves_the_target_and_no_temporary_file(tmp_path, monkeypatch):
    path = tmp_path / "a.yaml"
    path.write_text("old")
    monkeypatch.setattr(fsio.os, "replace", lambda a, b: (_ for _ in ()).throw(OSError(28, "No space left")))
    with pytest.raises(OSError, match="No space left"):
        write_atomic(path, "new")
    assert path.read_text() == "old" and os.listdir(tmp_path) == ["a.yaml"]


def test_a_failed_fsync_leaves_no_temporary_file(tmp_path, monkeypatch):
    monkeypatch.setattr(fsio.os, "fsync", lambda fd: (_ for _ in ()).throw(OSError(5, "I/O error")))
    with pytest.raises(OSError):
        write_atomic(tmp_path / "a.yaml", "new")
    assert os.listdir(tmp_path) == []


@pytest.mark.skipif(os.geteuid() != 0, reason="needs root to own files as another user")
def test_root_writing_a_users_file_leaves_it_the_users(tmp_path):
    path = tmp_path / "ingress.yaml"
    path.write_text(V1BETA1)
    os.chown(path, 1234, 2345)
    path.chmod(0o640)
    assert main(["convert", "-f", str(path), "--write"]) == 0
    after = path.stat()
    assert (after.st_uid, after.st_gid, stat.S_IMODE(after.st_mode)) == (1234, 2345, 0o640)


@pytest.mark.skipif(os.geteuid() != 0, reason="root ignores write permission: the refusal must not rely on it")
def test_root_too_is_refused_a_read_only_file(tmp_path, capsys):
    path = tmp_path / "ingress.yaml"
    path.write_text(V1BETA1)
    path.chmod(0o444)
    assert main(["convert", "-f", str(path), "--write"]) == 2
    assert "is read-only" in capsys.readouterr().err and path.read_text() == V1BETA1


# ------------------------------------------------------------------ writers that read what they write


def test_diagram_refuses_to_overwrite_its_input(tmp_path, capsys):
    path = tmp_path / "ingress.yaml"
    path.write_text((SAMPLES / "article-v1" / "ingress.yaml").read_text() + "\n---\n" + (SAMPLES / "article-v1" / "app.yaml").read_text())
    link = tmp_path / "out.svg"
    link.symlink_to(path)
    for output in (path, link):
        before = path.read_text()
        assert main(["diagram", "-f", str(path), "-o", str(output)]) == 2
        assert "is the input file" in capsys.readouterr().err and path.read_text() == before


def test_diagram_refuses_to_write_over_a_manifest_of_a_directory_it_read(tmp_path, capsys):
    for source in (SAMPLES / "article-v1").iterdir():
        (tmp_path / source.name).write_text(source.read_text())
    target = tmp_path / "ingress.yaml"
    before = target.read_text()
    assert main(["diagram", "-f", str(tmp_path), "-o", str(target)]) == 2
    assert "one of the manifests read from" in capsys.readouterr().err and target.read_text() == before
    assert main(["diagram", "-f", str(tmp_path), "-o", str(tmp_path / "flow.txt")]) == 0  # a new file is fine


def test_convert_o_refuses_the_directory_it_reads_even_with_write(tmp_path, capsys):
    path = tmp_path / "ingress.yaml"
    path.write_text(V1BETA1)
    assert main(["convert", "-f", str(tmp_path), "-o", str(tmp_path), "--write"]) == 2
    assert "use --write without -o" in capsys.readouterr().err and path.read_text() == V1BETA1


def test_the_tui_save_keeps_a_0600_file_0600_and_writes_through_a_link(tmp_path):
    from explorer.tui.workspace import Workspace

    real = tmp_path / "real.yaml"
    real.write_text("# old\n")
    real.chmod(0o600)
    link = tmp_path / "link.yaml"
    link.symlink_to(real)
    workspace = Workspace([str(link)])
    workspace.load()
    workspace.save(str(link), "# new\n")
    assert link.is_symlink() and real.read_text() == "# new\n" and stat.S_IMODE(real.stat().st_mode) == 0o600


def test_lesson_files_are_not_left_0600(tmp_path):
    from explorer.lessons.workdir import write

    old = os.umask(0o022)
    try:
        [path] = write(tmp_path, {"ingress.yaml": "x"}, {})
    finally:
        os.umask(old)
    assert stat.S_IMODE(Path(path).stat().st_mode) == 0o644


def test_record_refuses_a_namespace_that_leaves_its_directory(tmp_path):
    from explorer.live.record import write_recording
    from explorer.model.source import SourceError

    out = tmp_path / "rec"
    for namespace in ("../..", "..", "a/b", "/etc"):
        obj = {"apiVersion": "v1", "kind": "Service", "metadata": {"name": "x", "namespace": namespace}}
        with pytest.raises(SourceError, match="not a valid namespace name"):
            write_recording([obj], out, "cluster:test")
    assert not out.exists() or not any(out.iterdir())
    assert not (tmp_path / "services.yaml").exists()
    ok = {"apiVersion": "v1", "kind": "Service", "metadata": {"name": "x", "namespace": "shop"}}
    assert [p.relative_to(out) for p in write_recording([ok], out, "cluster:test")] == [Path("shop/services.yaml")]

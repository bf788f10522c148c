"""TLS keys on disk live only as long as the proxy: gone on stop, on SIGHUP, and after a SIGKILL at next start."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import tempfile
from pathlib import Path

from explorer.proxy.tls import PREFIX, CertificateStore, remove_stale_key_dirs
from proxy_support import SAMPLES
from test_proxy_serve import read_until


def key_dirs(pid: int) -> list[Path]:
    return sorted(Path(tempfile.gettempdir()).glob(f"{PREFIX}{pid}-*"))


def dead_pid() -> int:
    proc = subprocess.Popen([sys.executable, "-c", "pass"])
    proc.wait()
    return proc.pid


def serve() -> subprocess.Popen:
    proc = subprocess.Popen(
        [sys.executable, "-m", "explorer", "serve", "-f", str(SAMPLES / "article-v1"), "--http-port", "0",
         "--https-port", "0", "--status-port", "0", "--time-scale", "0.05"],
        cwd=SAMPLES.parent, stdout=subprocess.PIPE, stderr=subprocess.PIPE, env={**os.environ, "NO_COLOR": "1"},
    )
    read_until(proc, r"Ctrl-C to stop")
    return proc


def test_a_stale_directory_of_a_dead_run_is_removed_and_a_live_ones_kept(tmp_path):
    stale = tmp_path / f"{PREFIX}{dead_pid()}-abcd1234"
    stale.mkdir()
    (stale / "1.key").write_text("-----BEGIN PRIVATE KEY-----")
    alive = tmp_path / f"{PREFIX}{os.getpid()}-efgh5678"
    alive.mkdir()
    other = tmp_path / f"{PREFIX}notapid"
    other.mkdir()
    assert remove_stale_key_dirs(str(tmp_path)) == [stale]
    assert not stale.exists() and alive.exists() and other.exists()


def test_the_store_names_its_directory_by_pid_and_removes_it_on_close():
    store = CertificateStore()
    directory = store.directory
    assert directory.name.startswith(f"{PREFIX}{os.getpid()}-") and any(directory.glob("*.key"))
    assert directory.stat().st_mode & 0o077 == 0  # private
    store.close()
    assert not directory.exists()


def test_serve_removes_its_keys_on_sighup():
    proc = serve()
    try:
        assert key_dirs(proc.pid)
        proc.send_signal(signal.SIGHUP)
        proc.wait(timeout=15)
    finally:
        if proc.poll() is None:
            proc.kill()
        proc.stdout.close()
        stderr = proc.stderr.read().decode()
        proc.stderr.close()
    assert key_dirs(proc.pid) == [] and "Traceback" not in stderr


def test_keys_left_by_a_killed_serve_are_removed_at_the_next_start():
    proc = serve()
    try:
        proc.send_signal(signal.SIGKILL)
        proc.wait(timeout=15)
    finally:
        proc.stdout.close()
        proc.stderr.close()
    left = key_dirs(proc.pid)
    assert left  # SIGKILL runs nothing
    CertificateStore().close()  # the next run, whichever it is (serve, the TUI's proxy, a lesson)
    assert not any(path.exists() for path in left)


def test_a_process_without_its_own_sighup_handler_still_removes_the_keys():
    script = ("import os, signal, sys, time\n"
              "from explorer.proxy.tls import CertificateStore\n"
              "store = CertificateStore()\n"
              "print(store.directory, flush=True)\n"
              "time.sleep(30)\n")
    proc = subprocess.Popen([sys.executable, "-c", script], cwd=SAMPLES.parent, stdout=subprocess.PIPE, text=True)
    directory = Path(proc.stdout.readline().strip())
    assert directory.exists()
    proc.send_signal(signal.SIGHUP)
    assert proc.wait(timeout=15) == -signal.SIGHUP  # it still dies of the hangup, as before
    proc.stdout.close()
    assert not directory.exists()

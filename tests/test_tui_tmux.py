"""The real `ingress-explorer` in a real terminal (tmux): start it, press keys, read the screen."""

from __future__ import annotations

import contextlib
import os
import shlex
import shutil
import subprocess
import sys
import time
import uuid
from pathlib import Path
from typing import Iterator

import pytest

from tui_helpers import ROOT

pytestmark = pytest.mark.skipif(shutil.which("tmux") is None, reason="tmux is not installed")


#: This process's own tmux server: a server started elsewhere (another test worker, the user's own) would give
#: the app its environment and window size instead of this test's. It exits with its last session.
SOCKET = f"ie-test-{os.getpid()}"


def tmux(*args: str, check: bool = True) -> subprocess.CompletedProcess:
    return subprocess.run(["tmux", "-L", SOCKET, *args], capture_output=True, text=True, timeout=30, check=check)


@pytest.fixture(scope="module", autouse=True)
def _own_server():
    """The server goes with the module's last session; its socket file goes too (tmux leaves it behind)."""
    yield
    tmux("kill-server", check=False)
    socket = Path(os.environ.get("TMUX_TMPDIR") or "/tmp") / f"tmux-{os.getuid()}" / SOCKET
    socket.unlink(missing_ok=True)


def screen_of(session: str) -> str:
    return tmux("capture-pane", "-p", "-t", session).stdout


def wait_for(session: str, text: str, timeout: float = 30.0) -> str:
    deadline = time.monotonic() + timeout
    screen = ""
    while time.monotonic() < deadline:
        screen = screen_of(session)
        if text in screen:
            return screen
        time.sleep(0.1)
    raise AssertionError(f"{text!r} never appeared; the screen was:\n{screen}")


@contextlib.contextmanager
def explorer_session(*args: str) -> Iterator[str]:
    """`ingress-explorer ARGS` in a new 120x40 session of this module's server; its name, killed after."""
    name = f"ie-test-{uuid.uuid4().hex[:8]}"
    command = " ".join([f"cd {ROOT} && env -u COLUMNS -u LINES {sys.executable} -m explorer",  # the pane's size
                        *map(shlex.quote, args)])
    # The app's lesson progress goes to the suite's own state dir (conftest), not the user's.
    tmux("new-session", "-d", "-s", name, "-x", "120", "-y", "40",
         "-e", f"XDG_STATE_HOME={os.environ['XDG_STATE_HOME']}", command)
    try:
        yield name
    finally:
        tmux("kill-session", "-t", name, check=False)


@pytest.fixture
def session():
    with explorer_session() as name:
        yield name


def test_bundled_scenario_send_a_request_switch_controller_and_quit(session):
    # The rows come first with "…" where the nodePort and Pods will be, until the controller has synced.
    screen = wait_for(session, "my-nodeport-02:8081  30081")
    assert "foo-bar.com  /foo  Prefix    my-nodeport-01:8080  30080" in screen
    assert "L4 LoadBalancer" in screen
    wait_for(session, "proxy http://127.0.0.1:")
    tmux("send-keys", "-t", session, "r")
    wait_for(session, "http://foo-bar.com/foo")
    tmux("send-keys", "-t", session, "Enter")
    screen = wait_for(session, "200 OK")
    assert "Pod site01-" in screen and "why: host foo-bar.com and Prefix /foo" in screen
    tmux("send-keys", "-t", session, "1")
    wait_for(session, "Ingresses (2)")
    tmux("send-keys", "-t", session, "c")
    screen = wait_for(session, "L7 load balancer")
    assert "GKE Ingress" in screen and "node:nodePort" in screen
    tmux("send-keys", "-t", session, "q")
    deadline = time.monotonic() + 15
    while tmux("has-session", "-t", session, check=False).returncode == 0:
        assert time.monotonic() < deadline, "q did not quit"
        time.sleep(0.1)

"""The real `ingress-explorer` in a real terminal (tmux): start it, press keys, read the screen."""

from __future__ import annotations

import shutil
import subprocess
import sys
import time
import uuid

import pytest

from tui_helpers import ROOT

pytestmark = pytest.mark.skipif(shutil.which("tmux") is None, reason="tmux is not installed")


def tmux(*args: str) -> str:
    return subprocess.run(["tmux", *args], capture_output=True, text=True, timeout=30, check=True).stdout


def wait_for(session: str, text: str, timeout: float = 30.0) -> str:
    deadline = time.monotonic() + timeout
    screen = ""
    while time.monotonic() < deadline:
        screen = tmux("capture-pane", "-p", "-t", session)
        if text in screen:
            return screen
        time.sleep(0.1)
    raise AssertionError(f"{text!r} never appeared; the screen was:\n{screen}")


@pytest.fixture
def session():
    name = f"ie-test-{uuid.uuid4().hex[:8]}"
    command = f"cd {ROOT} && env -u COLUMNS -u LINES {sys.executable} -m explorer"  # the size is the pane's
    tmux("new-session", "-d", "-s", name, "-x", "120", "-y", "40", command)
    tmux("resize-window", "-t", name, "-x", "120", "-y", "40")  # a tmux server already running keeps its size
    try:
        yield name
    finally:
        subprocess.run(["tmux", "kill-session", "-t", name], capture_output=True, timeout=30)


def test_bundled_scenario_send_a_request_switch_controller_and_quit(session):
    screen = wait_for(session, "my-nodeport-02:8081")
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
    while subprocess.run(["tmux", "has-session", "-t", session], capture_output=True).returncode == 0:
        assert time.monotonic() < deadline, "q did not quit"
        time.sleep(0.1)

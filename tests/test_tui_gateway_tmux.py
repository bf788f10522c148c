"""`ingress-explorer --controller gateway` in a real terminal (tmux): the Gateway listeners, a drill-down to the
HTTPRoute rules, a request through the Gateway from the request bar, and q."""

from __future__ import annotations

import time

import pytest

from test_tui_tmux import _own_server, explorer_session, pytestmark, tmux, wait_for  # noqa: F401 (the module's tmux server, skip)


@pytest.fixture
def session():
    with explorer_session("-f", "sample-manifests/gateway-api-traffic", "--controller", "gateway") as name:
        yield name


def test_gateway_listeners_rules_a_request_and_quit(session):
    screen = wait_for(session, "Gateway listeners (1)")
    assert "default/my-gateway  http      HTTP      80" in screen
    wait_for(session, "proxy http://127.0.0.1:")
    tmux("send-keys", "-t", session, "Enter")
    screen = wait_for(session, "HTTPRoute rules · attached to listener http of Gateway default/my-gateway (4)")
    assert "redirect 301" in screen
    tmux("send-keys", "-t", session, "Down", "Down", "Down", "r")
    wait_for(session, "http://foo-bar.com/bar")
    tmux("send-keys", "-t", session, "Enter")
    screen = wait_for(session, " ms   via http://127.0.0.1:")
    for _ in range(3):  # on a loaded machine the Pod's first health check may not have passed yet (503)
        if "200 OK" in screen:
            break
        time.sleep(1)
        tmux("send-keys", "-t", session, "r", "Enter")
        time.sleep(1)
        screen = wait_for(session, " ms   via http://127.0.0.1:")
    assert "200 OK" in screen, screen
    assert "HTTPRoute default/shop · backend default/my-nodeport-02:8081 · Pod site02-" in screen
    assert "why: HTTPRoute default/shop rule 3 match 0 forwards" in screen
    tmux("send-keys", "-t", session, "q")
    deadline = time.monotonic() + 15
    while tmux("has-session", "-t", session, check=False).returncode == 0:
        assert time.monotonic() < deadline, "q did not quit"
        time.sleep(0.1)

"""`:ctx`: the kubeconfig's contexts in a picker, and the chosen cluster read in place of what is shown.

The clusters are tests/fakeapi.py (the `api` fixture, on 127.0.0.1, stopped
by the fixture); the kubeconfig names it three times over: `dev` reaches it,
`down` points at a closed loopback port, `expired` carries a token it refuses.
"""

from __future__ import annotations

import json
import socket
import subprocess
import sys
import time
from pathlib import Path

from textual.widgets import DataTable

from fakeapi import api  # noqa: F401 (shared fixture)

from explorer.live.contexts import read_contexts
from explorer.live.kubeconfig import ClusterTarget
from explorer.live.source import LiveSource
from explorer.tui.screens.contexts import ContextPicker
from explorer.tui.widgets.resources import ResourceTable
from tui_helpers import ROOT, SAMPLES, SIZE, loaded, make_app, notifications, table_rows, until

ARTICLE_HOSTS = {"foo-bar.com"}


def closed_port() -> int:
    """A loopback port nothing listens on (bound, then let go)."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def write_kubeconfig(path: Path, server: str, token: str, current: str = "down") -> Path:
    """Three contexts, in this order: dev (the fake API server), down (nothing listening), expired (a refused token)."""
    down = f"http://127.0.0.1:{closed_port()}"
    doc = {
        "apiVersion": "v1", "kind": "Config", "current-context": current,
        "clusters": [{"name": "fake", "cluster": {"server": server}},
                     {"name": "gone", "cluster": {"server": down}}],
        "users": [{"name": "me", "user": {"token": token}}, {"name": "old", "user": {"token": "expired-token"}}],
        "contexts": [{"name": "dev", "context": {"cluster": "fake", "user": "me", "namespace": "shop"}},
                     {"name": "down", "context": {"cluster": "gone", "user": "me"}},
                     {"name": "expired", "context": {"cluster": "fake", "user": "old", "namespace": "shop"}}],
    }
    path.write_text(json.dumps(doc))
    return path


def notes(app) -> list[str]:
    return notifications(app)


def hosts(app) -> set[str]:
    return {row[0] for row in table_rows(app.screen.query_one(ResourceTable))}


async def command(pilot, text: str) -> None:
    await pilot.press("colon", *text, "enter")


async def test_ctx_lists_the_contexts_and_the_chosen_one_replaces_the_files(api, tmp_path):
    config = write_kubeconfig(tmp_path / "config", api.url, api.token)
    app = make_app(SAMPLES / "article-v1", kubeconfig=str(config))
    async with app.run_test(size=SIZE) as pilot:
        await loaded(pilot)
        assert hosts(app) == ARTICLE_HOSTS and not app.live

        await command(pilot, "ctx")
        await until(pilot, lambda: isinstance(app.screen, ContextPicker), what="the context list")
        table = app.screen.query_one(DataTable)
        assert [row[:4] for row in table_rows(table)] == [
            ["", "dev", "fake", "shop"], ["*", "down", "gone", ""], ["", "expired", "fake", "shop"]]
        assert table_rows(table)[0][4] == api.url
        assert table.cursor_row == 1  # on the current-context
        await pilot.press("up", "enter")
        await until(pilot, lambda: hosts(app) == {"shop.example.com"}, what="the dev cluster's Ingress rows")
        assert app.live and app.sub_title.startswith("cluster:dev · ")
        assert app.loading == ""

        # :ctx NAME switches at once; the cluster shown before is let go (its watches end)
        first = app.source
        await command(pilot, "ctx dev")
        await until(pilot, lambda: app.source is not first, what="the second read of dev")
        assert first._closing.is_set()
        await until(pilot, lambda: hosts(app) == {"shop.example.com"}, what="the rows of the new read")
        # the new source is the one being watched: a change in the cluster reaches the table
        api.delete("Ingress", "shop", "shop")
        await until(pilot, lambda: app.screen.query_one(ResourceTable).row_count == 0, what="the watched delete")
        second = app.source
    assert second._closing.is_set()  # closed when the app ended
    assert api.methods() == {"GET"}


async def test_a_context_that_cannot_be_read_is_one_message_and_the_view_stays(api, tmp_path):
    config = write_kubeconfig(tmp_path / "config", api.url, api.token)
    source = LiveSource(ClusterTarget(context="dev", kubeconfig=str(config)), debounce=0.02, max_delay=0.5)
    app = make_app(source=source, first_state=source.snapshot(), kubeconfig=str(config))
    async with app.run_test(size=SIZE) as pilot:
        await loaded(pilot)
        before = table_rows(app.screen.query_one(ResourceTable))
        assert {row[0] for row in before} == {"shop.example.com"}

        await command(pilot, "ctx nosuch")
        await until(pilot, lambda: any('context "nosuch" not found' in n for n in notes(app)), what="the message")
        [told] = [n for n in notes(app) if "nosuch" in n]
        assert told == f'context "nosuch" not found in kubeconfig {config} (contexts there: dev, down, expired)'

        await command(pilot, "ctx down")
        await until(pilot, lambda: any("cannot reach the API server" in n for n in notes(app)), what="unreachable")
        assert any('(context "down")' in n for n in notes(app))

        # chosen from the list this time
        await command(pilot, "ctx")
        await until(pilot, lambda: isinstance(app.screen, ContextPicker), what="the context list")
        assert "dev  (on screen)" in table_rows(app.screen.query_one(DataTable))[0][1]
        await pilot.press("down", "down", "enter")
        await until(pilot, lambda: any("refused the credentials" in n for n in notes(app)), what="401")
        assert any('context "expired"' in n and "have expired" in n for n in notes(app))

        await command(pilot, "ctx")
        await until(pilot, lambda: isinstance(app.screen, ContextPicker), what="the context list")
        await pilot.press("escape")
        await until(pilot, lambda: not isinstance(app.screen, ContextPicker), what="the list to close")

        await until(pilot, lambda: not any(w.group == "context" and not w.is_finished for w in app.workers),
                    what="the context worker to end")
        assert app.source is source and not source._closing.is_set()
        assert table_rows(app.screen.query_one(ResourceTable)) == before
        assert app.sub_title.startswith("cluster:dev · ") and app.loading == ""
    assert source._closing.is_set()


async def test_ctx_without_a_kubeconfig_says_where_it_looked(tmp_path, monkeypatch):
    monkeypatch.setenv("KUBECONFIG", str(tmp_path / "missing"))
    app = make_app(SAMPLES / "article-v1")
    async with app.run_test(size=SIZE) as pilot:
        await loaded(pilot)
        await command(pilot, "ctx")
        await until(pilot, lambda: any("no kubeconfig found" in n for n in notes(app)), what="the message")
        assert any(f"KUBECONFIG={tmp_path / 'missing'} names no existing file" in n for n in notes(app))
        assert not isinstance(app.screen, ContextPicker) and hosts(app) == ARTICLE_HOSTS and not app.live


def test_contexts_merge_as_kubectl_merges_them_and_need_no_kubernetes_client(tmp_path):
    first = write_kubeconfig(tmp_path / "a", "https://a.example:6443", "t", current="dev")
    second = tmp_path / "b"
    second.write_text("current-context: other\ncontexts:\n- name: dev\n  context: {cluster: elsewhere}\n"
                      "- name: other\n  context: {cluster: fake}\nclusters:\n- name: fake\n  cluster: {server: x}\n")
    environ = {"KUBECONFIG": f"{first}:{second}", "HOME": str(tmp_path)}
    contexts = read_contexts(None, environ)
    assert contexts.current == "dev"  # the first file that sets one
    assert contexts.names == ["dev", "down", "expired", "other"]
    assert contexts.find("dev").cluster == "fake"  # the first file that names an entry wins
    assert contexts.find("other").server == "https://a.example:6443"
    assert contexts.files == (str(first), str(second))

    code = ("import sys; from explorer.live.contexts import read_contexts; "
            "from explorer.tui.screens.contexts import ContextPicker; "
            f"print(read_contexts({str(first)!r}).names, 'kubernetes' in sys.modules)")
    out = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, timeout=60)
    assert out.stdout.strip() == "['dev', 'down', 'expired'] False", out.stdout + out.stderr


QUIT_WHILE_CONNECTING = """
import asyncio, sys, time
sys.path.insert(0, "tests")
from test_tui_contexts import ARTICLE_HOSTS, command, hosts
from tui_helpers import SAMPLES, loaded, make_app, until

async def main():
    app = make_app(SAMPLES / "article-v1", kubeconfig=sys.argv[1])
    async with app.run_test(size=(120, 40)) as pilot:
        await loaded(pilot)
        await command(pilot, "ctx dev")
        await until(pilot, lambda: "connecting to context dev" in app.loading, what="the connecting")
        assert hosts(app) == ARTICLE_HOSTS  # still the files, and the screen answers
        await pilot.press("q")
    print("quit", flush=True)

asyncio.run(main())  # its shutdown waits for every worker thread
"""


def test_quitting_while_a_silent_server_is_read_ends_the_process_at_once(tmp_path):
    """A server that takes the connection and never answers (the read timeout is 120 s): q does not wait for it."""
    silent = socket.socket()
    silent.bind(("127.0.0.1", 0))
    silent.listen(8)  # connections complete in the kernel's backlog; nothing ever answers
    try:
        config = write_kubeconfig(tmp_path / "config", f"http://127.0.0.1:{silent.getsockname()[1]}", "token",
                                  current="dev")
        started = time.monotonic()
        out = subprocess.run([sys.executable, "-c", QUIT_WHILE_CONNECTING, str(config)], cwd=ROOT,
                             capture_output=True, text=True, timeout=60)
        elapsed = time.monotonic() - started
    finally:
        silent.close()
    assert out.returncode == 0 and out.stdout.strip() == "quit", out.stdout + out.stderr
    assert elapsed < 20, f"the process took {elapsed:.1f} s to end"

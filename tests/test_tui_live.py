"""The TUI on a live cluster: the fake API server's objects on screen, kept current by its watches.

The cluster is tests/fakeapi.py (real list/watch over HTTP, read through the
real kubernetes client and a kubeconfig); the app is driven with Pilot.
"""

from __future__ import annotations

import socket
from pathlib import Path

from fakeapi import api, kubeconfig, read_objects  # noqa: F401 (api, kubeconfig: shared fixtures)

from explorer.live.kubeconfig import ClusterTarget
from explorer.live.source import LiveSource
from explorer.tui.screens.editor import EditorScreen
from explorer.tui.screens.requests import RequestsScreen
from explorer.tui.widgets.findings import FindingsTable
from explorer.tui.widgets.flow import FlowDiagram
from explorer.tui.widgets.request_bar import RequestBar
from explorer.tui.widgets.resources import ResourceTable
from test_proxy_live import READY, PodApp
from tui_helpers import SIZE, loaded, make_app, notifications, rendered, screen_text, table_rows, until

DATA = Path(__file__).parent / "data" / "live"




def live_app(kubeconfig: Path, **kwargs):
    """The app as `ingress-explorer --kubeconfig K` makes it: the cluster read once before the first frame."""
    source = LiveSource(ClusterTarget(kubeconfig=str(kubeconfig)), debounce=0.02, max_delay=0.5)
    state = source.snapshot()
    return make_app(source=source, first_state=state, **kwargs), source


def shop_ingress_with(*paths: str) -> dict:
    """The shop Ingress with more paths to the cart Service, written before its own `/`."""
    ingress = next(o for o in read_objects(DATA / "shop.yaml") if o["kind"] == "Ingress")
    written = ingress["spec"]["rules"][0]["http"]["paths"]
    ingress["spec"]["rules"][0]["http"]["paths"] = [
        {"path": path, "pathType": "Prefix", "backend": {"service": {"name": "cart", "port": {"number": 80}}}}
        for path in paths] + written
    return ingress


def notes(app) -> list[str]:
    return notifications(app)


async def test_the_clusters_ingresses_are_listed_and_a_watch_event_redraws_them_in_place(kubeconfig, api):
    app, source = live_app(kubeconfig)
    async with app.run_test(size=SIZE) as pilot:
        await loaded(pilot)
        table = app.screen.query_one(ResourceTable)
        assert [row[:4] for row in table_rows(table)] == [["shop.example.com", "/", "Prefix", "web:80"]]
        assert app.sub_title.startswith("cluster:dev · ")
        await pilot.press("m")
        assert "cluster:dev/Ingress/shop/shop" in rendered(app.screen.query_one("#manifest-where"))
        await pilot.pause()
        code = screen_text(app)
        assert "ingressClassName: nginx" in code and "managedFields" not in code  # the object the cluster sent

        # a path is added in the cluster, above the selected one: it appears, and `/` stays selected
        api.update(shop_ingress_with("/cart"))
        await until(pilot, lambda: table.row_count == 2, what="the new path from the watch")
        assert [row[1:4] for row in table_rows(table)] == [["/cart", "Prefix", "cart:80"], ["/", "Prefix", "web:80"]]
        assert table.current_item().path == "/"
        await pilot.press("f")
        flow = app.screen.query_one("#explore-flow", FlowDiagram)
        await until(pilot, lambda: "shop.example.com / (Prefix) → web:80" in rendered(flow), what="the / rule's flow")
        await pilot.press("up")
        await until(pilot, lambda: "/cart (Prefix) → cart:80" in rendered(flow), what="the new rule's flow")

        # the cluster is read-only here: e says so and opens no editor
        await pilot.press("e")
        await until(pilot, lambda: any("only reads (get, list, watch)" in n for n in notes(app)),
                    what="the read-only notice")
        assert not any(isinstance(screen, EditorScreen) for screen in app.screen_stack)
    assert api.methods() == {"GET"}
    assert source._closing.is_set()  # the app let go of the cluster when it ended


async def test_a_forbidden_kind_is_a_notification_and_a_finding_and_the_rest_works(kubeconfig, api):
    api.forbidden.add(("secrets", "shop", "list"))
    app, _ = live_app(kubeconfig)
    async with app.run_test(size=SIZE) as pilot:
        await loaded(pilot)
        await until(pilot, lambda: any("forbidden: cannot list secrets" in n for n in notes(app)),
                    what="the Forbidden notification")
        told = next(n for n in notes(app) if "forbidden: cannot list secrets" in n)
        assert "kubectl auth can-i list secrets -n shop --context dev" in told
        findings = app.screen.query_one(FindingsTable)
        assert any("forbidden: cannot list secrets" in str(finding.message) for finding in findings.items)
        table = app.screen.query_one(ResourceTable)
        assert [row[:4] for row in table_rows(table)] == [["shop.example.com", "/", "Prefix", "web:80"]]
        # a watch later refused is told too, once, while the table keeps working
        api.update(shop_ingress_with("/cart"))
        await until(pilot, lambda: table.row_count == 2, what="the new path from the watch")
        assert sum("forbidden: cannot list secrets" in n for n in notes(app)) == 1


async def test_a_request_from_the_tui_reaches_the_clusters_ready_pod_through_a_port_forward(kubeconfig, api):
    pod = PodApp(READY)
    api.pod_ports[("shop", READY)] = pod.server.server_address[:2]
    try:
        app, _ = live_app(kubeconfig, start_proxy=True)
        async with app.run_test(size=SIZE) as pilot:
            await loaded(pilot)
            await until(pilot, lambda: app.traffic is not None, what="the embedded proxy to listen")
            await pilot.press("r")
            await until(pilot, lambda: isinstance(app.screen, RequestsScreen), what="the flow mode")
            app.screen.query_one(RequestBar).url = "https://shop.example.com/from-the-tui"
            await pilot.press("enter")
            await until(pilot, lambda: f"{READY} got /from-the-tui" in screen_text(app), what="the Pod's answer")
            assert "200 OK" in screen_text(app)
            # health is the cluster's: the Ready Pod stays ok, the other stays not ready (no probes run)
            assert app.view is not None and not app.view.probed
            [row] = app.view.rows
            assert (row.ready, row.pods, row.state) == (1, 2, "ok")
    finally:
        pod.close()
    assert [p for _, p in api.requests if "/portforward" in p] == [
        f"/api/v1/namespaces/shop/pods/{READY}/portforward?ports=8080"]


def closed_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def run_main(*args: str):
    import contextlib
    import io

    from explorer.cli import main

    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        code = main(list(args))
    return code, out.getvalue(), err.getvalue()


def test_an_unreachable_cluster_is_one_line_and_exit_2_before_anything_is_drawn(api, tmp_path):
    port = closed_port()
    config = api.write_kubeconfig(tmp_path / "config", context="dev", server=f"http://127.0.0.1:{port}")
    code, out, err = run_main("--kubeconfig", str(config))
    assert code == 2
    assert out == ""  # no half-drawn screen: the app was never started
    [line] = err.strip().splitlines()
    assert line.startswith(f'error: cannot reach the API server http://127.0.0.1:{port} (context "dev"): ')

    code, out, err = run_main("tui", "--context", "prod", "--kubeconfig", str(config))
    assert (code, out) == (2, "")
    assert err.strip().splitlines() == [f'error: context "prod" not found in kubeconfig {config} (contexts there: dev)']

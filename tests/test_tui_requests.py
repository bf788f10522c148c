"""The flow mode: a request sent through the real embedded proxy, its hops lit, its response and trace."""

from __future__ import annotations

from explorer.proxy import Proxy, ProxyOptions
from explorer.tui.screens.requests import RequestsScreen
from explorer.tui.widgets.flow import FlowDiagram
from explorer.tui.widgets.resources import ResourceTable
from explorer.tui.widgets.trace import TraceTable
from tui_helpers import SAMPLES, SIZE, loaded, make_app, notifications, rendered, screen_text, table_rows, until


def fast_proxy(time_scale: float = 0.05):
    """A real Proxy whose health checks run faster than real time."""
    return lambda: Proxy(ProxyOptions(time_scale=time_scale))


async def send_from_selected_row(pilot) -> RequestsScreen:
    app = pilot.app
    await pilot.press("r")  # opens the flow mode with the selected rule's URL in the bar
    await until(pilot, lambda: isinstance(app.screen, RequestsScreen), what="the flow mode")
    await pilot.press("enter")
    await until(pilot, lambda: "via http://127.0.0.1:" in screen_text(app) or "Not sent" in screen_text(app),
                what="the response")
    return app.screen  # type: ignore[return-value]


def response_text(app) -> str:
    """The Response tab as the user reads it, from its first line."""
    lines = screen_text(app).splitlines()
    tabs = next(i for i, line in enumerate(lines) if "Response" in line and "Trace" in line)
    return "\n".join(line.strip() for line in lines[tabs + 2:]).strip()


async def test_request_goes_through_the_real_proxy_and_shows_response_trace_and_hops():
    app = make_app(SAMPLES / "article-v1", start_proxy=True, traffic_factory=fast_proxy())
    async with app.run_test(size=SIZE) as pilot:
        await loaded(pilot)
        await until(pilot, lambda: app.traffic is not None, what="the embedded proxy to listen")
        assert "proxy http://127.0.0.1:" in app.sub_title
        screen = await send_from_selected_row(pilot)
        response = response_text(app)
        assert response.startswith("200 OK")
        assert "backend default/my-nodeport-01:8080 · Pod site01-" in response
        trace = table_rows(screen.query_one(TraceTable))
        chosen = [row for row in trace if row[0] == "✔ chosen"]
        assert [row[2:6] for row in chosen] == [["foo-bar.com", "/foo", "Prefix", "my-nodeport-01:8080"]]
        assert any(row[0] == "✘ no match" and row[3] == "/bar" for row in trace)
        flow = screen.query_one("#request-flow", FlowDiagram)
        assert flow.lit is None and flow.passed == len(flow.diagram.boxes) - 1  # every hop was travelled
        await pilot.press("t")
        assert "why: " in screen_text(app)
        events = app.events
        assert any(source == "request" and "GET foo-bar.com/foo → 200" in text for _, source, text, _ in events)


async def test_unmatched_path_is_answered_by_the_controller_and_the_hops_stop_there():
    app = make_app(SAMPLES / "article-v1", start_proxy=True, traffic_factory=fast_proxy())
    async with app.run_test(size=SIZE) as pilot:
        await loaded(pilot)
        await until(pilot, lambda: app.traffic is not None, what="the embedded proxy to listen")
        await pilot.press("r")
        await until(pilot, lambda: isinstance(app.screen, RequestsScreen))
        bar = app.screen.query_one("#request-url")
        bar.value = "http://foo-bar.com/nope"
        await pilot.press("enter")
        await until(pilot, lambda: "via http://127.0.0.1:" in screen_text(app), what="the response")
        assert response_text(app).startswith("404")
        flow = app.screen.query_one("#request-flow", FlowDiagram)
        assert "the controller answers" in rendered(flow)
        assert flow.passed < len(flow.diagram.boxes) or "Pods" not in rendered(flow)


async def test_without_the_proxy_the_request_is_routed_and_explained():
    app = make_app(SAMPLES / "article-v1")
    async with app.run_test(size=SIZE) as pilot:
        await loaded(pilot)
        screen = await send_from_selected_row(pilot)
        assert "Not sent (the embedded proxy is not running)" in screen_text(app)
        assert table_rows(screen.query_one(TraceTable))


async def test_health_check_trap_turns_the_backend_unhealthy_with_the_reason():
    """The article's 502: GKE checks GET /, the app answers 302, only 200 passes."""
    app = make_app(SAMPLES / "health-check-trap" / "trap", controller="gce", start_proxy=True,
                   traffic_factory=fast_proxy(0.002))
    async with app.run_test(size=SIZE) as pilot:
        await loaded(pilot)
        table = app.screen.query_one(ResourceTable)
        await until(pilot, lambda: table_rows(table)[0][6] == "✘ broken", timeout=20,
                    what="the health checks to mark the backend UNHEALTHY")
        text = rendered(app.screen.query_one("#explore-flow", FlowDiagram))
        assert "UNHEALTHY: the load balancer's health check GET / got 302; it accepts only 200" in \
            text.replace("\n  ", " ")
        await send_from_selected_row(pilot)
        assert response_text(app).startswith("502")


async def test_a_proxy_that_cannot_start_is_a_toast_and_the_app_keeps_working():
    def broken_proxy():
        raise OSError("address already in use")

    app = make_app(SAMPLES / "article-v1", start_proxy=True, traffic_factory=broken_proxy)
    async with app.run_test(size=SIZE) as pilot:
        await loaded(pilot)
        await until(pilot, lambda: any("address already in use" in n for n in notifications(app)),
                    what="the error toast")
        assert app.traffic is None
        await pilot.press("c")
        await until(pilot, lambda: app.view.profile.name == "gce", what="the app to keep working")

"""Gateway API in the TUI, as a user drives it (Textual Pilot on real manifests): `:gtw` and `:httproute`
in Explore with filter and drill-down to Services and Pods, the flow client → Gateway (listener) →
HTTPRoute rule → Service → Pods, requests from the request bar through the real embedded proxy with the
Gateway's trace, and the routes' status conditions in Findings."""

from __future__ import annotations

import json

from explorer.tui.screens.requests import RequestsScreen
from explorer.tui.widgets.command_bar import ShowKind, parse_command
from explorer.tui.widgets.findings import FindingsTable
from explorer.tui.widgets.flow import FlowDiagram
from explorer.tui.widgets.resources import ResourceTable
from explorer.tui.widgets.trace import TraceTable
from test_tui_requests import fast_proxy, response_text
from tui_helpers import ROOT, SAMPLES, SIZE, loaded, make_app, rendered, screen_text, table_rows, until

TRAFFIC = SAMPLES / "gateway-api-traffic"
CONFORMANCE = ROOT / "tests" / "data" / "gateway" / "conformance"


def _title(app) -> str:
    return str(app.screen.query_one("#table-title").render())


async def _command(pilot, text: str) -> None:
    await pilot.press("colon", *text, "enter")
    await pilot.pause()


def test_the_command_bar_knows_the_gateway_api_kinds() -> None:
    for word, kind in (("gtw", "gtw"), ("gateway", "gtw"), ("httproute", "httproute"), ("hr", "httproute")):
        assert parse_command(f":{word}", ("nginx", "gce", "gateway")) == ShowKind(kind)  # type: ignore[arg-type]


async def test_gateways_and_httproutes_are_listed_filtered_and_drilled_down_to_services_and_pods() -> None:
    app = make_app(TRAFFIC)  # no Ingress, a Gateway: the listeners are listed first
    async with app.run_test(size=SIZE) as pilot:
        await loaded(pilot)
        table = app.screen.query_one(ResourceTable)
        await until(pilot, lambda: table.kind == "gtw", what="the Gateway listeners")
        assert table_rows(table) == [["default/my-gateway", "http", "HTTP", "80", "*", "1", "✔ ok", "example",
                                      "1 HTTPRoute(s) attached"]]
        flow = app.screen.query_one("#explore-flow", FlowDiagram)
        text = rendered(flow)
        assert "Gateway default/my…" in text and "listener http" in text and "HTTPRoute rule" in text
        await pilot.press("enter")  # the listener -> the rules attached to it
        await until(pilot, lambda: table.kind == "httproute", what="the rules of the listener")
        assert "attached to listener http of Gateway default/my-gateway" in _title(app)
        rows = table_rows(table)
        assert [r[:4] for r in rows] == [["default/shop", "0", "/foo x-canary=always", "my-nodeport-02:8081"],
                                         ["default/shop", "1", "/foo",
                                          "my-nodeport-01:8080 w90, my-nodeport-02:8081 w10"],
                                         ["default/shop", "2", "/old", "redirect 301"],
                                         ["default/shop", "3", "/bar", "my-nodeport-02:8081"]]
        await pilot.press("down")  # rule 1: the weighted split
        await until(pilot, lambda: "rule 1: PathPrefix" in rendered(flow), what="the flow of rule 1")
        assert "90/100" in rendered(flow)  # the Service box gives each backendRef its share
        await pilot.press("enter")  # the rule -> its backendRefs' Services
        await until(pilot, lambda: table.kind == "svc", what="the Services of rule 1")
        assert sorted(r[0] for r in table_rows(table)) == ["default/my-nodeport-01", "default/my-nodeport-02"]
        site = {"my-nodeport-01": "site01", "my-nodeport-02": "site02"}[table.current_item().meta.name]
        await pilot.press("enter")  # a Service -> its Pods
        await until(pilot, lambda: table.kind == "pod", what="the Pods")
        assert table_rows(table) and all(r[0].startswith(f"default/{site}-") for r in table_rows(table))
        for kind in ("svc", "httproute", "gtw"):
            await pilot.press("escape")
            await until(pilot, lambda: table.kind == kind, what=f"back to {kind}")
        await _command(pilot, "httproute")
        await pilot.press("slash", *"/old")
        await until(pilot, lambda: len(table.items) == 1, what="the filter")
        assert table_rows(table)[0][3] == "redirect 301"
        await until(pilot, lambda: "301 redirect" in rendered(flow), what="the redirect drawn")
        await pilot.press("escape")
        await until(pilot, lambda: len(table.items) == 4, what="the filter cleared")


async def test_a_request_from_the_bar_goes_through_the_gateway_and_shows_its_trace() -> None:
    app = make_app(TRAFFIC, controller="gateway", start_proxy=True, traffic_factory=fast_proxy())
    async with app.run_test(size=SIZE) as pilot:
        await loaded(pilot)
        await until(pilot, lambda: app.traffic is not None, what="the embedded proxy to listen")
        assert "Gateway API" in app.sub_title
        await pilot.press("down", "down", "down")  # (the listener row: r takes its first rule's URL)
        await pilot.press("r")
        await until(pilot, lambda: isinstance(app.screen, RequestsScreen), what="the flow mode")
        bar = app.screen.query_one("#request-url")
        assert bar.value == "http://foo-bar.com/foo"
        assert app.screen.query_one("#request-headers").value == "x-canary: always"  # the rule's header match
        bar.value = "http://foo-bar.com/bar/x"
        await pilot.press("enter")
        await until(pilot, lambda: "via http://127.0.0.1:" in screen_text(app), what="the response")
        response = response_text(app)
        assert response.startswith("200 OK"), response
        assert "HTTPRoute default/shop · backend default/my-nodeport-02:8081 · Pod site02-" in response
        body = app.screen.query_one("#response-body").content  # (the whole body: the screen shows its top)
        echo = json.loads(body.renderables[-1].plain)
        assert echo["headers"]["x-served-by"] == "gateway"  # the rule's RequestHeaderModifier reached the Pod
        flow = app.screen.query_one("#request-flow", FlowDiagram)
        assert flow.passed == len(flow.diagram.boxes) - 1 and "rule 3: PathPrefix" in rendered(flow)
        trace = table_rows(app.screen.query_one(TraceTable))
        chosen = [r[:4] for r in trace if r[0] == "✔ chosen"]
        assert chosen[0] == ["✔ chosen", "", "", "http"]  # the listener, then the rule's match
        assert chosen[1] == ["✔ chosen", "default/shop", "3.0", ""]
        assert any(r[0] == "✘ no match" and r[2] == "0.0" and "/foo" in r[4] for r in trace)
        await pilot.press("t")
        assert "why: " in screen_text(app)
        bar.value = "http://foo-bar.com/old/page"
        await pilot.press("o", "r", "enter")
        await until(pilot, lambda: response_text(app).startswith("301"), what="the redirect")
        assert "the Gateway answers" in rendered(flow) and "→ 301 http://foo-bar.com/bar/page" in rendered(flow)
        assert flow.passed == flow.diagram.stop


async def test_a_weighted_split_is_drawn_as_the_share_that_answered() -> None:
    """One request, one route: the flow shows the backend the proxy chose for this request (90/10 split)."""
    app = make_app(TRAFFIC, controller="gateway", start_proxy=True, traffic_factory=fast_proxy())
    async with app.run_test(size=SIZE) as pilot:
        await loaded(pilot)
        await until(pilot, lambda: app.traffic is not None, what="the embedded proxy to listen")
        await pilot.press("r")
        await until(pilot, lambda: isinstance(app.screen, RequestsScreen), what="the flow mode")
        screen = app.screen
        screen.query_one("#request-headers").value = ""
        bar = screen.query_one("#request-url")
        seen: dict[str, int] = {}
        for _ in range(12):  # the proxy's draws give the 10 % share within the first ten requests
            screen.query_one("#response-body").update("")  # (the response is written once the hops are lit)
            bar.value = "http://foo-bar.com/foo"
            bar.focus()
            await pilot.press("enter")
            await until(pilot, lambda: response_text(app).startswith("200"), what="the response")
            response = response_text(app)
            answered = "my-nodeport-02" if "my-nodeport-02:8081" in response else "my-nodeport-01"
            other = "my-nodeport-01" if answered == "my-nodeport-02" else "my-nodeport-02"
            title = rendered(screen.query_one("#request-flow", FlowDiagram)).splitlines()[0]
            assert answered in title and other not in title, (response, title)  # "GET url → the backend"
            seen[answered] = seen.get(answered, 0) + 1
        assert set(seen) == {"my-nodeport-01", "my-nodeport-02"}, seen  # both shares answered, each drawn so


async def test_route_status_conditions_are_findings_and_the_rule_row_says_why() -> None:
    app = make_app(CONFORMANCE / "base.yaml", CONFORMANCE / "hostname-intersection.yaml")
    async with app.run_test(size=SIZE) as pilot:
        await loaded(pilot)
        findings = app.screen.query_one(FindingsTable)
        await until(pilot, lambda: findings.items, what="the findings")
        refused = [f for f in findings.items if f.code == "IE8001"]
        assert refused and all("NoMatchingListenerHostname" in f.message for f in refused)
        assert {f.object for f in refused} >= {"HTTPRoute/gateway-conformance-infra/no-intersecting-hosts"}
        await _command(pilot, "httproute")
        table = app.screen.query_one(ResourceTable)
        await pilot.press("slash", *"no-intersecting")
        await until(pilot, lambda: len(table.items) == 1, what="the refused route")
        row = table_rows(table)[0]
        assert "✘ broken" in row and any("NoMatchingListenerHostname" in cell for cell in row)
        await pilot.press("enter", "x")
        await until(pilot, lambda: "IE8001" in screen_text(app), what="the Findings tab")


async def test_c_switches_to_the_gateway_controller_where_there_are_gateways_and_back() -> None:
    app = make_app(TRAFFIC)
    async with app.run_test(size=SIZE) as pilot:
        await loaded(pilot)
        for name in ("gce", "gateway", "nginx"):
            await pilot.press("c")
            await until(pilot, lambda: app.view.profile.name == name, what=f"the switch to {name}")
        assert app.screen.query_one(ResourceTable).kind == "gtw"  # (no Ingress here: the listeners stay)


async def test_without_gateways_c_never_offers_the_gateway_controller() -> None:
    app = make_app(SAMPLES / "article-v1")
    async with app.run_test(size=SIZE) as pilot:
        await loaded(pilot)
        await pilot.press("c")
        await until(pilot, lambda: app.view.profile.name == "gce", what="the switch to gce")
        await pilot.press("c")
        await until(pilot, lambda: app.view.profile.name == "nginx", what="back to nginx")



async def test_y_copies_a_curl_line_to_the_gateway_listener_that_works() -> None:
    import asyncio
    import shlex
    import shutil
    import subprocess

    if shutil.which("curl") is None:
        import pytest

        pytest.skip("needs curl")
    app = make_app(TRAFFIC, controller="gateway", start_proxy=True, traffic_factory=fast_proxy())
    async with app.run_test(size=SIZE) as pilot:
        await loaded(pilot)
        await until(pilot, lambda: app.traffic is not None, what="the embedded proxy to listen")
        await pilot.press("r")
        await until(pilot, lambda: isinstance(app.screen, RequestsScreen), what="the flow mode")
        line = app.screen.curl_line()
        assert line is not None and "-H 'Host: foo-bar.com'" in line and "-H 'x-canary: always'" in line
        assert "http://127.0.0.1:" in line  # the proxy's listener for the Gateway's port 80
        answer = await asyncio.to_thread(subprocess.run, shlex.split(line), capture_output=True, text=True,
                                         timeout=20)
    assert answer.stdout.startswith("HTTP/1.1 200"), answer.stdout + answer.stderr
    assert "X-Ingress-Explorer-Pod: site02-" in answer.stdout  # rule 0: the x-canary header match


async def test_a_mirrored_request_shows_its_copy_in_the_events_log() -> None:
    app = make_app(ROOT / "tests" / "data" / "proxy" / "gateway-mirror", controller="gateway", start_proxy=True,
                   traffic_factory=fast_proxy())
    async with app.run_test(size=SIZE) as pilot:
        await loaded(pilot)
        await until(pilot, lambda: app.traffic is not None, what="the embedded proxy to listen")
        await pilot.press("2")
        await until(pilot, lambda: isinstance(app.screen, RequestsScreen), what="the flow mode")
        app.screen.query_one("#request-url").value = "http://shop.example/mirror/x"
        await pilot.press("enter")
        await until(pilot, lambda: any(source == "mirror" for _, source, _, _ in app.events), what="the copy")
        (line,) = [text for _, source, text, _ in app.events if source == "mirror"]
        assert line.startswith("GET shop.example-shadow/m/x copied to default/green:80 Pod green-")
        assert line.endswith(": 200 (answer discarded)")
        await until(pilot, lambda: "via http://127.0.0.1:" in screen_text(app), what="the response")
        trace = table_rows(app.screen.query_one(TraceTable))
        assert any("RequestMirror to Service/default/green:80" in r[4] for r in trace), trace

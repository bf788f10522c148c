"""The explore mode as a user meets it: the Ingress table, the filter, drill-down, the controller switch."""

from __future__ import annotations

from textual.widgets import TabbedContent

from explorer.tui.screens.dialogs import HelpScreen
from explorer.tui.widgets.findings import FindingsTable
from explorer.tui.widgets.flow import FlowDiagram
from explorer.tui.widgets.manifest import ManifestView
from explorer.tui.widgets.resources import ResourceTable
from tui_helpers import (
    SAMPLES, SIZE, TUI_DATA, loaded, make_app, notifications, rendered, screen_text, table_rows, until,
)


async def test_bundled_scenario_lists_one_row_per_rule_with_its_backend_and_pods():
    app = make_app(SAMPLES / "article-v1")
    async with app.run_test(size=SIZE) as pilot:
        await loaded(pilot)
        rows = table_rows(app.screen.query_one(ResourceTable))
        assert [row[:7] for row in rows] == [
            ["foo-bar.com", "/foo", "Prefix", "my-nodeport-01:8080", "30080", "2/2", "✔ ok"],
            ["foo-bar.com", "/bar", "Prefix", "my-nodeport-02:8081", "30081", "1/1", "✔ ok"],
        ]
        assert all(row[7] == "default/my-ingress" for row in rows)
        assert "Ingresses (2)" in rendered(app.screen.query_one("#table-title"))


async def test_filter_keeps_matching_rows_and_escape_clears_it():
    app = make_app(SAMPLES / "article-v1")
    async with app.run_test(size=SIZE) as pilot:
        await loaded(pilot)
        table = app.screen.query_one(ResourceTable)
        await pilot.press("slash", "slash", "b", "a", "r")  # "/" opens the filter, then "/bar" is typed
        await until(pilot, lambda: table.row_count == 1, what="the filter to leave one row")
        assert table_rows(table)[0][1] == "/bar"
        assert "filter “/bar”" in rendered(app.screen.query_one("#table-title"))
        await pilot.press("enter", "escape")
        await until(pilot, lambda: table.row_count == 2, what="escape to clear the filter")


async def test_selected_rule_draws_its_flow_and_manifest():
    app = make_app(SAMPLES / "article-v1")
    async with app.run_test(size=SIZE) as pilot:
        await loaded(pilot)
        await pilot.press("down")  # the /bar rule
        flow = rendered(app.screen.query_one("#explore-flow", FlowDiagram))
        assert "foo-bar.com /bar (Prefix) → my-nodeport-02:8081" in flow
        assert "L4 LoadBalancer" in flow and "my-nodeport-02" in flow
        await pilot.press("m")
        manifest = app.screen.query_one(ManifestView)
        where = rendered(manifest.query_one("#manifest-where"))
        assert where.endswith("sample-manifests/article-v1/ingress.yaml:21")  # the backend of the /bar path


async def test_controller_switch_redraws_table_and_flow_in_the_other_shape():
    app = make_app(SAMPLES / "article-v1")
    async with app.run_test(size=SIZE) as pilot:
        await loaded(pilot)
        flow = app.screen.query_one("#explore-flow", FlowDiagram)
        assert "L4 LoadBalancer" in rendered(flow)
        assert "ingress-nginx" in app.sub_title
        await pilot.press("c")
        await until(pilot, lambda: app.view.profile.name == "gce", what="the switch to GKE")
        text = rendered(flow)
        assert "L7 load balancer" in text and "node:nodePort" in text and "every node :30080" in text
        assert "L4 LoadBalancer" not in text
        assert "GKE Ingress" in app.sub_title
        await pilot.press("c")
        await until(pilot, lambda: "L4 LoadBalancer" in rendered(flow), what="the switch back to nginx")


async def test_enter_drills_down_to_the_service_and_its_pods_and_escape_comes_back():
    app = make_app(SAMPLES / "article-v1")
    async with app.run_test(size=SIZE) as pilot:
        await loaded(pilot)
        table = app.screen.query_one(ResourceTable)
        await pilot.press("enter")
        await until(pilot, lambda: table.kind == "svc", what="the Service of the rule")
        assert [row[0] for row in table_rows(table)] == ["default/my-nodeport-01"]
        await pilot.press("enter")
        await until(pilot, lambda: table.kind == "pod", what="the Pods of the Service")
        pods = table_rows(table)
        assert len(pods) == 2 and all(row[0].startswith("default/site01-") for row in pods)
        await pilot.press("escape")
        await until(pilot, lambda: table.kind == "svc")
        await pilot.press("escape")
        await until(pilot, lambda: table.kind == "ing")
        assert table.row_count == 2


async def test_command_bar_switches_kind_and_namespace_and_refuses_nonsense():
    app = make_app(SAMPLES / "article-v1")
    async with app.run_test(size=SIZE) as pilot:
        await loaded(pilot)
        table = app.screen.query_one(ResourceTable)
        await pilot.press("colon", *"svc", "enter")
        await until(pilot, lambda: table.kind == "svc", what=":svc")
        assert table.row_count == 2
        await pilot.press("colon", *"ns shop", "enter")
        await until(pilot, lambda: table.row_count == 0, what=":ns shop to hide default")
        await pilot.press("colon", *"ns all", "enter")
        await until(pilot, lambda: table.row_count == 2)
        await pilot.press("colon", *"bogus", "enter")
        await until(pilot, lambda: any("unknown command :bogus" in n for n in notifications(app)),
                    what="a toast for an unknown command")


async def test_listing_commands_from_flow_and_migrate_go_to_explore():
    """`:svc` and `:ns` list in Explore, from whichever mode the command bar was opened in."""
    app = make_app(SAMPLES / "article-v1")
    async with app.run_test(size=SIZE) as pilot:
        await loaded(pilot)
        table = app.screen.query_one(ResourceTable)
        await pilot.press("2")
        await until(pilot, lambda: app.current_mode == "flow", what="the flow mode")
        await pilot.press("escape", "colon", *"svc", "enter")  # (esc: out of the URL field, which has focus)
        await until(pilot, lambda: app.current_mode == "explore" and table.kind == "svc", what=":svc from Flow")
        await pilot.press("4")
        await until(pilot, lambda: app.current_mode == "migrate", what="the migrate mode")
        await pilot.press("escape", "colon", *"ns shop", "enter")
        await until(pilot, lambda: app.current_mode == "explore" and table.row_count == 0, what=":ns from Migrate")


async def test_broken_backend_is_drawn_red_with_its_reason_and_listed_in_findings():
    app = make_app(TUI_DATA / "wrong-port")
    async with app.run_test(size=SIZE) as pilot:
        await loaded(pilot)
        rows = table_rows(app.screen.query_one(ResourceTable))
        cart = next(row for row in rows if row[1] == "/cart")
        assert cart[6] == "✘ broken" and "has no port 8080" in cart[8]
        text = rendered(app.screen.query_one("#explore-flow", FlowDiagram))
        assert "─✘▶" in text
        assert "Service shop has no port 8080; its ports are 80 (http)" in text.replace("\n  ", " ")
        await pilot.press("x")
        findings = app.screen.query_one(FindingsTable)
        assert app.screen.query_one(TabbedContent).active == "findings"
        assert any(f.severity == "error" and "8080" in f.message for f in findings.items)


async def test_help_shows_the_focused_panel_and_every_key_with_its_tooltip():
    app = make_app(SAMPLES / "article-v1")
    async with app.run_test(size=SIZE) as pilot:
        await loaded(pilot)
        await pilot.press("question_mark")
        await until(pilot, lambda: isinstance(app.screen, HelpScreen), what="the help screen")
        text = screen_text(app)
        assert "Resource table" in text  # the focused widget's own help
        assert "Switch between ingress-nginx and GKE Ingress" in text  # a tooltip of a key
        await pilot.press("escape")
        await until(pilot, lambda: not isinstance(app.screen, HelpScreen))


async def test_y_copies_the_selected_rule_as_curl():
    app = make_app(SAMPLES / "article-v1")
    async with app.run_test(size=SIZE) as pilot:
        await loaded(pilot)
        await pilot.press("y")
        assert app.clipboard == "curl -i http://foo-bar.com/foo"


async def test_s_saves_an_svg_screenshot_in_the_screenshots_folder_and_says_where(tmp_path, monkeypatch):
    """Issue 21: screenshots left untracked files in the clone; now they go to a folder of their own."""
    work, shots = tmp_path / "clone", tmp_path / "shots"
    work.mkdir()
    monkeypatch.chdir(work)
    monkeypatch.setenv("INGRESS_EXPLORER_SCREENSHOTS", str(shots))
    app = make_app(SAMPLES / "article-v1")
    async with app.run_test(size=SIZE) as pilot:
        await loaded(pilot)
        await pilot.press("s")
        await until(pilot, lambda: list(shots.glob("*.svg")), what="the screenshot file")
        saved = next(shots.glob("*.svg"))
        assert "foo-bar.com" in saved.read_text()
        await until(pilot, lambda: any(str(saved.resolve()) in n.message for n in app._notifications),
                    what="a toast with the screenshot's whole path")
    assert not list(work.iterdir()), "nothing is written to the working directory"


def test_screenshots_default_to_the_users_pictures_or_data_folder(tmp_path, monkeypatch):
    from explorer.tui.config import screenshots_dir

    monkeypatch.delenv("INGRESS_EXPLORER_SCREENSHOTS", raising=False)
    monkeypatch.setenv("HOME", str(tmp_path))
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "data"))
    monkeypatch.delenv("XDG_PICTURES_DIR", raising=False)
    assert screenshots_dir() == tmp_path / "data" / "ingress-explorer" / "screenshots"  # no ~/Pictures here
    (tmp_path / "Pictures").mkdir()
    assert screenshots_dir() == tmp_path / "Pictures" / "ingress-explorer"


async def test_keymap_file_moves_a_key(tmp_path):
    keymap = tmp_path / "keymap.toml"
    keymap.write_text('[keymap]\n"app.controller" = "g"\n')
    app = make_app(SAMPLES / "article-v1", keymap_file=keymap)
    async with app.run_test(size=SIZE) as pilot:
        await loaded(pilot)
        await pilot.press("c")
        await pilot.pause()
        assert app.profile.name == "nginx"
        await pilot.press("g")
        await until(pilot, lambda: app.view.profile.name == "gce", what="g to switch the controller")


async def test_bad_keymap_file_is_a_toast_not_a_crash(tmp_path):
    keymap = tmp_path / "keymap.toml"
    keymap.write_text("[keymap\n")
    app = make_app(SAMPLES / "article-v1", keymap_file=keymap)
    async with app.run_test(size=SIZE) as pilot:
        await loaded(pilot)
        assert any(str(keymap) in n for n in notifications(app))


async def test_manifest_marks_the_lines_of_findings_with_file_and_line():
    app = make_app(TUI_DATA / "wrong-port")
    async with app.run_test(size=SIZE) as pilot:
        await loaded(pilot)
        await pilot.press("m")
        await pilot.pause()
        text = screen_text(app)
        assert "tests/data/tui/wrong-port/site.yaml:" in text
        assert "number: 8080" in text  # the YAML itself, with its line numbers
        assert any(line.lstrip().startswith("✘ line ") and "8080" in line for line in text.splitlines())


async def test_events_show_the_controller_refusing_a_regional_static_ip():
    app = make_app(SAMPLES / "static-ip" / "regional", controller="gce")
    async with app.run_test(size=SIZE) as pilot:
        await loaded(pilot)
        await pilot.press("v")
        await pilot.pause()
        text = screen_text(app)
        assert "Warning Sync Ingress/default/web" in text
        assert "doesn't translate to an existing static IP" in " ".join(e[2] for e in app.events)


async def test_command_palette_lists_every_action():
    app = make_app(SAMPLES / "article-v1")
    async with app.run_test(size=SIZE) as pilot:
        await loaded(pilot)
        titles = {command.title for command in app.get_system_commands(app.screen)}
        for binding in (*type(app).BINDINGS, *type(app.screen).BINDINGS):
            assert binding.action == "quit" or binding.description in titles, binding.id

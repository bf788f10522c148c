"""The Migrate mode: Ingress and Gateway API side by side, a request through both, the proof, and `w`.

Every snapshot here was rendered to PNG and looked at before it was accepted;
update with `pytest tests/test_tui_migrate.py --snapshot-update` and look again.
"""

from __future__ import annotations

import shutil
import threading
from pathlib import Path

import pytest

from explorer.migrate.proof import migrate_and_prove
from explorer.model.load import load
from explorer.routing import get_profile
from explorer.tui.screens.dialogs import ConfirmScreen, HelpScreen
from explorer.tui.screens.migrate import MigrateScreen, WriteScreen
from explorer.tui.widgets.migration import (
    AnnotationsTable, DifferencesTable, GatewayTraceTable, IngressTraceTable, YamlPane,
)
from tui_helpers import ROOT, SAMPLES, SIZE, loaded, make_app, notifications, rendered, screen_text, table_rows, until

SMALL = (80, 24)


async def open_migrate(pilot, key: str = "4") -> MigrateScreen:
    """The Migrate mode, its Gateway API side made and its proof done."""
    app = pilot.app
    await loaded(pilot)
    if key == ":migrate":
        await pilot.press("colon", *"migrate", "enter")
    else:
        await pilot.press(key)
    await until(pilot, lambda: isinstance(app.screen, MigrateScreen), what="the Migrate mode")
    screen: MigrateScreen = app.screen  # type: ignore[assignment]
    await until(pilot, lambda: screen.proof_done, timeout=60, what="the proof")
    await until(pilot, lambda: screen.both is not None, what="the suggested request routed through both sides")
    return screen


async def route(pilot, screen: MigrateScreen, url: str) -> None:
    await pilot.press("r")
    pilot.app.focused.value = url
    await pilot.press("enter")
    await until(pilot, lambda: screen.both is not None and screen.both.request.url == url, what=f"{url} routed")


def status(screen: MigrateScreen) -> str:
    return rendered(screen.query_one("#migrate-status"))


async def test_4_and_colon_migrate_open_it_and_help_and_footer_list_it():
    proof = migrate_and_prove(load([SAMPLES / "article-v1"]), get_profile("nginx")).proof
    assert proof.differences  # (no HTTPS listener without a certificate: see test_migrate)
    for key in ("4", ":migrate"):
        app = make_app(SAMPLES / "article-v1")
        async with app.run_test(size=SIZE) as pilot:
            screen = await open_migrate(pilot, key)
            assert (f"ingress-nginx → Gateway API: 1 Gateway, 1 file · {proof.probes} probes: "
                    f"{len(proof.differences)} differences") in status(screen)
    app = make_app(SAMPLES / "article-v1")
    async with app.run_test(size=SIZE) as pilot:
        await loaded(pilot)
        await until(pilot, lambda: "4 Migrate" in screen_text(app).splitlines()[-1], what="4 Migrate in the footer")
        await pilot.press("question_mark")
        await until(pilot, lambda: isinstance(app.screen, HelpScreen))
        listed = {key: (what, why) for key, what, why in app.screen.bindings}  # the help's table of keys
        assert listed["4"][0] == "Migrate" and "Ingress → Gateway API" in listed["4"][1]
        await pilot.press("escape")
        screen = await open_migrate(pilot)
        footer = screen_text(app).splitlines()[-1]
        assert footer.lstrip().startswith("w Write") and "d Differences" in footer, footer
        await pilot.press("question_mark")
        await until(pilot, lambda: isinstance(app.screen, HelpScreen))
        listed = {key: (what, why) for key, what, why in app.screen.bindings}
        assert listed["w"][0] == "Write" and "never over the input" in listed["w"][1]
        assert "Migrate to Gateway API" in screen_text(app) or "Ingress YAML" in screen_text(app)  # the focused help


async def test_both_yamls_side_by_side_at_120_and_stacked_at_80x24_secrets_never_shown(tmp_path):
    shutil.copytree(SAMPLES / "article-v1", tmp_path / "in")
    secret = "c2VjcmV0LWtleS12YWx1ZQ=="  # a TLS Secret in the same file as the Ingress
    with open(tmp_path / "in" / "ingress.yaml", "a") as f:
        f.write(f"---\napiVersion: v1\nkind: Secret\nmetadata: {{name: tls}}\ntype: kubernetes.io/tls\n"
                f"data: {{tls.crt: {secret}, tls.key: {secret}}}\n")
    for size in (SIZE, SMALL):
        app = make_app(tmp_path / "in")
        async with app.run_test(size=size) as pilot:
            screen = await open_migrate(pilot)
            ingress, gateway = screen.query_one("#yaml-ingress", YamlPane), screen.query_one("#yaml-gateway", YamlPane)
            if size == SIZE:
                assert ingress.region.y == gateway.region.y and ingress.region.right <= gateway.region.x
            else:
                assert ingress.region.x == gateway.region.x and ingress.region.bottom <= gateway.region.y
            code = "\n".join(s.text for pane in (ingress, gateway) for s in pane.shown.sections)
            assert "kind: Ingress" in code and "kind: HTTPRoute" in code and "kind: Gateway" in code
            assert "kind: Secret" not in code and secret not in code  # only the Ingress documents are shown
            text = screen_text(app)  # each pane scrolled to the first line the request used
            assert "❱ 12           - path: /foo" in text and "❱ 12   - name: http" in text, text
            assert ingress.rows_marked and gateway.rows_marked  # the lines the suggested request used
            await pilot.press("z")  # the focused YAML on the whole screen
            assert screen.maximized is ingress and secret not in screen_text(app)


async def test_a_request_goes_through_both_sides_with_both_traces_and_the_difference_marked():
    app = make_app(SAMPLES / "nginx-annotations")
    async with app.run_test(size=SIZE) as pilot:
        screen = await open_migrate(pilot)
        await route(pilot, screen, "http://shop.example.com/admin")
        answer = rendered(screen.query_one("#migrate-answer"))
        assert "✘ they differ" in answer
        assert "Ingress: 401 from the front end" in answer and "Gateway API: forward to default/admin:80" in answer
        await pilot.press("t")
        text = screen_text(app)
        assert "ingress-nginx: 401 from the front end" in text and "Gateway default/nginx: forward to default/admin:80" in text
        ingress = table_rows(screen.query_one(IngressTraceTable))
        gateway = table_rows(screen.query_one(GatewayTraceTable))
        assert any(row[0] == "✘ no match" for row in ingress) and ingress
        chosen = [row for row in gateway if row[0] == "✔ chosen"]
        assert len(chosen) == 3  # listener, HTTPRoute match, backendRef
        assert "why: " in rendered(screen.query_one("#trace-gateway-why"))
        await route(pilot, screen, "http://shop.example.com/shop")
        assert "✔ same answer" in rendered(screen.query_one("#migrate-answer"))
        # permanent-redirect answers before the backend: no entry says chosen, the cursor is on the rule that answered
        await route(pilot, screen, "http://old-shop.example.com/x")
        table = screen.query_one(IngressTraceTable)
        entry = table.entries[table.cursor_row]
        assert (entry.host, entry.path, entry.ingress) == ("old-shop.example.com", "/", "default/old-shop")
        assert table_rows(table)[table.cursor_row][1].startswith("old-shop.exa")  # the row the user sees
        title = next(line for line in screen_text(app).splitlines() if "ingress-nginx: 301" in line)
        assert "ingress-nginx: 301 redirect to https://shop.example.com/…" in title, title  # cut, and seen to be


async def test_the_proofs_differences_are_listed_and_enter_routes_one():
    state = load([SAMPLES / "nginx-annotations"])
    expected = migrate_and_prove(state, get_profile("nginx")).proof.differences
    app = make_app(SAMPLES / "nginx-annotations")
    async with app.run_test(size=SIZE) as pilot:
        screen = await open_migrate(pilot)
        await pilot.press("d")
        table = screen.query_one(DifferencesTable)
        assert app.focused is table
        assert sorted(d.url for d in table.items) == sorted(d.url for d in expected) and len(expected) > 20
        assert f"Differences ({len(expected)})" in screen_text(app)
        def key(d):
            return d.method, d.url, tuple(sorted(d.headers.items()))  # (canary probes: one URL, several headers)

        by_key = {key(d): d for d in expected}
        for row, d in zip(table_rows(table), table.items):
            assert row[1] == by_key[key(d)].before_text.partition(" (")[0]
            assert row[2] == by_key[key(d)].after_text.partition(" (")[0]
        admin = next(i for i, d in enumerate(table.items) if d.url == "http://shop.example.com/admin")
        table.move_cursor(row=admin)
        await pilot.pause()
        detail = rendered(screen.query_one("#difference-detail"))
        assert "GET http://shop.example.com/admin" in detail and "auth-type" in detail  # the cause names it
        await pilot.press("enter")
        await until(pilot, lambda: screen.both is not None and screen.both.request.url == "http://shop.example.com/admin")
        assert screen.query_one("#request-url").value == "http://shop.example.com/admin"
        assert app.screen.query_one("#migrate-tabs").active == "traces"
        assert "✘ they differ" in rendered(screen.query_one("#migrate-answer"))
        await pilot.press("a")
        notes = table_rows(screen.query_one(AnnotationsTable))
        assert ["✘ not converted", "default/shop-admin", "nginx.ingress.kubernetes.io/auth-type"] in \
            [row[:3] for row in notes]


def _copy(tmp_path: Path, name: str = "article-v1") -> Path:
    source = tmp_path / "manifests"
    shutil.copytree(SAMPLES / name, source)
    return source


async def _ask_to_write(pilot, screen: MigrateScreen) -> WriteScreen:
    await pilot.press("escape", "w")
    await until(pilot, lambda: isinstance(pilot.app.screen, WriteScreen), what="the write dialog")
    return pilot.app.screen  # type: ignore[return-value]


async def test_w_writes_the_files_after_asking_into_a_new_folder_next_to_the_input(tmp_path):
    source = _copy(tmp_path)
    whole = migrate_and_prove(load([source]), get_profile("nginx"))
    expected = whole.files
    app = make_app(source)
    async with app.run_test(size=SIZE) as pilot:
        screen = await open_migrate(pilot)
        dialog = await _ask_to_write(pilot, screen)
        field = dialog.query_one("#write-dir")
        assert field.value == str(tmp_path / "manifests-gateway-api")
        assert "1 file(s): nginx.yaml" in screen_text(app)
        assert f"The proof found {len(whole.proof.differences)} difference(s)" in screen_text(app)
        await pilot.press("escape")  # asked, and said no: nothing written
        await until(pilot, lambda: isinstance(app.screen, MigrateScreen))
        assert not (tmp_path / "manifests-gateway-api").exists()
        dialog = await _ask_to_write(pilot, screen)
        await pilot.press("enter")
        out = tmp_path / "manifests-gateway-api"
        await until(pilot, lambda: any(str(out / "nginx.yaml") in n for n in notifications(app)),
                    what="the toast with the full path")
        assert {p.name: p.read_text() for p in out.iterdir()} == expected
        written = load([out])
        assert not written.problems and written.gateways and written.http_routes
        assert sorted(p.name for p in source.iterdir()) == ["app.yaml", "ingress.yaml"]  # the input untouched
        dialog = await _ask_to_write(pilot, screen)
        assert dialog.query_one("#write-dir").value == str(tmp_path / "manifests-gateway-api-2")  # a new one again


async def test_w_refuses_the_input_and_asks_before_a_non_empty_directory(tmp_path):
    source = _copy(tmp_path)
    busy = tmp_path / "busy"
    busy.mkdir()
    (busy / "notes.txt").write_text("mine")
    app = make_app(source)
    async with app.run_test(size=SIZE) as pilot:
        screen = await open_migrate(pilot)
        dialog = await _ask_to_write(pilot, screen)
        field = dialog.query_one("#write-dir")
        for refused, why in ((source, "is inside the input"), (source / "ingress.yaml", "is a file, not a directory"),
                             (source / "sub", "is inside the input")):
            field.value = str(refused)
            await pilot.press("enter")
            await until(pilot, lambda: why in rendered(dialog.query_one("#write-problem")), what=why)
            assert isinstance(app.screen, WriteScreen)
        assert sorted(p.name for p in source.iterdir()) == ["app.yaml", "ingress.yaml"]
        field.value = str(busy)
        await pilot.press("enter")
        await until(pilot, lambda: isinstance(app.screen, ConfirmScreen), what="the question")
        assert "is not empty (1 entry)" in screen_text(app)
        await pilot.press("n")  # not confirmed: nothing written, back in the dialog
        await until(pilot, lambda: isinstance(app.screen, WriteScreen))
        assert sorted(p.name for p in busy.iterdir()) == ["notes.txt"]
        await pilot.press("enter")
        await until(pilot, lambda: isinstance(app.screen, ConfirmScreen))
        await pilot.press("y")
        await until(pilot, lambda: (busy / "nginx.yaml").exists(), what="the file written once confirmed")
        assert (busy / "notes.txt").read_text() == "mine"
        await until(pilot, lambda: any(str(busy / "nginx.yaml") in n for n in notifications(app)))


def _sites(count: int, tls: bool = False) -> str:
    """`count` Ingresses, one host each (with `tls`, each its own certificate: one HTTPS listener each)."""
    docs = ["apiVersion: v1\nkind: Service\nmetadata: {name: web}\nspec:\n  type: NodePort\n"
            "  ports: [{port: 80, targetPort: 8080}]\n"]
    for n in range(count):
        docs.append(f"apiVersion: networking.k8s.io/v1\nkind: Ingress\nmetadata: {{name: site{n}}}\nspec:\n"
                    + (f"  tls: [{{hosts: [site{n}.example.com], secretName: tls{n}}}]\n" if tls else "")
                    + f"  rules:\n  - host: site{n}.example.com\n    http:\n      paths:\n      - path: /\n"
                    "        pathType: Prefix\n        backend: {service: {name: web, port: {number: 80}}}\n")
    return "---\n".join(docs)


async def test_the_proof_runs_in_a_worker_with_its_progress_shown_and_the_screen_keeps_working(tmp_path, monkeypatch):
    """GKE: each Ingress is a load balancer, proved part by part; the test holds the proof at its second part."""
    import explorer.migrate.stepwise as stepwise

    release, held = threading.Event(), threading.Event()
    calls = []
    real = stepwise.prove

    def slow(*args, **kwargs):
        calls.append(1)
        if len(calls) == 2:
            held.set()
            release.wait(30)
        return real(*args, **kwargs)

    monkeypatch.setattr(stepwise, "prove", slow)
    (tmp_path / "sites.yaml").write_text(_sites(12))
    app = make_app(tmp_path / "sites.yaml", controller="gce")
    try:
        async with app.run_test(size=SIZE) as pilot:
            await loaded(pilot)
            await pilot.press("4")
            await until(pilot, lambda: isinstance(app.screen, MigrateScreen))
            screen: MigrateScreen = app.screen  # type: ignore[assignment]
            await until(pilot, lambda: held.is_set(), what="the proof at its second part")
            await until(pilot, lambda: "proving: part 1 of" in status(screen), what="the progress")
            assert screen.proving and not screen.proof_done
            # a daemon: quitting now does not wait minutes for the proof (a Textual thread worker is joined at exit)
            proving, = [t for t in threading.enumerate() if t.name == "ingress-explorer migrate"]
            assert proving.daemon
            await pilot.press("escape", "d")  # the screen answers while the proof runs
            assert screen.query_one("#migrate-tabs").active == "differences"
            assert "Differences (" in screen_text(app) and "…)" in screen_text(app)
            await route(pilot, screen, "http://site7.example.com/a")  # and routes a request through both sides
            assert "✔ same answer" in rendered(screen.query_one("#migrate-answer"))
            release.set()
            await until(pilot, lambda: screen.proof_done, timeout=60, what="the proof to end")
            assert "probes" in status(screen) and "proving" not in status(screen)
    finally:
        release.set()


SIZES = {"80x24": (80, 24), "120x40": (120, 40)}


@pytest.fixture
def _relative_paths(monkeypatch):
    """File names on screen are shown relative to the working directory: keep them machine-independent."""
    monkeypatch.chdir(ROOT)


@pytest.mark.parametrize("tab", ["manifests", "traces"])
@pytest.mark.parametrize("size", list(SIZES))
def test_migrate_at_80x24_and_120x40(snap_compare, _relative_paths, size, tab):
    """A difference of the proof routed through both sides: the YAMLs with its lines marked, and both traces."""
    async def ready(pilot):
        screen = await open_migrate(pilot)
        await pilot.press("d")
        table = screen.query_one(DifferencesTable)
        table.move_cursor(row=next(i for i, d in enumerate(table.items) if d.url == "http://shop.example.com/admin"))
        await pilot.press("enter")
        await until(pilot, lambda: screen.both is not None and screen.both.request.url.endswith("/admin"))
        await pilot.press(tab[0] if tab != "traces" else "t")
        await pilot.pause()

    app = make_app((SAMPLES / "nginx-annotations").relative_to(ROOT))
    assert snap_compare(app, terminal_size=SIZES[size], run_before=ready)


def test_a_large_input_shows_only_the_documents_the_request_used_and_says_so(tmp_path):
    """Past WHOLE_LINES each pane shows what the request used (Syntax over 10,000 lines would hold the screen)."""
    from explorer.migrate.stepwise import converted
    from explorer.routing import Request
    from explorer.tui.services.migration import (
        after_lines, before_lines, generated_sections, ingress_sections, route_both,
    )

    (tmp_path / "sites.yaml").write_text(_sites(300, tls=True))
    state = load([tmp_path / "sites.yaml"])
    profile = get_profile("nginx")
    result = converted(state, profile)
    both = route_both(state, profile, result, Request.from_url("http://site123.example.com/x"))
    assert both.same and both.gateway == "default/nginx"
    text_of = lambda name: Path(name).read_text()  # noqa: E731
    ingress = ingress_sections(state, text_of, before_lines(both.before))
    gateway = generated_sections(result.files, after_lines(both.after))
    shown = "\n".join(s.text for s in ingress.sections)
    assert "name: site123}" in shown and "site124" not in shown and "showing 1 of 300 Ingresses" in ingress.note
    routes = "\n".join(s.text for s in gateway.sections)
    assert "kind: Gateway\n" in routes and "site123-example-com" in routes and "site124-example-com" not in routes
    assert "those the request used; w writes them all" in gateway.note
    for pane in (ingress, gateway):  # each marked line is inside its section, as numbered in its file
        for section in pane.sections:
            lines = section.text.split("\n")
            for line in section.marked:
                assert 0 <= line - section.first < len(lines)
    gateway_doc = next(s for s in gateway.sections if "kind: Gateway\n" in s.text)
    assert gateway_doc.text.count("\n") < 300  # the shared Gateway has 301 listeners: cut, and said so
    assert "long document(s) cut to their start and the lines around those the request used" in gateway.note
    whole = ingress_sections(state, text_of, set(), whole_lines=10**6)
    assert len(whole.sections) == 1 and whole.sections[0].text.count("kind: Ingress") == 300  # one block


def test_the_default_folder_is_new_and_next_to_the_input(tmp_path):
    from explorer.tui.services.migration import default_output_dir

    (tmp_path / "shop").mkdir()
    (tmp_path / "one.yaml").write_text("")
    assert default_output_dir([str(tmp_path / "shop")]) == tmp_path / "shop-gateway-api"
    assert default_output_dir([str(tmp_path / "one.yaml")]) == tmp_path / "one-gateway-api"
    (tmp_path / "shop-gateway-api").mkdir()
    (tmp_path / "shop-gateway-api-2").mkdir()
    assert default_output_dir([str(tmp_path / "shop")]) == tmp_path / "shop-gateway-api-3"
    assert default_output_dir([], cwd=tmp_path) == tmp_path / "gateway-api"
    # the bundled scenarios are inside the installed package: the new folder goes in the working directory
    assert default_output_dir([str(SAMPLES / "article-v1")], cwd=tmp_path) == tmp_path / "article-v1-gateway-api"
    assert default_output_dir([str(ROOT / "sample-manifests" / "article")], cwd=tmp_path) == \
        tmp_path / "article-gateway-api"


def test_a_long_url_keeps_its_path():
    from explorer.tui.widgets.migration import cut_url

    assert cut_url("http://old-shop.example.com/ADMIN", 22) == "http://old-shop…/ADMIN"
    assert len(cut_url("http://a.example.com/" + "p" * 40, 20)) == 20
    assert cut_url("http://a.com/x", 30) == "http://a.com/x"


async def test_nothing_to_migrate_is_said_not_called_equivalent():
    app = make_app(SAMPLES / "nginx-annotations", controller="gce")  # ingressClassName nginx: GKE serves none
    async with app.run_test(size=SIZE) as pilot:
        screen = await open_migrate(pilot)
        assert "nothing converted: GKE Ingress serves none of the 6 Ingresses" in status(screen)
        assert "equivalent" not in status(screen)
        await pilot.press("w")
        await until(pilot, lambda: any("nothing to write" in n for n in notifications(app)))
        assert not isinstance(app.screen, WriteScreen)
    app = make_app(SAMPLES / "gateway-api")
    async with app.run_test(size=SIZE) as pilot:
        await loaded(pilot)
        await pilot.press("4")
        await until(pilot, lambda: isinstance(app.screen, MigrateScreen))
        await until(pilot, lambda: "nothing to migrate: no Ingress" in status(app.screen), what="the status")


async def test_a_controller_switch_migrates_again_for_the_new_controller():
    gce = migrate_and_prove(load([SAMPLES / "article-v1"]), get_profile("gce"))
    app = make_app(SAMPLES / "article-v1")
    async with app.run_test(size=SIZE) as pilot:
        screen = await open_migrate(pilot)
        assert status(screen).startswith("ingress-nginx → Gateway API")
        await pilot.press("c")
        await until(pilot, lambda: status(screen).startswith("GKE Ingress → Gateway API") and screen.proof_done,
                    timeout=60, what="the GKE migration")
        assert gce.proof.equivalent  # GKE's article-v1 migrates equivalent (test_migrate)
        assert f"{gce.proof.probes} probes: equivalent" in status(screen)
        assert screen.result is not None and list(screen.result.files) == list(gce.files)
        assert "Gateway API (to write: default-my-ingress.yaml)" in screen_text(app)

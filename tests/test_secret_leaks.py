"""A planted Secret value, in every shape issue 19 found leaking, grepped for in every output.

The traps: a Secret just before a v1beta1 Ingress (convert's diff context),
a JSON Secret with `\\u` escapes, a Secret that fails validation after an
Ingress, a Secret in a file broken further down, Secret values behind bad
tags and duplicate keys (error messages). Every command's stdout and stderr
and the TUI's manifest view of every row are searched for the value, as
written and base64-encoded.
"""

from __future__ import annotations

import base64
import json

import pytest

from explorer.cli import main

PLANT = "PLANTED-SEKRIT-7f3a"
PLANT_B64 = base64.b64encode(PLANT.encode()).decode()
SERVICE = """\
apiVersion: v1
kind: Service
metadata: {name: web}
spec: {selector: {app: web}, ports: [{port: 80, targetPort: 8080}]}
"""
BETA_INGRESS = """\
apiVersion: networking.k8s.io/v1beta1
kind: Ingress
metadata: {name: old}
spec:
  rules:
  - host: old.example.com
    http:
      paths:
      - path: /
        backend: {serviceName: web, servicePort: 80}
"""
V1_INGRESS = """\
apiVersion: networking.k8s.io/v1
kind: Ingress
metadata: {name: new}
spec:
  ingressClassName: nginx
  tls: [{hosts: [new.example.com], secretName: new-tls}]
  rules:
  - host: new.example.com
    http: {paths: [{path: /, pathType: Prefix, backend: {service: {name: web, port: {number: 80}}}}]}
"""

TRAPS = {
    # convert's diff showed a Secret's lines as context when it sat just before a v1beta1 Ingress
    "before-beta.yaml": f"""\
apiVersion: v1
kind: Secret
metadata: {{name: before}}
stringData:
  password: {PLANT}-1
data:
  tls.key: {PLANT_B64}
---
{BETA_INGRESS}""",
    # the manifest view skipped JSON with \\u escapes
    "escaped.json": json.dumps({"apiVersion": "v1", "kind": "Secret", "metadata": {"name": "esc\U0001F600"},
                                "stringData": {"token": f"{PLANT}-2 \U0001F600"}}) + "\n",
    # ... and a Secret that fails validation placed after an Ingress
    "invalid-after.yaml": f"""{V1_INGRESS}---
apiVersion: v1
kind: Secret
metadata: {{name: new-tls}}
immutable: "yes"
type: kubernetes.io/tls
stringData:
  tls.crt: |
    {PLANT}-3
  tls.key: {PLANT}-4
---
{SERVICE}""",
    # a broken file: the part after the syntax error cannot be parsed, and is blanked by indentation
    "broken-later.yaml": f"""{SERVICE}---
apiVersion: v1
kind: Secret
metadata: {{name: broken}}
stringData:
  password: {PLANT}-5
  extra: [unclosed
""",
    # values that the loader refuses: the messages must not quote them
    "bad-values.yaml": f"""\
apiVersion: v1
kind: Secret
metadata: {{name: tagged}}
data:
  a: !!int {PLANT}-6
---
apiVersion: v1
kind: Secret
metadata: {{name: twice}}
stringData:
  k: {PLANT}-7
  k: {PLANT}-8
---
{BETA_INGRESS.replace("name: old", "name: old2").replace("old.example.com", "old2.example.com")}""",
}


def leaks(text: str) -> list[str]:
    return [value for value in (PLANT, PLANT_B64, PLANT_B64[:16]) if value in text]


@pytest.fixture
def traps(tmp_path):
    for name, text in TRAPS.items():
        (tmp_path / name).write_text(text)
    assert all(leaks(text) for text in TRAPS.values())  # the grep finds them where they are
    return tmp_path


COMMANDS = [
    ["lint"], ["lint", "-o", "json"], ["lint", "-o", "sarif"], ["lint", "--controller", "gce"],
    ["route", "http://old.example.com/", "https://new.example.com/x"],
    ["route", "--trace", "-o", "json", "http://old.example.com/"],
    ["diagram"], ["diagram", "--format", "mermaid"], ["diagram", "--format", "dot"], ["diagram", "--format", "svg"],
    ["convert"], ["convert", "--controller", "gce"],
]


@pytest.mark.parametrize("argv", COMMANDS, ids=" ".join)
@pytest.mark.parametrize("trap", sorted(TRAPS))
def test_no_command_prints_a_planted_secret_value(traps, trap, argv, capsys):
    code = main([*argv, "-f", str(traps / trap)])
    out = capsys.readouterr()
    assert code in (0, 1, 2), out.err
    assert not leaks(out.out + out.err), out.out + out.err


@pytest.mark.parametrize("argv", COMMANDS, ids=" ".join)
def test_no_command_prints_it_for_the_directory_either(traps, argv, capsys):
    main([*argv, "-f", str(traps)])
    out = capsys.readouterr()
    assert out.out.strip() or out.err.strip()
    assert not leaks(out.out + out.err)


def test_convert_diff_still_shows_the_change_with_the_secret_blanked(traps, capsys):
    assert main(["convert", "-f", str(traps / "before-beta.yaml")]) == 0
    out = capsys.readouterr().out
    assert "+apiVersion: networking.k8s.io/v1\n" in out and "-apiVersion: networking.k8s.io/v1beta1" in out
    assert " data:\n" in out or "  tls.key: <redacted>" in out  # the context is there, the value is not
    assert not leaks(out)


def test_convert_to_stdout_writes_the_secret_redacted_and_says_so(traps, capsys, monkeypatch):
    import io
    import sys

    monkeypatch.setattr(sys, "stdin", io.TextIOWrapper(io.BytesIO(TRAPS["before-beta.yaml"].encode())))
    assert main(["convert", "-f", "-"]) == 0
    out = capsys.readouterr()
    assert "networking.k8s.io/v1\n" in out.out and "password: <redacted>" in out.out
    assert "Secret values are never printed" in out.err
    assert not leaks(out.out + out.err)


def test_convert_write_keeps_the_secret_in_the_file(traps):
    assert main(["convert", "-f", str(traps / "before-beta.yaml"), "--write"]) == 0
    text = (traps / "before-beta.yaml").read_text()
    assert f"password: {PLANT}-1" in text and "networking.k8s.io/v1\n" in text  # the user's own file, whole


def full_text(renderable) -> str:
    """All of what the manifest view holds, not only what fits on screen."""
    import io

    from rich.console import Console

    console = Console(width=400, file=io.StringIO(), record=True)
    console.print(renderable)
    return console.export_text()


async def test_the_manifest_view_of_every_row_holds_no_planted_value(traps):
    from explorer.tui.screens.explore import ExploreScreen
    from explorer.tui.widgets.manifest import ManifestView
    from tui_helpers import SIZE, loaded, make_app

    app = make_app(traps)
    shown: list[str] = []
    async with app.run_test(size=SIZE) as pilot:
        await loaded(pilot)
        screen = app.screen
        assert isinstance(screen, ExploreScreen)
        await pilot.press("m")
        for kind in ("ing", "svc", "secret"):  # the Ingress rows, then the other kinds' tables
            await pilot.press(":")
            await pilot.press(*kind, "enter")
            await pilot.pause()
            table = screen.table
            for row in range(table.row_count):
                table.move_cursor(row=row)
                await pilot.pause()
                shown.append(full_text(screen.query_one(ManifestView).query_one("#manifest-code").content))
    text = "\n".join(shown)
    assert "kind: Secret" in text and "<redacted>" in text  # the Secrets were on screen, their values not
    assert not leaks(text), leaks(text)

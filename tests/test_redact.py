"""Secret values are blanked in shown text, line numbers kept."""

from __future__ import annotations

from explorer.model import load_text
from conftest import DATA
from explorer.model.redact import MARKER, redact_secrets, redact_text, reveal

TEXT = """\
apiVersion: v1
kind: ConfigMap
metadata: {name: keep}
data:
  visible: "configmaps are not secret"
---
apiVersion: v1
kind: Secret
metadata:
  name: tls
type: kubernetes.io/tls
data:
  tls.crt: LS0tLS1CRUdJTi1DRVJU
  tls.key: LS0tLS1CRUdJTi1LRVk=
stringData:
  password: |
    hunter2
    second-line
  token: s3cr3t   # a comment
---
apiVersion: v1
kind: Secret
metadata: {name: flow}
data: {a: Zmxvdy12YWx1ZQ==}
"""


def test_secret_values_are_blanked_and_lines_kept():
    state = load_text(TEXT, "s.yaml")
    shown = redact_secrets(TEXT, "s.yaml", state.secrets.values())
    assert len(shown.split("\n")) == len(TEXT.split("\n"))
    for secret in ("LS0tLS1CRUdJTi1DRVJU", "LS0tLS1CRUdJTi1LRVk", "hunter2", "second-line", "s3cr3t",
                   "Zmxvdy12YWx1ZQ"):
        assert secret not in shown
    assert "configmaps are not secret" in shown  # other kinds are left alone
    lines = shown.split("\n")
    assert lines[12] == f"  tls.crt: {MARKER}" and lines[15] == f"  password: {MARKER}"
    assert lines[23] == f"data: {MARKER}"
    assert lines[19] == "---" and "kind: Secret" in lines[21]


def test_a_text_without_secrets_is_returned_as_is():
    # (This replaced "other files are untouched": redaction no longer takes the loaded Secrets, it reads the text.)
    text = TEXT.split("---")[0]
    assert redact_text(text) is text
    assert redact_text(TEXT.replace("Secret", "ConfigMap")) == TEXT.replace("Secret", "ConfigMap")


def blanked(text: str, *values: str) -> str:
    shown = redact_text(text)
    assert shown.count("\n") == text.count("\n")
    for value in values:
        assert value in text and value not in shown, (value, shown)
    return shown


def test_a_secret_that_fails_validation_after_an_ingress_is_blanked():
    text = (DATA / "routing" / "services.yaml").read_text() + (
        "---\napiVersion: v1\nkind: Secret\nmetadata: {name: bad}\nimmutable: \"yes\"\n"
        "stringData:\n  password: SEKRIT-INVALID-1\n")
    state = load_text(text, "s.yaml")
    assert not state.secrets  # refused by validation, so not loaded
    blanked(text, "SEKRIT-INVALID-1")


def test_json_with_unicode_escapes_is_blanked():
    text = ('{"apiVersion": "v1", "kind": "Secret", "metadata": {"name": "j\\ud83d\\ude00"},\n'
            ' "stringData": {"token": "SEKRIT-JSON-\\ud83d\\ude00-2"},\n "data": {"k": "U0VLUklU"}}\n')
    shown = blanked(text, "SEKRIT-JSON", "U0VLUklU")
    assert '"name": "j\\ud83d\\ude00"' in shown  # the rest is as written, escapes and all


def test_pretty_printed_json_and_a_list_of_secrets():
    import json

    secret_list = {"apiVersion": "v1", "kind": "SecretList", "items": [
        {"metadata": {"name": "a"}, "data": {"k": "SEKRIT-LIST-ITEM"}}]}
    text = json.dumps(secret_list, indent=2) + "\n"
    blanked(text, "SEKRIT-LIST-ITEM")
    state = load_text(text, "l.json")
    assert "SEKRIT" not in repr(state.objects[0].meta.raw)


def test_an_alias_into_secret_data_blanks_what_it_repeats():
    text = ("apiVersion: v1\nkind: Secret\nmetadata:\n  name: a\n  labels: {x: &pw SEKRIT-ANCHORED}\n"
            "stringData:\n  password: *pw\n")
    blanked(text, "SEKRIT-ANCHORED")


def test_after_a_syntax_error_data_blocks_are_blanked_by_indentation():
    text = ("apiVersion: v1\nkind: Secret\nmetadata: {name: a}\nstringData:\n  password: SEKRIT-BROKEN\n"
            "  cert: |\n    SEKRIT-BLOCK\n  : [\n")
    assert load_text(text, "b.yaml").problems  # it is broken
    blanked(text, "SEKRIT-BROKEN", "SEKRIT-BLOCK")
    flow = '{"apiVersion": "v1", "kind": "Secret", "data": {"k": "SEKRIT-FLOW"}, oops'
    blanked(flow, "SEKRIT-FLOW")


def test_loaded_secret_values_read_as_the_marker_everywhere():
    import json

    import yaml

    state = load_text(TEXT, "s.yaml")
    secret = state.secrets[("default", "tls")]
    raw = secret.meta.raw
    assert raw["data"]["tls.crt"] == MARKER and f"{raw['stringData']['token']}" == MARKER
    for shown in (repr(raw), str(raw), json.dumps(raw), yaml.safe_dump({s: dict(raw[s]) for s in ("data", "stringData")})):
        assert "hunter2" not in shown and "LS0tLS1CRUdJTi1DRVJU" not in shown
    assert reveal(raw["stringData"]["password"]) == "hunter2\nsecond-line\n"  # the proxy's certificate needs it
    assert secret.keys == ("password", "tls.crt", "tls.key", "token")

"""Secret values are blanked in shown text, line numbers kept."""

from __future__ import annotations

from explorer.model import load_text
from explorer.model.redact import MARKER, redact_secrets

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


def test_other_files_are_untouched():
    state = load_text(TEXT, "s.yaml")
    assert redact_secrets(TEXT, "other.yaml", state.secrets.values()) == TEXT

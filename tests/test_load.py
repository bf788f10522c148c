"""Loading manifests: sources, positions, normalisation and every kind of bad input."""

from __future__ import annotations

import time

import pytest

from conftest import DATA, SAMPLES, run_cli
from explorer.model import load, load_text
from explorer.model.fields import line_of

L = DATA / "load"


def messages(state) -> list[str]:
    return [str(p) for p in state.problems]


def test_article_manifests_load_with_a_deprecation_note():
    state = load([SAMPLES / "article"])
    assert state.summary() == "1 Ingress, 2 Service"
    (ingress,) = state.ingresses
    assert ingress.meta.api_version == "networking.k8s.io/v1beta1"
    assert ingress.spelled["service.name"] == "serviceName"
    paths = ingress.rules[0].paths
    assert [(p.path, p.path_type, p.path_type_given) for p in paths] == [
        ("/foo", "ImplementationSpecific", False), ("/bar", "ImplementationSpecific", False)]
    assert [str(p.backend) for p in paths] == ["my-nodeport-01:8080", "my-nodeport-02:8081"]
    (note,) = state.problems
    assert note.severity == "warning" and "no longer served" in note.message
    assert "networking.k8s.io/v1" in note.hint and "service.port.number" in note.hint
    assert str(note.location).endswith("article/02-ingress.yaml:2")


def test_v1beta1_spec_backend_becomes_default_backend():
    state = load([SAMPLES / "article-default-backend"])
    (ingress,) = state.ingresses
    assert str(ingress.default_backend) == "def-backend:80"
    assert ingress.default_backend.field == "spec.backend"
    assert ingress.rules[0].host == ""


def test_positions_of_objects_and_fields():
    state = load([SAMPLES / "article-v1"])
    (ingress,) = state.ingresses
    assert ingress.meta.location.line == 3
    second = ingress.rules[0].paths[1]
    assert second.location.line == 19 and second.field == "spec.rules[0].http.paths[1]"
    assert line_of(ingress.meta.raw, "spec.rules[0].http.paths[1].backend.service.port.number") == 25


def test_kubectl_list_is_unpacked_and_namespaces_kept():
    state = load([L / "kubectl-list.yaml"])
    assert {(o.meta.kind, o.meta.namespace) for o in state.objects} == {("Service", "shop"), ("Ingress", "shop")}
    svc = state.service("shop", "web")
    assert svc.ports[0].target_port == "http" and svc.ports[0].location.line == 13


def test_directories_are_read_recursively_skipping_hidden_and_other_files():
    state = load([L / "tree"])
    names = sorted(o.meta.name for o in state.objects)
    assert names == ["from-json", "shop", "web"]
    assert not state.problems


def test_namespace_default_and_override():
    text = "apiVersion: v1\nkind: Service\nmetadata: {name: a}\nspec: {ports: [{port: 80}]}\n"
    assert load_text(text, "a.yaml").objects[0].meta.namespace == "default"
    assert load_text(text, "a.yaml", namespace="team").objects[0].meta.namespace == "team"


def test_stdin_through_the_command():
    text = (SAMPLES / "article" / "01-nodeports.yaml").read_text() + "---\n" + \
        (SAMPLES / "article" / "02-ingress.yaml").read_text()
    result = run_cli("route", "-f", "-", "-o", "json", "http://foo-bar.com/foo", stdin=text)
    assert result.returncode == 0, result.stderr
    assert '"service": "my-nodeport-01"' in result.stdout
    assert "<stdin>:" in result.stderr  # the deprecation note names the source


@pytest.mark.parametrize("fixture, expected", [
    ("syntax-error.yaml", "syntax-error.yaml:8:6: error: YAML:"),
    ("wrong-type.yaml", 'wrong-type.yaml:7: error: Service/default/web: spec.ports[0].port: expected an integer, got string "eighty"'),
    ("unknown-field.yaml", 'unknown-field.yaml:9: error: Ingress/default/typo: unknown field "spec.roles" (did you mean spec.rules?)'),
    ("annotation-not-string.yaml", 'annotation-not-string.yaml:6: error: Ingress/default/https-only: metadata.annotations.kubernetes.io/ingress.allow-http: expected a string, got boolean false (quote the value: "false")'),
    ("utf16.yaml", "utf16.yaml:1: error: file is UTF-16"),
    ("latin1.yaml", "latin1.yaml:4:12: error: not valid UTF-8 (byte 0xe9)"),
    ("binary.yaml", "binary.yaml:1: error: file is binary"),
    ("empty.yaml", "empty.yaml: warning: file is empty"),
    ("missing-fields.yaml", "missing-fields.yaml:1: error: kind not set"),
])
def test_bad_input_is_a_message_with_a_location(fixture, expected):
    state = load([L / fixture])
    found = messages(state)
    assert any(expected in m for m in found), found


def test_one_bad_document_does_not_stop_the_others():
    state = load([L / "wrong-type.yaml"])
    assert [o.meta.name for o in state.objects] == ["still-loads"]
    assert state.skipped == 1 and "1 document skipped" in state.summary()


def test_missing_required_fields():
    state = load([L / "missing-fields.yaml"])
    found = messages(state)
    assert any("Service has no metadata.name" in m for m in found)
    assert any("missing-fields.yaml:17: error: Ingress/default/no-path-type: spec.rules[0].http.paths[0].pathType: "
               "Required value: pathType must be specified" in m for m in found), found
    assert state.skipped == 2 and len(state.ingresses) == 1


def test_alias_bomb_is_refused_quickly_and_the_next_document_loads():
    started = time.perf_counter()
    state = load([L / "alias-bomb.yaml"])
    assert time.perf_counter() - started < 10.0  # a runaway guard (an expanded bomb takes minutes), not a speed claim
    assert any("alias bomb" in m for m in messages(state))
    assert [o.meta.name for o in state.objects] == ["after-the-bomb"]


def test_duplicate_keys_are_refused_with_both_lines():
    state = load_text("apiVersion: v1\nkind: Service\nmetadata:\n  name: a\n  name: b\n", "dup.yaml")
    assert any('dup.yaml:5:3: error: YAML: mapping key "name" already defined at line 4' in m
               for m in messages(state))


def test_missing_file_is_a_usage_error_not_a_traceback():
    result = run_cli("route", "-f", "no/such/file.yaml", "http://x/")
    assert result.returncode == 2
    assert "no/such/file.yaml: error: no such file or directory" in result.stderr
    assert "Traceback" not in result.stderr


def test_secret_data_is_never_kept():
    text = ("apiVersion: v1\nkind: Secret\nmetadata: {name: tls}\ntype: kubernetes.io/tls\n"
            "data: {tls.crt: c2VjcmV0, tls.key: c2VjcmV0}\n")
    (secret,) = load_text(text, "s.yaml").objects
    assert secret.keys == ("tls.crt", "tls.key") and secret.type == "kubernetes.io/tls"
    assert "c2VjcmV0" not in repr(secret.__class__.__dataclass_fields__)
    assert not hasattr(secret, "data")


def test_unknown_kinds_are_kept_and_listed():
    text = "apiVersion: cloud.google.com/v1\nkind: BackendConfig\nmetadata: {name: hc}\nspec: {}\n"
    state = load_text(text, "bc.yaml")
    assert [o.meta.ref for o in state.others] == ["BackendConfig/default/hc"]


def test_json_that_yaml_cannot_read_still_loads(tmp_path):
    # json.dumps escapes non-BMP characters as surrogate pairs, which YAML parsers refuse.
    path = tmp_path / "svc.json"
    path.write_text('{"apiVersion": "v1", "kind": "Service", "metadata": {"name": "emoji", '
                    '"annotations": {"note": "\\ud83d\\ude00"}}, "spec": {"ports": [{"port": 80}]}}')
    state = load([path])
    (svc,) = state.objects
    assert svc.meta.annotations["note"] == "\U0001F600" and not state.problems


def test_texts_in_memory_load_like_files():
    a = (SAMPLES / "article" / "01-nodeports.yaml").read_text()
    b = (SAMPLES / "article" / "02-ingress.yaml").read_text()
    from explorer.model import load_texts

    state = load_texts({"a.yaml": a, "b.yaml": b, "again.yaml": a})
    assert state.summary() == "1 Ingress, 2 Service"
    assert [o.meta.order for o in state.objects] == sorted(o.meta.order for o in state.objects)
    assert sum("is defined again" in p.message for p in state.problems) == 2


def test_loading_leaves_the_garbage_collector_to_the_program() -> None:
    """The library does not tune the collector; the CLI and the TUI do (commands/collector.py, tui.gcpause.gc_paused).

    It used to pause and freeze it for the whole process, which kept a dropped
    snapshot alive once routing had given it a reference cycle.
    """
    import gc

    assert gc.isenabled()
    passes: list[int] = []

    def count(phase: str, info: dict[str, int]) -> None:
        if phase == "start":
            passes.append(info["generation"])

    gc.collect()
    frozen_before = gc.get_freeze_count()
    gc.callbacks.append(count)
    try:
        state = load([SAMPLES, DATA / "lint"])
    finally:
        gc.callbacks.remove(count)
    assert state.objects
    assert gc.isenabled() and gc.get_freeze_count() == frozen_before
    assert passes, "the collector never ran while loading: something still pauses it"
    del state
    assert gc.collect() == 0, "the loaded model held reference cycles: only the collector could free it"


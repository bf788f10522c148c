"""The lesson engine's parts: reading lessons strictly, applying solutions, language, purity, judging."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

from explorer.lessons.attempt import Attempt, remember, state_from_texts
from explorer.lessons.catalog import LessonError, load_catalog, load_lesson
from explorer.lessons.checks import check_step, judge_certificate, judge_response
from explorer.lessons.patch import PatchError, apply_solution, describe, merge_patch, without
from explorer.lessons.spec import Add, Patch, Recreate, Remove, RequestCheck, TLSCheck
from explorer.lessons.text import language_from_env
from explorer.routing import GCE, NGINX

ROOT = Path(__file__).resolve().parent.parent
DATA = Path(__file__).resolve().parent / "data" / "lessons"


# ------------------------------------------------------------------ reading lessons


@pytest.mark.parametrize("name, where, says", [
    ("unknown-check", "lesson.yaml:18", "unknown check; did you mean route?"),
    ("missing-japanese", "lesson.yaml:9", "steps[0].title.ja: missing or empty"),
    ("bad-profile", "lesson.yaml:3", "unknown controller 'haproxy'"),
    ("typo-field", "lesson.yaml:12", "steps[0].hint: unknown field; did you mean hints?"),
    ("missing-start", "lesson.yaml:6", "no such file"),
    ("route-without-expectation", "lesson.yaml:18", "say either service"),
    ("gateway-route-check", "lesson.yaml:18", "check a Gateway with request checks"),
])
def test_a_broken_lesson_says_file_line_and_what_to_write(name, where, says):
    with pytest.raises(LessonError) as caught:
        load_lesson(DATA / name)
    message = str(caught.value)
    assert f"{name}/{where}" in message and says in message


def test_a_broken_lesson_is_left_out_and_the_others_load(tmp_path):
    for name in ("unknown-check", "good"):
        (tmp_path / name).mkdir()
        for file in (DATA / name).rglob("*"):
            if file.is_file():
                target = tmp_path / name / file.relative_to(DATA / name)
                target.parent.mkdir(parents=True, exist_ok=True)
                target.write_bytes(file.read_bytes())
    catalog = load_catalog(tmp_path)
    assert [lesson.id for lesson in catalog.lessons] == ["good"]
    assert len(catalog.problems) == 1 and "unknown-check/lesson.yaml:18" in catalog.problems[0]


def test_lessons_are_found_by_id_or_by_number():
    catalog = load_catalog()
    assert catalog.find("9") is catalog.get("health-checks")
    assert catalog.find("tls").order == 7
    assert catalog.find("99") is None


# ------------------------------------------------------------------ solutions


TWO_DOCS = """\
# the app (a comment the learner wrote)
apiVersion: v1
kind: Service
metadata:
  name: web
spec:
  selector:
    app: wbe
  ports:
    - port: 80
--- # the Ingress
apiVersion: networking.k8s.io/v1
kind: Ingress
metadata:
  name: web   # keep me
spec:
  defaultBackend: {service: {name: web, port: {number: 80}}}
"""


def test_a_patch_rewrites_only_its_document_and_keeps_the_others_with_their_comments():
    applied = apply_solution({"a.yaml": TWO_DOCS}, (Patch("Service/web", {"spec": {"selector": {"app": "web"}}}),))
    text = applied.texts["a.yaml"]
    assert text.startswith("# the app (a comment the learner wrote)\napiVersion: v1\n")
    assert "app: web\n" in text and "wbe" not in text
    assert "name: web   # keep me" in text  # the Ingress document is untouched
    state = state_from_texts(applied.texts)
    assert not state.problems and state.service("default", "web").selector == {"app": "web"}


def test_merge_patch_follows_rfc_7386():
    assert merge_patch({"a": 1, "b": {"c": 2, "d": 3}}, {"b": {"c": None, "e": 4}, "f": [1]}) == \
        {"a": 1, "b": {"d": 3, "e": 4}, "f": [1]}
    assert merge_patch({"list": [1, 2]}, {"list": [3]}) == {"list": [3]}  # lists are replaced


def test_add_remove_recreate_and_a_missing_target():
    texts = {"a.yaml": TWO_DOCS}
    added = apply_solution(texts, (Add("b.yaml", {"apiVersion": "v1", "kind": "ConfigMap",
                                                   "metadata": {"name": "x"}}),))
    assert added.texts["b.yaml"].startswith("apiVersion: v1\nkind: ConfigMap")
    removed = apply_solution(texts, (Remove("Ingress/web"),))
    assert "Ingress" not in removed.texts["a.yaml"] and "kind: Service" in removed.texts["a.yaml"]
    recreated = apply_solution(texts, (Recreate("Ingress/web"),))
    assert recreated.texts == texts and recreated.recreated == ["Ingress/web"]
    assert "kind: Ingress" not in without(texts, "Ingress/web")["a.yaml"]
    with pytest.raises(PatchError, match="Ingress/gone is not in the lesson's files"):
        apply_solution(texts, (Patch("Ingress/gone", {}),))


def test_a_solution_is_described_as_yaml_with_multiline_values_as_blocks():
    text = describe(Patch("Secret/tls", {"stringData": {"tls.crt": "-----BEGIN\nabc\n-----END\n"}}))
    assert text.startswith("# in Secret/tls") and "tls.crt: |\n    -----BEGIN\n" in text


# ------------------------------------------------------------------ language


@pytest.mark.parametrize("env, lang", [
    ({"LANG": "ja_JP.UTF-8"}, "ja"),
    ({"LANG": "ja"}, "ja"),
    ({"LANG": "en_US.UTF-8"}, "en"),
    ({"LANG": "C"}, "en"),
    ({"LANG": "de_DE.UTF-8"}, "en"),
    ({}, "en"),
    ({"LANG": "ja_JP.UTF-8", "LC_ALL": "en_GB.UTF-8"}, "en"),
    ({"LANG": "en_US.UTF-8", "LC_MESSAGES": "ja_JP.eucJP"}, "ja"),
])
def test_language_defaults_from_the_locale(env, lang):
    assert language_from_env(env) == lang


# ------------------------------------------------------------------ purity and judging


def test_the_checking_half_imports_no_framework_and_no_edge():
    forbidden = ("textual", "aiohttp", "kubernetes", "explorer.tui", "explorer.proxy", "explorer.sim",
                 "explorer.live", "explorer.cli", "explorer.commands")
    for path in sorted((ROOT / "explorer" / "lessons").glob("*.py")):
        if path.name == "runner.py":  # the edge: it starts the proxy, importing it lazily
            continue
        for node in ast.walk(ast.parse(path.read_text())):
            names = [a.name for a in node.names] if isinstance(node, ast.Import) else \
                [node.module or ""] if isinstance(node, ast.ImportFrom) else []
            for name in names:
                assert not name.startswith(forbidden), f"{path.name} imports {name}"
    runner = ast.parse((ROOT / "explorer" / "lessons" / "runner.py").read_text())
    top = [n for n in runner.body if isinstance(n, (ast.Import, ast.ImportFrom))]
    assert not any((getattr(n, "module", "") or "").startswith(("aiohttp", "explorer.proxy")) for n in top)


def test_proxy_checks_are_judged_from_what_was_seen_in_both_languages():
    check = RequestCheck("http://x/", 200, service="web")
    ok = judge_response(check, "ja", GCE, 200, "web-abc-1", "default/web:80", None)
    assert ok.passed and "プロキシ経由" in ok.expected
    wrong = judge_response(check, "en", GCE, 502, "-", "default/web:80", None)
    assert not wrong.passed and "expected 200, got 502" in wrong.reason and wrong.where == "backend default/web:80"
    other = judge_response(check, "en", GCE, 200, "api-1", "default/api:80", None)
    assert not other.passed and "not a Pod of Service web" in other.reason
    failed = judge_response(check, "ja", NGINX, None, "-", "-", None, "connection refused")
    assert not failed.passed and "リクエストが失敗" in failed.actual
    tls = TLSCheck("foo.example.com", "foo-tls")
    assert judge_certificate(tls, "en", GCE, b"der", b"der", ("foo.example.com",), "Secret default/foo-tls").passed
    mismatch = judge_certificate(tls, "ja", GCE, b"fake", b"der", ("foo.example.com",), "Secret default/old-tls",
                                 where="secrets.yaml:3")
    assert not mismatch.passed and mismatch.where == "secrets.yaml:3" and "Secret foo-tls" in mismatch.reason
    # the goal is the names a certificate covers: bar's certificate in foo's Secret fails, whatever the bytes
    names = TLSCheck("foo.example.com")
    wrong_names = judge_certificate(names, "en", GCE, b"der", None, ("bar.example.com",), "Secret default/foo-tls")
    assert not wrong_names.passed and "is for bar.example.com, not foo.example.com" in wrong_names.reason
    assert judge_certificate(names, "en", GCE, b"der", None, ("*.example.com",), "Secret default/wild").passed
    assert not judge_certificate(names, "en", GCE, b"der", None, ("*.foo.example.com",), "s").passed
    # a certificate the proxy made up for an unusable Secret covers the name, but no controller would serve it
    made_up = judge_certificate(names, "en", GCE, b"der", None, ("foo.example.com",),
                                "self-signed (Secret default/foo-tls holds no tls.crt and no tls.key)")
    assert not made_up.passed and "made one up" in made_up.reason
    fallback = TLSCheck("other.example.com", covers=False)
    assert judge_certificate(fallback, "en", GCE, b"der", None, ("foo.example.com",), "first certificate").passed


def test_a_request_check_sends_headers_and_a_body_and_judges_response_headers_without_showing_a_password():
    check = RequestCheck("http://x/admin", 401, method="POST", body_bytes=3 << 20,
                         headers=(("Authorization", "Basic YWRtaW46c2hvcC1hZG1pbi1wdw=="),),
                         response_headers=(("WWW-Authenticate", 'Basic realm="Shop admin"'),))
    asked = judge_response(check, "en", NGINX, 401, "-", "-", None, headers=(("www-authenticate", 'Basic realm="x"'),))
    assert not asked.passed and 'expected WWW-Authenticate: Basic realm="Shop admin"' in asked.reason
    assert "POST http://x/admin" in asked.expected and "a body of 3 MiB" in asked.expected
    assert "Authorization: Basic admin:…" in asked.expected and "shop-admin-pw" not in asked.expected
    assert "YWRt" not in asked.expected
    ok = judge_response(check, "ja", NGINX, 401, "-", "-", None,
                        headers=(("WWW-Authenticate", 'Basic realm="Shop admin"'),))
    assert ok.passed and "本文 3 MiB" in ok.expected
    missing = judge_response(check, "ja", NGINX, 401, "-", "-", None)
    assert not missing.passed and "WWW-Authenticate ヘッダーなし" in missing.reason


def test_history_decides_what_the_controller_does():
    """The same files, checked with and without the Ingress having existed before the probe."""
    lesson = load_catalog().get("health-checks")
    step = lesson.steps[1]  # after re-creation the check reads the probe
    start = lesson.start_texts()
    with_probe = apply_solution(start, lesson.steps[0].solution).texts
    created_before = check_step(step, Attempt(with_probe, [start]), "en")
    created_after = check_step(step, Attempt(with_probe, [without(start, "Ingress/web")]), "en")
    assert created_before.failures and created_after.failures == ()
    assert remember([start], start) == [start]  # applying the same files again adds nothing


def test_texts_are_reflowed_for_a_narrow_pane_keeping_lists_commands_and_manifests():
    from explorer.lessons.text import reflow

    text = "One line\nand its end.\n\n- an item\n  that goes on\n- another\n\n    curl -H 'Host: x' http://a/\n\n" \
           "metadata:\n  name: web\nspec:\n  rules: []"
    assert reflow(text, "en") == ("One line and its end.\n\n- an item that goes on\n- another\n\n"
                                  "    curl -H 'Host: x' http://a/\n\nmetadata:\n  name: web\nspec:\n  rules: []")
    assert reflow("これは\n日本語です。apiVersion は\nnetworking.k8s.io/v1、\nGKE", "ja") == \
        "これは日本語です。apiVersion は networking.k8s.io/v1、GKE"


def test_text_is_folded_by_display_width_between_words_or_japanese_characters():
    from explorer.lessons.text import wrap

    assert wrap("one two three four", 9) == "one two\nthree\nfour"
    folded = wrap("日本語の文章はどこでも折り返せます", 10).splitlines()
    assert folded == ["日本語の文", "章はどこで", "も折り返せ", "ます"]  # two cells per character
    assert wrap("    curl -H 'Host: a.example.com' http://127.0.0.1/", 10).count("\n") == 0  # commands stay


def test_every_finding_points_at_a_lesson_that_exists():
    from explorer.diagnostics.codes import CODES
    from explorer.lessons.catalog import load_catalog

    catalog = load_catalog()
    ids = {lesson.id for lesson in getattr(catalog, "lessons", catalog)}
    dangling = {code: c.lesson for code, c in CODES.items() if c.lesson and c.lesson not in ids}
    assert not dangling

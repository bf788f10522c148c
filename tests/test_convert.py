"""`convert`: v1beta1 Ingresses rewritten as networking.k8s.io/v1 route exactly as before.

The proof is behavioural: every sample is converted for a controller, loaded
again, and `route()` must give the same answer for every URL the rules
suggest (each path, just below it, beside it, with and without the trailing
slash, on every host and on hosts no rule names).
"""

from __future__ import annotations

import json
import re
import shutil
from pathlib import Path

import pytest
import yaml

from conftest import DATA, SAMPLES, run_cli
from explorer.model import ClusterState, load
from explorer.migrate.convert import choose_path_type, convert_text
from explorer.model.load import read_sources
from explorer.routing import GCE, NGINX, PROFILES, Request, route

C = DATA / "convert"
SOURCES = [
    SAMPLES / "article",
    SAMPLES / "article-default-backend",
    C / "extensions-mixed.yaml",
    C / "networking-default-backend.json",
    C / "ingress-list.yaml",
    C / "regex.yaml",
    C / "crlf.yaml",
]


def convert_into(source: Path, out: Path, controller: str) -> list:
    """Convert every file of `source` into `out` (same relative names); returns all notes."""
    notes = []
    for name, text, problem in read_sources(str(source), None):
        assert problem is None, problem
        result = convert_text(text, PROFILES[controller], name)
        notes += result.notes
        target = out / (Path(name).relative_to(source) if source.is_dir() else Path(name).name)
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(result.text, encoding="utf-8", newline="")
    return notes


def urls(state: ClusterState) -> list[str]:
    hosts = {"unknown.example.org"}
    paths = {"/", "/nothing", "/nothing/deeper"}
    for ingress in state.ingresses:
        for rule in ingress.rules:
            host = rule.host or "no-host.example.org"
            hosts.add(host.replace("*", "a"))
            if host.startswith("*."):
                hosts.add("a.b" + host[1:])
            for path in rule.paths or ():
                p = (path.path or "/").replace("*", "x")
                base = p.rstrip("/") or "/"
                paths.update({p, base, base + "/", base + "/x", base + "x", base.upper(), p + "/a/b"})
    return [f"{scheme}://{host}{path}" for host in sorted(hosts) for path in sorted(paths)
            for scheme in ("http", "https")]


def answer(state: ClusterState, profile, url: str, ingress: str | None) -> tuple:
    d = route(state, profile, Request.from_url(url), ingress)
    return (d.outcome, d.status, str(d.backend) if d.backend else None, d.ingress.meta.key if d.ingress else None,
            d.location, d.used_default_backend, d.upstream_path, d.load_balancer)


def differences(before: ClusterState, after: ClusterState, profile) -> list[str]:
    found = []
    for ingress in [None, *(i.meta.key for i in before.ingresses)]:
        for url in urls(before):
            old, new = answer(before, profile, url, ingress), answer(after, profile, url, ingress)
            if old != new:
                found.append(f"{url} (--ingress {ingress}): {old} -> {new}")
    return found


@pytest.mark.parametrize("controller", ["nginx", "gce"])
@pytest.mark.parametrize("source", SOURCES, ids=lambda p: p.name)
def test_route_answers_are_the_same_after_conversion(source, controller, tmp_path):
    before = load([source])
    assert any(i.is_beta for i in before.ingresses)
    convert_into(source, tmp_path, controller)
    after = load([tmp_path])
    assert [i.meta.api_version for i in after.ingresses] == ["networking.k8s.io/v1"] * len(before.ingresses)
    assert [p for p in after.problems if p.severity == "error"] == []
    assert not any("no longer served" in p.message for p in after.problems)
    assert len(urls(before)) > 20
    assert differences(before, after, PROFILES[controller]) == []


def test_the_comparison_sees_a_changed_route(tmp_path):
    """Converted for nginx, the article routes differently on GKE: the check above would notice."""
    notes = convert_into(SAMPLES / "article", tmp_path, "nginx")
    changed = differences(load([SAMPLES / "article"]), load([tmp_path]), GCE)
    assert any(url.startswith("http://foo-bar.com/foo/x ") for url in changed)
    warning = next(n for n in notes if n.severity == "warning")
    assert "GKE Ingress routes these paths differently now: /foo was exact, now a prefix" in warning.message


@pytest.mark.parametrize("path, profile, expected", [
    ("/foo", NGINX, "Prefix"),
    ("/foo/", NGINX, "Prefix"),
    ("/static/*", NGINX, "ImplementationSpecific"),  # the admission webhook refuses * in Prefix paths
    ("/api(/|$)(.*)", NGINX, "ImplementationSpecific"),
    ("/a//b", NGINX, "ImplementationSpecific"),  # the apiserver refuses // in Prefix paths
    ("/foo", GCE, "Exact"),
    ("/", GCE, "Exact"),  # GKE: / without pathType is only /
    ("/static/*", GCE, "ImplementationSpecific"),  # a URL-map glob: no v1 pathType says the same
    ("/a/./b", GCE, "ImplementationSpecific"),
    (None, NGINX, "Prefix"),
    ("", GCE, "Prefix"),
])
def test_path_type_choice(path, profile, expected):
    choice = choose_path_type(path, profile)
    assert choice.path_type == expected
    assert choice.path == ("/" if not path else None)


def test_article_keeps_its_comments_and_key_order():
    text = (SAMPLES / "article" / "02-ingress.yaml").read_text(encoding="utf-8")
    out = convert_text(text, NGINX).text
    assert out.splitlines()[10:17] == [
        "      - path: /foo",
        "        pathType: Prefix",
        "        backend:  # NodePortと紐づく",
        "          service:",
        "            name: my-nodeport-01  # NodePort名を指定",
        "            port:",
        "              number: 8080  # NodePortのPortを指定",
    ]


@pytest.mark.parametrize("source", [p for p in SOURCES if p.is_file()] + [SAMPLES / "article" / "02-ingress.yaml"],
                         ids=lambda p: p.name)
def test_every_comment_survives_and_keys_keep_their_order(source):
    text = source.read_bytes().decode("utf-8")
    out = convert_text(text, NGINX).text
    for comment in re.findall(r"#.*", text):
        assert comment in out
    for old, new in zip(yaml.safe_load_all(text), yaml.safe_load_all(out)):
        keys = [("defaultBackend" if k == "backend" else k) for k in old["spec"]] if "spec" in old else []
        assert list(old) == list(new)
        assert keys == (list(new["spec"]) if "spec" in new else [])


@pytest.mark.parametrize("source", SOURCES[2:], ids=lambda p: p.name)
def test_converting_twice_changes_nothing(source):
    once = convert_text(source.read_bytes().decode("utf-8"), GCE).text
    again = convert_text(once, GCE)
    assert again.text == once and again.converted == 0


def test_json_stays_json_and_crlf_stays_crlf():
    out = convert_text((C / "networking-default-backend.json").read_text(), NGINX).text
    ingress = json.loads(out)["items"][1]
    assert ingress["spec"]["defaultBackend"] == {"service": {"name": "app", "port": {"name": "web"}}}
    assert ingress["spec"]["rules"][0]["http"]["paths"][1]["path"] == "/"
    crlf = convert_text((C / "crlf.yaml").read_bytes().decode(), NGINX).text
    assert "pathType: Prefix\r\n" in crlf and crlf.count("\n") == crlf.count("\r\n")


def test_a_quoted_port_number_becomes_a_number_with_a_warning():
    result = convert_text((C / "string-port.yaml").read_text(), NGINX, "string-port.yaml")
    assert "number: 8080   # a string, not a number" in result.text
    assert any(n.severity == "warning" and 'servicePort "8080" is a string' in n.message for n in result.notes)


def test_an_ingress_that_cannot_be_converted_is_left_whole():
    text = (C / "broken" / "missing-port.yaml").read_text()
    result = convert_text(text, NGINX, "missing-port.yaml")
    assert result.text == text and result.failed
    assert str(result.notes[0]).startswith("missing-port.yaml:11: error: Ingress/half: backend cannot be converted: "
                                           "it has no servicePort")


def test_a_typed_list_converts_all_its_items_or_none():
    text = (C / "broken" / "ingress-list.yaml").read_text()
    result = convert_text(text, NGINX, "ingress-list.yaml")
    assert result.text == text
    assert result.notes[-1].message.startswith("IngressList left as it is")


# ------------------------------------------------------------------ the command


def test_command_prints_a_diff_and_writes_nothing_by_default(tmp_path):
    shutil.copytree(SAMPLES / "article", tmp_path / "article")
    before = (tmp_path / "article" / "02-ingress.yaml").read_text()
    result = run_cli("convert", "-f", str(tmp_path / "article"), "--controller", "gce")
    assert result.returncode == 0, result.stderr
    assert "-          serviceName: my-nodeport-01  # NodePort名を指定" in result.stdout
    assert "+        pathType: Exact" in result.stdout
    assert "ingress-nginx routes these paths differently now" in result.stderr
    assert "nothing written" in result.stderr
    assert (tmp_path / "article" / "02-ingress.yaml").read_text() == before


def test_command_write_rewrites_in_place(tmp_path):
    shutil.copytree(SAMPLES / "article-default-backend", tmp_path / "m")
    result = run_cli("convert", "-f", str(tmp_path / "m"), "--write")
    assert result.returncode == 0, result.stderr
    assert "defaultBackend:  # デフォルトのbackendの定義" in (tmp_path / "m" / "02-ingress.yaml").read_text()
    assert run_cli("convert", "-f", str(tmp_path / "m")).stdout == ""  # nothing left to convert


def test_command_output_dir_refuses_to_overwrite_without_write(tmp_path):
    out = tmp_path / "v1"
    first = run_cli("convert", "-f", str(SAMPLES / "article"), "-o", str(out))
    assert first.returncode == 0, first.stderr
    assert sorted(p.name for p in out.iterdir()) == ["01-nodeports.yaml", "02-ingress.yaml"]
    (out / "02-ingress.yaml").write_text("mine\n")
    again = run_cli("convert", "-f", str(SAMPLES / "article"), "-o", str(out))
    assert again.returncode == 2 and "already exist" in again.stderr
    assert (out / "02-ingress.yaml").read_text() == "mine\n"
    forced = run_cli("convert", "-f", str(SAMPLES / "article"), "-o", str(out), "--write")
    assert forced.returncode == 0
    assert "networking.k8s.io/v1\n" in (out / "02-ingress.yaml").read_text()


def test_command_reads_stdin_and_prints_the_manifest():
    text = (SAMPLES / "article" / "02-ingress.yaml").read_text()
    result = run_cli("convert", "-f", "-", stdin=text)
    assert result.returncode == 0
    assert result.stdout == convert_text(text, NGINX).text
    assert run_cli("convert", "-f", "-", "--write", stdin=text).returncode == 2


def test_command_exit_status_when_an_ingress_cannot_be_converted():
    result = run_cli("convert", "-f", str(C / "broken"))
    assert result.returncode == 1
    assert "missing-port.yaml:11: error" in result.stderr and result.stdout == ""


def test_the_linear_diff_is_difflibs_unified_diff():
    """convert finds changed lines from its own edits (difflib over a whole file was most of its time on 5,000
    Ingresses); the output must still be exactly what difflib.unified_diff prints."""
    import difflib

    from explorer.commands.convert import _lines, _unified
    from explorer.migrate.convert import convert_text

    files = sorted([*SAMPLES.rglob("*.yaml"), *C.rglob("*.yaml"), *C.rglob("*.json")])
    compared = 0
    for path in files:
        text = path.read_text()
        for profile in (NGINX, GCE):
            result = convert_text(text, profile, str(path))
            if result.text == text:
                continue
            before, after = _lines(result.shown_before), _lines(result.shown_after)
            assert _unified(before, after, str(path), result.line_changes) == list(
                difflib.unified_diff(before, after, f"a/{path}", f"b/{path}")), path
            compared += 1
    assert compared >= 10


def test_convert_proves_the_rewrite_routes_as_before_on_stderr() -> None:
    run = run_cli("convert", "-f", str(SAMPLES / "article"), "--controller", "gce")
    assert run.returncode == 0, run.stderr
    line = next(x for x in run.stderr.splitlines() if x.startswith("proof: "))
    assert line.endswith("probes through GKE Ingress, before and after: equivalent")
    assert int(line.split()[1]) > 20
    piped = run_cli("convert", "-f", "-", stdin=(SAMPLES / "article" / "02-ingress.yaml").read_text())
    assert piped.returncode == 0 and "proof: " in piped.stderr and "proof" not in piped.stdout
    yaml.safe_load_all(piped.stdout)


@pytest.mark.parametrize("controller", ["nginx", "gce"])
def test_convert_proof_names_a_wrong_path_type(controller: str) -> None:
    """Hand-edit the converted text the way a careless converter would: the proof must name each request."""
    from explorer.migrate.proof import prove_conversion
    from explorer.model.load import load_texts

    name = str(SAMPLES / "article" / "02-ingress.yaml")
    services = {str(SAMPLES / "article" / "01-nodeports.yaml"): (SAMPLES / "article" / "01-nodeports.yaml").read_text()}
    text = Path(name).read_text()
    profile = PROFILES[controller]
    converted = convert_text(text, profile, name).text
    wrong = converted.replace("pathType: Exact", "pathType: Prefix") if controller == "gce" else \
        converted.replace("pathType: Prefix", "pathType: Exact")
    assert wrong != converted
    before, after = load_texts({**services, name: text}), load_texts({**services, name: wrong})
    assert prove_conversion(before, load_texts({**services, name: converted}), profile).equivalent
    proof = prove_conversion(before, after, profile)
    by_url = {d.url: d for d in proof.differences}
    below = by_url["http://foo-bar.com/foo/below"]
    if controller == "gce":  # /foo was exact on GKE: Prefix now forwards below it
        assert below.before["status"] == 404 and below.after["backend"]["service"] == "my-nodeport-01"
    else:  # /foo was a prefix on nginx: Exact now answers 404 below it
        assert below.before["backend"]["service"] == "my-nodeport-01" and below.after["status"] == 404
    assert below.what == "answer"
    assert "spec.rules[0].http.paths[0]" in below.cause and "once converted" in below.cause
    assert "http://foo-bar.com/foo" not in by_url  # the path itself answers alike

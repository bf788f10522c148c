"""diagnostics.check over real manifests: one fixture per defect, and setups that must be clean.

Each file in tests/data/lint/bad/ holds exactly one defect and says in its
header what it must produce:

    # controller: gce          (auto when absent; nginx, gce, auto or none)
    # with: web                (also load tests/data/lint/common/web.yaml, first)
    # expect: IE3002 error spec.rules[0].http.paths[0].backend.service.port.number

The findings must be exactly the expected (code, severity, field) triples:
a fixture with one defect must not set off anything else. Files in good/
name the controllers they must be clean for, with no finding at all.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from explorer.diagnostics import CODES, SEVERITIES, Finding, check
from explorer.diagnostics.loading import code_for
from explorer.model import load, load_text
from explorer.model.location import Location, Problem
from explorer.routing.profile import GCE, NGINX, get_profile

ROOT = Path(__file__).resolve().parent.parent
DATA = ROOT / "tests" / "data" / "lint"
WEB = DATA / "common" / "web.yaml"
SAMPLES = ROOT / "explorer" / "data" / "sample-manifests"

#: Fixtures that cannot carry a header (an empty file, a binary file).
HEADERLESS = {
    "IE1002-binary.yaml": [("IE1002", "error", "")],
    "IE1003-empty.yaml": [("IE1003", "warning", "")],
}


def _choice(name: str):
    if name == "none":
        return None
    return "auto" if name == "auto" else get_profile(name)


def _header(path: Path) -> tuple[str, bool, list[tuple[str, str, str]]]:
    if path.name in HEADERLESS:
        return "auto", False, HEADERLESS[path.name]
    text = path.read_text()
    controller = re.search(r"^# controller: (\S+)", text, re.M)
    expected = [(code, severity, "" if field == "-" else field)
                for code, severity, field in re.findall(r"^# expect: (\S+) (\S+) (\S+)", text, re.M)]
    assert expected, f"{path.name} states no expectation"
    return (controller.group(1) if controller else "auto"), bool(re.search(r"^# with: web", text, re.M)), expected


def _run(path: Path, controller: str, with_web: bool) -> list[Finding]:
    sources = [WEB, path] if with_web else [path]
    return check(load(sources), _choice(controller))


BAD = sorted((DATA / "bad").iterdir())


@pytest.mark.parametrize("path", BAD, ids=[p.stem for p in BAD])
def test_each_defect_gives_exactly_its_finding(path: Path) -> None:
    controller, with_web, expected = _header(path)
    findings = _run(path, controller, with_web)
    got = sorted((f.code, f.severity, f.field) for f in findings)
    assert got == sorted(expected), "\n".join(str(f) for f in findings)
    for finding in findings:
        assert finding.location.file.endswith(path.name), finding
        assert finding.message and finding.code in CODES
        if finding.severity != "info" and finding.code not in ("IE1002", "IE1003"):
            assert finding.location.line > 0 and finding.hint, finding


def test_every_code_has_a_fixture() -> None:
    """The fixture file names start with the code they test; every published code has one."""
    covered = {p.name.split("-", 1)[0] for p in BAD}
    covered |= {"IE1011"}  # comes with the IE1010 Ingress fixture
    untested = set(CODES) - covered - {"IE1000"}  # IE1000: the fallback, tested below
    assert not untested, sorted(untested)


GOOD = sorted((DATA / "good").iterdir())


def _good_cases():
    for path in GOOD:
        text = path.read_text()
        controllers = re.search(r"^# clean for: (.+)$", text, re.M)
        assert controllers, f"{path.name} says for which controllers it is clean"
        for controller in controllers.group(1).split():
            yield pytest.param(path, controller, id=f"{path.stem}-{controller}")


@pytest.mark.parametrize("path,controller", list(_good_cases()))
def test_correct_setups_give_no_finding(path: Path, controller: str) -> None:
    findings = check(load([path]), _choice(controller))
    assert findings == [], "\n".join(str(f) for f in findings)


def test_there_are_at_least_fifteen_correct_setups_for_both_profiles() -> None:
    cases = list(_good_cases())
    assert len(GOOD) >= 15
    assert {c.values[1] for c in cases} >= {"nginx", "gce", "auto"}


# ---------------------------------------------------------------- the article's manifests


@pytest.mark.parametrize("controller", ["nginx", "gce", "auto"])
def test_article_v1_has_no_error_or_warning(controller: str) -> None:
    findings = check(load([SAMPLES / "article-v1"]), _choice(controller))
    assert [f for f in findings if f.severity != "info"] == [], "\n".join(map(str, findings))


def test_article_v1beta1_says_how_to_write_it_in_v1_field_by_field() -> None:
    findings = check(load([SAMPLES / "article"]), "auto")
    removed = [f for f in findings if f.code == "IE1010"]
    assert len(removed) == 1 and removed[0].severity == "warning"
    assert removed[0].field == "apiVersion" and removed[0].location.line == 2
    assert "networking.k8s.io/v1" in removed[0].hint
    notes = {(f.field, f.location.line): f.hint for f in findings if f.code == "IE1011"}
    assert notes[("spec.rules[0].http.paths[0].backend", 12)] == (
        "write backend: {service: {name: my-nodeport-01, port: {number: 8080}}}")
    assert notes[("spec.rules[0].http.paths[1].backend", 16)] == (
        "write backend: {service: {name: my-nodeport-02, port: {number: 8081}}}")
    assert "pathType: Prefix" in notes[("spec.rules[0].http.paths[0].pathType", 11)]
    assert not [f for f in findings if f.severity == "error"]


def test_article_default_backend_translates_spec_backend() -> None:
    findings = check(load([SAMPLES / "article-default-backend"]), None)
    note = next(f for f in findings if f.code == "IE1011" and f.field == "spec.backend")
    assert note.hint == "write spec.defaultBackend: {service: {name: def-backend, port: {number: 80}}}"
    missing = next(f for f in findings if f.code == "IE3001")  # the article never defines def-backend
    assert missing.field == "spec.backend.serviceName" and missing.severity == "error"


# ---------------------------------------------------------------- rules worth a closer look


def test_port_hint_explains_target_port_versus_service_port() -> None:
    findings = _run(DATA / "bad" / "IE3002-target-port.yaml", "auto", True)
    assert findings[0].message == 'could not find port "8080" in service "default/web"'
    assert "targetPort of Service port 80" in findings[0].hint and "port.number: 80" in findings[0].hint


def test_unnamed_service_port_never_matches_a_name() -> None:
    findings = _run(DATA / "bad" / "IE3002-unnamed-port.yaml", "auto", False)
    assert "has no name, so it matches only by number" in findings[0].hint


def test_gke_cluster_ip_message_is_the_controllers_own() -> None:
    findings = _run(DATA / "bad" / "IE6001-clusterip-gce.yaml", "gce", False)
    assert findings[0].message.startswith(
        'service "default/web" is type "ClusterIP", expected "NodePort" or "LoadBalancer" when not using NEGs')


def test_neg_annotation_lifts_the_service_type_rule() -> None:
    text = (DATA / "bad" / "IE6001-clusterip-gce.yaml").read_text().replace(
        "  name: web\nspec:\n  type: ClusterIP",
        "  name: web\n  annotations:\n    cloud.google.com/neg: '{\"ingress\": true}'\nspec:\n  type: ClusterIP")
    assert "cloud.google.com/neg" in text
    assert check(load_text(text, "neg.yaml"), GCE) == []


def test_same_path_refused_by_both_controllers_in_their_own_words() -> None:
    """Prefix /api/* is refused by GKE's translator and by ingress-nginx's webhook, differently worded."""
    gce_text = (DATA / "bad" / "IE6003-prefix-wildcard.yaml").read_text()
    nginx_text = gce_text.replace('  annotations:\n    kubernetes.io/ingress.class: "gce"\n', "").replace(
        "spec:\n  rules:", "spec:\n  ingressClassName: nginx\n  rules:")
    web = WEB.read_text() + "---\n"
    gce = check(load_text(web + gce_text, "gce.yaml"), GCE)
    nginx = check(load_text(web + nginx_text, "nginx.yaml"), NGINX)
    assert [f.code for f in gce] == ["IE6003"]
    assert gce[0].message == "failed to validate prefix path /api/* due to invalid wildcard"
    assert [f.code for f in nginx] == ["IE6004"]
    assert nginx[0].message == "path /api/* cannot be used with pathType Prefix"


def test_neutral_check_runs_no_controller_rules() -> None:
    state = load([WEB, DATA / "bad" / "IE6003-prefix-wildcard.yaml"])
    assert check(state, None) == []


def test_annotation_finding_points_at_the_annotation_line() -> None:
    path = DATA / "bad" / "IE1007-annotation-bool.yaml"
    finding = _run(path, "gce", True)[0]
    line = path.read_text().splitlines()[finding.location.line - 1]
    assert "allow-http: false" in line
    assert finding.hint == 'quote the value: "false"; the object was not loaded, so nothing else was checked on it'


def test_findings_are_sorted_by_file_and_line_and_unique() -> None:
    state = load([DATA / "bad"])
    findings = check(state, "auto")
    assert findings == sorted(findings, key=Finding.sort_key)
    keys = [(f.code, f.object, f.field, f.location, f.message) for f in findings]
    assert len(keys) == len(set(keys))


@pytest.mark.parametrize("message,field,code", [
    ("YAML: mapping values are not allowed here", "", "IE1001"),
    ("file is empty", "", "IE1003"),
    ("no such file or directory", "", "IE1002"),
    ("Ingress has no metadata.name", "metadata.name", "IE1004"),
    ('unknown field "spec.roles"', "spec.roles", "IE1005"),
    ("expected a string, got boolean false", "metadata.annotations.x", "IE1007"),
    ("expected a string, got integer 1", "spec.template.metadata.labels.tier", "IE1007"),
    ("expected an integer, got string \"80\"", "spec.ports[0].port", "IE1006"),
    ("Ingress default/x is defined again; this definition replaces the one at a:1", "", "IE1008"),
    ("IngressClass is cluster-scoped; metadata.namespace is ignored", "metadata.namespace", "IE1009"),
    ("networking.k8s.io/v1beta1 Ingress is no longer served (removed in Kubernetes 1.22)", "apiVersion", "IE1010"),
    ("Required value: pathType must be specified", "x.pathType", "IE2001"),
    ('Unsupported value: "prefix": supported values: "Exact"', "x.pathType", "IE2002"),
    ("Required value: http.paths must list at least one path", "x.http.paths", "IE2008"),
    ("Invalid value: either `backend` or `rules` must be specified", "spec", "IE2009"),
    ("Required value: resource or service backend is required", "x.backend", "IE2010"),
    ("Required value: servicePort is required", "x.servicePort", "IE2011"),
    ("Required value: serviceName is required", "x.serviceName", "IE2014"),
    ("Required value: port is required", "spec.ports[0].port", "IE4003"),
    ("something the loader says one day", "", "IE1000"),
])
def test_loader_problems_get_the_code_of_their_concept(message: str, field: str, code: str) -> None:
    assert code_for(Problem(Location("f.yaml", 1), message, field=field)) == code


def test_codes_table_is_consistent_with_the_docs() -> None:
    docs = (ROOT / "docs" / "findings.md").read_text()
    for code in CODES.values():
        row = re.search(rf"^\| {code.code} \| (\w+) \|", docs, re.M)
        assert row, f"{code.code} is missing from docs/findings.md"
        assert row.group(1) == code.severity, code.code
        assert code.severity in SEVERITIES


def test_workloads_for_agrees_with_a_plain_scan() -> None:
    """The label index the checks select Pods through gives what scanning every workload gives."""
    for state in (load([DATA]), load([SAMPLES])):
        assert state.services
        for service in state.services.values():
            scanned = [w for w in state.workloads
                       if service.selector and w.meta.namespace == service.meta.namespace
                       and service.selector.items() <= w.template.labels.items()]
            assert state.workloads_for(service) == scanned, service.meta.ref


def test_missing_service_suggestions_stop_at_their_budget_and_stay_in_order() -> None:
    """Did-you-mean compares with every Service of the namespace; a dump of broken backends must not take minutes."""
    from explorer.diagnostics.backends import ServiceNames
    from explorer.model import load_texts

    services = "".join(f"---\napiVersion: v1\nkind: Service\nmetadata: {{name: shop-{i}}}\nspec:\n"
                       f"  ports: [{{port: 80}}]\n" for i in range(10))
    state = load_texts({"s.yaml": services})
    names = ServiceNames(state, budget=25)
    assert names.close_to("default", "shop-1x") == "shop-1"
    assert names.close_to("default", "shop-2x") == "shop-2"
    assert names.close_to("default", "shop-3x") is None  # 10 + 10 spent; 10 more would pass the budget
    assert names.close_to("default", "shop-1x") == "shop-1"  # asked before: remembered, costs nothing
    assert names.close_to("elsewhere", "shop-1x") is None


# ---------------------------------------------------------------- stage


def test_the_docs_table_has_each_codes_stage() -> None:
    from explorer.diagnostics.finding import STAGES

    docs = (ROOT / "docs" / "findings.md").read_text()
    for code in CODES.values():
        row = re.search(rf"^\| {code.code} \| (\w+) \| (\w+) \|", docs, re.M)
        assert row and row.group(2) == code.stage, code.code
        assert code.stage in STAGES


#: (code, stage) a check may give instead of the code's own, each said in docs/findings.md.
_STAGE_OVERRIDES = {("IE3001", "risky"), ("IE3003", "risky"), ("IE2021", "broken"), ("IE3004", "broken"),
                    ("IE3201", "risky")}


def test_findings_carry_their_codes_stage_or_a_documented_one() -> None:
    docs = (ROOT / "docs" / "findings.md").read_text()
    found = []
    for path in [*BAD, *sorted((DATA / "realworld").iterdir())]:
        state = load([WEB, path])
        found += check(state, "auto") + check(state, GCE) + check(state, NGINX)
    assert len({f.code for f in found}) > 60
    for finding in found:
        if finding.stage != CODES[finding.code].stage:
            assert (finding.code, finding.stage) in _STAGE_OVERRIDES, finding
            assert re.search(rf"^- {finding.code} is .*\(stage {finding.stage}\)", docs, re.M), finding.code


def test_lint_knows_the_same_severities() -> None:
    from explorer.commands import lint

    assert lint.SEVERITIES == SEVERITIES

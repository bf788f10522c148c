"""lint on bundles shaped like the public repositories' (tests/data/lint/realworld/): no false alarm, no miss.

Each test names the false alarm or the miss it pins, as issue 20 listed them
from 94 real bundles; the fixtures are written the way those repositories
write them (kubernetes/examples, EKS, AKS and GKE samples, Helm charts).
"""

from __future__ import annotations

from pathlib import Path

from explorer.diagnostics import Finding, check
from explorer.model import load, load_text
from explorer.model.schema import kubernetes_version

ROOT = Path(__file__).resolve().parent.parent
REAL = ROOT / "tests" / "data" / "lint" / "realworld"


def findings(name: str, controller: object = "auto") -> list[Finding]:
    return check(load([REAL / name]), controller)  # type: ignore[arg-type]


def codes(found: list[Finding]) -> list[tuple[str, str, str]]:
    return sorted((f.code, f.severity, f.stage) for f in found)


# ---------------------------------------------------------------- false alarms


def test_replication_controllers_are_workloads() -> None:
    found = findings("guestbook-rc.yaml")
    assert found == [], "\n".join(map(str, found))  # no IE3003 "no Pods or workloads are loaded"


def test_classes_of_controllers_not_modelled_are_named_not_missing() -> None:
    found = findings("third-party-classes.yaml")
    assert codes(found) == [("IE5005", "info", "risky")] * 3
    by_ingress = {f.object: f.message for f in found}
    assert "AWS Load Balancer Controller" in by_ingress["Ingress/default/web-alb"]
    assert "HAProxy Ingress" in by_ingress["Ingress/default/web-haproxy"]
    assert "Application Gateway Ingress Controller" in by_ingress["Ingress/default/web-agic"]
    assert all("does not model" in message for message in by_ingress.values())


def test_an_installed_class_of_another_controller_is_named_by_its_controller(tmp_path: Path) -> None:
    text = (REAL / "third-party-classes.yaml").read_text() + """---
apiVersion: networking.k8s.io/v1
kind: IngressClass
metadata:
  name: haproxy
spec:
  controller: haproxy-ingress.github.io/controller
"""
    (tmp_path / "bundle.yaml").write_text(text)
    found = [f for f in check(load([tmp_path]), "auto") if f.object == "Ingress/default/web-haproxy"]
    assert [f.code for f in found] == ["IE5005"]
    assert "haproxy-ingress.github.io/controller" in found[0].message


def test_gce_and_gce_internal_ingresses_are_two_load_balancers() -> None:
    assert findings("gke-external-internal.yaml") == []  # no IE3201


def test_gce_ingresses_of_one_class_still_compare() -> None:
    text = (REAL / "gke-external-internal.yaml").read_text().replace("gce-internal", "gce")
    found = check(load_text(text, "same-class.yaml"), "auto")
    assert codes(found) == [("IE3201", "warning", "risky")]


def test_an_opaque_secret_with_tls_keys_is_only_a_remark() -> None:
    assert codes(findings("tls-opaque.yaml")) == [("IE3102", "info", "risky")]


def test_no_service_loaded_at_all_is_not_checked_rather_than_missing() -> None:
    found = findings("ingress-only.yaml")
    assert codes(found) == [("IE3001", "info", "risky")] * 2
    assert all("was not checked" in f.message for f in found)


def test_one_service_loaded_makes_a_missing_one_an_error_again(tmp_path: Path) -> None:
    text = (REAL / "ingress-only.yaml").read_text() + """---
apiVersion: v1
kind: Service
metadata:
  name: release-name-web
spec:
  ports: [{port: 80}]
"""
    (tmp_path / "chart.yaml").write_text(text)
    found = [f for f in check(load([tmp_path]), "auto") if f.code == "IE3001"]
    assert [(f.severity, f.stage) for f in found] == [("error", "broken")]
    assert 'services "release-name-api" not found' in found[0].message


# ---------------------------------------------------------------- misses


def test_a_bool_env_value_is_refused_with_the_apiservers_sentence() -> None:
    state = load([REAL / "env-bool.yaml"])
    found = check(state, "auto")
    wrong = next(f for f in found if f.code == "IE1006")
    assert wrong.field == "spec.template.spec.containers[0].env[0].value"
    assert wrong.location.line == 22 and wrong.stage == "rejected"
    assert ('Deployment in version "v1" cannot be handled as a Deployment: json: cannot unmarshal bool into Go '
            "struct field EnvVar.spec.template.spec.containers.env.value of type string") in wrong.message
    assert wrong.hint.startswith('quote it: "true"')
    typo = next(f for f in found if f.code == "IE1005")
    assert typo.hint == "did you mean spec.template.spec.containers[0].securityContext?"
    assert typo.lesson is None  # a typo is not a v1 migration


def test_v1beta1_backend_in_a_v1_ingress_names_default_backend_and_a_typo_does_not_link_migration() -> None:
    found = {f.field: f for f in findings("v1-typos.yaml") if f.code == "IE1005"}
    assert found["spec.backend"].hint == "networking.k8s.io/v1 calls it spec.defaultBackend (v1beta1 wrote spec.backend)"
    assert found["spec.backend"].lesson == "v1-migration"
    assert found["spec.banana"].lesson is None
    assert "defaultBackend, ingressClassName, rules, tls" in found["spec.banana"].hint


def test_kube_version_decides_which_fields_exist() -> None:
    newest = [f for f in findings("v1-typos.yaml") if f.object.startswith("Service/")]
    assert not [f for f in newest if f.code == "IE1005"]  # spec.trafficDistribution: Kubernetes 1.30 and later
    with kubernetes_version("1.29"):
        old = check(load([REAL / "v1-typos.yaml"]), "auto")
    unknown = [f for f in old if f.code == "IE1005" and f.object == "Service/default/web"]
    assert [f.field for f in unknown] == ["spec.trafficDistribution"]


def test_metadata_name_rules_per_kind(tmp_path: Path) -> None:
    (tmp_path / "names.yaml").write_text("""\
apiVersion: networking.k8s.io/v1
kind: Ingress
metadata: {name: Shop_Ingress}
spec:
  defaultBackend: {service: {name: web, port: {number: 80}}}
---
apiVersion: v1
kind: Service
metadata: {name: web.v2}
spec:
  ports: [{port: 80}]
---
apiVersion: v1
kind: ConfigMap
metadata: {name: web.v2}
---
apiVersion: example.com/v1
kind: Widget
metadata: {name: Any_Name}
""")
    found = [f for f in check(load([tmp_path]), None) if f.code == "IE1012"]
    by_object = {f.object: f for f in found}
    assert set(by_object) == {"Ingress/default/Shop_Ingress", "Service/default/web.v2"}  # a dotted ConfigMap is fine
    assert by_object["Ingress/default/Shop_Ingress"].message.startswith('Invalid value: "Shop_Ingress": a lowercase '
                                                                      "RFC 1123 subdomain")
    assert "e.g. shop-ingress" in by_object["Ingress/default/Shop_Ingress"].hint
    assert "DNS-1035 label" in by_object["Service/default/web.v2"].hint
    assert by_object["Service/default/web.v2"].stage == "rejected"


def test_both_static_ips_and_a_regional_address_path() -> None:
    found = {f.object: f for f in findings("gke-static-ip.yaml")}
    assert codes(list(found.values())) == [("IE6010", "error", "broken"), ("IE6016", "error", "broken")]
    assert found["Ingress/default/web-both-ips"].message.startswith(
        "both global-static-ip and regional-static-ip cannot be specified")
    assert "regional address" in found["Ingress/default/web-regional-path"].message


def test_a_container_without_ports_cannot_give_gke_its_health_check() -> None:
    found = findings("gke-no-ports.yaml")
    assert codes(found) == [("IE6009", "warning", "risky")]
    assert "declares no ports" in found[0].message
    assert findings("gke-no-ports.yaml", None) == []  # no controller: no GKE health check to speak of


def test_a_udp_service_port_behind_an_ingress() -> None:
    found = check(load([ROOT / "tests" / "data" / "lint" / "bad" / "IE3010-udp-port.yaml"]), "auto")
    assert codes(found) == [("IE3010", "error", "broken")]
    assert "protocol UDP" in found[0].message


def test_an_ingress_whose_only_rule_has_no_http_routes_nothing() -> None:
    found = findings("host-only-rule.yaml")
    assert codes(found) == [("IE2021", "warning", "broken")]
    assert "routes no request" in found[0].message


def test_a_selectorless_service_without_endpoints_behind_an_ingress() -> None:
    found = findings("external-db-service.yaml")
    assert codes(found) == [("IE3004", "warning", "broken")]
    assert found[0].object == "Service/default/wiki"  # legacy has its Endpoints in the bundle


def test_nginx_annotations_on_a_classless_ingress_get_the_nginx_checks() -> None:
    found = findings("nginx-classless-regex.yaml")
    assert ("IE6004", "error", "rejected") in codes(found)
    assert ("IE5004", "info", "risky") in codes(found)  # and it says the class is missing


def test_a_probe_the_app_redirects_under_gke() -> None:
    found = check(load([ROOT / "tests" / "data" / "lint" / "bad" / "IE6017-probe-redirects.yaml"]), "auto")
    assert codes(found) == [("IE6017", "warning", "broken")]
    assert "answers with 301" in found[0].message and "UNHEALTHY" in found[0].message
    assert check(load([ROOT / "tests" / "data" / "lint" / "bad" / "IE6017-probe-redirects.yaml"]),
                 None) == []  # the kubelet alone takes a 301 as Ready

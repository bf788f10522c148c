"""What stands behind a backend: the flow a learner sees, hop by hop, with broken links explained."""

from __future__ import annotations

import pytest

from explorer.model import load
from explorer.routing import GCE, NGINX, Request, route
from explorer.topology import ingress_rows, reconcile, resolve, resolve_rule
from explorer.topology.app import AppSpecError, app_of, parse_app
from explorer.topology.flow import Flow
from explorer.topology.pods import pods_for_service

from conftest import DATA, SAMPLES

TOPO = DATA / "topology"


def kinds(flow: Flow) -> list[str]:
    return [h.kind for h in flow.all_hops()]


def hop(flow: Flow, kind: str):
    return next(h for h in flow.all_hops() if h.kind == kind)


def rule_flow(state, profile, path: str) -> Flow:
    ingress = state.ingresses[0]
    for rule in ingress.rules:
        for http_path in rule.paths or ():
            if http_path.path == path:
                return resolve_rule(state, profile, ingress, http_path, rule_host=rule.host)
    raise AssertionError(f"no path {path}")


# ------------------------------------------------------------------ the article's setup


@pytest.fixture(scope="module")
def article():
    return load([SAMPLES / "article-v1"])


def test_article_flow_on_gke_goes_through_the_l7_load_balancer_and_node_ports(article):
    flow = resolve(article, GCE, route(article, GCE, Request.from_url("http://foo-bar.com/foo")))
    assert flow.state == "ok"
    assert kinds(flow)[:5] == ["client", "load-balancer", "ingress", "service", "node"]
    lb = hop(flow, "load-balancer")
    assert lb.label.startswith("external Application Load Balancer 34.")
    assert hop(flow, "service").label == "Service my-nodeport-01 :8080 (http) → targetPort 80, nodePort 30080"
    assert hop(flow, "node").label == "node:nodePort — every node :30080"
    assert flow.data_path == "instance-group"
    pods = [p.view.name for p in flow.pods]
    assert len(pods) == 2 and all(name.startswith("site01-") for name in pods)
    assert [p.port.label for p in flow.pods] == ["container web :80 (http)"] * 2


def test_article_flow_on_nginx_goes_through_the_l4_service_and_a_controller_pod(article):
    flow = resolve(article, NGINX, route(article, NGINX, Request.from_url("http://foo-bar.com/bar")))
    assert flow.state == "ok"
    assert kinds(flow)[:5] == ["client", "load-balancer", "controller", "ingress", "service"]
    assert "node" not in kinds(flow)  # nginx proxies to Pod endpoints, not node ports
    assert hop(flow, "load-balancer").label.startswith("LoadBalancer Service ingress-nginx/ingress-nginx-controller (")
    assert hop(flow, "controller").label.startswith("controller Pod ingress-nginx-controller-")
    assert hop(flow, "ingress").label == "Ingress default/my-ingress: foo-bar.com /bar (Prefix) → my-nodeport-02:8081"
    assert [p.view.name.split("-")[0] for p in flow.pods] == ["site02"]


def test_pod_names_and_ips_are_stable_and_look_like_a_deployments(article):
    again = load([SAMPLES / "article-v1"])
    service = article.service("default", "my-nodeport-01")
    first = [(p.name, p.ip, p.node) for p in pods_for_service(article, service)]
    second = [(p.name, p.ip, p.node) for p in pods_for_service(again, again.service("default", "my-nodeport-01"))]
    assert first == second
    name = first[0][0]
    workload, template_hash, suffix = name.split("-")
    assert workload == "site01" and len(template_hash) == 10 and len(suffix) == 5
    assert set(template_hash + suffix) <= set("bcdfghjklmnpqrstvwxz2456789")
    assert first[0][0] != first[1][0] and first[0][1] != first[1][1]


def test_simulated_names_are_the_sha256_hashlib_gives():
    """names.py hashes with CPython's own SHA-256 (no OpenSSL at start): the names are those hashlib makes."""
    import hashlib

    from explorer.topology import names

    parts = ("pod", "Deployment", "default", "site01", 0)
    assert names.digest(*parts) == hashlib.sha256("\x00".join(map(str, parts)).encode()).digest()
    assert names.CLUSTER_UID == hashlib.sha256(b"ingress-explorer cluster").hexdigest()[:16]


# ------------------------------------------------------------------ broken links, with reasons


@pytest.fixture(scope="module")
def broken():
    return load([TOPO / "broken" / "manifests.yaml"])


def test_missing_service_is_a_broken_hop_with_a_suggestion(broken):
    flow = rule_flow(broken, NGINX, "/missing")
    service = hop(flow, "service")
    assert service.state == "broken"
    assert service.reason.startswith("Service default/nope not found")
    assert flow.state == "broken"
    assert flow.pods and flow.pods[0].pod.state == "unknown"  # what is behind it is shown, not dropped


def test_missing_port_names_the_ports_the_service_has(broken):
    flow = rule_flow(broken, NGINX, "/port")
    service = hop(flow, "service")
    assert service.state == "broken"
    assert service.reason.startswith("Service web has no port 8080; its ports are 80 (http)")


def test_selector_matching_nothing_says_which_labels_exist(broken):
    flow = rule_flow(broken, NGINX, "/selector")
    assert hop(flow, "service").state == "ok"
    pods = flow.pods[0].pod
    assert pods.state == "broken"
    assert "no Pod matches the selector app=wbe of Service lonely" in pods.reason
    assert "Deployment web has app=web" in pods.reason


def test_target_port_not_on_the_container_breaks_each_pod_link(broken):
    flow = rule_flow(broken, NGINX, "/target")
    assert len(flow.pods) == 2
    for pod in flow.pods:
        assert pod.pod.state == "ok"
        assert pod.port.state == "broken"
        assert pod.port.reason == (f"no container of Pod {pod.view.name} declares port 9090; its containers "
                                   "declare 8080 (http)")
    assert flow.state == "broken"


def test_backend_by_port_name_and_named_target_port_resolve(broken):
    flow = rule_flow(broken, NGINX, "/by-name")
    assert flow.state == "ok"
    assert hop(flow, "service").label == "Service web :80 (http) → targetPort http, nodePort 30100"
    assert {p.port.label for p in flow.pods} == {"container app :8080 (http)"}


def test_route_answer_503_still_shows_the_broken_backend(broken):
    decision = route(broken, NGINX, Request.from_url("http://any/port"))
    assert decision.status == 503
    flow = resolve(broken, NGINX, decision)
    assert hop(flow, "service").state == "broken"


def test_ingress_table_rows_carry_resolved_service_node_port_and_pod_counts(broken):
    rows = {r.path: r for r in ingress_rows(broken, NGINX)}
    assert set(rows) == {"/missing", "/port", "/selector", "/target", "/by-name", "/"}
    ok = rows["/"]
    assert (ok.backend, ok.service, ok.node_port, ok.pods, ok.ready, ok.state) == (
        "web:80", "web :80 (http) → targetPort http", 30100, 2, 2, "ok")
    assert rows["/missing"].state == "broken" and rows["/missing"].service == ""
    assert rows["/selector"].pods == 0 and rows["/selector"].state == "broken"
    assert rows["/port"].reason.startswith("Service web has no port 8080")


def test_ingress_table_lists_ingresses_the_controller_does_not_serve(broken):
    rows = ingress_rows(broken, GCE)  # ingressClassName nginx: GKE ignores the field and the Ingress
    assert rows and all(not r.served and r.state == "unknown" for r in rows)
    assert "ignores spec.ingressClassName" in rows[0].reason


# ------------------------------------------------------------------ GKE's two data paths


@pytest.fixture(scope="module")
def neg():
    return load([TOPO / "neg" / "manifests.yaml"])


def test_neg_service_goes_from_the_load_balancer_straight_to_pod_ips(neg):
    flow = rule_flow(neg, GCE, "/neg")
    assert flow.data_path == "neg"
    assert "node" not in kinds(flow)
    assert "container-native" in hop(flow, "service").detail
    assert flow.state == "ok"


def test_nodeport_service_goes_through_instance_groups(neg):
    flow = rule_flow(neg, GCE, "/ig")
    assert flow.data_path == "instance-group"
    assert hop(flow, "node").label == "node:nodePort — every node :30200"


def test_clusterip_without_neg_is_broken_with_gkes_message():
    state = load([TOPO / "neg"])
    ingress = next(i for i in state.ingresses if i.meta.name == "plain")
    flow = resolve_rule(state, GCE, ingress, None)
    service = hop(flow, "service")
    assert service.state == "broken"
    assert service.reason.startswith('service "default/web-clusterip" is type "ClusterIP", expected "NodePort" or '
                                     '"LoadBalancer"')
    assert "cloud.google.com/neg" in service.reason
    lb = hop(flow, "load-balancer")  # the translation error also keeps GKE from making a load balancer
    assert lb.state == "broken" and lb.reason.startswith("Translation failed: invalid ingress spec:")


def test_nginx_ignores_the_neg_annotation(neg):
    flow = rule_flow(neg, NGINX, "/neg")
    assert flow.data_path == "endpoints"


def test_unmatched_request_on_gke_reaches_the_default_http_backend(article):
    decision = route(article, GCE, Request.from_url("http://foo-bar.com/nothing-here"))
    assert decision.status == 404
    flow = resolve(article, GCE, decision)
    service = hop(flow, "service")
    assert service.label.startswith("Service default-http-backend (GKE's own, not in your manifests) :80")
    assert flow.pods[0].view.name.startswith("l7-default-backend-")
    assert flow.pods[0].view.app.answer("/nothing-here").status == 404


def test_unmatched_request_on_nginx_is_answered_by_the_controller(article):
    decision = route(article, NGINX, Request.from_url("http://foo-bar.com/nothing-here"))
    flow = resolve(article, NGINX, decision)
    assert kinds(flow)[-1] == "answer" and hop(flow, "answer").label == "answers 404"


# ------------------------------------------------------------------ health on the diagram


def test_pods_show_their_health_once_a_controller_state_is_given():
    from explorer.topology import health_checks, record_probe

    state = load([TOPO / "health" / f for f in ("app.yaml", "service-neg.yaml", "ingress.yaml")])
    cs, _ = reconcile(None, state, GCE)
    for task in health_checks(cs):
        cs = record_probe(cs, task.backend_id, task.target.name, 302, 1.0)
        cs = record_probe(cs, task.backend_id, task.target.name, 302, 2.0)
    flow = resolve(state, GCE, route(state, GCE, Request.from_url("http://x/")), cs)
    assert [p.pod.state for p in flow.pods] == ["broken", "broken"]
    assert flow.pods[0].pod.reason == ("UNHEALTHY: the load balancer's health check GET / got 302; it accepts "
                                       "only 200")
    assert "health check GET / every 15 s" in hop(flow, "service").detail


# ------------------------------------------------------------------ the app annotation


@pytest.mark.parametrize("text, path, status", [
    ('{"/": 302, "/healthz": 200}', "/", 302),
    ('{"/": 302, "/healthz": 200}', "/healthz", 200),
    ('{"/": 302, "/healthz": 200}', "/other", 200),  # echo
    ('{"/api/*": 500, "/api/ok": 204}', "/api/x/y", 500),
    ('{"/api/*": 500, "/api/ok": 204}', "/api/ok", 204),
    ('{"/api/*": 500, "/api/v2/*": 201}', "/api/v2/z", 201),  # longest prefix wins
    ('{"*": {"status": 404, "body": "nope"}, "/healthz": 200}', "/x", 404),
    ("{/: 503}", "/", 503),  # YAML flow style is accepted too
])
def test_app_annotation_answers(text, path, status):
    assert parse_app(text).answer(path).status == status


def test_app_without_body_echoes_and_headers_are_kept():
    spec = parse_app('{"/": {"status": 302, "headers": {"Location": "/login"}}}')
    answer = spec.answer("/")
    assert answer.status == 302 and answer.headers == (("Location", "/login"),) and answer.echoes
    assert parse_app("{}").is_echo


@pytest.mark.parametrize("text, message", [
    ('{"/": "ok"}', "'/': expected a status code or an object with status, headers, body; got string 'ok'"),
    ('{"/": 99}', "'/': status must be a number from 100 to 599, got number 99"),
    ('{"healthz": 200}', "key 'healthz': a key is a path starting with /"),
    ('{"/": {"code": 200}}', "'/': unknown field 'code'; the fields are status, headers, body"),
    ('{"/": {"headers": ["Location"]}}', "'/': headers must be an object of name -> string"),
    ("[200]", "expected a JSON object of path -> status, got a list"),
    ('{"/": 200', "not valid JSON"),
])
def test_app_annotation_errors_say_what_to_write(text, message):
    with pytest.raises(AppSpecError) as info:
        parse_app(text)
    assert str(info.value).startswith(message)


def test_bad_app_annotation_is_a_problem_at_its_line_and_the_pods_echo(tmp_path):
    manifest = tmp_path / "app.yaml"
    manifest.write_text(
        "apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: web\nspec:\n  selector:\n"
        "    matchLabels: {app: web}\n  template:\n    metadata:\n      labels: {app: web}\n"
        "      annotations:\n        ingress-explorer/app: '{\"/\": \"ok\"}'\n"
        "    spec:\n      containers: [{name: web, image: x}]\n")
    workload = load([manifest]).workloads[0]
    spec, problem = app_of(workload)
    assert spec.is_echo
    assert problem is not None and str(problem.location) == f"{manifest}:11"
    assert "annotation ingress-explorer/app: '/': expected a status code" in problem.message


def test_all_pods_adds_gkes_default_backend_pod_only_on_gke(article):
    from explorer.topology.pods import all_pods

    gke = [p.name for p in all_pods(article, GCE)]
    nginx = [p.name for p in all_pods(article, NGINX)]
    assert len(gke) == len(nginx) + 1 and gke[-1].startswith("l7-default-backend-")
    default_pod = all_pods(article, GCE)[-1]
    assert default_pod.app.answer("/healthz").status == 200 and default_pod.app.answer("/x").status == 404

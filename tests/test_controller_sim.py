"""The controllers' sync loop, run as sequences of snapshots: what GKE and ingress-nginx keep and change."""

from __future__ import annotations

import json

import pytest

from explorer.model import load, load_texts
from explorer.routing import GCE, NGINX, Request, route
from explorer.topology import ControllerState, health_checks, reconcile, record_probe, resolve
from explorer.topology.names import gce_ig_backend

from conftest import DATA, SAMPLES

HEALTH = DATA / "topology" / "health"
STATIC = DATA / "topology" / "static-ip"


def snapshot(folder, *files):
    return load([folder / f for f in files])


def web_backend(cs: ControllerState):
    return cs.find_backend("default", "web", "80")


def messages(events) -> list[str]:
    return [f"{e.type} {e.reason} {e.message}" for e in events]


# ------------------------------------------------------------------ create, sync, events


def test_first_sync_of_a_gke_ingress_builds_a_load_balancer_like_kubectl_describe_shows():
    state = snapshot(HEALTH, "app.yaml", "service.yaml", "ingress.yaml")
    cs, events = reconcile(None, state, GCE, now=0)
    text = messages(events)
    assert text[0] == "Normal Sync Scheduled for sync"
    assert [t.split('"')[0] for t in text[1:4]] == [
        "Normal Sync UrlMap ", "Normal Sync TargetProxy ", "Normal Sync ForwardingRule "]
    address = cs.address_of("default/web")
    assert text[4] == f"Normal IPChanged IP is now {address}"
    assert all(e.object == "Ingress/default/web" and e.source == "loadbalancer-controller" for e in events)
    annotations = cs.annotations("default/web")
    assert json.loads(annotations["ingress.kubernetes.io/backends"]) == {gce_ig_backend(30080): "Unknown"}
    assert annotations["ingress.kubernetes.io/url-map"].startswith("k8s2-um-")


def test_a_second_sync_with_nothing_changed_says_nothing_and_keeps_the_address():
    state = snapshot(HEALTH, "app.yaml", "service.yaml", "ingress.yaml")
    first, _ = reconcile(None, state, GCE)
    second, events = reconcile(first, state, GCE)
    assert events == []
    assert second.address_of("default/web") == first.address_of("default/web")


def test_gke_adds_its_default_backend_when_the_ingress_sets_none():
    state = load([SAMPLES / "article-v1"])
    cs, _ = reconcile(None, state, GCE)
    lb = cs.load_balancers["default/my-ingress"]
    default = cs.backends[lb.default_backend]
    assert (default.namespace, default.service, default.builtin) == ("kube-system", "default-http-backend", True)
    assert default.health_check.path == "/healthz"
    assert len(json.loads(cs.annotations("default/my-ingress")["ingress.kubernetes.io/backends"])) == 3


def test_nginx_gives_every_ingress_the_shared_controller_address():
    state = load([SAMPLES / "article-v1"])
    cs, events = reconcile(None, state, NGINX)
    assert messages(events) == ["Normal Sync Scheduled for sync"]
    assert events[0].source == "nginx-ingress-controller"
    assert cs.load_balancers["default/my-ingress"].address_source == "shared"
    assert cs.annotations("default/my-ingress") == {}  # GKE's annotations are GKE's


# ------------------------------------------------------------------ the readinessProbe rule


def test_readiness_probe_added_later_changes_nothing_until_the_ingress_is_recreated():
    without_probe = snapshot(HEALTH, "app.yaml", "service.yaml", "ingress.yaml")
    with_probe = snapshot(HEALTH, "app-with-probe.yaml", "service.yaml", "ingress.yaml")
    no_ingress = snapshot(HEALTH, "app-with-probe.yaml", "service.yaml")

    cs, _ = reconcile(None, without_probe, GCE, now=0)
    assert web_backend(cs).health_check.path == "/"
    cs, _ = reconcile(cs, with_probe, GCE, now=10)
    check = web_backend(cs).health_check
    assert check.path == "/" and check.source == "default"  # the existing check is kept

    cs, _ = reconcile(cs, no_ingress, GCE, now=20)  # delete the Ingress: its backend and check go too
    assert web_backend(cs) is None and cs.load_balancers == {}
    cs, _ = reconcile(cs, with_probe, GCE, now=30)  # create it again: the probe is read now
    check = web_backend(cs).health_check
    assert (check.path, check.source) == ("/healthz", "readinessProbe")
    assert (check.interval, check.timeout) == (5 + 60, 2)  # instance groups: periodSeconds + 60 s
    assert "copied from the readinessProbe of Pod web-" in check.why


def test_probe_is_read_when_the_ingress_is_created_with_it_and_uses_neg_timings():
    state = snapshot(HEALTH, "app-with-probe.yaml", "service-neg.yaml", "ingress.yaml")
    cs, _ = reconcile(None, state, GCE)
    check = web_backend(cs).health_check
    assert (check.path, check.interval, check.timeout, check.port) == ("/healthz", 5, 2, None)
    assert check.port_role == "serving port (Pod IP:targetPort)"


def test_a_probe_on_another_port_is_not_used_and_the_reason_is_given():
    state = snapshot(HEALTH, "app-probe-wrong-port.yaml", "service.yaml", "ingress.yaml")
    cs, _ = reconcile(None, state, GCE)
    check = web_backend(cs).health_check
    assert check.path == "/"
    assert "the readinessProbe port 9000 is not the containerPort 8080 that the Service targetPort names" in check.why


def test_backend_config_sets_the_path_at_once_and_on_every_sync():
    before = snapshot(HEALTH, "app-with-probe.yaml", "service.yaml", "ingress.yaml")
    cs, _ = reconcile(None, snapshot(HEALTH, "app.yaml", "service.yaml", "ingress.yaml"), GCE)
    cs, _ = reconcile(cs, before, GCE)
    assert web_backend(cs).health_check.path == "/"
    fixed = snapshot(HEALTH, "app-with-probe.yaml", "service-backendconfig.yaml", "ingress.yaml")
    cs, _ = reconcile(cs, fixed, GCE)
    check = web_backend(cs).health_check
    assert (check.path, check.port, check.interval, check.source) == ("/healthz", 8080, 10, "BackendConfig")
    assert web_backend(cs).backend_config == "web-hc"
    cs, _ = reconcile(cs, fixed, GCE)
    assert web_backend(cs).health_check.path == "/healthz"


def test_a_missing_backend_config_is_a_translation_error():
    state = snapshot(HEALTH, "app.yaml", "service-backendconfig-missing.yaml", "ingress.yaml")
    cs, events = reconcile(None, state, GCE)
    assert messages(events)[1] == (
        'Warning Translate Translation failed: invalid ingress spec: error getting BackendConfig for port "80" on '
        'service "default/web", err: no BackendConfig for service port exists.')
    assert cs.address_of("default/web") is None


# ------------------------------------------------------------------ addresses


def test_ephemeral_address_changes_when_the_ingress_is_deleted_and_created_again():
    plain = snapshot(STATIC, "app.yaml", "ingress-ephemeral.yaml", "address-global.yaml")
    cs, _ = reconcile(None, plain, GCE)
    first = cs.address_of("default/web")
    cs, _ = reconcile(cs, plain, GCE)
    assert cs.address_of("default/web") == first
    cs, _ = reconcile(cs, snapshot(STATIC, "app.yaml", "address-global.yaml"), GCE)  # Ingress deleted
    cs, events = reconcile(cs, plain, GCE)
    second = cs.address_of("default/web")
    assert second and second != first
    assert f"Normal IPChanged IP is now {second}" in messages(events)
    assert second != "34.120.10.20"  # a reserved address is not used without the annotation


def test_reserved_global_address_is_kept_across_delete_and_create():
    state = snapshot(STATIC, "app.yaml", "ingress.yaml", "address-global.yaml")
    cs, events = reconcile(None, state, GCE)
    assert cs.address_of("default/web") == "34.120.10.20"
    assert cs.load_balancers["default/web"].address_source == "static"
    cs, _ = reconcile(cs, snapshot(STATIC, "app.yaml", "address-global.yaml"), GCE)  # delete the Ingress
    cs, _ = reconcile(cs, state, GCE)  # and create it again
    assert cs.address_of("default/web") == "34.120.10.20"


def test_regional_address_fails_with_gkes_error_and_a_hint():
    state = snapshot(STATIC, "app.yaml", "ingress.yaml", "address-regional.yaml")
    cs, events = reconcile(None, state, GCE)
    warning = next(e for e in events if e.type == "Warning")
    assert warning.reason == "Sync"
    assert warning.message.endswith("the given static IP name web-ip doesn't translate to an existing static IP.")
    assert warning.message.startswith("Error syncing to GCP: error running load balancer syncing routine: "
                                      "loadbalancer ")
    assert "spec.location: asia-northeast1" in warning.hint and "set spec.location: global" in warning.hint
    assert cs.address_of("default/web") is None
    _, again = reconcile(cs, state, GCE)
    assert again == []  # the same error is not reported twice


def test_missing_address_name_fails_the_same_way():
    cs, events = reconcile(None, snapshot(STATIC, "app.yaml", "ingress.yaml"), GCE)
    assert any(e.message.endswith("doesn't translate to an existing static IP.") for e in events)
    assert "no ComputeAddress names web-ip" in next(e.hint for e in events if e.type == "Warning")


def test_reserving_the_address_later_gives_the_ingress_its_address():
    cs, _ = reconcile(None, snapshot(STATIC, "app.yaml", "ingress.yaml", "address-regional.yaml"), GCE)
    cs, events = reconcile(cs, snapshot(STATIC, "app.yaml", "ingress.yaml", "address-global.yaml"), GCE)
    assert cs.address_of("default/web") == "34.120.10.20"
    assert "Normal IPChanged IP is now 34.120.10.20" in messages(events)


def test_nginx_ignores_the_static_ip_annotation():
    cs, events = reconcile(None, snapshot(STATIC, "app.yaml", "ingress.yaml"), NGINX)
    assert all(e.type == "Normal" for e in events)
    assert cs.load_balancers["default/web"].address_source == "shared"


# ------------------------------------------------------------------ health: thresholds and answers


def probe_all(cs, status, now):
    for task in health_checks(cs):
        cs = record_probe(cs, task.backend_id, task.target.name, status, now)
    return cs


def test_gke_marks_a_302_unhealthy_after_the_threshold_while_the_pod_is_ready():
    state = snapshot(HEALTH, "app.yaml", "service-neg.yaml", "ingress.yaml")
    cs, _ = reconcile(None, state, GCE)
    backend = web_backend(cs)
    assert all(t.endpoints for t in backend.targets)  # the Pods are Ready: 302 passes the kubelet's 200-399
    tasks = [t for t in health_checks(cs) if t.backend_id == backend.id]
    assert {(t.path, t.interval, t.unhealthy_threshold, t.healthy_statuses) for t in tasks} == {
        ("/", 15, 2, (200, 200))}
    assert cs.backend_health(backend.id) == "Unknown"
    cs = probe_all(cs, 302, 15)
    assert cs.backend_health(backend.id) == "Unknown"  # one failure is below the threshold of 2
    cs = probe_all(cs, 302, 30)
    assert cs.backend_health(backend.id) == "UNHEALTHY"
    assert cs.serving_endpoints(backend.id) == ()  # nothing to send to: GKE answers 502
    assert GCE.no_healthy_backend_status == 502
    assert json.loads(cs.annotations("default/web")["ingress.kubernetes.io/backends"])[backend.id] == "UNHEALTHY"
    cs = probe_all(cs, 200, 45)
    assert cs.backend_health(backend.id) == "HEALTHY"  # healthy threshold 1
    assert len(cs.serving_endpoints(backend.id)) == 2


def test_instance_group_checks_need_ten_failures_and_probe_nodes():
    state = snapshot(HEALTH, "app.yaml", "service.yaml", "ingress.yaml")
    cs, _ = reconcile(None, state, GCE)
    backend = web_backend(cs)
    task = next(t for t in health_checks(cs) if t.backend_id == backend.id)
    assert (task.port, task.interval, task.timeout, task.unhealthy_threshold) == (30080, 60, 60, 10)
    assert task.target.name.startswith("gke-explorer-default-pool-") and len(task.target.endpoints) == 2
    for second in range(9):
        cs = record_probe(cs, backend.id, task.target.name, None, second)
    assert cs.target_health(backend.id, task.target.name).state == "Unknown"
    cs = record_probe(cs, backend.id, task.target.name, None, 10)
    assert cs.target_health(backend.id, task.target.name).state == "UNHEALTHY"


def test_nginx_readiness_accepts_302_and_needs_failure_threshold_failures():
    cs, _ = reconcile(None, snapshot(HEALTH, "app-with-probe.yaml", "service.yaml", "ingress-nginx.yaml"), NGINX)
    backend = web_backend(cs)
    tasks = [t for t in health_checks(cs) if t.backend_id == backend.id]
    assert {(t.kind, t.path, t.port, t.interval, t.healthy_statuses) for t in tasks} == {
        ("readiness", "/healthz", 8080, 5, (200, 399))}
    assert cs.serving_endpoints(backend.id) == ()  # a Pod with a probe is not Ready before it passes
    cs = probe_all(cs, 302, 1)
    assert len(cs.serving_endpoints(backend.id)) == 2
    for now in (2, 3):
        cs = probe_all(cs, 500, now)
    assert len(cs.serving_endpoints(backend.id)) == 2  # failureThreshold is 3
    cs = probe_all(cs, 500, 4)
    assert cs.serving_endpoints(backend.id) == ()  # no ready endpoint: nginx answers 503
    assert NGINX.no_healthy_backend_status == 503


def test_nginx_pods_without_a_probe_are_endpoints_at_once():
    cs, _ = reconcile(None, snapshot(HEALTH, "app.yaml", "service.yaml", "ingress-nginx.yaml"), NGINX)
    backend = web_backend(cs)
    assert [t.check for t in backend.targets] == [None, None]
    assert len(cs.serving_endpoints(backend.id)) == 2  # Ready: nothing to wait for, / answering 302 or not
    assert [t for t in health_checks(cs) if t.backend_id == backend.id] == []


def test_record_probe_refuses_unknown_backends_and_targets():
    state = snapshot(HEALTH, "app.yaml", "service-neg.yaml", "ingress.yaml")
    cs, _ = reconcile(None, state, GCE)
    with pytest.raises(KeyError, match="no backend 'nope'"):
        record_probe(cs, "nope", "x", 200, 1)
    with pytest.raises(KeyError, match="has no target 'x'"):
        record_probe(cs, web_backend(cs).id, "x", 200, 1)


def test_health_results_survive_a_sync_and_go_with_the_backend():
    state = snapshot(HEALTH, "app.yaml", "service-neg.yaml", "ingress.yaml")
    cs, _ = reconcile(None, state, GCE)
    cs = probe_all(cs, 200, 1)
    backend_id = web_backend(cs).id
    cs, _ = reconcile(cs, state, GCE, now=2)
    assert cs.backend_health(backend_id) == "HEALTHY"
    cs, _ = reconcile(cs, snapshot(HEALTH, "app.yaml", "service-neg.yaml"), GCE, now=3)
    assert cs.backends == {} and cs.health == {}


# ------------------------------------------------------------------ the two stories as shipped


TRAP = SAMPLES / "health-check-trap"


@pytest.mark.parametrize("folder", [TRAP / "trap", TRAP / "fix-readiness-probe", TRAP / "fix-backendconfig",
                                    SAMPLES / "static-ip" / "regional", SAMPLES / "static-ip" / "global"])
def test_sample_manifests_load_cleanly(folder):
    state = load([folder])
    assert [str(p) for p in state.problems if p.severity != "info"] == []
    assert len(state.ingresses) == 1


def test_health_check_trap_sample_tells_the_articles_story():
    trap, probe_fix, config_fix = (load([TRAP / d]) for d in ("trap", "fix-readiness-probe", "fix-backendconfig"))
    cs, _ = reconcile(None, trap, GCE)
    assert web_backend(cs).health_check.path == "/"
    assert all(trap_pod.ready for trap_pod in _pods(trap))  # Ready: the kubelet takes the 302
    cs, _ = reconcile(cs, probe_fix, GCE)
    assert web_backend(cs).health_check.path == "/"  # the article's fix, applied late: no effect
    cs, _ = reconcile(cs, config_fix, GCE)
    assert web_backend(cs).health_check.path == "/healthz"  # BackendConfig: at once
    fresh, _ = reconcile(None, probe_fix, GCE)
    assert web_backend(fresh).health_check.path == "/healthz"  # probe present at creation: read


def _pods(state):
    from explorer.topology import pods_for_service

    return pods_for_service(state, state.service("default", "web"))


def test_static_ip_sample_regional_fails_and_global_gets_the_reserved_address():
    cs, events = reconcile(None, load([SAMPLES / "static-ip" / "regional"]), GCE)
    assert cs.address_of("default/web") is None
    assert any("doesn't translate to an existing static IP" in e.message for e in events)
    cs, _ = reconcile(cs, load([SAMPLES / "static-ip" / "global"]), GCE)
    assert cs.address_of("default/web") == "34.120.10.20"


# ------------------------------------------------------------------ FrontendConfig


FRONTEND = DATA / "topology" / "frontend"


def test_frontend_config_redirect_and_https_frontends():
    state = load([FRONTEND, STATIC / "app.yaml"])
    cs, events = reconcile(None, state, GCE)
    lb = cs.load_balancers["default/web"]
    assert lb.https_redirect == 308
    assert [kind for kind, _ in lb.frontends] == ["UrlMap", "TargetProxy", "ForwardingRule", "TargetProxy",
                                                  "ForwardingRule"]
    assert set(cs.annotations("default/web")) >= {"ingress.kubernetes.io/https-target-proxy",
                                                  "ingress.kubernetes.io/https-forwarding-rule"}
    assert all(e.type == "Normal" for e in events)


def test_a_missing_frontend_config_is_reported_once_and_the_sync_goes_on():
    state = load([FRONTEND / "ingress.yaml", FRONTEND / "secret.yaml", STATIC / "app.yaml"])
    cs, events = reconcile(None, state, GCE)
    assert "Warning Sync Error: no FrontendConfig for ingress exists." in messages(events)
    assert cs.address_of("default/web") is not None and cs.load_balancers["default/web"].https_redirect is None
    _, again = reconcile(cs, state, GCE)
    assert again == []


# ------------------------------------------------------------------ addresses a cluster reports

REPORTED = """\
status:
  loadBalancer:
    ingress:
    - ip: 203.0.113.7
"""


def reported(path, status: str = REPORTED) -> dict[str, str]:
    """The file as `kubectl get -o yaml` prints it, with the controller's status."""
    return {str(path): path.read_text() + status}


@pytest.mark.parametrize("profile", [GCE, NGINX], ids=["gce", "nginx"])
def test_an_address_the_cluster_reports_is_used_instead_of_a_simulated_one(profile):
    texts = {**reported(STATIC / "ingress-ephemeral.yaml"), str(STATIC / "app.yaml"): (STATIC / "app.yaml").read_text()}
    state = load_texts(texts)
    cs, events = reconcile(None, state, profile)
    assert cs.address_of("default/web") == "203.0.113.7"
    flow = resolve(state, profile, route(state, profile, Request.from_url("http://any.example/")))
    (front,) = [hop for hop in flow.hops if hop.kind == "load-balancer"]
    assert "203.0.113.7" in front.label and "34." not in front.label
    if profile is GCE:
        assert "status.loadBalancer" in front.reason
        assert cs.load_balancers["default/web"].address_source == "reported"
        assert "Normal IPChanged IP is now 203.0.113.7" in messages(events)


def test_a_reported_static_address_without_a_computeaddress_object_is_not_an_error():
    """A live cluster holds no ComputeAddress when the reservation was made with gcloud."""
    texts = {**reported(STATIC / "ingress.yaml"), str(STATIC / "app.yaml"): (STATIC / "app.yaml").read_text()}
    cs, events = reconcile(None, load_texts(texts), GCE)
    assert cs.address_of("default/web") == "203.0.113.7"
    assert cs.load_balancers["default/web"].static_ip_name == "web-ip"
    assert not [e for e in events if e.type == "Warning"]


def test_a_regional_computeaddress_still_fails_whatever_the_status_says():
    texts = {**reported(STATIC / "ingress.yaml"), str(STATIC / "app.yaml"): (STATIC / "app.yaml").read_text(),
             str(STATIC / "address-regional.yaml"): (STATIC / "address-regional.yaml").read_text()}
    cs, events = reconcile(None, load_texts(texts), GCE)
    assert cs.address_of("default/web") is None
    assert any(e.message.endswith("doesn't translate to an existing static IP.") for e in events)


@pytest.mark.parametrize("status", ["status: 3\n", "status:\n  loadBalancer: []\n",
                                    "status:\n  loadBalancer:\n    ingress: [{ip: 5}, {hostname: lb.example.com}]\n"])
def test_odd_status_shapes_never_break_loading(status):
    state = load_texts(reported(STATIC / "ingress-ephemeral.yaml", status))
    (ingress,) = state.ingresses
    assert ingress.reported_address in (None, "lb.example.com")

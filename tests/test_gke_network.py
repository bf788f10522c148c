"""The GKE network model (topology/network.py) and the rollout timeline (topology/rollout.py): tables of
manifests and what the simulation makes of them."""

from __future__ import annotations

import pytest

from explorer.model import load_texts
from explorer.profiles import GCE
from explorer.topology.controller import health_checks, reconcile
from explorer.topology.network import HEALTH_CHECK_RANGES, cluster_network, firewall, neg_unusable
from explorer.topology.rollout import NEG_DETACH_SECONDS, simulate_rollout

APP = """\
apiVersion: apps/v1
kind: Deployment
metadata: {name: web}
spec:
  replicas: 2
  selector: {matchLabels: {app: web}}
  template:
    metadata:
      labels: {app: web}
      annotations: {ingress-explorer/app: '{"/slow": {"status": 200, "delay": 4}}'}
    spec:
      %(grace)s
      containers:
        - name: web
          image: registry.k8s.io/e2e-test-images/agnhost:2.53
          ports: [{name: http, containerPort: 8080}]
          %(lifecycle)s
---
apiVersion: v1
kind: Service
metadata:
  name: web
  annotations:
    cloud.google.com/neg: '{"ingress": true}'
    %(backend)s
spec:
  selector: {app: web}
  ports: [{name: http, port: 80, targetPort: 8080}]
---
apiVersion: networking.k8s.io/v1
kind: Ingress
metadata: {name: web}
spec:
  defaultBackend: {service: {name: web, port: {number: 80}}}
"""


def _state(grace: str = "", lifecycle: str = "", backend: str = "", extra: str = ""):
    text = APP % {"grace": grace, "lifecycle": lifecycle, "backend": backend}
    return load_texts({"app.yaml": text + extra})


def _rule(name: str, action: str, ports: str, sources: str, priority: int = 1000, more: str = "") -> str:
    return (f"---\napiVersion: compute.cnrm.cloud.google.com/v1beta1\nkind: ComputeFirewall\nmetadata: {{name: {name}}}\n"
            f"spec:\n  priority: {priority}\n  sourceRanges: {sources}\n  {action}: [{{protocol: tcp, ports: {ports}}}]\n"
            f"{more}")


@pytest.mark.parametrize("rules,blocked", [
    ("", ""),  # no rule declared: GKE's own rule is assumed
    (_rule("a", "allow", '["8080"]', "[130.211.0.0/22, 35.191.0.0/16]"), ""),
    (_rule("a", "allow", '["8000-9000"]', "[0.0.0.0/0]"), ""),
    (_rule("a", "allow", '["30000-32767"]', "[130.211.0.0/22, 35.191.0.0/16]"), "no rule allows them"),
    (_rule("a", "allow", '["8080"]', "[130.211.0.0/22]"), "from 35.191.0.0/16"),
    (_rule("a", "allow", '["8080"]', "[130.211.0.0/24, 35.191.0.0/16]"), "only part of 130.211.0.0/22"),
    (_rule("a", "allow", '["8080"]', "[130.211.0.0/22, 35.191.0.0/16]")
     + _rule("d", "deny", '["8080"]', "[0.0.0.0/0]", priority=900), "rule d (priority 900) denies"),
    (_rule("a", "allow", '["8080"]', "[130.211.0.0/22, 35.191.0.0/16]", priority=900)
     + _rule("d", "deny", '["8080"]', "[0.0.0.0/0]", priority=900), "rule d (priority 900) denies"),  # deny first
    (_rule("a", "allow", '["8080"]', "[130.211.0.0/22, 35.191.0.0/16]", priority=800)
     + _rule("d", "deny", '["8080"]', "[0.0.0.0/0]", priority=900), ""),
    (_rule("a", "allow", '["8080"]', "[130.211.0.0/22, 35.191.0.0/16]", more="  disabled: true\n"),
     "no rule allows them"),
    (_rule("a", "allow", '["8080"]', "[130.211.0.0/22, 35.191.0.0/16]", more="  direction: EGRESS\n"),
     "no rule allows them"),
])
def test_the_health_checks_of_a_neg_cross_the_declared_firewall(rules, blocked):
    state = _state(extra=rules)
    cs, _ = reconcile(None, state, GCE, now=1.0)
    tasks = [t for t in health_checks(cs) if t.kind == "load-balancer" and not cs.backends[t.backend_id].builtin]
    assert tasks and all(t.port == 8080 for t in tasks)
    for task in tasks:
        assert (blocked in task.blocked) if blocked else task.blocked == "", task.blocked
    assert (firewall(state) is None) == (rules == "")


def test_a_shared_vpc_with_no_rule_denies_the_probes():
    cluster = ("---\napiVersion: container.cnrm.cloud.google.com/v1beta1\nkind: ContainerCluster\nmetadata:\n"
               "  name: c\n  annotations: {cnrm.cloud.google.com/project-id: svc}\nspec:\n  networkingMode: VPC_NATIVE\n"
               "  networkRef: {external: projects/host/global/networks/shared}\n")
    state = _state(extra=cluster)
    assert cluster_network(state).shared_vpc_host == "host"
    wall = firewall(state)
    assert wall is not None and "implied rule denies all ingress" in wall.blocked(8080)
    own = _state(extra=cluster.replace("projects/host/", "projects/svc/"))
    assert firewall(own) is None  # its own network: GKE makes the rule
    assert set(HEALTH_CHECK_RANGES) == {"130.211.0.0/22", "35.191.0.0/16"}


@pytest.mark.parametrize("spec,mode", [
    ("networkingMode: ROUTES", "ROUTES"),
    ("networkingMode: VPC_NATIVE", "VPC_NATIVE"),
    ("ipAllocationPolicy: {clusterIpv4CidrBlock: /14}", "VPC_NATIVE"),
    ("location: us-central1", "ROUTES"),
])
def test_a_neg_on_a_routes_based_cluster_gets_no_endpoint(spec, mode):
    cluster = ("---\napiVersion: container.cnrm.cloud.google.com/v1beta1\nkind: ContainerCluster\nmetadata: {name: c}\n"
               f"spec: {{{spec}}}\n")
    state = _state(extra=cluster)
    assert cluster_network(state).mode == mode
    cs, _ = reconcile(None, state, GCE, now=1.0)
    neg = next(b for b in cs.backends.values() if b.service == "web")
    assert bool(neg.targets) == (mode == "VPC_NATIVE")
    assert bool(neg_unusable(state)) == (mode == "ROUTES")
    assert cluster_network(_state()).mode is None  # nothing declared: nothing assumed


BACKEND = "cloud.google.com/backend-config: '{\"default\": \"drain\"}'"


def _drain(seconds: int) -> str:
    return ("---\napiVersion: cloud.google.com/v1\nkind: BackendConfig\nmetadata: {name: drain}\n"
            f"spec: {{connectionDraining: {{drainingTimeoutSec: {seconds}}}}}\n")


SLEEP = 'lifecycle: {preStop: {exec: {command: ["/bin/sh", "-c", "sleep %d"]}}}'


@pytest.mark.parametrize("grace,lifecycle,backend,extra,failed", [
    ("", "", "", "", 20),  # no preStop: every request to the leaving Pod fails until the detach
    ("", SLEEP % 15, "", "", 3),  # /slow sent at 7, 8, 9 s outlives the detach at 10 s with no draining
    ("", "", BACKEND, _drain(30), 20),
    ("", SLEEP % 15, BACKEND, _drain(30), 0),
    ("", SLEEP % 12, BACKEND, _drain(30), 1),  # /slow sent at 9 s runs until 13 s; the Pod stops at 12 s
    ("", SLEEP % 13, BACKEND, _drain(30), 0),  # ... and at 13 s it has just finished
    ("terminationGracePeriodSeconds: 10", SLEEP % 15, BACKEND, _drain(30), 3),  # killed at 10 s
    ("", "lifecycle: {preStop: {sleep: {seconds: 14}}}", BACKEND, _drain(4), 0),
    ("", "lifecycle: {preStop: {httpGet: {path: /drain, port: 8080}}}", BACKEND, _drain(30), 20),
])
def test_a_rollout_timeline_counts_the_502s_of_one_leaving_pod(grace, lifecycle, backend, extra, failed):
    rollout = simulate_rollout(_state(grace, lifecycle, backend, extra), GCE, "default", "web", ("/", "/slow"))
    assert rollout.termination is not None and rollout.termination.detached == NEG_DETACH_SECONDS
    assert len(rollout.requests) == 2 * int(NEG_DETACH_SECONDS)
    assert len(rollout.failed) == failed, [(r.path, r.start, r.why) for r in rollout.failed]
    for request in rollout.failed:
        assert request.why  # every 502 says which edge of the timeline it met


def test_no_rollout_is_made_up_for_instance_groups():
    state = load_texts({"app.yaml": (APP % {"grace": "", "lifecycle": "", "backend": ""}).replace(
        "cloud.google.com/neg: '{\"ingress\": true}'", "x: y")})
    rollout = simulate_rollout(state, GCE, "default", "web")
    assert rollout.termination is None and "does not use a NEG" in rollout.problem

"""Per-snapshot work in the topology: what a cluster dump computes once, and says the same as before."""

from __future__ import annotations

from explorer.model import load
from explorer.routing import GCE, NGINX
from explorer.topology import ingress_rows, predicted_controller, predicted_sync, reconcile

from conftest import DATA

MISSING = DATA / "topology" / "missing-services"


def test_rows_naming_a_missing_service_say_what_the_namespace_has_instead():
    state = load([str(MISSING)])
    reasons = {(row.ingress, row.path): row.reason for row in ingress_rows(state, NGINX)}
    suffix = " (the Service must be in the Ingress's namespace)"
    assert reasons[("shop/shop", "/carts")] == "Service shop/carts not found; did you mean cart?" + suffix
    assert reasons[("shop/shop", "/carts-again")] == reasons[("shop/shop", "/carts")]
    assert reasons[("shop/shop", "/pay")] == \
        "Service shop/payments not found; Services in shop: cart, checkout" + suffix
    assert reasons[("blog/blog", "/")] == \
        "Service blog/cart not found; there are no Services in namespace blog" + suffix


def test_the_sync_from_scratch_is_made_once_per_snapshot_and_profile():
    state = load([str(MISSING)])
    controller, events = predicted_sync(state, GCE)
    again, events_again = predicted_sync(state, GCE)
    assert again is controller and predicted_controller(state, GCE) is controller
    assert events_again == events and events_again is not events  # the caller's own list
    fresh, fresh_events = reconcile(None, state, GCE)
    assert fresh.load_balancers == controller.load_balancers and fresh_events == events
    assert predicted_controller(state, NGINX) is not controller


BIG = """\
apiVersion: apps/v1
kind: Deployment
metadata: {name: big}
spec:
  replicas: 1000
  selector: {matchLabels: {app: big}}
  template:
    metadata: {labels: {app: big}}
    spec:
      containers: [{name: c, image: x, ports: [{containerPort: 80}]}]
---
apiVersion: v1
kind: Service
metadata: {name: big}
spec:
  selector: {app: big}
  ports: [{port: 80}]
---
apiVersion: networking.k8s.io/v1
kind: Ingress
metadata: {name: big}
spec:
  defaultBackend: {service: {name: big, port: {number: 80}}}
"""


def test_more_simulated_pods_than_the_nodes_have_slots_still_get_addresses():
    """Three nodes hold 750 addresses; 1,000 replicas once waited for a free slot forever."""
    from explorer.model import load_texts
    from explorer.topology.pods import all_pods

    pods = all_pods(load_texts({"big.yaml": BIG}), NGINX)
    ips = [p.ip for p in pods if p.namespace == "default"]
    assert len(ips) == 1000 and len(set(ips)) == 1000
    assert all(ip.startswith("10.52.") for ip in ips)

"""The Google Cloud network under a GKE Ingress: a NEG on a routes-based cluster, a firewall that drops probes.

Read from the Config Connector objects topology/network.py reads (ContainerCluster,
ComputeFirewall); nothing is reported when the manifests declare neither, since
then the tool knows nothing of the network.
"""

from __future__ import annotations

import json
from typing import Iterable, Iterator, Protocol

from explorer.diagnostics.finding import Finding
from explorer.diagnostics.site import Site, annotation_field
from explorer.model.objects import Service
from explorer.model.state import ClusterState
from explorer.routing.profile import ControllerProfile
from explorer.topology.controller import health_checks
from explorer.topology.flow import predicted_sync
from explorer.topology.network import HEALTH_CHECK_RANGES, firewall, neg_unusable

NEG = "cloud.google.com/neg"
_EVERYWHERE = ("0.0.0.0/0", "::/0")


class Use(Protocol):
    service: Service
    profile: ControllerProfile | None


def check(state: ClusterState, uses: Iterable[Use]) -> Iterator[Finding]:
    gke = [u for u in uses if u.profile is not None and u.profile.honours_neg_annotation]
    if not gke:
        return
    routes = neg_unusable(state)
    if routes:
        for use in gke:
            if _neg(use.service):
                yield Site(use.service.meta).finding(
                    "IE6018", annotation_field(NEG), f"NEG annotation on Service {use.service.meta.key}, but {routes}",
                    "on a routes-based cluster use instance groups (type: NodePort, no NEG annotation); NEGs "
                    "need a new VPC-native cluster (a routes-based one cannot be converted)")
    wall = firewall(state)
    if wall is None:
        return
    wanted = {u.service.meta.key for u in gke}
    seen: set[tuple[str, str]] = set()
    ports: set[int] = set()
    for profile in {u.profile.name: u.profile for u in gke if u.profile is not None}.values():
        controller, _ = predicted_sync(state, profile)
        for task in health_checks(controller):
            backend = controller.backends[task.backend_id]
            if backend.service_key not in wanted or task.kind != "load-balancer":
                continue
            ports.add(task.port)
            if task.blocked and (backend.service_key, task.blocked) not in seen:
                seen.add((backend.service_key, task.blocked))
                service = state.service(backend.namespace, backend.service)
                if service is None:
                    continue
                yield Site(service.meta).finding(
                    "IE6019", "spec.ports",
                    f"GKE's health checks of Service {service.meta.key} ({task.port_role}) never arrive: "
                    f"{task.blocked}, so every backend stays UNHEALTHY and the load balancer answers 502",
                    f"allow tcp:{task.port} from {' and '.join(HEALTH_CHECK_RANGES)} in an INGRESS rule that wins "
                    "over any deny rule (a lower priority number)")
    for other in state.others:
        if other.meta.kind != "ComputeFirewall":
            continue
        for rule in wall.rules:
            if rule.ref != other.meta.ref or rule.action != "allow":
                continue
            opened = sorted(p for p in ports if rule.matches(p))
            if opened and any(s in _EVERYWHERE for s in rule.sources):
                yield Site(other.meta).finding(
                    "IE6020", "spec.sourceRanges",
                    f"rule {rule.name} lets the whole Internet reach tcp:{', '.join(map(str, opened))}, the "
                    "port the load balancer's backends serve on",
                    f"the health checkers need only {' and '.join(HEALTH_CHECK_RANGES)}; clients come through "
                    "the load balancer, whose proxies use the same ranges")


def _neg(service: Service) -> bool:
    try:
        parsed = json.loads(service.meta.annotations.get(NEG, ""))
    except ValueError:
        return False
    return isinstance(parsed, dict) and parsed.get("ingress") is True

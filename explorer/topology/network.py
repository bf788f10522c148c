"""The Google Cloud network a GKE cluster sits in: its networking mode and its VPC firewall (pure).

Both are declared the way the lessons already declare reserved addresses: as
Config Connector objects among the manifests, standing for what `gcloud`
would show.

- `ContainerCluster` (container.cnrm.cloud.google.com): `spec.networkingMode`
  `VPC_NATIVE` or `ROUTES` (`spec.ipAllocationPolicy` alone means VPC-native).
  Container-native load balancing needs a VPC-native cluster: its Pod IPs are
  alias IPs of the VPC, which a network endpoint group can hold. On a
  routes-based cluster no endpoint can join a NEG (GKE docs, container-native
  load balancing, requirements), so a NEG backend has no endpoints at all.
  No ContainerCluster declared: the mode is unknown and nothing is assumed.
- `ComputeFirewall` (compute.cnrm.cloud.google.com): the VPC's firewall rules.
  Google's health checkers probe from 130.211.0.0/22 and 35.191.0.0/16
  (ingress-gce docs/faq/gce.md; GKE docs): the firewall must let both reach the
  port probed (NEG: the Pod's serving port; instance groups: the nodePort).
  When the manifests declare firewall rules, or the ContainerCluster's network
  is a Shared VPC's (spec.networkRef.external in a project other than its
  annotation cnrm.cloud.google.com/project-id), the declared rules are taken as
  the network's whole rule set: in a Shared VPC the GKE controller may not
  create its own rule and asks an admin to ("Firewall change required by
  security admin"; older versions say network admin). Otherwise GKE's own rule is assumed: probes get through.

GCP's rule order: enabled INGRESS rules matching protocol and port, the lowest
`priority` number first (default 1000), deny before allow at equal priority;
when none matches, the implied rule denies all ingress. Not modelled, and said
so in the reason: target tags and service accounts (a rule is taken to apply to
every node and Pod), source tags, and egress rules.
"""

from __future__ import annotations

import ipaddress
from dataclasses import dataclass
from typing import Any, Literal

from explorer.model.objects import OtherObject
from explorer.model.state import ClusterState

CONTAINER_GROUP = "container.cnrm.cloud.google.com/"
COMPUTE_GROUP = "compute.cnrm.cloud.google.com/"
#: Where Google's health checkers (and the load balancer's proxies) send from.
HEALTH_CHECK_RANGES = ("130.211.0.0/22", "35.191.0.0/16")

NetworkingMode = Literal["VPC_NATIVE", "ROUTES"]


@dataclass(frozen=True, slots=True)
class ClusterNetwork:
    mode: NetworkingMode | None  # None: no ContainerCluster declared, so unknown
    ref: str  # ContainerCluster/namespace/name, "" when none
    why: str
    #: The host project of a Shared VPC the cluster's network belongs to ("" when the network is its own).
    shared_vpc_host: str = ""


def _spec(obj: OtherObject) -> dict[str, Any]:
    raw = obj.meta.raw if isinstance(obj.meta.raw, dict) else {}
    spec = raw.get("spec")
    return spec if isinstance(spec, dict) else {}


def cluster_network(state: ClusterState) -> ClusterNetwork:
    """The cluster's networking mode, from the first Config Connector ContainerCluster in the manifests."""
    for other in state.others:
        if other.meta.kind != "ContainerCluster" or not other.meta.api_version.startswith(CONTAINER_GROUP):
            continue
        spec = _spec(other)
        host = _shared_vpc_host(other, spec)
        mode = spec.get("networkingMode")
        if mode in ("VPC_NATIVE", "ROUTES"):
            return ClusterNetwork(mode, other.meta.ref, f"{other.meta.ref} spec.networkingMode: {mode}", host)
        if isinstance(spec.get("ipAllocationPolicy"), dict):
            return ClusterNetwork("VPC_NATIVE", other.meta.ref, f"{other.meta.ref} has spec.ipAllocationPolicy", host)
        return ClusterNetwork("ROUTES", other.meta.ref,
                              f"{other.meta.ref} sets neither spec.networkingMode nor spec.ipAllocationPolicy "
                              "(Config Connector then makes a routes-based cluster)", host)
    return ClusterNetwork(None, "", "no ContainerCluster among the manifests: the networking mode is not known")


def _shared_vpc_host(obj: OtherObject, spec: dict[str, Any]) -> str:
    """The project of spec.networkRef.external when it is not the cluster's own (annotation project-id)."""
    ref = spec.get("networkRef")
    external = ref.get("external") if isinstance(ref, dict) else None
    own = obj.meta.annotations.get("cnrm.cloud.google.com/project-id", "")
    if not isinstance(external, str) or not external.startswith("projects/") or not own:
        return ""
    project = external.split("/")[1]
    return project if project != own else ""


def neg_unusable(state: ClusterState) -> str | None:
    """Why no endpoint can join a NEG on this cluster (routes-based), or None."""
    network = cluster_network(state)
    if network.mode != "ROUTES":
        return None
    return (f"the cluster is routes-based ({network.why}): Pod IPs are not alias IPs of the VPC, so no endpoint "
            "can join a network endpoint group; container-native load balancing needs a VPC-native cluster")


# ------------------------------------------------------------------ the firewall


@dataclass(frozen=True, slots=True)
class FirewallRule:
    name: str
    ref: str  # ComputeFirewall/namespace/name
    action: Literal["allow", "deny"]
    priority: int
    sources: tuple[str, ...]  # CIDRs as written
    ports: tuple[tuple[str, str], ...]  # (protocol, "80" or "8000-9000" or "" for all ports)
    unmodelled: tuple[str, ...] = ()  # fields the simulation does not read (targetTags ...)

    def matches(self, port: int) -> bool:
        for protocol, spec in self.ports:
            if protocol not in ("tcp", "all"):
                continue
            if not spec:
                return True
            low, _, high = spec.partition("-")
            try:
                if int(low) <= port <= int(high or low):
                    return True
            except ValueError:
                continue
        return False

    def networks(self) -> list[ipaddress.IPv4Network | ipaddress.IPv6Network]:
        found = []
        for source in self.sources:
            try:
                found.append(ipaddress.ip_network(source, strict=False))
            except ValueError:
                continue
        return found


@dataclass(frozen=True, slots=True)
class Firewall:
    """The VPC's ingress rules, as the manifests declare them."""

    rules: tuple[FirewallRule, ...]

    def blocked(self, port: int) -> str:
        """Why health-check probes to tcp:`port` are dropped ("" when every checker range gets through)."""
        for source in HEALTH_CHECK_RANGES:
            why = self._verdict(ipaddress.ip_network(source), port)
            if why:
                return why
        return ""

    def _verdict(self, wanted: ipaddress.IPv4Network | ipaddress.IPv6Network, port: int) -> str:
        order = sorted((r for r in self.rules if r.matches(port)), key=lambda r: (r.priority, r.action != "deny"))
        for rule in order:
            nets = [n for n in rule.networks() if n.version == wanted.version]
            overlapping = [n for n in nets if n.overlaps(wanted)]
            if not overlapping:
                continue
            caveat = f" (not read: {', '.join(rule.unmodelled)})" if rule.unmodelled else ""
            if rule.action == "deny":
                return (f"the VPC firewall drops the health checkers' probes from {wanted} to tcp:{port}: "
                        f"rule {rule.name} (priority {rule.priority}) denies them{caveat}")
            if any(wanted.subnet_of(n) for n in overlapping):  # type: ignore[arg-type]
                return ""
            return (f"the VPC firewall lets only part of {wanted} reach tcp:{port} (rule {rule.name} allows "
                    f"{', '.join(rule.sources)}); Google's health checkers probe from all of it{caveat}")
        return (f"the VPC firewall drops the health checkers' probes from {wanted} to tcp:{port}: no rule allows "
                "them, and the implied rule denies all ingress")


def firewall(state: ClusterState) -> Firewall | None:
    """The declared firewall, or None when the manifests declare no rule (GKE's own rule lets probes in).

    A cluster in a Shared VPC has the declared rules and nothing else, even none: the
    controller cannot add its own rule to the host project's network."""
    rules = []
    for other in state.others:
        if other.meta.kind != "ComputeFirewall" or not other.meta.api_version.startswith(COMPUTE_GROUP):
            continue
        spec = _spec(other)
        if spec.get("disabled") is True or str(spec.get("direction", "INGRESS")).upper() != "INGRESS":
            continue
        priority = spec.get("priority", 1000)
        priority = priority if isinstance(priority, int) and not isinstance(priority, bool) else 1000
        sources = spec.get("sourceRanges")
        sources = tuple(str(s) for s in sources) if isinstance(sources, list) else ()
        unmodelled = tuple(k for k in ("targetTags", "targetServiceAccounts", "sourceTags", "sourceServiceAccounts")
                           if spec.get(k))
        for action in ("allow", "deny"):
            items = spec.get(action)
            if not isinstance(items, list):
                continue
            ports: list[tuple[str, str]] = []
            for item in items:
                if not isinstance(item, dict):
                    continue
                protocol = str(item.get("protocol", "")).lower()
                listed = item.get("ports")
                if isinstance(listed, list) and listed:
                    ports += [(protocol, str(p)) for p in listed]
                else:
                    ports.append((protocol, ""))
            rules.append(FirewallRule(other.meta.name, other.meta.ref, action, priority, sources,
                                      tuple(ports), unmodelled))
    found = [o for o in state.others if o.meta.kind == "ComputeFirewall"
             and o.meta.api_version.startswith(COMPUTE_GROUP)]
    return Firewall(tuple(rules)) if found or cluster_network(state).shared_vpc_host else None

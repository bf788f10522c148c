"""Names and addresses the simulated cluster makes up, always the same for the same input.

A real cluster hands out Pod names, Pod IPs, nodePorts and load-balancer
addresses at random. Here they are derived from a hash of what they belong
to, so a diagram, a test and a lesson check all see `site01-6d4cf56db6-x7k2p`
every time, and nothing depends on load order.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from hashlib import sha256
else:
    try:  # CPython's own SHA-256: the same digests as hashlib's, without loading OpenSSL (2 ms of every start)
        from _sha256 import sha256  # 3.11
    except ImportError:
        try:
            from _sha2 import sha256  # 3.12 and later
        except ImportError:  # another Python
            from hashlib import sha256

#: The characters Kubernetes uses in generated names (k8s.io/apimachinery rand.SafeEncodeString):
#: no vowels, no 0/1/3, so no words and no look-alikes.
SAFE_ALPHABET = "bcdfghjklmnpqrstvwxz2456789"

#: The simulated cluster: three nodes in one GKE-style pool.
CLUSTER_NAME = "explorer"
NODE_COUNT = 3
POD_SLOTS = 250  # Pod addresses per node's /24: .2 to .251
NODE_PORT_RANGE = (30000, 32767)

#: ingress-gce tags every resource with the cluster's UID; ours is fixed.
CLUSTER_UID = sha256(b"ingress-explorer cluster").hexdigest()[:16]


def digest(*parts: object) -> bytes:
    return sha256("\x00".join(str(p) for p in parts).encode()).digest()


def safe_string(length: int, *parts: object) -> str:
    data = digest(*parts)
    return "".join(SAFE_ALPHABET[b % len(SAFE_ALPHABET)] for b in data[:length])


def hex_string(length: int, *parts: object) -> str:
    return digest(*parts).hex()[:length]


def number(modulo: int, *parts: object) -> int:
    return int.from_bytes(digest(*parts)[:8], "big") % modulo


# ------------------------------------------------------------------ Pods and nodes


def pod_name(kind: str, namespace: str, workload: str, index: int) -> str:
    """The name the controller of `kind` would give its `index`th Pod.

    Deployment: `<name>-<pod-template-hash>-<5>`; StatefulSet: `<name>-<ordinal>`;
    ReplicaSet and DaemonSet: `<name>-<5>`; a bare Pod keeps its own name.
    """
    if kind == "Pod":
        return workload
    if kind == "StatefulSet":
        return f"{workload}-{index}"
    suffix = safe_string(5, "pod", kind, namespace, workload, index)
    if kind == "Deployment":
        return f"{workload}-{safe_string(10, 'rs', namespace, workload)}-{suffix}"
    return f"{workload}-{suffix}"


def node_name(index: int) -> str:
    return f"gke-{CLUSTER_NAME}-default-pool-{hex_string(8, 'pool')}-{safe_string(4, 'node', index)}"


def node_ip(index: int) -> str:
    return f"10.128.0.{index + 2}"


def node_of(pod: str) -> int:
    """Which node a Pod is scheduled on (a spread, as the scheduler would)."""
    return number(NODE_COUNT, "node-of", pod)


def pod_ip(block: int, slot: int) -> str:
    """The Pod range 10.52.0.0/14: GKE gives node N the /24 10.52.N.0 (blocks past 255 go on in 10.53...)."""
    return f"10.{52 + block // 256}.{block % 256}.{slot}"


def pod_ip_slot(namespace: str, pod: str, attempt: int) -> int:
    return 2 + number(POD_SLOTS, "pod-ip", namespace, pod, attempt)


def cluster_ip(namespace: str, service: str) -> str:
    n = number(65_000, "cluster-ip", namespace, service)
    return f"10.96.{n // 250}.{n % 250 + 2}"


def node_port(namespace: str, service: str, port: int) -> int:
    """The nodePort the apiserver would allocate when the manifest names none."""
    low, high = NODE_PORT_RANGE
    return low + number(high - low + 1, "node-port", namespace, service, port)


# ------------------------------------------------------------------ addresses


def external_address(*parts: object) -> str:
    """A public-looking IPv4 address in 34.64.0.0/10, where Google hands out load-balancer IPs."""
    data = digest("address", *parts)
    return f"34.{64 + data[0] % 64}.{data[1]}.{1 + data[2] % 254}"


# ------------------------------------------------------------------ GCE resource names


def _trim_evenly(limit: int, *fields: str) -> list[str]:
    """Shorten the longest fields first until their total length fits (ingress-gce TrimFieldsEvenly)."""
    out = list(fields)
    while sum(len(f) for f in out) > limit:
        longest = max(range(len(out)), key=lambda i: len(out[i]))
        out[longest] = out[longest][:-1]
    return out


def gce_ig_backend(node_port_number: int) -> str:
    """Backend service (and health check) of a NodePort Service port, instance-group mode."""
    return f"k8s-be-{node_port_number}--{CLUSTER_UID}"


def gce_neg_backend(namespace: str, service: str, port: int) -> str:
    """Backend service (and NEG, and health check) of a Service port in container-native mode."""
    ns, name, port_text = _trim_evenly(38, namespace, service, str(port))
    return f"k8s1-{CLUSTER_UID[:8]}-{ns}-{name}-{port_text}-{hex_string(8, 'neg', namespace, service, port)}"


def gce_frontend(resource: str, namespace: str, ingress: str) -> str:
    """URL map (um), target proxies (tp, ts) and forwarding rules (fr, fs) of one Ingress (v2 naming)."""
    ns, name = _trim_evenly(36, namespace, ingress)
    cluster = safe_string(8, "cluster", CLUSTER_UID)
    return f"k8s2-{resource}-{cluster}-{ns}-{name}-{safe_string(8, 'lb', namespace, ingress)}"

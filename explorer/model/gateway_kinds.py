"""Which apiVersions and kinds are Gateway API, and which of them are simulated.

Kept apart from the typed objects (gateway.py) and their decoder so that the
loader can tell a Gateway API document by its apiVersion and kind before it
imports either: a command over Ingress manifests never pays for them.
"""

from __future__ import annotations

GROUP = "gateway.networking.k8s.io"

#: kind -> the apiVersions of it that are built into typed objects.
SIMULATED_VERSIONS: dict[str, tuple[str, ...]] = {
    "GatewayClass": (f"{GROUP}/v1", f"{GROUP}/v1beta1"),
    "Gateway": (f"{GROUP}/v1", f"{GROUP}/v1beta1"),
    "HTTPRoute": (f"{GROUP}/v1", f"{GROUP}/v1beta1"),
    "ReferenceGrant": (f"{GROUP}/v1", f"{GROUP}/v1beta1"),
}

#: Kinds of the Gateway API the tool lists but does not route, and what that means.
NOT_SIMULATED: dict[str, str] = {
    "GRPCRoute": "gRPC requests are not routed through it",
    "TLSRoute": "TLS passthrough by SNI is not routed through it",
    "TCPRoute": "TCP streams are not routed through it",
    "UDPRoute": "UDP datagrams are not routed through it",
    "BackendTLSPolicy": "connections from the Gateway to backends stay plain HTTP",
    "ListenerSet": "its listeners are not added to the parent Gateway",
    "XListenerSet": "its listeners are not added to the parent Gateway",
    "XBackendTrafficPolicy": "retry budgets and session persistence are not applied",
    "XMesh": "mesh (east-west) routing is not modelled",
    "BackendLBPolicy": "session persistence is not applied",
}

#: The served versions of the group; anything else is an unknown version.
SERVED_GROUPS = (GROUP, "gateway.networking.x-k8s.io")


def is_gateway_api(api_version: str) -> bool:
    return api_version.split("/", 1)[0] in SERVED_GROUPS

"""Gateway API implementations as data: where they differ at the edges the spec leaves open.

The default follows the conformance suite (kubernetes-sigs/gateway-api
conformance/tests, @4564255); what the spec calls implementation-specific
(the regex flavour, how RegularExpression paths rank) is a field here and is
named in the trace whenever it decides an answer.
"""

from __future__ import annotations

from dataclasses import dataclass

from explorer.routing.gateway.regex import FLAVOUR


@dataclass(frozen=True, slots=True)
class GatewayImplementation:
    name: str
    title: str
    #: gatewayClassName values (or GatewayClass spec.controllerName values) that select this implementation.
    gateway_classes: tuple[str, ...]
    controller_names: tuple[str, ...]
    #: How RegularExpression header, query and path values are evaluated.
    regex_flavour: str
    #: Rank of the path match types, highest first (the spec fixes Exact over PathPrefix; regex is open).
    path_type_order: tuple[str, ...]
    #: Filter types the implementation applies; another one makes the route Accepted=False UnsupportedValue.
    supported_filters: tuple[str, ...]
    #: Path match types it accepts; another one makes the route Accepted=False UnsupportedValue.
    supported_path_types: tuple[str, ...]
    source: str


CONFORMANCE = GatewayImplementation(
    name="conformance",
    title="Gateway API (as the conformance suite expects)",
    gateway_classes=(),
    controller_names=(),
    regex_flavour=FLAVOUR + " (Envoy's safe_regex, as Envoy Gateway, Istio and Cilium configure it)",
    path_type_order=("Exact", "PathPrefix", "RegularExpression"),
    supported_filters=("RequestHeaderModifier", "ResponseHeaderModifier", "RequestRedirect", "URLRewrite",
                       "RequestMirror", "ExtensionRef", "CORS", "ExternalAuth"),
    supported_path_types=("Exact", "PathPrefix", "RegularExpression"),
    source="kubernetes-sigs/gateway-api apis/v1/httproute_types.go and conformance/tests @4564255; "
           "regex rank after PathPrefix is our choice (the spec: implementation-specific)",
)

GKE = GatewayImplementation(
    name="gke",
    title="GKE Gateway controller",
    gateway_classes=("gke-l7-global-external-managed", "gke-l7-regional-external-managed", "gke-l7-rilb",
                     "gke-l7-gxlb", "gke-l7-global-external-managed-mc", "gke-l7-regional-external-managed-mc",
                     "gke-l7-rilb-mc", "gke-l7-gxlb-mc"),
    controller_names=("networking.gke.io/gateway",),
    regex_flavour=FLAVOUR + " (Google Cloud URL maps)",
    path_type_order=("Exact", "PathPrefix", "RegularExpression"),
    # The GKE Gateway feature table names no ExtensionRef, CORS or ExternalAuth for HTTPRoute filters;
    # not verified against a live GKE here: the trace says so when one decides an answer.
    supported_filters=("RequestHeaderModifier", "ResponseHeaderModifier", "RequestRedirect", "URLRewrite",
                       "RequestMirror"),
    supported_path_types=("Exact", "PathPrefix", "RegularExpression"),
    source="GKE docs 'GatewayClass capabilities' (not verified against a cluster here)",
)

IMPLEMENTATIONS: dict[str, GatewayImplementation] = {i.name: i for i in (CONFORMANCE, GKE)}


def implementation_for(gateway_class_name: str, controller_name: str = "") -> GatewayImplementation:
    """The implementation a Gateway's class names, else the conformance default."""
    for impl in IMPLEMENTATIONS.values():
        if gateway_class_name in impl.gateway_classes or (controller_name and controller_name in impl.controller_names):
            return impl
    return CONFORMANCE

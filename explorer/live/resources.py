"""The kinds read from a cluster, and how each one is trimmed before anything keeps it.

Only what explains a request's way through the cluster is read: Ingresses and
their classes, Services, the Pods and workloads behind them, EndpointSlices
for readiness, Secrets for TLS, and GKE's BackendConfig/FrontendConfig when
their CRDs exist. ReplicaSets are left out: a Deployment and its Pods say all
a ReplicaSet would, and old ones pile up by the hundred.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

LAST_APPLIED = "kubectl.kubernetes.io/last-applied-configuration"


@dataclass(frozen=True, slots=True)
class Resource:
    kind: str
    group: str  # "" for the core group
    version: str
    plural: str
    namespaced: bool = True
    #: a CRD: look it up in discovery first, and skip it quietly where it is not installed
    optional: bool = False
    #: what the user loses when this kind cannot be read (said in the Forbidden message)
    loss: str = ""

    @property
    def api_version(self) -> str:
        return f"{self.group}/{self.version}" if self.group else self.version

    @property
    def resource(self) -> str:
        """The name RBAC rules and `kubectl auth can-i` use: plural.group."""
        return f"{self.plural}.{self.group}" if self.group else self.plural

    def path(self, namespace: str | None) -> str:
        """The collection's REST path; namespace None means every namespace (or a cluster-scoped kind)."""
        base = f"/apis/{self.group}/{self.version}" if self.group else f"/api/{self.version}"
        if self.namespaced and namespace is not None:
            return f"{base}/namespaces/{namespace}/{self.plural}"
        return f"{base}/{self.plural}"


INGRESSES = Resource("Ingress", "networking.k8s.io", "v1", "ingresses",
                     loss="no Ingress rules can be shown or routed")
INGRESS_CLASSES = Resource("IngressClass", "networking.k8s.io", "v1", "ingressclasses", namespaced=False,
                           loss="spec.ingressClassName cannot be matched to a controller")
SERVICES = Resource("Service", "", "v1", "services", loss="backends cannot be followed to their Pods")
ENDPOINT_SLICES = Resource("EndpointSlice", "discovery.k8s.io", "v1", "endpointslices",
                           loss="Service endpoints are shown from Pod readiness only")
ENDPOINTS = Resource("Endpoints", "", "v1", "endpoints",
                     loss="Service endpoints are shown from Pod readiness only")
PODS = Resource("Pod", "", "v1", "pods", loss="Pods, their readiness and addresses are not shown")
DEPLOYMENTS = Resource("Deployment", "apps", "v1", "deployments", loss="Deployments are not shown")
STATEFUL_SETS = Resource("StatefulSet", "apps", "v1", "statefulsets", loss="StatefulSets are not shown")
DAEMON_SETS = Resource("DaemonSet", "apps", "v1", "daemonsets", loss="DaemonSets are not shown")
SECRETS = Resource("Secret", "", "v1", "secrets", loss="TLS Secrets cannot be checked")
BACKEND_CONFIGS = Resource("BackendConfig", "cloud.google.com", "v1", "backendconfigs", optional=True,
                           loss="GKE health-check settings (BackendConfig) are not shown")
FRONTEND_CONFIGS = Resource("FrontendConfig", "networking.gke.io", "v1beta1", "frontendconfigs", optional=True,
                            loss="GKE FrontendConfig (HTTPS redirect, SSL policy) is not shown")

#: Read in this order; the state lists objects in it too.
RESOURCES: tuple[Resource, ...] = (
    INGRESS_CLASSES, INGRESSES, SERVICES, ENDPOINT_SLICES, DEPLOYMENTS, STATEFUL_SETS, DAEMON_SETS, PODS,
    SECRETS, BACKEND_CONFIGS, FRONTEND_CONFIGS,
)

#: Where the first choice cannot be read (forbidden, or too old a cluster), read this instead.
FALLBACKS: dict[Resource, Resource] = {ENDPOINT_SLICES: ENDPOINTS}


def trim(resource: Resource, obj: dict[str, Any]) -> dict[str, Any]:
    """Make one object from the API fit to keep: typed, and with nothing secret or bulky left in it.

    Runs on every object as soon as its JSON is parsed, before it is stored,
    normalised, recorded or shown. Secret values are replaced by empty
    strings, so the key names (`tls.crt`, `tls.key`) stay checkable and the
    values never exist past this line. kubectl's last-applied annotation goes
    too: on a Secret it holds the data a second time.
    """
    obj["kind"] = resource.kind  # list items from the apiserver carry neither
    obj["apiVersion"] = resource.api_version
    meta = obj.get("metadata")
    if isinstance(meta, dict):
        meta.pop("managedFields", None)
        annotations = meta.get("annotations")
        if isinstance(annotations, dict):
            annotations.pop(LAST_APPLIED, None)
    if resource is SECRETS:
        for section in ("data", "stringData"):
            values = obj.get(section)
            if isinstance(values, dict):
                obj[section] = {key: "" for key in values}
            elif values is not None:
                obj.pop(section)
    return obj

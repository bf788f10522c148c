"""The Kubernetes objects the tool understands, as typed, read-only values.

Ingress is held in one v1-shaped form whatever apiVersion it was written in;
what the author actually wrote (apiVersion, `serviceName`, `spec.backend`, a
missing pathType) is remembered so messages can speak the author's words.
"""

from __future__ import annotations

from typing import Any, Mapping

from explorer.model.location import Location
from explorer.model.value import field, value

PATH_TYPES = ("Exact", "Prefix", "ImplementationSpecific")


@value
class ObjectMeta:
    """What every object has: its kind, name, namespace, labels and annotations, and where it was read."""

    api_version: str
    kind: str
    name: str
    namespace: str  # "" for cluster-scoped kinds
    location: Location
    labels: Mapping[str, str] = field(default_factory=dict)
    annotations: Mapping[str, str] = field(default_factory=dict)
    creation_timestamp: str = ""
    order: int = 0  # load order; stands for creation order when no timestamp is given
    raw: Any = None  # the document as loaded (LDict), for field lines and the manifest view

    @property
    def ref(self) -> str:
        if self.namespace:
            return f"{self.kind}/{self.namespace}/{self.name}"
        return f"{self.kind}/{self.name}"

    @property
    def key(self) -> str:
        """namespace/name, the way kubectl and controllers name an object."""
        return f"{self.namespace}/{self.name}" if self.namespace else self.name


# ---------------------------------------------------------------- Ingress


@value
class ServiceBackend:
    """An Ingress backend's `service`: a Service and its port, by number or by name."""

    name: str
    port_number: int | None = None
    port_name: str | None = None

    @property
    def port(self) -> str:
        """The port as the Ingress wrote it: a number or a name."""
        if self.port_number is not None:
            return str(self.port_number)
        return self.port_name or ""

    def __str__(self) -> str:
        return f"{self.name}:{self.port}"


@value
class ResourceBackend:
    """An Ingress backend's `resource`: an object of another kind (a bucket, say) instead of a Service."""

    kind: str
    name: str
    api_group: str = ""

    def __str__(self) -> str:
        group = f"{self.api_group}/" if self.api_group else ""
        return f"{group}{self.kind}/{self.name}"


@value
class IngressBackend:
    """One backend an Ingress names (a path's or the default), with the field that wrote it."""

    service: ServiceBackend | None
    resource: ResourceBackend | None
    field: str  # e.g. spec.rules[0].http.paths[1].backend
    location: Location

    def __str__(self) -> str:
        if self.service is not None:
            return str(self.service)
        if self.resource is not None:
            return str(self.resource)
        return "(no backend)"


@value
class HTTPIngressPath:
    """One `paths` entry of a rule: the path, its pathType and its backend."""

    path: str | None  # None when a v1beta1 manifest left it out
    path_type: str  # as written, or "ImplementationSpecific" when v1beta1 left it out
    backend: IngressBackend
    field: str
    location: Location
    path_type_given: bool = True

    @property
    def shown_path(self) -> str:
        return self.path if self.path is not None else "(no path)"


@value
class IngressRule:
    """One `rules` entry: a host (or none) and its paths."""

    host: str  # "" when the rule names no host
    paths: tuple[HTTPIngressPath, ...] | None  # None when the rule has no `http`
    field: str
    location: Location


@value
class IngressTLS:
    """One `tls` entry: the hosts a Secret's certificate is served for."""

    hosts: tuple[str, ...]
    secret_name: str
    field: str
    location: Location


@value
class Ingress:
    """An Ingress in its v1 shape, whatever apiVersion it was written in (`spelled` says how it was)."""

    meta: ObjectMeta
    ingress_class_name: str | None
    default_backend: IngressBackend | None
    rules: tuple[IngressRule, ...]
    tls: tuple[IngressTLS, ...]
    #: v1 field names -> how this manifest spelled them, when it differs
    #: (e.g. "spec.defaultBackend" -> "spec.backend").
    spelled: Mapping[str, str] = field(default_factory=dict)
    #: status.loadBalancer.ingress[0] (ip, else hostname): the address a real
    #: controller published, in a live cluster or a `kubectl get -o yaml` dump.
    reported_address: str | None = None

    @property
    def class_annotation(self) -> str | None:
        return self.meta.annotations.get("kubernetes.io/ingress.class")

    @property
    def is_beta(self) -> bool:
        return self.meta.api_version != "networking.k8s.io/v1"

    def annotation(self, name: str) -> str | None:
        return self.meta.annotations.get(name)


@value
class IngressClass:
    """An IngressClass: which controller serves the Ingresses of that class, and whether it is the default."""

    meta: ObjectMeta
    controller: str
    is_default: bool


# ---------------------------------------------------------------- Service


@value
class ServicePort:
    """One port of a Service: the port clients use, where it leads in the Pods, and its nodePort."""

    name: str  # "" when unnamed
    port: int
    target_port: int | str  # defaults to `port`
    node_port: int | None
    protocol: str
    app_protocol: str | None
    field: str
    location: Location

    def __str__(self) -> str:
        return f"{self.port} ({self.name})" if self.name else str(self.port)


@value
class Service:
    """A Service: its type, ports and selector (which Pods answer for it)."""

    meta: ObjectMeta
    type: str
    ports: tuple[ServicePort, ...]
    selector: Mapping[str, str] | None
    cluster_ip: str | None
    external_name: str | None

    @property
    def headless(self) -> bool:
        return self.cluster_ip == "None"

    def find_port(self, backend: ServiceBackend) -> ServicePort | None:
        """The port an Ingress backend names: by number, or by name.

        An unnamed port matches only when its number matches (peers get this
        wrong and let any number match an unnamed port).
        """
        for port in self.ports:
            if backend.port_number is not None and port.port == backend.port_number:
                return port
            if backend.port_name and port.name == backend.port_name:
                return port
        return None


# ---------------------------------------------------------------- Pods


@value
class ContainerPort:
    """One port a container declares (by name, a Service's targetPort can point at it)."""

    name: str
    container_port: int
    protocol: str


@value
class Probe:
    """A container's readiness or liveness probe, as the kubelet (and GKE's health check) reads it."""

    kind: str  # httpGet, tcpSocket, exec, grpc
    path: str | None = None
    port: int | str | None = None
    scheme: str = "HTTP"
    host: str | None = None
    headers: tuple[tuple[str, str], ...] = ()
    initial_delay_seconds: int = 0
    period_seconds: int = 10
    timeout_seconds: int = 1
    success_threshold: int = 1
    failure_threshold: int = 3
    field: str = ""
    location: Location | None = None


@value
class Container:
    """One container of a Pod template: its ports and probes."""

    name: str
    image: str
    ports: tuple[ContainerPort, ...]
    readiness_probe: Probe | None
    liveness_probe: Probe | None
    field: str
    location: Location

    def find_port(self, target: int | str) -> ContainerPort | None:
        for port in self.ports:
            if isinstance(target, int) and port.container_port == target:
                return port
            if isinstance(target, str) and port.name == target:
                return port
        return None


@value
class PodTemplate:
    """The Pods a workload makes: their labels (what Services select) and containers."""

    labels: Mapping[str, str]
    annotations: Mapping[str, str]
    containers: tuple[Container, ...]
    field: str  # "spec.template" for workloads, "" for a bare Pod


@value
class Workload:
    """A Deployment, StatefulSet, DaemonSet, ReplicaSet, ReplicationController or a bare Pod."""

    meta: ObjectMeta
    replicas: int  # a bare Pod counts 1; a DaemonSet counts 1 (one node here)
    selector: Mapping[str, str] | None
    template: PodTemplate
    #: For a Pod read from a live cluster or a dump: its readiness and address.
    ready: bool | None = None
    pod_ip: str | None = None
    phase: str | None = None

    @property
    def is_pod(self) -> bool:
        return self.meta.kind == "Pod"


# ---------------------------------------------------------------- others


@value
class Secret:
    """A Secret's type and key names. Its data is never read into the model."""

    meta: ObjectMeta
    type: str
    keys: tuple[str, ...]


@value
class EndpointAddress:
    """One address of an Endpoints object or EndpointSlice, and whether it is ready."""

    ip: str
    ready: bool
    target: str  # "Pod/name" or ""


@value
class Endpoints:
    """Endpoints or an EndpointSlice, reduced to addresses per Service."""

    meta: ObjectMeta
    service_name: str
    addresses: tuple[EndpointAddress, ...]
    ports: tuple[tuple[str, int], ...]


@value
class OtherObject:
    """Any kind the tool does not model; kept so it can be listed and linted."""

    meta: ObjectMeta

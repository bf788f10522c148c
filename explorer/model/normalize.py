"""Turn one loaded document into a typed object, with what was wrong with it.

The three Ingress apiVersions become one v1-shaped `Ingress`; the spellings
the author used are kept in `Ingress.spelled` and in the problems' wording.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, Callable, TypeAlias

from explorer.model.fields import line_of
from explorer.model.gateway_kinds import NOT_SIMULATED, SIMULATED_VERSIONS, is_gateway_api
from explorer.model.location import Location, Problem
from explorer.model.objects import (
    PATH_TYPES, Container, ContainerPort, EndpointAddress, Endpoints, HTTPIngressPath, Ingress,
    IngressBackend, IngressClass, IngressRule, IngressTLS, ObjectMeta, OtherObject, PodTemplate,
    Probe, ResourceBackend, Secret, Service, ServiceBackend, ServicePort, Workload,
)
from explorer.model.schema import field_errors
from explorer.model.value import field, record

#: Kinds that live outside namespaces (the ones people put in manifests).
CLUSTER_SCOPED = frozenset({
    "IngressClass", "Namespace", "Node", "ClusterRole", "ClusterRoleBinding", "PersistentVolume",
    "StorageClass", "CustomResourceDefinition", "PriorityClass", "APIService",
    "ValidatingWebhookConfiguration", "MutatingWebhookConfiguration", "RuntimeClass",
    "GatewayClass", "ClusterIssuer",
})

BETA_INGRESS = ("networking.k8s.io/v1beta1", "extensions/v1beta1")
WORKLOAD_KINDS = ("Deployment", "StatefulSet", "DaemonSet", "ReplicaSet", "ReplicationController", "Pod")

if TYPE_CHECKING:
    from explorer.model.gateway import Gateway, GatewayClass, HTTPRoute, ReferenceGrant

    Model: TypeAlias = (Ingress | IngressClass | Service | Workload | Secret | Endpoints | OtherObject
                        | GatewayClass | Gateway | HTTPRoute | ReferenceGrant)
else:
    def __getattr__(name: str) -> Any:
        """`Model` made on first use: the Gateway API classes are imported only where they are wanted."""
        if name == "Model":
            from explorer.model.gateway import Gateway, GatewayClass, HTTPRoute, ReferenceGrant

            globals()["Model"] = model = (Ingress | IngressClass | Service | Workload | Secret | Endpoints
                                          | OtherObject | GatewayClass | Gateway | HTTPRoute | ReferenceGrant)
            return model
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


@record
class Normalized:
    obj: Model | None
    problems: list[Problem] = field(default_factory=list)


class _Reader:
    """Holds one document while it is normalised; collects problems."""

    def __init__(self, raw: dict[str, Any], file: str, ref: str) -> None:
        self.raw = raw
        self.file = file
        self.ref = ref
        self.problems: list[Problem] = []

    def loc(self, path: str) -> Location:
        return Location(self.file, line_of(self.raw, path))

    def problem(self, path: str, message: str, hint: str = "", severity: str = "error") -> None:
        self.problems.append(Problem(self.loc(path), message, severity, path, hint, self.ref))  # type: ignore[arg-type]


def normalize(raw: Any, file: str, line: int, order: int, default_namespace: str) -> Normalized:
    """One document -> one model object (or None when it must be skipped)."""
    here = Location(file, line)
    if not isinstance(raw, dict):
        return Normalized(None, [Problem(here, "a Kubernetes object must be a mapping with apiVersion and kind", skipped=True)])
    api_version, kind = raw.get("apiVersion"), raw.get("kind")
    missing = [name for name, value in (("apiVersion", api_version), ("kind", kind)) if not value]
    if missing:
        return Normalized(None, [Problem(here, f"{' and '.join(missing)} not set", field=missing[0],
                                         hint="every object needs apiVersion and kind", skipped=True)])
    if not isinstance(api_version, str) or not isinstance(kind, str):
        field = "apiVersion" if not isinstance(api_version, str) else "kind"
        return Normalized(None, [Problem(Location(file, line_of(raw, field) or line),
                                         "apiVersion and kind must be strings", field=field,
                                         hint='quote the value, e.g. apiVersion: "v1"', skipped=True)])
    metadata = raw.get("metadata")
    if metadata is not None and not isinstance(metadata, dict):
        return Normalized(None, [Problem(Location(file, line_of(raw, "metadata") or line),
                                         f"{kind}: metadata must be a mapping", field="metadata", skipped=True)])
    metadata = metadata or {}
    name = metadata.get("name") or metadata.get("generateName")
    if not name or not isinstance(name, str):
        return Normalized(None, [Problem(Location(file, line_of(raw, "metadata") or line),
                                         f"{kind} has no metadata.name", field="metadata.name",
                                         hint="name the object", skipped=True)])
    namespace = "" if kind in CLUSTER_SCOPED else (metadata.get("namespace") or default_namespace)
    ref = f"{kind}/{namespace}/{name}" if namespace else f"{kind}/{name}"
    reader = _Reader(raw, file, ref)

    errors = field_errors(raw, api_version, kind)  # the apiserver's strict decoding, per Kubernetes release
    if errors is not None:
        reader.problems += [
            Problem(Location(file, e.line or line), e.message, "error", e.field, e.hint, ref, skipped=e.fatal)
            for e in errors
        ]
        if any(e.fatal for e in errors):  # the apiserver could not decode it at all
            return Normalized(None, reader.problems)

    if kind in CLUSTER_SCOPED and metadata.get("namespace"):
        reader.problem("metadata.namespace", f"{kind} is cluster-scoped; metadata.namespace is ignored",
                       severity="warning")

    meta = ObjectMeta(
        api_version=api_version, kind=kind, name=name, namespace=namespace, location=here,
        labels=dict(metadata.get("labels") or {}),
        annotations=dict(metadata.get("annotations") or {}),
        creation_timestamp=str(metadata.get("creationTimestamp") or ""),
        order=order, raw=raw,
    )
    builder = _BUILDERS.get(kind)
    if is_gateway_api(api_version):
        builder = None
        if api_version in SIMULATED_VERSIONS.get(kind, ()):
            from explorer.model import gateway_decode  # only for Gateway API documents: Ingress-only loads skip it

            builder = gateway_decode.BUILDERS.get(kind)
        if builder is None:
            _gateway_not_simulated(reader, api_version, kind)
    elif kind in SIMULATED_VERSIONS:  # the kinds gateway_decode.BUILDERS builds
        builder = None  # a Gateway of some other API group is not ours
    if builder is None or (kind == "Ingress" and api_version not in ("networking.k8s.io/v1", *BETA_INGRESS)):
        return Normalized(OtherObject(meta), reader.problems)
    return Normalized(builder(reader, meta), reader.problems)


def _gateway_not_simulated(r: _Reader, api_version: str, kind: str) -> None:
    """A Gateway API kind listed but not routed: said once per object, never silent."""
    if kind in NOT_SIMULATED:
        r.problem("kind", f"{kind} ({api_version}) is recognised but not simulated: {NOT_SIMULATED[kind]}",
                  hint="only HTTPRoute traffic through Gateway listeners is simulated", severity="warning")
    elif kind in SIMULATED_VERSIONS:
        r.problem("apiVersion", f"{api_version} {kind} is not a served version; it is listed, not simulated",
                  hint=f"write apiVersion: {SIMULATED_VERSIONS[kind][0]}", severity="warning")


# ---------------------------------------------------------------- Ingress


def _backend(r: _Reader, value: Any, path: str, beta: bool) -> IngressBackend:
    value = value or {}
    resource = None
    if value.get("resource"):
        res = value["resource"]
        resource = ResourceBackend(res.get("kind") or "", res.get("name") or "", res.get("apiGroup") or "")
    service = None
    if beta:
        if value.get("serviceName") is not None or value.get("servicePort") is not None:
            port = value.get("servicePort")
            service = ServiceBackend(
                value.get("serviceName") or "",
                port if isinstance(port, int) else None,
                port if isinstance(port, str) else None,
            )
            if not value.get("serviceName"):
                r.problem(f"{path}.serviceName", "Required value: serviceName is required")
            if port is None:
                r.problem(f"{path}.servicePort", "Required value: servicePort is required")
    elif value.get("service") is not None:
        svc = value["service"] or {}
        port = svc.get("port") or {}
        service = ServiceBackend(svc.get("name") or "", port.get("number"), port.get("name"))
        if not svc.get("name"):
            r.problem(f"{path}.service.name", "Required value: service name is required")
        if port.get("number") is None and not port.get("name"):
            r.problem(f"{path}.service.port", "Required value: port name or number is required")
        elif port.get("number") is not None and port.get("name"):
            r.problem(f"{path}.service.port", "Invalid value: cannot set both port name & port number")
    if service is None and resource is None:
        r.problem(path, "Required value: resource or service backend is required",
                  hint="add service.name and service.port.number" if not beta else "add serviceName and servicePort")
    elif service is not None and resource is not None:
        r.problem(path, "Invalid value: cannot set both resource and service backends")
    return IngressBackend(service, resource, path, r.loc(path))


def _ingress(r: _Reader, meta: ObjectMeta) -> Ingress:
    beta = meta.api_version in BETA_INGRESS
    spec = r.raw.get("spec") or {}
    spelled: dict[str, str] = {}
    if beta:
        r.problem(
            "apiVersion",
            f"{meta.api_version} Ingress is no longer served (removed in Kubernetes 1.22)",
            hint="write apiVersion: networking.k8s.io/v1 with backend.service.name, "
                 "backend.service.port.number (or .name), spec.defaultBackend and an explicit pathType",
            severity="warning",
        )
        spelled = {"spec.defaultBackend": "spec.backend", "service.name": "serviceName",
                   "service.port": "servicePort"}
    default_key = "backend" if beta else "defaultBackend"
    default = None
    if spec.get(default_key) is not None:
        default = _backend(r, spec[default_key], f"spec.{default_key}", beta)

    rules = []
    for i, rule in enumerate(spec.get("rules") or ()):
        rule = rule or {}
        rule_path = f"spec.rules[{i}]"
        http = rule.get("http")
        paths: tuple[HTTPIngressPath, ...] | None = None
        if http is not None:
            found: list[HTTPIngressPath] = []
            if not (http or {}).get("paths"):
                r.problem(f"{rule_path}.http.paths", "Required value: http.paths must list at least one path")
            for j, item in enumerate((http or {}).get("paths") or ()):
                item = item or {}
                p = f"{rule_path}.http.paths[{j}]"
                path_type = item.get("pathType")
                given = path_type is not None
                if not given:
                    if beta:
                        path_type = "ImplementationSpecific"
                    else:
                        r.problem(f"{p}.pathType", "Required value: pathType must be specified",
                                  hint="write pathType: Prefix (or Exact)")
                        path_type = ""
                elif path_type not in PATH_TYPES:
                    r.problem(f"{p}.pathType",
                              f'Unsupported value: "{path_type}": supported values: "Exact", '
                              '"ImplementationSpecific", "Prefix"',
                              hint=_path_type_hint(str(path_type)))
                    path_type = ""
                found.append(HTTPIngressPath(
                    item.get("path"), path_type, _backend(r, item.get("backend"), f"{p}.backend", beta),
                    p, r.loc(p), given,
                ))
            paths = tuple(found)
        rules.append(IngressRule((rule.get("host") or ""), paths, rule_path, r.loc(rule_path)))

    tls = []
    for i, t in enumerate(spec.get("tls") or ()):
        t = t or {}
        hosts = []
        for j, host in enumerate(t.get("hosts") or ()):
            if isinstance(host, str):
                hosts.append(host)
            else:  # `hosts: [null]`: Go decodes it as "", which validation refuses
                r.problem(f"spec.tls[{i}].hosts[{j}]", f"Invalid value: {'null' if host is None else repr(host)}: a TLS host must be a DNS name",
                          hint="write the host name, or remove the empty entry")
        tls.append(IngressTLS(tuple(hosts), t.get("secretName") or "", f"spec.tls[{i}]", r.loc(f"spec.tls[{i}]")))
    if not rules and default is None:
        r.problem("spec", "Invalid value: either `defaultBackend` or `rules` must be specified"
                  if not beta else "Invalid value: either `backend` or `rules` must be specified")
    return Ingress(meta, spec.get("ingressClassName"), default, tuple(rules), tuple(tls), spelled,
                   _reported_address(r.raw.get("status")))


def _reported_address(status: Any) -> str | None:
    """status.loadBalancer.ingress[0].ip or .hostname; status is not validated, so every level is checked."""
    balancer = status.get("loadBalancer") if isinstance(status, dict) else None
    entries = balancer.get("ingress") if isinstance(balancer, dict) else None
    for entry in entries if isinstance(entries, list) else ():
        if isinstance(entry, dict):
            for key in ("ip", "hostname"):
                value = entry.get(key)
                if isinstance(value, str) and value:
                    return value
    return None


def _path_type_hint(value: object) -> str:
    for known in PATH_TYPES:
        if known.lower() == str(value).lower():
            return f"pathType is case-sensitive: write {known}"
    return "use Exact, Prefix or ImplementationSpecific"


def _ingress_class(r: _Reader, meta: ObjectMeta) -> IngressClass:
    spec = r.raw.get("spec") or {}
    default = meta.annotations.get("ingressclass.kubernetes.io/is-default-class") == "true"
    return IngressClass(meta, spec.get("controller") or "", default)


# ---------------------------------------------------------------- Service


def _service(r: _Reader, meta: ObjectMeta) -> Service:
    spec = r.raw.get("spec") or {}
    ports = []
    for i, port in enumerate(spec.get("ports") or ()):
        port = port or {}
        p = f"spec.ports[{i}]"
        if port.get("port") is None:
            r.problem(f"{p}.port", "Required value: port is required")
            continue
        target = port.get("targetPort")
        if target is None or target == 0:
            target = port["port"]
        ports.append(ServicePort(
            port.get("name") or "", port["port"], target, port.get("nodePort"),
            port.get("protocol") or "TCP", port.get("appProtocol"), p, r.loc(p),
        ))
    service_type = spec.get("type") or ("ExternalName" if spec.get("externalName") else "ClusterIP")
    selector = spec.get("selector")
    return Service(meta, service_type, tuple(ports), dict(selector) if selector else None,
                   spec.get("clusterIP"), spec.get("externalName"))


# ---------------------------------------------------------------- workloads


def _probe(r: _Reader, value: Any, path: str) -> Probe | None:
    if not value:
        return None
    common: dict[str, Any] = dict(  # what every kind of probe shares
        initial_delay_seconds=value.get("initialDelaySeconds") or 0,
        period_seconds=value.get("periodSeconds") or 10,
        timeout_seconds=value.get("timeoutSeconds") or 1,
        success_threshold=value.get("successThreshold") or 1,
        failure_threshold=value.get("failureThreshold") or 3,
        field=path, location=r.loc(path),
    )
    if value.get("httpGet") is not None:
        get = value["httpGet"] or {}
        headers = tuple((h.get("name") or "", h.get("value") or "") for h in get.get("httpHeaders") or () if h)
        return Probe("httpGet", get.get("path") or "/", get.get("port"), (get.get("scheme") or "HTTP").upper(),
                     get.get("host"), headers, **common)
    for kind in ("tcpSocket", "grpc", "exec"):
        if value.get(kind) is not None:
            port = (value[kind] or {}).get("port") if kind != "exec" else None
            return Probe(kind, None, port, **common)
    return None


def _pod_template(r: _Reader, spec: Any, path: str, metadata: Any) -> PodTemplate:
    spec = spec or {}
    metadata = metadata or {}
    containers = []
    for i, c in enumerate(spec.get("containers") or ()):
        c = c or {}
        cp = f"{path}.containers[{i}]" if path else f"containers[{i}]"
        ports = tuple(
            ContainerPort(port.get("name") or "", port.get("containerPort") or 0, port.get("protocol") or "TCP")
            for port in c.get("ports") or () if port
        )
        containers.append(Container(
            c.get("name") or "", c.get("image") or "", ports,
            _probe(r, c.get("readinessProbe"), f"{cp}.readinessProbe"),
            _probe(r, c.get("livenessProbe"), f"{cp}.livenessProbe"),
            cp, r.loc(cp),
        ))
    return PodTemplate(dict(metadata.get("labels") or {}), dict(metadata.get("annotations") or {}),
                       tuple(containers), path.rsplit(".spec", 1)[0] if path else "")


def _workload(r: _Reader, meta: ObjectMeta) -> Workload:
    spec = r.raw.get("spec") or {}
    if meta.kind == "Pod":
        status = r.raw.get("status") or {}
        ready = None
        for condition in status.get("conditions") or ():
            if isinstance(condition, dict) and condition.get("type") == "Ready":
                ready = condition.get("status") == "True"
        template = _pod_template(r, spec, "spec", {"labels": meta.labels, "annotations": meta.annotations})
        return Workload(meta, 1, None, template, ready, status.get("podIP"), status.get("phase"))
    template_raw = spec.get("template") or {}
    template = _pod_template(r, template_raw.get("spec"), "spec.template.spec", template_raw.get("metadata"))
    if meta.kind == "ReplicationController":  # a plain map, defaulted to the template's labels
        selector = spec.get("selector") or template.labels
    else:
        selector = (spec.get("selector") or {}).get("matchLabels")
    replicas = spec.get("replicas")
    if replicas is None:
        replicas = 1
    return Workload(meta, replicas, dict(selector) if selector else None, template)


# ---------------------------------------------------------------- the rest


def _secret(r: _Reader, meta: ObjectMeta) -> Secret:
    keys: set[str] = set()
    for section in ("data", "stringData"):
        value = r.raw.get(section)
        if isinstance(value, dict):
            keys.update(str(k) for k in value)
    return Secret(meta, r.raw.get("type") or "Opaque", tuple(sorted(keys)))


def _endpoints(r: _Reader, meta: ObjectMeta) -> Endpoints:
    addresses: list[EndpointAddress] = []
    ports: list[tuple[str, int]] = []
    if meta.kind == "Endpoints":
        service = meta.name
        for subset in r.raw.get("subsets") or ():
            if not isinstance(subset, dict):
                continue
            for ready, key in ((True, "addresses"), (False, "notReadyAddresses")):
                for a in subset.get(key) or ():
                    if isinstance(a, dict):
                        target = a.get("targetRef") or {}
                        addresses.append(EndpointAddress(str(a.get("ip") or ""), ready,
                                                         _target(target)))
            ports += [(str(p.get("name") or ""), int(p.get("port") or 0))
                      for p in subset.get("ports") or () if isinstance(p, dict)]
    else:
        service = meta.labels.get("kubernetes.io/service-name", "")
        for e in r.raw.get("endpoints") or ():
            if not isinstance(e, dict):
                continue
            ready = (e.get("conditions") or {}).get("ready") is not False
            for ip in e.get("addresses") or ():
                addresses.append(EndpointAddress(str(ip), ready, _target(e.get("targetRef") or {})))
        ports = [(str(p.get("name") or ""), int(p.get("port") or 0))
                 for p in r.raw.get("ports") or () if isinstance(p, dict)]
    return Endpoints(meta, service, tuple(addresses), tuple(ports))


def _target(ref: Any) -> str:
    if isinstance(ref, dict) and ref.get("name"):
        return f"{ref.get('kind') or 'Pod'}/{ref['name']}"
    return ""


_BUILDERS: dict[str, Callable[[_Reader, ObjectMeta], Model]] = {
    "Ingress": _ingress,
    "IngressClass": _ingress_class,
    "Service": _service,
    "Secret": _secret,
    "Endpoints": _endpoints,
    "EndpointSlice": _endpoints,
    **{kind: _workload for kind in WORKLOAD_KINDS},
}

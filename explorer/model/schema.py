"""Field schemas for the kinds we read, and a strict decoder over them.

This is the loader's share of the apiserver's strict decoding: wrong types
(`port: "eighty"`) and unknown fields (`spec.roles`, with a did-you-mean).
Only the kinds the tool models are checked; everything else is taken as is.
A schema is a dict of field -> type, where a type is a token ("str", "int",
"bool", "intstr", "strmap", "any"), a nested dict, or a one-item list.
"""

from __future__ import annotations

import difflib
from dataclasses import dataclass
from typing import Any, Iterator

S, I, B, IS, SM, ANY = "str", "int", "bool", "intstr", "strmap", "any"

METADATA = {
    "name": S, "generateName": S, "namespace": S, "labels": SM, "annotations": SM,
    "uid": S, "resourceVersion": S, "generation": I, "creationTimestamp": ANY,
    "deletionTimestamp": ANY, "deletionGracePeriodSeconds": I, "ownerReferences": ANY,
    "finalizers": [S], "managedFields": ANY, "selfLink": S,
}

_RESOURCE_REF = {"apiGroup": S, "kind": S, "name": S}
_BACKEND_V1 = {"service": {"name": S, "port": {"name": S, "number": I}}, "resource": _RESOURCE_REF}
_BACKEND_BETA = {"serviceName": S, "servicePort": IS, "resource": _RESOURCE_REF}


def _ingress_spec(backend: dict[str, Any], default_field: str) -> dict[str, Any]:
    return {
        "ingressClassName": S,
        default_field: backend,
        "tls": [{"hosts": [S], "secretName": S}],
        "rules": [{"host": S, "http": {"paths": [{"path": S, "pathType": S, "backend": backend}]}}],
    }


INGRESS_V1 = {"spec": _ingress_spec(_BACKEND_V1, "defaultBackend"), "status": ANY}
INGRESS_BETA = {"spec": _ingress_spec(_BACKEND_BETA, "backend"), "status": ANY}
INGRESS_CLASS = {"spec": {"controller": S, "parameters": ANY}}

SERVICE = {
    "spec": {
        "ports": [{
            "name": S, "protocol": S, "appProtocol": S, "port": I, "targetPort": IS, "nodePort": I,
        }],
        "selector": SM, "clusterIP": S, "clusterIPs": [S], "type": S, "externalIPs": [S],
        "sessionAffinity": S, "loadBalancerIP": S, "loadBalancerSourceRanges": [S],
        "externalName": S, "externalTrafficPolicy": S, "healthCheckNodePort": I,
        "publishNotReadyAddresses": B, "sessionAffinityConfig": ANY, "ipFamilies": [S],
        "ipFamilyPolicy": S, "allocateLoadBalancerNodePorts": B, "loadBalancerClass": S,
        "internalTrafficPolicy": S, "trafficDistribution": S,
    },
    "status": ANY,
}

_PROBE = {
    "exec": ANY,
    "httpGet": {"path": S, "port": IS, "host": S, "scheme": S, "httpHeaders": [{"name": S, "value": S}]},
    "tcpSocket": {"port": IS, "host": S},
    "grpc": {"port": I, "service": S},
    "initialDelaySeconds": I, "timeoutSeconds": I, "periodSeconds": I, "successThreshold": I,
    "failureThreshold": I, "terminationGracePeriodSeconds": I,
}
_CONTAINER = {
    "name": S, "image": S, "command": [S], "args": [S], "workingDir": S,
    "ports": [{"name": S, "hostPort": I, "containerPort": I, "protocol": S, "hostIP": S}],
    "envFrom": ANY, "env": ANY, "resources": ANY, "resizePolicy": ANY, "restartPolicy": S,
    "volumeMounts": ANY, "volumeDevices": ANY, "livenessProbe": _PROBE, "readinessProbe": _PROBE,
    "startupProbe": _PROBE, "lifecycle": ANY, "terminationMessagePath": S,
    "terminationMessagePolicy": S, "imagePullPolicy": S, "securityContext": ANY, "stdin": B,
    "stdinOnce": B, "tty": B,
}
POD_SPEC = {
    "volumes": ANY, "initContainers": [_CONTAINER], "containers": [_CONTAINER],
    "ephemeralContainers": ANY, "restartPolicy": S, "terminationGracePeriodSeconds": I,
    "activeDeadlineSeconds": I, "dnsPolicy": S, "nodeSelector": SM, "serviceAccountName": S,
    "serviceAccount": S, "automountServiceAccountToken": B, "nodeName": S, "hostNetwork": B,
    "hostPID": B, "hostIPC": B, "shareProcessNamespace": B, "securityContext": ANY,
    "imagePullSecrets": ANY, "hostname": S, "subdomain": S, "affinity": ANY, "schedulerName": S,
    "tolerations": ANY, "hostAliases": ANY, "priorityClassName": S, "priority": I,
    "dnsConfig": ANY, "readinessGates": ANY, "runtimeClassName": S, "enableServiceLinks": B,
    "preemptionPolicy": S, "overhead": ANY, "topologySpreadConstraints": ANY,
    "setHostnameAsFQDN": B, "os": ANY, "hostUsers": B, "schedulingGates": ANY,
    "resourceClaims": ANY, "resources": ANY,
}
_SELECTOR = {"matchLabels": SM, "matchExpressions": ANY}
_TEMPLATE = {"metadata": METADATA, "spec": POD_SPEC}
_WORKLOAD_COMMON = {
    "selector": _SELECTOR, "template": _TEMPLATE, "minReadySeconds": I, "revisionHistoryLimit": I,
}
WORKLOADS = {
    "Deployment": {"spec": {**_WORKLOAD_COMMON, "replicas": I, "strategy": ANY, "paused": B,
                            "progressDeadlineSeconds": I}, "status": ANY},
    "StatefulSet": {"spec": {**_WORKLOAD_COMMON, "replicas": I, "volumeClaimTemplates": ANY,
                             "serviceName": S, "podManagementPolicy": S, "updateStrategy": ANY,
                             "persistentVolumeClaimRetentionPolicy": ANY, "ordinals": ANY},
                    "status": ANY},
    "DaemonSet": {"spec": {**_WORKLOAD_COMMON, "updateStrategy": ANY}, "status": ANY},
    "ReplicaSet": {"spec": {**_WORKLOAD_COMMON, "replicas": I}, "status": ANY},
    "Pod": {"spec": POD_SPEC, "status": ANY},
}
SECRET = {"type": S, "data": ANY, "stringData": ANY, "immutable": B}

_TOP = {"apiVersion": S, "kind": S, "metadata": METADATA}


def schema_for(api_version: str, kind: str) -> dict[str, Any] | None:
    """The schema of a top-level object, or None for kinds we do not check."""
    body: dict[str, Any]
    if kind == "Ingress":
        body = INGRESS_V1 if api_version == "networking.k8s.io/v1" else INGRESS_BETA
    elif kind == "IngressClass":
        body = INGRESS_CLASS
    elif kind == "Service" and api_version == "v1":
        body = SERVICE
    elif kind == "Secret" and api_version == "v1":
        body = SECRET
    elif kind in WORKLOADS:
        body = WORKLOADS[kind]
    else:
        return None
    return {**_TOP, **body}


@dataclass(frozen=True, slots=True)
class FieldError:
    field: str
    message: str
    line: int
    fatal: bool  # a wrong type: the apiserver cannot decode the object at all
    hint: str = ""


_TYPE_WORDS = {S: "a string", I: "an integer", B: "a boolean", IS: "an integer or a string",
               SM: "a map of strings"}


def _kind_of(value: Any) -> str:
    if isinstance(value, bool):
        return f"boolean {str(value).lower()}"
    if isinstance(value, int):
        return f"integer {value}"
    if isinstance(value, float):
        return f"number {value}"
    if isinstance(value, str):
        shown = value if len(value) <= 40 else value[:37] + "..."
        return f'string "{shown}"'
    if isinstance(value, dict):
        return "a mapping"
    if isinstance(value, list):
        return "a list"
    return type(value).__name__


def _join(path: str, key: str) -> str:
    return f"{path}.{key}" if path else key


def decode(value: Any, schema: Any, path: str = "", line: int = 0) -> Iterator[FieldError]:
    """Yield every wrong type and unknown field in `value` against `schema`."""
    if value is None or schema == ANY:
        return
    if isinstance(schema, str):
        ok = {
            S: isinstance(value, str),
            I: isinstance(value, int) and not isinstance(value, bool),
            B: isinstance(value, bool),
            IS: isinstance(value, (int, str)) and not isinstance(value, bool),
            SM: isinstance(value, dict),
        }[schema]
        if not ok:
            hint = ""
            if schema == I and isinstance(value, str):
                hint = "write the number without quotes" if value.isdigit() else "ports and counts are numbers"
            elif schema == S and isinstance(value, (bool, int, float)):
                hint = f'quote it: "{value if not isinstance(value, bool) else str(value).lower()}"'
            yield FieldError(path, f"expected {_TYPE_WORDS[schema]}, got {_kind_of(value)}", line, True, hint)
            return
        if schema == SM:
            lines = getattr(value, "key_lines", {})
            for key, item in value.items():
                if item is not None and not isinstance(item, str):
                    shown = str(item).lower() if isinstance(item, bool) else str(item)
                    yield FieldError(
                        f"{path}.{key}", f"expected a string, got {_kind_of(item)}",
                        lines.get(key, line), True, f'quote the value: "{shown}"',
                    )
        return
    if isinstance(schema, list):
        if not isinstance(value, list):
            yield FieldError(path, f"expected a list, got {_kind_of(value)}", line, True)
            return
        lines = getattr(value, "item_lines", [])
        for index, item in enumerate(value):
            yield from decode(item, schema[0], f"{path}[{index}]", lines[index] if index < len(lines) else line)
        return
    if not isinstance(value, dict):
        yield FieldError(path, f"expected a mapping, got {_kind_of(value)}", line, True)
        return
    lines = getattr(value, "key_lines", {})
    for key, item in value.items():
        here = lines.get(key, line)
        sub = schema.get(key)
        if sub is None:
            close = difflib.get_close_matches(key, list(schema), n=1, cutoff=0.6)
            hint = f"did you mean {_join(path, close[0])}?" if close else ""
            yield FieldError(_join(path, key), f"unknown field \"{_join(path, key)}\"", here, False, hint)
            continue
        yield from decode(item, sub, _join(path, key), here)

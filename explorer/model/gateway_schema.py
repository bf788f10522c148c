"""Field schemas of the Gateway API kinds the tool simulates, for the strict decoder.

Field names and types from kubernetes-sigs/gateway-api apis/v1 (v1.6,
@4564255): gateway_types.go, httproute_types.go, shared_types.go,
object_reference_types.go, referencegrant_types.go, gatewayclass_types.go.
Types only; enums, patterns, limits and the CEL rules are checked where the
objects are built (explorer.model.gateway_decode), as the apiserver checks
them after decoding.
"""

from __future__ import annotations

from typing import Any

from explorer.model.schema import ANY, I, S, SM

_LABEL_SELECTOR = {"matchLabels": SM, "matchExpressions": [{"key": S, "operator": S, "values": [S]}]}
_SECRET_REF = {"group": S, "kind": S, "name": S, "namespace": S}
_BACKEND_OBJECT_REF = {"group": S, "kind": S, "name": S, "namespace": S, "port": I}
_LOCAL_REF = {"group": S, "kind": S, "name": S}
_PARENT_REF = {"group": S, "kind": S, "namespace": S, "name": S, "sectionName": S, "port": I}
_ROUTE_STATUS = ANY  # written by controllers; read for conditions, never validated

GATEWAY_CLASS = {
    "spec": {"controllerName": S, "parametersRef": {"group": S, "kind": S, "name": S, "namespace": S},
             "description": S},
    "status": ANY,
}

_LISTENER = {
    "name": S, "hostname": S, "port": I, "protocol": S,
    "tls": {"mode": S, "certificateRefs": [_SECRET_REF], "options": SM},
    "allowedRoutes": {
        "namespaces": {"from": S, "selector": _LABEL_SELECTOR},
        "kinds": [{"group": S, "kind": S}],
    },
}

GATEWAY = {
    "spec": {
        "gatewayClassName": S,
        "listeners": [_LISTENER],
        "addresses": [{"type": S, "value": S}],
        "infrastructure": {"labels": SM, "annotations": SM, "parametersRef": _LOCAL_REF},
        "allowedListeners": {"namespaces": {"from": S, "selector": _LABEL_SELECTOR}},
        "tls": ANY,
        "defaultScope": S,
    },
    "status": ANY,
}

_HEADER = {"name": S, "value": S}
_HEADER_FILTER = {"set": [_HEADER], "add": [_HEADER], "remove": [S]}
_PATH_MODIFIER = {"type": S, "replaceFullPath": S, "replacePrefixMatch": S}
_FILTER = {
    "type": S,
    "requestHeaderModifier": _HEADER_FILTER,
    "responseHeaderModifier": _HEADER_FILTER,
    "requestMirror": {"backendRef": _BACKEND_OBJECT_REF, "percent": I,
                      "fraction": {"numerator": I, "denominator": I}},
    "requestRedirect": {"scheme": S, "hostname": S, "path": _PATH_MODIFIER, "port": I, "statusCode": I},
    "urlRewrite": {"hostname": S, "path": _PATH_MODIFIER},
    "cors": ANY,
    "externalAuth": ANY,
    "extensionRef": _LOCAL_REF,
}
_MATCH = {
    "path": {"type": S, "value": S},
    "headers": [{"type": S, "name": S, "value": S}],
    "queryParams": [{"type": S, "name": S, "value": S}],
    "method": S,
}
_RULE = {
    "name": S,
    "matches": [_MATCH],
    "filters": [_FILTER],
    "backendRefs": [{**_BACKEND_OBJECT_REF, "weight": I, "filters": [_FILTER]}],
    "timeouts": {"request": S, "backendRequest": S},
    "retry": ANY,
    "sessionPersistence": ANY,
}

HTTP_ROUTE = {
    "spec": {"parentRefs": [_PARENT_REF], "useDefaultGateways": S, "hostnames": [S], "rules": [_RULE]},
    "status": _ROUTE_STATUS,
}

REFERENCE_GRANT = {
    "spec": {
        "from": [{"group": S, "kind": S, "namespace": S}],
        "to": [{"group": S, "kind": S, "name": S}],
    },
}

#: kind -> body schema, for the kinds built into typed objects.
GATEWAY_SCHEMAS: dict[str, dict[str, Any]] = {
    "GatewayClass": GATEWAY_CLASS,
    "Gateway": GATEWAY,
    "HTTPRoute": HTTP_ROUTE,
    "ReferenceGrant": REFERENCE_GRANT,
}

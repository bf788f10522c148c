"""Gateway API status conditions as findings: what a controller would write, said before it is applied."""

from __future__ import annotations

from explorer.diagnostics.finding import Finding
from explorer.diagnostics.site import make
from explorer.model.location import Location
from explorer.model.state import ClusterState
from explorer.routing.gateway import routing_for

_HINTS = {
    "NoMatchingParent": "check parentRefs: the Gateway's name and namespace, sectionName (a listener name) and port",
    "NotAllowedByListeners": "the listener's allowedRoutes decide: namespaces.from (Same, All, Selector) and kinds",
    "NoMatchingListenerHostname": "give the route a hostname the listener's hostname covers, or none",
    "UnsupportedValue": "this implementation does not support the field: see the Gateway's class",
    "BackendNotFound": "create the Service, or fix backendRef name, namespace and port",
    "RefNotPermitted": "add a ReferenceGrant in the target namespace allowing this route's namespace",
    "InvalidKind": "backendRefs name Services (group \"\", kind Service)",
    "InvalidCertificateRef": "certificateRefs name a kubernetes.io/tls Secret in the Gateway's namespace",
    "UnsupportedProtocol": "only HTTP and HTTPS listeners are simulated",
    "ProtocolConflict": "one port, one protocol: move one listener to another port",
}


#: A RegularExpression value the implementations' engine refuses (routing/gateway/regex.py).
_RE2_HINT = "write the value in RE2 syntax: no backreferences (\\1), no lookahead or lookbehind ((?=, (?!, (?<=)"


def check(state: ClusterState) -> list[Finding]:
    if not state.gateways and not state.http_routes:
        return []
    out = []
    for c in routing_for(state).gateways.conditions:
        if c.status == "True" and c.type != "Conflicted":
            continue
        route = c.object.startswith("HTTPRoute/")
        code = ("IE8001" if c.type == "Accepted" else "IE8002") if route else "IE8003"
        parent = f" on {c.parent}" if c.parent else ""
        out.append(make(code, c.object, c.field, c.location or Location("-"),  # severity and stage: the code's
                        f"{c.type}={c.status} reason {c.reason}{parent}: {c.message}",
                        _RE2_HINT if "RE2 refuses" in c.message else _HINTS.get(c.reason, "")))
    return out


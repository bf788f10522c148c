"""Build Gateway API objects from loaded documents, checking what the apiserver checks.

Types and unknown fields are the strict decoder's (explorer.model.schema with
gateway_schema); this module checks the rest of the CRDs' validation: enums,
patterns, lengths, list limits and the CEL rules (x-kubernetes-validations)
of apis/v1 @4564255. Each message is the apiserver's wording ("Unsupported
value", "Too many", "Invalid value: \"object\": <the CEL rule's message>"), so
a user can search for it; the problem carries the field's file:line.
"""

from __future__ import annotations

import re
from typing import Any, Callable, Protocol

from explorer.model.gateway import (
    BackendObjectRef, Gateway, GatewayClass, HeaderModifier, HTTPBackendRef, HTTPRoute, HTTPRouteRule,
    LabelSelector, Listener, ParentRef, PathMatch, PathModifier, ReferenceGrant, RequestMirror,
    RequestRedirect, RouteFilter, RouteGroupKind, RouteMatch, SecretRef, URLRewrite, ValueMatch, GROUP,
)
from explorer.model.location import Location
from explorer.model.objects import ObjectMeta


class Reader(Protocol):
    raw: dict[str, Any]

    def loc(self, path: str) -> Location: ...

    def problem(self, path: str, message: str, hint: str = "", severity: str = "error") -> None: ...


# Patterns, from apis/v1/shared_types.go and gateway_types.go.
HOSTNAME = r"^(\*\.)?[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$"
PRECISE_HOSTNAME = r"^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$"
SECTION_NAME = r"^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$"
NAMESPACE = r"^[a-z0-9]([-a-z0-9]*[a-z0-9])?$"
KIND = r"^[a-zA-Z]([-a-zA-Z0-9]*[a-zA-Z0-9])?$"
GROUP_NAME = r"^$|^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$"
HEADER_NAME = r"^[A-Za-z0-9!#$%&'*+\-.^_\x60|~]+$"
PROTOCOL = (r"^[a-zA-Z0-9]([-a-zA-Z0-9]*[a-zA-Z0-9])?$|[a-z0-9]([-a-z0-9]*[a-z0-9])?"
            r"(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*\/[A-Za-z0-9]+$")
CONTROLLER = (r"^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*"
              r"\/[A-Za-z0-9\/\-._~%!$&'()*+,;=:]+$")
PATH_CHARS = r"^(?:[-A-Za-z0-9/._~!$&'()*+,;=:@]|[%][0-9a-fA-F]{2})+$"

METHODS = ("GET", "HEAD", "POST", "PUT", "DELETE", "CONNECT", "OPTIONS", "TRACE", "PATCH")
FILTER_TYPES = ("RequestHeaderModifier", "ResponseHeaderModifier", "RequestMirror", "RequestRedirect",
                "URLRewrite", "ExtensionRef", "CORS", "ExternalAuth")
_FILTER_FIELDS = {"RequestHeaderModifier": "requestHeaderModifier",
                  "ResponseHeaderModifier": "responseHeaderModifier", "RequestMirror": "requestMirror",
                  "RequestRedirect": "requestRedirect", "URLRewrite": "urlRewrite", "CORS": "cors",
                  "ExternalAuth": "externalAuth", "ExtensionRef": "extensionRef"}


def _quote_list(values: tuple[str, ...] | tuple[int, ...]) -> str:
    return ", ".join(f'"{v}"' for v in values)


class _Check:
    """The apiserver's checks over one document, collecting problems through the reader."""

    def __init__(self, r: Reader) -> None:
        self.r = r

    def fail(self, path: str, message: str, hint: str = "") -> None:
        self.r.problem(path, message, hint)

    def required(self, value: Any, path: str, hint: str = "") -> bool:
        if value is None or value == "":
            self.fail(path, "Required value", hint)
            return False
        return True

    def enum(self, value: Any, path: str, allowed: tuple[Any, ...], hint: str = "") -> bool:
        if value is None or value in allowed:
            return True
        if not hint:
            close = [a for a in allowed if str(a).lower() == str(value).lower()]
            hint = f"values are case-sensitive: write {close[0]}" if close else ""
        self.fail(path, f'Unsupported value: "{value}": supported values: {_quote_list(allowed)}', hint)
        return False

    def pattern(self, value: Any, path: str, regex: str, hint: str = "") -> bool:
        if not isinstance(value, str) or re.search(regex, value):
            return True
        self.fail(path, f'Invalid value: "{value}": {path} in body should match \'{regex}\'', hint)
        return False

    def length(self, value: Any, path: str, most: int, least: int = 0) -> bool:
        if not isinstance(value, str):
            return True
        if len(value) > most:
            self.fail(path, f"Too long: may not be more than {most} bytes")
            return False
        if len(value) < least:
            self.fail(path, f"Invalid value: \"{value}\": {path} in body should be at least {least} chars long")
            return False
        return True

    def items(self, value: Any, path: str, most: int, least: int = 0) -> list[Any]:
        """The list (or []), after checking its MinItems/MaxItems."""
        if value is None:
            if least:
                self.fail(path, "Required value")
            return []
        if not isinstance(value, list):
            return []
        if len(value) > most:
            self.fail(path, f"Too many: {len(value)}: must have at most {most} items")
        elif len(value) < least:
            self.fail(path, f"Invalid value: {len(value)}: {path} in body should have at least {least} items")
        return value

    def bounds(self, value: Any, path: str, least: int, most: int) -> bool:
        if not isinstance(value, int) or isinstance(value, bool):
            return True
        if value < least:
            self.fail(path, f"Invalid value: {value}: {path} in body should be greater than or equal to {least}")
            return False
        if value > most:
            self.fail(path, f"Invalid value: {value}: {path} in body should be less than or equal to {most}")
            return False
        return True

    def cel(self, ok: bool, path: str, message: str, hint: str = "") -> None:
        """A failed x-kubernetes-validations rule, in the apiserver's words."""
        if not ok:
            self.fail(path, f'Invalid value: "object": {message}', hint)

    def hostname(self, value: Any, path: str, precise: bool = False) -> None:
        if not self.length(value, path, 253, 1):
            return
        hint = ""
        if isinstance(value, str):
            if value != value.lower():
                hint = f"hostnames are lower-case: write {value.lower()}"
            elif ":" in value:
                hint = "a hostname carries no port"
            elif value.startswith("*") and precise:
                hint = "this field takes a precise hostname, without a wildcard"
            elif "*" in value:
                hint = "a wildcard is only allowed as the whole first label: *.example.com"
        self.pattern(value, path, PRECISE_HOSTNAME if precise else HOSTNAME, hint)


def _mapping(value: Any) -> dict[str, Any]:
    return value if isinstance(value, dict) else {}


def _str(value: Any) -> str | None:
    return value if isinstance(value, str) else None


def _int(value: Any) -> int | None:
    return value if isinstance(value, int) and not isinstance(value, bool) else None


def _selector(value: Any) -> LabelSelector:
    value = _mapping(value)
    expressions = []
    for e in value.get("matchExpressions") or ():
        if isinstance(e, dict):
            expressions.append((str(e.get("key") or ""), str(e.get("operator") or ""),
                                tuple(str(v) for v in e.get("values") or ())))
    labels = {str(k): str(v) for k, v in _mapping(value.get("matchLabels")).items()}
    return LabelSelector(labels, tuple(expressions))


# ---------------------------------------------------------------- GatewayClass


def gateway_class(r: Reader, meta: ObjectMeta) -> GatewayClass:
    c = _Check(r)
    spec = _mapping(r.raw.get("spec"))
    controller = _str(spec.get("controllerName")) or ""
    if c.required(spec.get("controllerName"), "spec.controllerName",
                  "name the controller, e.g. example.net/gateway-controller"):
        c.pattern(controller, "spec.controllerName", CONTROLLER,
                  "a controller name is a domain-prefixed path, e.g. example.net/gateway-controller")
    c.length(spec.get("description"), "spec.description", 64)
    return GatewayClass(meta, controller, _str(spec.get("description")) or "")


# ---------------------------------------------------------------- Gateway


def _listener(c: _Check, r: Reader, meta: ObjectMeta, raw: Any, path: str) -> Listener:
    raw = _mapping(raw)
    name = _str(raw.get("name")) or ""
    if c.required(raw.get("name"), f"{path}.name"):
        c.length(name, f"{path}.name", 253, 1)
        c.pattern(name, f"{path}.name", SECTION_NAME, "a listener name is lower-case DNS labels, e.g. http")
    port = _int(raw.get("port"))
    if c.required(raw.get("port"), f"{path}.port"):
        c.bounds(port, f"{path}.port", 1, 65535)
    protocol = _str(raw.get("protocol")) or ""
    if c.required(raw.get("protocol"), f"{path}.protocol", "HTTP, HTTPS, TLS, TCP or UDP"):
        c.length(protocol, f"{path}.protocol", 255, 1)
        c.pattern(protocol, f"{path}.protocol", PROTOCOL)
    hostname = _str(raw.get("hostname"))
    if raw.get("hostname") is not None:
        c.hostname(raw.get("hostname"), f"{path}.hostname")
    tls_raw = raw.get("tls")
    tls_mode = None
    refs: list[SecretRef] = []
    if isinstance(tls_raw, dict):
        tls_mode = _str(tls_raw.get("mode")) or "Terminate"
        c.enum(tls_raw.get("mode"), f"{path}.tls.mode", ("Terminate", "Passthrough"))
        certs = c.items(tls_raw.get("certificateRefs"), f"{path}.tls.certificateRefs", 64)
        for i, ref in enumerate(certs):
            ref = _mapping(ref)
            rp = f"{path}.tls.certificateRefs[{i}]"
            c.required(ref.get("name"), f"{rp}.name")
            refs.append(SecretRef(_str(ref.get("group")) or "", _str(ref.get("kind")) or "Secret",
                                  _str(ref.get("name")) or "", _str(ref.get("namespace")) or meta.namespace))
        c.cel(tls_mode != "Terminate" or bool(certs) or bool(tls_raw.get("options")), f"{path}.tls",
              "certificateRefs or options must be specified when mode is Terminate",
              "name the Secret holding the certificate in tls.certificateRefs")
    allowed = _mapping(raw.get("allowedRoutes"))
    namespaces = _mapping(allowed.get("namespaces"))
    allowed_from = _str(namespaces.get("from")) or "Same"
    c.enum(namespaces.get("from"), f"{path}.allowedRoutes.namespaces.from", ("All", "Selector", "Same"))
    selector = None
    if allowed_from == "Selector":
        selector = _selector(namespaces.get("selector"))
    kinds = []
    for i, k in enumerate(c.items(allowed.get("kinds"), f"{path}.allowedRoutes.kinds", 8)):
        k = _mapping(k)
        kp = f"{path}.allowedRoutes.kinds[{i}]"
        if c.required(k.get("kind"), f"{kp}.kind"):
            c.pattern(k.get("kind"), f"{kp}.kind", KIND)
        group = k.get("group")
        kinds.append(RouteGroupKind(GROUP if group is None else str(group), _str(k.get("kind")) or ""))
    return Listener(name, port or 0, protocol, hostname, tls_mode, tuple(refs), allowed_from, selector,
                    tuple(kinds), path, r.loc(path))


def gateway(r: Reader, meta: ObjectMeta) -> Gateway:
    c = _Check(r)
    _beta_warning(r, meta)
    spec = _mapping(r.raw.get("spec"))
    class_name = _str(spec.get("gatewayClassName")) or ""
    c.required(spec.get("gatewayClassName"), "spec.gatewayClassName", "name the GatewayClass")
    raw_listeners = c.items(spec.get("listeners"), "spec.listeners", 64, 1)
    listeners = [_listener(c, r, meta, li, f"spec.listeners[{i}]") for i, li in enumerate(raw_listeners)]
    for i, (li, raw) in enumerate(zip(listeners, raw_listeners)):
        raw = _mapping(raw)
        if li.protocol in ("HTTP", "TCP", "UDP") and raw.get("tls") is not None:
            c.cel(False, "spec.listeners", "tls must not be specified for protocols ['HTTP', 'TCP', 'UDP']",
                  f"listener {li.name!r} is {li.protocol}: use protocol HTTPS to terminate TLS")
        if li.protocol == "HTTPS" and li.tls_mode not in (None, "Terminate"):
            c.cel(False, "spec.listeners", "tls mode must be Terminate for protocol HTTPS")
        if li.protocol == "TLS" and not _mapping(raw.get("tls")).get("mode"):
            c.cel(False, "spec.listeners", "tls mode must be set for protocol TLS")
        if li.protocol in ("TCP", "UDP") and li.hostname:
            c.cel(False, "spec.listeners", "hostname must not be specified for protocols ['TCP', 'UDP']")
    names = [li.name for li in listeners]
    c.cel(len(names) == len(set(names)), "spec.listeners", "Listener name must be unique within the Gateway",
          "listener names: " + ", ".join(sorted({n for n in names if names.count(n) > 1})))
    combos = [(li.port, li.protocol, li.hostname) for li in listeners]
    c.cel(len(combos) == len(set(combos)), "spec.listeners",
          "Combination of port, protocol and hostname must be unique for each listener")
    addresses = []
    for i, a in enumerate(c.items(spec.get("addresses"), "spec.addresses", 16)):
        a = _mapping(a)
        addresses.append((_str(a.get("type")) or "IPAddress", _str(a.get("value")) or ""))
    return Gateway(meta, class_name, tuple(listeners), tuple(addresses), _status_address(r.raw.get("status")))


def _status_address(status: Any) -> str | None:
    for a in _mapping(status).get("addresses") or ():
        value = a.get("value") if isinstance(a, dict) else None
        if isinstance(value, str) and value:
            return value
    return None


def _beta_warning(r: Reader, meta: ObjectMeta) -> None:
    if meta.api_version.endswith("/v1beta1") and meta.kind in ("Gateway", "HTTPRoute", "GatewayClass"):
        r.problem("apiVersion", f"{meta.api_version} {meta.kind} is deprecated; v1 has the same fields",
                  hint=f"write apiVersion: {GROUP}/v1", severity="warning")


# ---------------------------------------------------------------- HTTPRoute


def _parent_ref(c: _Check, r: Reader, meta: ObjectMeta, raw: Any, path: str) -> ParentRef:
    raw = _mapping(raw)
    c.required(raw.get("name"), f"{path}.name", "name the Gateway")
    if raw.get("namespace") is not None:
        c.pattern(raw.get("namespace"), f"{path}.namespace", NAMESPACE)
    if raw.get("sectionName") is not None:
        c.pattern(raw.get("sectionName"), f"{path}.sectionName", SECTION_NAME)
    c.bounds(raw.get("port"), f"{path}.port", 1, 65535)
    group = raw.get("group")
    return ParentRef(GROUP if group is None else str(group), _str(raw.get("kind")) or "Gateway",
                     _str(raw.get("namespace")) or meta.namespace, _str(raw.get("name")) or "",
                     _str(raw.get("sectionName")) or None, _int(raw.get("port")), path, r.loc(path))


def _backend_object_ref(c: _Check, meta: ObjectMeta, raw: dict[str, Any], path: str) -> BackendObjectRef:
    c.required(raw.get("name"), f"{path}.name", "name the Service")
    group = _str(raw.get("group")) or ""
    kind = _str(raw.get("kind")) or "Service"
    if raw.get("kind") is not None:
        c.pattern(raw.get("kind"), f"{path}.kind", KIND)
    c.pattern(raw.get("group"), f"{path}.group", GROUP_NAME)
    if raw.get("namespace") is not None:
        c.pattern(raw.get("namespace"), f"{path}.namespace", NAMESPACE)
    c.bounds(raw.get("port"), f"{path}.port", 1, 65535)
    c.cel(not (group == "" and kind == "Service") or raw.get("port") is not None, path,
          "Must have port for Service reference", "add port: the Service's port number")
    return BackendObjectRef(group, kind, _str(raw.get("name")) or "", _str(raw.get("namespace")) or meta.namespace,
                            _int(raw.get("port")))


def _header_filter(c: _Check, raw: Any, path: str) -> HeaderModifier:
    raw = _mapping(raw)
    pairs: dict[str, tuple[tuple[str, str], ...]] = {}
    for key in ("set", "add"):
        out = []
        for i, h in enumerate(c.items(raw.get(key), f"{path}.{key}", 16)):
            h = _mapping(h)
            hp = f"{path}.{key}[{i}]"
            if c.required(h.get("name"), f"{hp}.name"):
                c.pattern(h.get("name"), f"{hp}.name", HEADER_NAME)
            if c.required(h.get("value"), f"{hp}.value"):
                c.length(h.get("value"), f"{hp}.value", 4096, 1)
            out.append((_str(h.get("name")) or "", _str(h.get("value")) or ""))
        names = [n.lower() for n, _ in out]
        if len(names) != len(set(names)):
            c.fail(f"{path}.{key}", "Duplicate value: a header name may appear once (names are case-insensitive)")
        pairs[key] = tuple(out)
    removes = [str(x) for x in c.items(raw.get("remove"), f"{path}.remove", 16)]
    if len({x.lower() for x in removes}) != len(removes):
        c.fail(f"{path}.remove", "Duplicate value: a header name may appear once (names are case-insensitive)")
    return HeaderModifier(pairs["set"], pairs["add"], tuple(removes))


def _path_modifier(c: _Check, raw: Any, path: str) -> PathModifier | None:
    if not isinstance(raw, dict):
        return None
    kind = _str(raw.get("type")) or ""
    if c.required(raw.get("type"), f"{path}.type", "ReplaceFullPath or ReplacePrefixMatch"):
        c.enum(raw.get("type"), f"{path}.type", ("ReplaceFullPath", "ReplacePrefixMatch"))
    c.cel(kind != "ReplaceFullPath" or "replaceFullPath" in raw, path,
          "replaceFullPath must be specified when type is set to 'ReplaceFullPath'")
    c.cel("replaceFullPath" not in raw or kind == "ReplaceFullPath", path,
          "type must be 'ReplaceFullPath' when replaceFullPath is set")
    c.cel(kind != "ReplacePrefixMatch" or "replacePrefixMatch" in raw, path,
          "replacePrefixMatch must be specified when type is set to 'ReplacePrefixMatch'")
    c.cel("replacePrefixMatch" not in raw or kind == "ReplacePrefixMatch", path,
          "type must be 'ReplacePrefixMatch' when replacePrefixMatch is set")
    value = raw.get("replaceFullPath") if kind == "ReplaceFullPath" else raw.get("replacePrefixMatch")
    c.length(value, f"{path}.{'replaceFullPath' if kind == 'ReplaceFullPath' else 'replacePrefixMatch'}", 1024)
    return PathModifier(kind, _str(value) or "")


def _filters(c: _Check, r: Reader, meta: ObjectMeta, raw: Any, path: str) -> tuple[RouteFilter, ...]:
    items = c.items(raw, path, 16)
    out = []
    for i, f in enumerate(items):
        f = _mapping(f)
        fp = f"{path}[{i}]"
        kind = _str(f.get("type")) or ""
        if c.required(f.get("type"), f"{fp}.type", "e.g. RequestHeaderModifier, RequestRedirect, URLRewrite"):
            c.enum(f.get("type"), f"{fp}.type", FILTER_TYPES)
        for type_name, key in _FILTER_FIELDS.items():
            if key in f and kind != type_name:
                c.cel(False, fp, f"filter.{key} must be nil if the filter.type is not {type_name}",
                      f"this filter is {kind or 'untyped'}: move {key} to a filter of type {type_name}")
            if kind == type_name and key not in f:
                c.cel(False, fp, f"filter.{key} must be specified for {type_name} filter.type")
        built = RouteFilter(kind, field=fp, location=r.loc(fp))
        if kind == "RequestHeaderModifier" and "requestHeaderModifier" in f:
            built = RouteFilter(kind, request_header_modifier=_header_filter(
                c, f["requestHeaderModifier"], f"{fp}.requestHeaderModifier"), field=fp, location=r.loc(fp))
        elif kind == "ResponseHeaderModifier" and "responseHeaderModifier" in f:
            built = RouteFilter(kind, response_header_modifier=_header_filter(
                c, f["responseHeaderModifier"], f"{fp}.responseHeaderModifier"), field=fp, location=r.loc(fp))
        elif kind == "RequestRedirect" and "requestRedirect" in f:
            rr = _mapping(f["requestRedirect"])
            rp = f"{fp}.requestRedirect"
            c.enum(rr.get("scheme"), f"{rp}.scheme", ("http", "https"))
            if rr.get("hostname") is not None:
                c.hostname(rr.get("hostname"), f"{rp}.hostname", precise=True)
            c.bounds(rr.get("port"), f"{rp}.port", 1, 65535)
            c.enum(rr.get("statusCode"), f"{rp}.statusCode", (301, 302, 303, 307, 308))
            built = RouteFilter(kind, request_redirect=RequestRedirect(
                _str(rr.get("scheme")), _str(rr.get("hostname")), _path_modifier(c, rr.get("path"), f"{rp}.path"),
                _int(rr.get("port")), _int(rr.get("statusCode")) or 302), field=fp, location=r.loc(fp))
        elif kind == "URLRewrite" and "urlRewrite" in f:
            rw = _mapping(f["urlRewrite"])
            rp = f"{fp}.urlRewrite"
            if rw.get("hostname") is not None:
                c.hostname(rw.get("hostname"), f"{rp}.hostname", precise=True)
            built = RouteFilter(kind, url_rewrite=URLRewrite(
                _str(rw.get("hostname")), _path_modifier(c, rw.get("path"), f"{rp}.path")),
                field=fp, location=r.loc(fp))
        elif kind == "RequestMirror" and "requestMirror" in f:
            m = _mapping(f["requestMirror"])
            mp = f"{fp}.requestMirror"
            c.required(m.get("backendRef"), f"{mp}.backendRef")
            c.bounds(m.get("percent"), f"{mp}.percent", 0, 100)
            c.cel(not ("percent" in m and "fraction" in m), mp,
                  "Only one of percent or fraction may be specified in HTTPRequestMirrorFilter")
            frac = _mapping(m.get("fraction"))
            fraction = None
            if frac:
                num, den = _int(frac.get("numerator")) or 0, _int(frac.get("denominator")) or 100
                c.cel(num <= den, f"{mp}.fraction", "numerator must be less than or equal to denominator")
                fraction = (num, den)
            built = RouteFilter(kind, request_mirror=RequestMirror(
                _backend_object_ref(c, meta, _mapping(m.get("backendRef")), f"{mp}.backendRef"),
                _int(m.get("percent")), fraction), field=fp, location=r.loc(fp))
        elif kind == "ExtensionRef" and "extensionRef" in f:
            e = _mapping(f["extensionRef"])
            for key in ("group", "kind", "name"):
                if key != "group":
                    c.required(e.get(key), f"{fp}.extensionRef.{key}")
            built = RouteFilter(kind, extension_ref=(_str(e.get("group")) or "", _str(e.get("kind")) or "",
                                                     _str(e.get("name")) or ""), field=fp, location=r.loc(fp))
        out.append(built)
    types = [f.type for f in out]
    c.cel(not ("RequestRedirect" in types and "URLRewrite" in types), path,
          "May specify either httpRouteFilterRequestRedirect or httpRouteFilterRequestRewrite, but not both")
    for once in ("CORS", "RequestHeaderModifier", "ResponseHeaderModifier", "RequestRedirect", "URLRewrite"):
        c.cel(types.count(once) <= 1, path, f"{once} filter cannot be repeated")
    return tuple(out)


def _value_matches(c: _Check, raw: Any, path: str, most_value: int, what: str) -> tuple[ValueMatch, ...]:
    out = []
    for i, m in enumerate(c.items(raw, path, 16)):
        m = _mapping(m)
        mp = f"{path}[{i}]"
        if c.required(m.get("name"), f"{mp}.name"):
            c.pattern(m.get("name"), f"{mp}.name", HEADER_NAME)
        if c.required(m.get("value"), f"{mp}.value"):
            c.length(m.get("value"), f"{mp}.value", most_value, 1)
        c.enum(m.get("type"), f"{mp}.type", ("Exact", "RegularExpression"))
        out.append(ValueMatch(_str(m.get("type")) or "Exact", _str(m.get("name")) or "", _str(m.get("value")) or ""))
    names = [v.name.lower() if what == "header" else v.name for v in out]
    if len(names) != len(set(names)):
        c.fail(path, f"Duplicate value: each {what} name may be matched once"
               + (" (header names are case-insensitive)" if what == "header" else ""))
    return tuple(out)


def _path_match(c: _Check, raw: Any, path: str) -> PathMatch:
    if not isinstance(raw, dict):
        return PathMatch("PathPrefix", "/")
    kind = _str(raw.get("type")) or "PathPrefix"
    value = _str(raw.get("value"))
    if value is None:
        value = "/"
    ok = c.enum(raw.get("type"), f"{path}.type", ("Exact", "PathPrefix", "RegularExpression"))
    c.length(value, f"{path}.value", 1024)
    if ok and kind in ("Exact", "PathPrefix"):
        where = "when type one of ['Exact', 'PathPrefix']"
        c.cel(value.startswith("/"), path, f"value must be an absolute path and start with '/' {where}",
              f"write /{value}")
        for bad in ("//", "/./", "/../", "%2f", "%2F", "#"):
            c.cel(bad not in value, path, f"must not contain '{bad}' {where}")
        for bad in ("/..", "/."):
            c.cel(not value.endswith(bad), path, f"must not end with '{bad}' {where}")
        c.cel(bool(re.search(PATH_CHARS, value)), path,
              f"must only contain valid characters (matching {PATH_CHARS}) for types ['Exact', 'PathPrefix']")
    # A RegularExpression value the apiserver accepts as any string; whether the implementation's engine (RE2)
    # takes it is the route's status (routing/gateway/table.py: Accepted=False UnsupportedValue), not decoding.
    return PathMatch(kind, value)


def _prefix_rewrite(filters: tuple[RouteFilter, ...], attr: str) -> bool:
    """Exactly one filter of this kind replaces the prefix (the CEL rule's exists_one)."""
    count = 0
    for f in filters:
        action = getattr(f, attr)
        if action is not None and action.path is not None and action.path.type == "ReplacePrefixMatch":
            count += 1
    return count == 1


def _rule(c: _Check, r: Reader, meta: ObjectMeta, raw: Any, path: str) -> HTTPRouteRule:
    raw = _mapping(raw)
    name = _str(raw.get("name"))
    if name is not None:
        c.pattern(name, f"{path}.name", SECTION_NAME)
    matches = []
    for i, m in enumerate(c.items(raw.get("matches"), f"{path}.matches", 64)):
        m = _mapping(m)
        mp = f"{path}.matches[{i}]"
        c.enum(m.get("method"), f"{mp}.method", METHODS)
        matches.append(RouteMatch(
            _path_match(c, m.get("path"), f"{mp}.path"),
            _value_matches(c, m.get("headers"), f"{mp}.headers", 4096, "header"),
            _value_matches(c, m.get("queryParams"), f"{mp}.queryParams", 1024, "query parameter"),
            _str(m.get("method")), mp, r.loc(mp)))
    if not matches:  # the CRD's default: one match, PathPrefix /
        matches.append(RouteMatch(PathMatch("PathPrefix", "/"), (), (), None, "", r.loc(path)))
    filters = _filters(c, r, meta, raw.get("filters"), f"{path}.filters")
    backends = []
    for i, b in enumerate(c.items(raw.get("backendRefs"), f"{path}.backendRefs", 16)):
        b = _mapping(b)
        bp = f"{path}.backendRefs[{i}]"
        c.bounds(b.get("weight"), f"{bp}.weight", 0, 1000000)
        weight = _int(b.get("weight"))
        backends.append(HTTPBackendRef(_backend_object_ref(c, meta, b, bp), 1 if weight is None else weight,
                                       _filters(c, r, meta, b.get("filters"), f"{bp}.filters"), bp, r.loc(bp)))
    c.cel(not (backends and any(f.type == "RequestRedirect" for f in filters)), path,
          "RequestRedirect filter must not be used together with backendRefs",
          "a redirect answers the request itself: drop backendRefs or the redirect")
    one_prefix = (len(raw.get("matches") or ()) == 1 and matches[0].path.type == "PathPrefix"
                  and isinstance(_mapping(raw["matches"][0]).get("path"), dict))
    for what, attr in (("RequestRedirect", "request_redirect"), ("URLRewrite", "url_rewrite")):
        c.cel(not _prefix_rewrite(filters, attr) or one_prefix, path,
              f"When using {what} filter with path.replacePrefixMatch, exactly one PathPrefix match must be "
              "specified", "ReplacePrefixMatch replaces the matched prefix: give the rule one PathPrefix match")
        c.cel(sum(1 for b in backends if _prefix_rewrite(b.filters, attr)) != 1 or one_prefix, path,
              f"Within backendRefs, {'when' if what == 'RequestRedirect' else 'When'} using {what} filter with "
              "path.replacePrefixMatch, exactly one PathPrefix match must be specified")
    unsimulated = tuple(k for k in ("timeouts", "retry", "sessionPersistence") if raw.get(k) is not None)
    return HTTPRouteRule(name, tuple(matches), filters, tuple(backends), path, r.loc(path), unsimulated)


def http_route(r: Reader, meta: ObjectMeta) -> HTTPRoute:
    c = _Check(r)
    _beta_warning(r, meta)
    spec = _mapping(r.raw.get("spec"))
    parents = [_parent_ref(c, r, meta, p, f"spec.parentRefs[{i}]")
               for i, p in enumerate(c.items(spec.get("parentRefs"), "spec.parentRefs", 32))]
    same: dict[tuple[str, str, str, str], list[ParentRef]] = {}
    for p in parents:
        same.setdefault((p.group, p.kind, p.namespace, p.name), []).append(p)
    for refs in same.values():
        if len(refs) > 1:
            c.cel(len({p.section_name is None for p in refs}) == 1, "spec.parentRefs",
                  "sectionName must be specified when parentRefs includes 2 or more references to the same parent")
            keys = [(p.section_name, p.port) for p in refs]
            c.cel(len(keys) == len(set(keys)), "spec.parentRefs",
                  "sectionName must be unique when parentRefs includes 2 or more references to the same parent")
    hostnames = []
    for i, h in enumerate(c.items(spec.get("hostnames"), "spec.hostnames", 16)):
        c.hostname(h, f"spec.hostnames[{i}]")
        if isinstance(h, str):
            hostnames.append(h)
    raw_rules = spec.get("rules")
    rules = [_rule(c, r, meta, rule, f"spec.rules[{i}]")
             for i, rule in enumerate(c.items(raw_rules, "spec.rules", 16, 1 if raw_rules is not None else 0))]
    if raw_rules is None:  # the CRD's default: one rule matching PathPrefix / (and no backends: 500)
        rules = [HTTPRouteRule(None, (RouteMatch(PathMatch("PathPrefix", "/"), (), (), None, "",
                                                 r.loc("spec")),), (), (), "spec.rules", r.loc("spec"))]
    total = sum(len(_mapping(x).get("matches") or ()) for x in raw_rules or () if isinstance(raw_rules, list))
    c.cel(total <= 128, "spec.rules", "While 16 rules and 64 matches per rule are allowed, the total number of "
          "matches across all rules in a route must be less than 128")
    names = [x.name for x in rules if x.name]
    c.cel(len(names) == len(set(names)), "spec.rules", "Rule name must be unique within the route")
    return HTTPRoute(meta, tuple(parents), tuple(hostnames), tuple(rules))


# ---------------------------------------------------------------- ReferenceGrant


def reference_grant(r: Reader, meta: ObjectMeta) -> ReferenceGrant:
    c = _Check(r)
    spec = _mapping(r.raw.get("spec"))
    froms = []
    for i, f in enumerate(c.items(spec.get("from"), "spec.from", 16, 1)):
        f = _mapping(f)
        fp = f"spec.from[{i}]"
        if f.get("group") is None:
            c.fail(f"{fp}.group", "Required value", f'write group: {GROUP} (or "" for the core group)')
        if c.required(f.get("kind"), f"{fp}.kind", "e.g. HTTPRoute"):
            c.pattern(f.get("kind"), f"{fp}.kind", KIND)
        if c.required(f.get("namespace"), f"{fp}.namespace", "the namespace of the referring route"):
            c.pattern(f.get("namespace"), f"{fp}.namespace", NAMESPACE)
        froms.append((_str(f.get("group")) or "", _str(f.get("kind")) or "", _str(f.get("namespace")) or ""))
    tos = []
    for i, t in enumerate(c.items(spec.get("to"), "spec.to", 16, 1)):
        t = _mapping(t)
        tp = f"spec.to[{i}]"
        if t.get("group") is None:
            c.fail(f"{tp}.group", "Required value", 'write group: "" for a Service')
        if c.required(t.get("kind"), f"{tp}.kind", "e.g. Service"):
            c.pattern(t.get("kind"), f"{tp}.kind", KIND)
        tos.append((_str(t.get("group")) or "", _str(t.get("kind")) or "", _str(t.get("name")) or None))
    return ReferenceGrant(meta, tuple(froms), tuple(tos))


BUILDERS: dict[str, Callable[[Any, ObjectMeta], Any]] = {
    "GatewayClass": gateway_class,
    "Gateway": gateway,
    "HTTPRoute": http_route,
    "ReferenceGrant": reference_grant,
}

"""What the apiserver refuses in an Ingress spec, beyond what the loader already reports.

Follows kubernetes pkg/apis/networking/validation (ValidateIngressSpec):
path form per pathType, hosts, backends, TLS and the class name. Messages
are the apiserver's, prefixed the way `kubectl apply` prints them
(`Invalid value: "x": ...`), so they can be searched for.
"""

from __future__ import annotations

from collections import defaultdict
from typing import Iterator

from explorer.diagnostics import names
from explorer.diagnostics.finding import Finding
from explorer.diagnostics.site import Site
from explorer.diagnostics.walk import backends, paths, service_name_field, service_port_field
from explorer.model.objects import HTTPIngressPath, Ingress

_BAD_SEQUENCES = ("//", "/./", "/../", "%2f", "%2F")
_BAD_SUFFIXES = ("/..", "/.")


def check(ingress: Ingress) -> Iterator[Finding]:
    site = Site(ingress.meta)
    for _, path in paths(ingress):
        yield from _path(site, path)
    yield from _hosts(site, ingress)
    yield from _backends(site, ingress)
    yield from _tls(site, ingress)
    yield from _class_name(site, ingress)
    yield from _rules_without_http(site, ingress)
    yield from _duplicate_paths(site, ingress)


def _invalid(value: object, message: str) -> str:
    shown = f'"{value}"' if isinstance(value, str) else str(value)
    return f"Invalid value: {shown}: {message}"


def _path(site: Site, path: HTTPIngressPath) -> Iterator[Finding]:
    field = f"{path.field}.path"
    value = path.path or ""
    if path.path_type in ("Exact", "Prefix"):
        if not value.startswith("/"):
            yield site.finding("IE2003", field, _invalid(value, "must be an absolute path"),
                               f"start the path with /: /{value}" if value else "write path: /")
        for sequence in _BAD_SEQUENCES:
            if sequence in value:
                yield site.finding("IE2004", field, _invalid(value, f"must not contain '{sequence}'"),
                                   _sequence_hint(sequence, path.path_type))
        for suffix in _BAD_SUFFIXES:
            if value.endswith(suffix):
                yield site.finding("IE2004", field, _invalid(value, f"cannot end with '{suffix}'"),
                                   "write the path the way a browser would send it, without dot segments")
                break  # "/.." also ends in "."; the apiserver reports the first only
    elif path.path_type == "ImplementationSpecific" and value and not value.startswith("/"):
        yield site.finding("IE2003", field, _invalid(value, "must be an absolute path"),
                           f"start the path with /: /{value}")


def _sequence_hint(sequence: str, path_type: str) -> str:
    if sequence.lower() == "%2f":
        return f"{path_type} paths are compared decoded; write '/' instead of {sequence}"
    if sequence == "//":
        return "merge the slashes: clients and proxies normalise '//' away before matching"
    return "write the path without dot segments (the request path is normalised before matching)"


def _hosts(site: Site, ingress: Ingress) -> Iterator[Finding]:
    for rule in ingress.rules:
        if rule.host:
            yield from _host(site, f"{rule.field}.host", rule.host, "IE2005")


def _host(site: Site, field: str, host: str, code: str) -> Iterator[Finding]:
    """Rule hosts (IE2005-7) and TLS hosts (IE2016) share the apiserver's rules."""
    if names.is_ip(host):
        if code == "IE2005":  # the apiserver checks IPs only on rule hosts
            yield site.finding("IE2006", field, _invalid(host, "must be a DNS name, not an IP address"),
                               "leave host out to match requests to any name or address, or use a DNS name")
        return
    if "*" in host:
        for message in names.one(names.wildcard_dns1123_subdomain(host)):
            hint = ("leave host out to match every host" if host == "*" else
                    "a wildcard is '*.' followed by a DNS name (*.example.com); it covers exactly one label")
            yield site.finding("IE2007" if code == "IE2005" else code, field, _invalid(host, message), hint)
        return
    for message in names.one(names.dns1123_subdomain(host)):
        yield site.finding(code, field, _invalid(host, message), names.host_hint(host))


def _backends(site: Site, ingress: Ingress) -> Iterator[Finding]:
    for backend in backends(ingress):
        service = backend.service
        if service is not None:
            if service.name:
                for message in names.one(names.dns1035_label(service.name)):
                    yield site.finding("IE2014", service_name_field(ingress, backend),
                                       _invalid(service.name, message), _service_name_hint(service.name))
            field = service_port_field(ingress, backend)
            if service.port_number is not None:
                for message in names.one(names.port_number(service.port_number)):
                    yield site.finding("IE2012", field, _invalid(service.port_number, message),
                                       "name the Service's port: its spec.ports[].port, not a nodePort")
            elif service.port_name:
                for message in names.one(names.port_name(service.port_name)):
                    hint = ("a number written in quotes is a port name; write it without quotes"
                            if service.port_name.isdigit() else "use the Service port's spec.ports[].name")
                    yield site.finding("IE2013", field, _invalid(service.port_name, message), hint)
        resource = backend.resource
        if resource is not None and backend.service is None:
            for part, value in (("kind", resource.kind), ("name", resource.name)):
                if not value:
                    yield site.finding("IE2015", f"{backend.field}.resource.{part}",
                                       f"Required value: {part} is required",
                                       "a resource backend names an object by kind and name")


def _service_name_hint(name: str) -> str:
    if "/" in name:
        return ("an Ingress reaches only Services in its own namespace: write the Service's name alone "
                "and create the Ingress in the Service's namespace")
    if "." in name:
        return f"write the Service's metadata.name only ({name.split('.')[0]}), not a DNS name"
    if name != name.lower():
        return f"Service names are lower case: {name.lower()}"
    return "use the Service's metadata.name"


def _tls(site: Site, ingress: Ingress) -> Iterator[Finding]:
    for tls in ingress.tls:
        for index, host in enumerate(tls.hosts):
            yield from _host(site, f"{tls.field}.hosts[{index}]", host, "IE2016")
        if tls.secret_name:
            for message in names.one(names.dns1123_subdomain(tls.secret_name)):
                yield site.finding("IE2017", f"{tls.field}.secretName", _invalid(tls.secret_name, message),
                                   "use the TLS Secret's metadata.name (same namespace as the Ingress)")


def _class_name(site: Site, ingress: Ingress) -> Iterator[Finding]:
    name = ingress.ingress_class_name
    if name:
        for message in names.one(names.dns1123_subdomain(name)):
            yield site.finding("IE2018", "spec.ingressClassName", _invalid(name, message),
                               "use the metadata.name of an IngressClass, e.g. nginx")


def _rules_without_http(site: Site, ingress: Ingress) -> Iterator[Finding]:
    if ingress.default_backend is None and ingress.rules and all(rule.paths is None for rule in ingress.rules):
        for rule in ingress.rules:  # the apiserver takes it (rules are there), and it routes nothing at all
            yield site.finding(
                "IE2021", rule.field,
                f"rule for host {rule.host or '(any)'} has no http, and the Ingress has no other rule with paths "
                "and no defaultBackend: it routes no request (ingress-nginx answers 404, GKE builds no backend)",
                "add http.paths with a backend under the rule, or a spec.defaultBackend",
                severity="warning", stage="broken",
            )
        return
    for rule in ingress.rules:
        if rule.paths is None:
            yield site.finding(
                "IE2021", rule.field,
                f"rule for host {rule.host or '(any)'} has no http: it routes nothing itself",
                "add http.paths, or remove the rule (a host-only rule sends its traffic to the defaultBackend "
                "on some controllers and nowhere on others)",
            )


def _duplicate_paths(site: Site, ingress: Ingress) -> Iterator[Finding]:
    """Rules of the same host are merged by most controllers, so compare across them."""
    seen: dict[tuple[str, str, str], HTTPIngressPath] = {}
    repeats: dict[tuple[str, str, str], list[HTTPIngressPath]] = defaultdict(list)
    for rule, path in paths(ingress):
        key = (rule.host, path.path or "", path.path_type)
        if key in seen:
            repeats[key].append(path)
        else:
            seen[key] = path
    for (host, value, path_type), later in repeats.items():
        first = seen[(host, value, path_type)]
        for path in later:
            yield site.finding(
                "IE2022", f"{path.field}.path",
                f"host {host or '(any)'} has {path_type} {value or '(empty)'} twice; the first is at "
                f"{first.field} (line {site.line(first.field)})",
                "keep one: ingress-nginx uses the first, GKE the last, so the other backend never gets traffic",
            )

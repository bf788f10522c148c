"""The TLS Secrets an Ingress names, and the hosts its certificates cover.

An Ingress without `tls` is fine (no TLS is a choice, not a defect). When
`tls` is there, each Secret must be a kubernetes.io/tls Secret with tls.crt
and tls.key in the Ingress's namespace, and each rule host should be listed,
or its HTTPS traffic gets the controller's default certificate.
"""

from __future__ import annotations

from typing import Iterator

from explorer.diagnostics import names
from explorer.diagnostics.finding import Finding
from explorer.diagnostics.site import Site
from explorer.model.objects import Ingress, IngressTLS
from explorer.model.state import ClusterState
from explorer.routing.paths import wildcard_covers

TLS_TYPE = "kubernetes.io/tls"
TLS_KEYS = ("tls.crt", "tls.key")
#: Annotations that make cert-manager create the Secret, so a missing one is expected.
CERT_MANAGER = ("cert-manager.io/cluster-issuer", "cert-manager.io/issuer", "kubernetes.io/tls-acme")


def check(state: ClusterState, ingress: Ingress) -> Iterator[Finding]:
    site = Site(ingress.meta)
    for tls in ingress.tls:
        if tls.secret_name and not names.dns1123_subdomain(tls.secret_name):  # else IE2017
            yield from _secret(state, site, ingress, tls)
    yield from _coverage(site, ingress)


def _issued_by_cert_manager(state: ClusterState, ingress: Ingress, secret_name: str) -> bool:
    if any(ingress.annotation(key) for key in CERT_MANAGER):
        return True
    return any(
        o.meta.kind == "Certificate" and o.meta.namespace == ingress.meta.namespace
        and ((o.meta.raw or {}).get("spec") or {}).get("secretName") == secret_name
        for o in state.others
    )


def _secret(state: ClusterState, site: Site, ingress: Ingress, tls: IngressTLS) -> Iterator[Finding]:
    namespace = ingress.meta.namespace
    field = f"{tls.field}.secretName"
    secret = state.secrets.get((namespace, tls.secret_name))
    if secret is None:
        if _issued_by_cert_manager(state, ingress, tls.secret_name) or "Secret" in state.unread:
            return  # issued later, or we were not allowed to read Secrets: not known to be missing
        elsewhere = sorted(ns for (ns, name) in state.secrets if name == tls.secret_name and ns != namespace)
        hint = (f"Secret {tls.secret_name} exists in namespace {', '.join(elsewhere)}; the Secret must be in "
                "the Ingress's namespace" if elsewhere else
                f"create it: kubectl create secret tls {tls.secret_name} --cert=cert.pem --key=key.pem "
                f"-n {namespace}")
        yield site.finding(
            "IE3101", field,
            f'secrets "{tls.secret_name}" not found in namespace "{namespace}": HTTPS for '
            f"{', '.join(tls.hosts) or 'these hosts'} gets the controller's default certificate (nginx) "
            "or no certificate (GKE)",
            hint,
        )
        return
    missing = [key for key in TLS_KEYS if key not in secret.keys]
    secret_site = Site(secret.meta)
    if missing:
        have = ", ".join(secret.keys) or "none"
        yield secret_site.finding(
            "IE3103", "data",
            f"TLS Secret {secret.meta.key} (used by {ingress.meta.ref}) has no key {' or '.join(missing)}: "
            "no certificate can be served from it",
            f"its keys are: {have}; a TLS Secret holds the certificate in tls.crt and the private key in "
            "tls.key (kubectl create secret tls writes both)",
        )
    if secret.type != TLS_TYPE:
        yield secret_site.finding(
            "IE3102", "type",
            f'TLS Secret {secret.meta.key} (used by {ingress.meta.ref}) has type "{secret.type}", '
            f'not "{TLS_TYPE}": ingress-nginx and GKE read tls.crt and tls.key whatever the type, so it works',
            f"type: {TLS_TYPE} makes the apiserver check that tls.crt and tls.key are present "
            "(kubectl create secret tls writes it)",
        )


def _covers(tls: IngressTLS, host: str) -> bool:
    if not tls.hosts:
        return True  # no hosts: the certificate is the controller's answer for every host
    return any(h == host or (h.startswith("*.") and wildcard_covers(h, host, "one")) for h in tls.hosts)


def _coverage(site: Site, ingress: Ingress) -> Iterator[Finding]:
    if not ingress.tls:
        return
    reported: set[str] = set()
    for rule in ingress.rules:
        host = rule.host
        if not host or host in reported or any(_covers(t, host) for t in ingress.tls):
            continue
        reported.add(host)
        yield site.finding(
            "IE3104", f"{rule.field}.host",
            f"host {host} is not listed in any spec.tls[].hosts: HTTPS for it gets the controller's default "
            "certificate, which browsers reject",
            f"add {host} to the hosts of the tls entry whose certificate covers it",
        )

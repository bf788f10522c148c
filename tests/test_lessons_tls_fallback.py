"""An SNI no certificate is for: GKE serves the first certificate of spec.tls, ingress-nginx its Fake Certificate.

Real TLS handshakes with the embedded proxy on 127.0.0.1, on the manifests of lesson 7 once solved
(profile field `unknown_sni_certificate`).
"""

from __future__ import annotations

import asyncio
import ssl

import pytest
from cryptography import x509
from cryptography.x509.oid import NameOID

from explorer.lessons.catalog import load_catalog
from explorer.lessons.examples import before_each_step
from explorer.lessons.patch import apply_solution
from explorer.model import load_texts
from explorer.proxy.server import Proxy, ProxyOptions
from explorer.routing import get_profile


def _solved_tls_lesson() -> dict[str, str]:
    lesson = load_catalog().get("tls")
    *_, (step, texts, _) = before_each_step(lesson)
    return apply_solution(texts, step.solution).texts


async def _names(port: int, sni: str) -> tuple[str, list[str]]:
    ctx = ssl.create_default_context()
    ctx.check_hostname = False
    ctx.verify_mode = ssl.CERT_NONE
    _, writer = await asyncio.open_connection("127.0.0.1", port, ssl=ctx, server_hostname=sni)
    der = writer.get_extra_info("ssl_object").getpeercert(binary_form=True)
    writer.close()
    cert = x509.load_der_x509_certificate(der)
    try:
        sans = cert.extensions.get_extension_for_class(x509.SubjectAlternativeName).value.get_values_for_type(
            x509.DNSName)
    except x509.ExtensionNotFound:
        sans = []
    cn = cert.subject.get_attributes_for_oid(NameOID.COMMON_NAME)
    return (cn[0].value if cn else ""), sans


@pytest.mark.parametrize("controller, unknown", [("gce", "foo.example.com"),
                                                 ("nginx", "Kubernetes Ingress Controller Fake Certificate")])
async def test_an_unknown_name_gets_the_controllers_own_fallback(controller: str, unknown: str):
    state = load_texts(_solved_tls_lesson(), "default")
    proxy = Proxy(ProxyOptions(listen="127.0.0.1"))
    await proxy.start(state, get_profile(controller))
    try:
        info = next(i for i in proxy.listeners.values() if i.https_port)
        for sni in ("foo.example.com", "bar.example.com"):  # a known name gets its own certificate on both
            cn, sans = await _names(info.https_port, sni)
            assert sni in [cn, *sans]
        cn, sans = await _names(info.https_port, "other.example.com")
        assert cn == unknown and "other.example.com" not in sans
    finally:
        await proxy.stop()

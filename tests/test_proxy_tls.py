"""HTTPS: certificates from the Ingress's tls Secrets, chosen by SNI; Host still picks the route."""

from __future__ import annotations

import asyncio
import base64
import ssl
from pathlib import Path

from cryptography import x509

from explorer.proxy.tls import make_self_signed
from explorer.routing import GCE, NGINX
from proxy_support import PROXY_DATA, running

INGRESS = """\
apiVersion: networking.k8s.io/v1
kind: Ingress
metadata:
  name: two-certs
spec:
  tls:
    - hosts: [a.example.com]
      secretName: a-tls
    - hosts: [b.example.com]
      secretName: b-tls
  rules:
    - host: a.example.com
      http:
        paths:
          - {path: /, pathType: Prefix, backend: {service: {name: echo, port: {number: 80}}}}
    - host: b.example.com
      http:
        paths:
          - {path: /, pathType: Prefix, backend: {service: {name: echo, port: {number: 80}}}}
"""


def write_manifests(tmp_path: Path) -> bytes:
    """The Ingress, and a Secret for a.example.com only (b-tls is missing). Returns a's certificate."""
    crt, key = make_self_signed("a.example.com", ("a.example.com",))
    secret = (
        "apiVersion: v1\nkind: Secret\nmetadata:\n  name: a-tls\ntype: kubernetes.io/tls\ndata:\n"
        f"  tls.crt: {base64.b64encode(crt).decode()}\n  tls.key: {base64.b64encode(key).decode()}\n"
    )
    (tmp_path / "ingress.yaml").write_text(INGRESS)
    (tmp_path / "secret.yaml").write_text(secret)
    return crt


async def https_get(port: int, sni: str | None, host: str, path: str = "/") -> tuple[x509.Certificate, bytes]:
    """One HTTPS request with a chosen SNI name and Host header; returns the served certificate and answer."""
    ctx = ssl.create_default_context()
    ctx.check_hostname = False
    ctx.verify_mode = ssl.CERT_NONE
    reader, writer = await asyncio.open_connection("127.0.0.1", port, ssl=ctx, server_hostname=sni)
    try:
        der = writer.get_extra_info("ssl_object").getpeercert(binary_form=True)
        writer.write(f"GET {path} HTTP/1.1\r\nHost: {host}\r\nConnection: close\r\n\r\n".encode())
        await writer.drain()
        answer = await asyncio.wait_for(reader.read(), 5)
    finally:
        writer.close()
    return x509.load_der_x509_certificate(der), answer


def names_of(cert: x509.Certificate) -> list[str]:
    try:
        return cert.extensions.get_extension_for_class(x509.SubjectAlternativeName).value.get_values_for_type(
            x509.DNSName)
    except x509.ExtensionNotFound:
        return []


async def test_sni_chooses_between_the_secrets_certificate_and_a_generated_one(tmp_path):
    a_pem = write_manifests(tmp_path)
    async with running(NGINX, PROXY_DATA / "site" / "app.yaml", tmp_path) as proxy:
        info = proxy.listeners["shared"]
        port = info.https_port
        a_cert, a_answer = await https_get(port, "a.example.com", "a.example.com")
        b_cert, b_answer = await https_get(port, "b.example.com", "b.example.com")
        none_cert, _ = await https_get(port, None, "a.example.com")
    assert a_cert == x509.load_pem_x509_certificate(a_pem)  # exactly the Secret's certificate
    assert names_of(b_cert) == ["b.example.com"] and b_cert != a_cert  # made at start for the host
    assert "Fake Certificate" in none_cert.subject.rfc4514_string()  # no SNI: the fallback
    assert a_answer.startswith(b"HTTP/1.1 200") and b"X-Ingress-Explorer-Pod: echo-" in a_answer
    assert b_answer.startswith(b"HTTP/1.1 200")
    assert b"X-Ingress-Explorer-Certificate: a.example.com: Secret default/a-tls" in a_answer
    assert (b"X-Ingress-Explorer-Certificate: b.example.com: self-signed (Secret default/b-tls not in the "
            b"manifests)") in b_answer
    assert any(line.startswith("a.example.com: Secret default/a-tls") for line in info.certificates)
    assert any(line.startswith("b.example.com: self-signed (Secret default/b-tls not in the manifests)")
               for line in info.certificates)


async def test_host_header_routes_even_when_sni_names_another_host(tmp_path):
    write_manifests(tmp_path)
    async with running(NGINX, PROXY_DATA / "site" / "app.yaml", tmp_path) as proxy:
        port = proxy.listeners["shared"].https_port
        cert, answer = await https_get(port, "a.example.com", "unknown.example.com")
    assert names_of(cert) == ["a.example.com"]
    assert answer.startswith(b"HTTP/1.1 404") and b"default backend - 404" in answer


async def test_https_on_gce_is_served_by_the_ingresss_own_load_balancer(tmp_path):
    write_manifests(tmp_path)
    async with running(GCE, PROXY_DATA / "site" / "app.yaml", tmp_path) as proxy:
        port = proxy.listeners["default/two-certs"].https_port
        cert, answer = await https_get(port, "b.example.com", "b.example.com", "/x")
    assert names_of(cert) == ["b.example.com"]
    assert answer.startswith(b"HTTP/1.1 200")


async def test_keys_live_only_in_a_temporary_directory_removed_on_stop(tmp_path):
    write_manifests(tmp_path)
    async with running(NGINX, PROXY_DATA / "site" / "app.yaml", tmp_path) as proxy:
        store = proxy._certs
        key_dir = Path(store.fallback.key_file).parent
        assert any(key_dir.glob("*.key"))
        assert oct(store.fallback.key_file.stat().st_mode & 0o777) == "0o600"
    assert not key_dir.exists()

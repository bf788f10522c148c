"""Certificates for the HTTPS listeners, chosen by SNI.

Each `tls` entry of an Ingress names a Secret; when the manifests hold that
Secret with a usable `tls.crt`/`tls.key`, it is served as written. Otherwise
a self-signed certificate is made for the entry's hosts at start, and the
listener says so (status line, `certificates` of the listener, a response
header). Keys only ever touch disk inside a temporary directory that is
removed when the proxy stops, because `ssl` can load a chain only from files.

SNI picks the certificate; the Host header still picks the route (spec:
"if SNI and Host disagree, SNI picks the cert and Host is used for routing").
"""

from __future__ import annotations

import atexit
import base64
import binascii
import datetime
import os
import shutil
import signal
import ssl
import stat
import tempfile
import threading
import weakref
from dataclasses import dataclass
from pathlib import Path
from typing import Iterable

from explorer.model.objects import Ingress
from explorer.model.redact import reveal
from explorer.model.state import ClusterState
from explorer.routing.paths import wildcard_covers

#: Served when the client sends no SNI, or one that no `tls` entry names.
#: ingress-nginx calls its own fallback the same.
FALLBACK_NAME = "Kubernetes Ingress Controller Fake Certificate"


@dataclass(frozen=True, slots=True)
class Certificate:
    hosts: tuple[str, ...]
    source: str  # "Secret default/foo-tls" or "self-signed (Secret default/foo-tls not found)"
    self_signed: bool
    cert_file: Path
    key_file: Path
    pem: bytes  # the certificate (public), so clients in tests can trust it

    def describe(self) -> str:
        return f"{', '.join(self.hosts) or '(no hosts)'}: {self.source}"


#: `ingress-explorer-tls-<pid>-<random>`: the pid tells a later run whether the one that made it still runs.
PREFIX = "ingress-explorer-tls-"
_open_stores: "weakref.WeakSet[CertificateStore]" = weakref.WeakSet()


class CertificateStore:
    """Certificates of one proxy run, in a private temporary directory.

    The directory goes when the proxy stops, when the process exits, and on
    SIGHUP (the terminal closed); one left by a killed run (SIGKILL, a
    crash) is removed by the next run of the same user.
    """

    def __init__(self) -> None:
        remove_stale_key_dirs()
        self._dir = tempfile.TemporaryDirectory(prefix=f"{PREFIX}{os.getpid()}-")
        self._count = 0
        self._made: dict[tuple[tuple[str, ...], str], Certificate] = {}
        _open_stores.add(self)
        _remove_on_hangup()
        self.fallback = self._self_signed((), FALLBACK_NAME, f"self-signed ({FALLBACK_NAME})")

    @property
    def directory(self) -> Path:
        return Path(self._dir.name)

    def close(self) -> None:
        _open_stores.discard(self)
        self._dir.cleanup()

    def for_ingresses(self, state: ClusterState, ingresses: Iterable[Ingress]) -> list[Certificate]:
        """One certificate per `tls` entry, oldest Ingress first (as the router ordered them)."""
        certs = []
        for ingress in ingresses:
            for tls in ingress.tls:
                hosts = tuple(h.lower() for h in tls.hosts)
                certs.append(self._from_secret(state, ingress.meta.namespace, tls.secret_name, hosts))
        return certs

    def for_gateway_listener(self, state: ClusterState, hostname: str | None, refs: Iterable[tuple[str, str]],
                             refused: str | None = None) -> list[Certificate]:
        """A Gateway HTTPS listener's certificates: its certificateRefs' Secrets (namespace, name), for its hostname.

        `refused`: why its refs do not resolve (the listener's ResolvedRefs=False message); then, as for a
        Secret missing from the manifests, a self-signed certificate that says why.
        """
        hosts = (hostname.lower(),) if hostname else ()
        common = hosts[0] if hosts else FALLBACK_NAME
        if refused:
            return [self._self_signed(hosts, common, f"self-signed ({refused})")]
        found = [self._from_secret(state, namespace, name, hosts) for namespace, name in refs]
        return found or [self._self_signed(hosts, common, "self-signed (the listener has no certificateRefs)")]

    def _from_secret(self, state: ClusterState, namespace: str, name: str, hosts: tuple[str, ...]) -> Certificate:
        if not name:
            return self._self_signed(hosts, hosts[0] if hosts else FALLBACK_NAME, "self-signed (no secretName)")
        secret = state.secrets.get((namespace, name))
        where = f"Secret {namespace}/{name}"
        if secret is None:
            return self._self_signed(hosts, hosts[0] if hosts else name, f"self-signed ({where} not in the manifests)")
        crt, key, problem = _secret_pair(secret.meta.raw)
        if problem:
            return self._self_signed(hosts, hosts[0] if hosts else name, f"self-signed ({where} {problem})")
        cache_key = (hosts, where + crt.hex() + key.hex())
        if cache_key in self._made:
            return self._made[cache_key]
        cert_file, key_file = self._write(crt, key)
        try:
            ssl.create_default_context(ssl.Purpose.CLIENT_AUTH).load_cert_chain(cert_file, key_file)
        except (ssl.SSLError, ValueError) as exc:
            return self._self_signed(hosts, hosts[0] if hosts else name,
                                     f"self-signed ({where}: tls.crt/tls.key do not load: {exc})")
        cert = Certificate(hosts, where, False, cert_file, key_file, crt)
        self._made[cache_key] = cert
        return cert

    def _self_signed(self, hosts: tuple[str, ...], common_name: str, source: str) -> Certificate:
        cache_key = (hosts, source)
        if cache_key in self._made:
            return self._made[cache_key]
        crt, key = make_self_signed(common_name, hosts)
        cert_file, key_file = self._write(crt, key)
        cert = Certificate(hosts, source, True, cert_file, key_file, crt)
        self._made[cache_key] = cert
        return cert

    def _write(self, crt: bytes, key: bytes) -> tuple[Path, Path]:
        self._count += 1
        base = Path(self._dir.name)
        cert_file, key_file = base / f"{self._count}.crt", base / f"{self._count}.key"
        cert_file.write_bytes(crt)
        key_file.touch(mode=0o600)
        key_file.write_bytes(key)
        return cert_file, key_file


def remove_stale_key_dirs(root: str | None = None) -> list[Path]:
    """Remove key directories of runs that are gone (this user's only); returns what was removed."""
    removed: list[Path] = []
    base = Path(root or tempfile.gettempdir())
    try:
        candidates = list(base.glob(f"{PREFIX}*-*"))
    except OSError:
        return removed
    for path in candidates:
        pid_text = path.name[len(PREFIX):].split("-", 1)[0]
        if not pid_text.isdigit():
            continue
        try:
            info = path.lstat()
        except OSError:
            continue
        if not stat.S_ISDIR(info.st_mode) or info.st_uid != os.geteuid() or _running(int(pid_text)):
            continue
        shutil.rmtree(path, ignore_errors=True)
        removed.append(path)
    return removed


def _running(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # another user's process of that pid: alive
        return True
    return True


def _close_all() -> None:
    for store in list(_open_stores):
        store.close()


def _remove_on_hangup() -> None:
    """On SIGHUP (its terminal closed) the process dies without running `finally`: remove the keys first.

    Only where nobody else handles SIGHUP (serve's event loop does, and stops cleanly), and only from
    the main thread, where signal handlers can be set. The next run's clean-up covers the rest.
    """
    if not hasattr(signal, "SIGHUP") or threading.current_thread() is not threading.main_thread():
        return
    if signal.getsignal(signal.SIGHUP) is not signal.SIG_DFL:
        return

    def hangup(signum: int, frame: object) -> None:
        _close_all()
        signal.signal(signal.SIGHUP, signal.SIG_DFL)
        os.kill(os.getpid(), signal.SIGHUP)  # then die of it, as the process would have

    signal.signal(signal.SIGHUP, hangup)


atexit.register(_close_all)


def _secret_pair(raw: object) -> tuple[bytes, bytes, str]:
    """(tls.crt, tls.key, problem) from a Secret document's data or stringData."""
    if not isinstance(raw, dict):
        return b"", b"", "cannot be read"
    values: dict[str, bytes] = {}
    string_data = raw.get("stringData")
    data = raw.get("data")
    for key in ("tls.crt", "tls.key"):
        # the loader sealed them (explorer.model.redact): this is the one place they are unsealed
        written = reveal(string_data.get(key)) if isinstance(string_data, dict) else None
        encoded = reveal(data.get(key)) if isinstance(data, dict) else None
        if written is not None:
            values[key] = written.encode()
        elif encoded is not None:
            try:
                values[key] = base64.b64decode(encoded, validate=False)
            except (binascii.Error, ValueError):
                return b"", b"", f"has {key} that is not base64"
    missing = [k for k in ("tls.crt", "tls.key") if not values.get(k, b"").strip()]
    if missing:
        return b"", b"", f"holds no {' and no '.join(missing)}"
    return values["tls.crt"], values["tls.key"], ""


def make_self_signed(common_name: str, hosts: tuple[str, ...]) -> tuple[bytes, bytes]:
    """A PEM certificate and key (EC P-256: fast to make) valid for `hosts`, wildcards included."""
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import NameOID

    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([
        x509.NameAttribute(NameOID.ORGANIZATION_NAME, "ingress-explorer (self-signed)"),
        x509.NameAttribute(NameOID.COMMON_NAME, common_name[:64]),
    ])
    now = datetime.datetime.now(datetime.timezone.utc)
    builder = (
        x509.CertificateBuilder()
        .subject_name(name).issuer_name(name).public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(minutes=5))
        .not_valid_after(now + datetime.timedelta(days=30))
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
    )
    if hosts:
        builder = builder.add_extension(x509.SubjectAlternativeName([x509.DNSName(h) for h in hosts]), critical=False)
    cert = builder.sign(key, hashes.SHA256())
    return (
        cert.public_bytes(serialization.Encoding.PEM),
        key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                          serialization.NoEncryption()),
    )


class SNISelector:
    """One server SSLContext whose SNI callback swaps in the certificate for the asked name.

    `update()` replaces the certificates in place, so a new snapshot changes
    what the running HTTPS listener serves without closing it.
    """

    def __init__(self, fallback: Certificate) -> None:
        self._own = self.fallback = _server_context(fallback)
        self.fallback_certificate: Certificate | None = None  # None: the controller's own (fake) one
        self.certificates: list[Certificate] = []
        self._by_host: dict[str, tuple[ssl.SSLContext, Certificate]] = {}
        self._wildcards: list[tuple[str, ssl.SSLContext, Certificate]] = []
        self._labels = "one"
        self._by_context: dict[int, Certificate] = {}
        self.context = _server_context(fallback)
        self.context.sni_callback = self._pick

    def update(self, certificates: list[Certificate], wildcard_labels: str, unknown_sni: str = "controller") -> None:
        """`unknown_sni` (the profile's unknown_sni_certificate): what an SNI no certificate is for gets."""
        by_host: dict[str, tuple[ssl.SSLContext, Certificate]] = {}
        wildcards: list[tuple[str, ssl.SSLContext, Certificate]] = []
        first: tuple[ssl.SSLContext, Certificate] | None = None
        for cert in certificates:
            ctx = _server_context(cert)
            first = first or (ctx, cert)
            for host in cert.hosts:  # the oldest entry naming a host wins, as the router keeps it
                if host.startswith("*."):
                    wildcards.append((host, ctx, cert))
                else:
                    by_host.setdefault(host, (ctx, cert))
        self.certificates, self._by_host, self._wildcards, self._labels = certificates, by_host, wildcards, \
            wildcard_labels
        self._by_context = {id(ctx): cert for ctx, cert in [*by_host.values(), *((c, k) for _, c, k in wildcards)]}
        if unknown_sni == "first" and first is not None:
            self.fallback, self.fallback_certificate = first
        else:
            self.fallback, self.fallback_certificate = self._own, None

    def certificate_for(self, server_name: str | None) -> Certificate | None:
        found = self._lookup(server_name)
        return found[1] if found else None

    def served(self, sslobj: ssl.SSLObject) -> Certificate | None:
        """The certificate a connection got (a server-side SSLObject does not keep the SNI name)."""
        return self._by_context.get(id(sslobj.context))

    def _lookup(self, server_name: str | None) -> tuple[ssl.SSLContext, Certificate] | None:
        if not server_name:
            return None
        name = server_name.lower().rstrip(".")
        if name in self._by_host:
            return self._by_host[name]
        for wildcard, ctx, cert in self._wildcards:
            if wildcard_covers(wildcard, name, self._labels):
                return ctx, cert
        return None

    def _pick(self, sock: ssl.SSLObject | ssl.SSLSocket, server_name: str | None, _: ssl.SSLContext) -> None:
        found = self._lookup(server_name)
        sock.context = found[0] if found else self.fallback
        return None


def _server_context(cert: Certificate) -> ssl.SSLContext:
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    ctx.minimum_version = ssl.TLSVersion.TLSv1_2
    ctx.load_cert_chain(cert.cert_file, cert.key_file)
    return ctx

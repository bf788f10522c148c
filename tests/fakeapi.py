"""A small Kubernetes API server for tests: real HTTP on 127.0.0.1, the real REST protocol.

No kube-apiserver can run on the test machines, so the live edge is tested
against this: the official kubernetes client, configured from a real
kubeconfig file, talks to it over a socket. It serves what the client reads:

- discovery: `/api`, `/api/v1`, `/apis`, `/apis/<group>/<version>` (404 for a
  group that is not installed, so a missing CRD looks as it does on a cluster);
- lists, namespaced and across namespaces, with `metadata.resourceVersion`
  (items carry no kind/apiVersion for built-in kinds, as the apiserver sends them);
- single-object GETs;
- `?watch=true&resourceVersion=N`: newline-delimited JSON events (ADDED,
  MODIFIED, DELETED, BOOKMARK when asked for with allowWatchBookmarks, ERROR
  with a 410 Status when N is older than the compacted history), chunked,
  held open until `timeoutSeconds` or until the test drops it;
- 401 for a wrong bearer token, 403 Forbidden Status for chosen (resource, namespace, verb);
- pod port-forwarding over WebSocket with the `v4.channel.k8s.io` framing
  that the kubelet serves (kubernetes/kubernetes
  pkg/kubelet/cri/streaming/portforward/websocket.go) and the Python client
  speaks: a data and an error channel per port, each opened with the port as
  a little-endian uint16, then frames prefixed with the channel byte; relayed
  to a real TCP address on loopback that the test names for the Pod.

It answers any HTTP method (so a write would be seen, not refused by a
router) and logs every request; tests assert that the tool only ever sent GET.
The server runs its own event loop in a thread, because the kubernetes client
is blocking and the test calls it from the main thread.
"""

from __future__ import annotations

import asyncio
import copy
import json
import threading
import uuid
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl

import pytest
from aiohttp import WSMsgType, web


@dataclass(frozen=True)
class Kind:
    kind: str
    group: str
    version: str
    plural: str
    namespaced: bool = True
    crd: bool = False  # custom resources list their items with kind/apiVersion, built-ins do not

    @property
    def api_version(self) -> str:
        return f"{self.group}/{self.version}" if self.group else self.version

    @property
    def group_version(self) -> str:
        return self.api_version


KINDS = [
    Kind("Ingress", "networking.k8s.io", "v1", "ingresses"),
    Kind("IngressClass", "networking.k8s.io", "v1", "ingressclasses", namespaced=False),
    Kind("Service", "", "v1", "services"),
    Kind("Endpoints", "", "v1", "endpoints"),
    Kind("Pod", "", "v1", "pods"),
    Kind("Secret", "", "v1", "secrets"),
    Kind("Namespace", "", "v1", "namespaces", namespaced=False),
    Kind("EndpointSlice", "discovery.k8s.io", "v1", "endpointslices"),
    Kind("Deployment", "apps", "v1", "deployments"),
    Kind("StatefulSet", "apps", "v1", "statefulsets"),
    Kind("DaemonSet", "apps", "v1", "daemonsets"),
    Kind("ReplicaSet", "apps", "v1", "replicasets"),
]
GKE_KINDS = [
    Kind("BackendConfig", "cloud.google.com", "v1", "backendconfigs", crd=True),
    Kind("FrontendConfig", "networking.gke.io", "v1beta1", "frontendconfigs", crd=True),
]


def status(code: int, reason: str, message: str, details: dict[str, Any] | None = None) -> dict[str, Any]:
    body: dict[str, Any] = {"kind": "Status", "apiVersion": "v1", "metadata": {}, "status": "Failure",
                            "message": message, "reason": reason, "code": code}
    if details:
        body["details"] = details
    return body


@dataclass
class _Watcher:
    plural: str
    namespace: str | None
    bookmarks: bool
    queue: asyncio.Queue = field(default_factory=asyncio.Queue)


class FakeApiServer:
    """Start with `with FakeApiServer() as api:`; mutate with add/update/delete from the test thread."""

    def __init__(self, *, token: str = "test-token", gke_crds: bool = False, gone_as_http: bool = False,
                 tls: bool = False) -> None:
        self.token = token
        #: serve HTTPS with a fresh self-signed certificate for 127.0.0.1, as every real cluster does
        self.certificate_pem, self._key_pem = self_signed_certificate() if tls else (b"", b"")
        self.kinds = {k.kind: k for k in KINDS + (GKE_KINDS if gke_crds else [])}
        self._by_plural = {(k.group, k.plural): k for k in self.kinds.values()}
        self.objects: dict[str, dict[tuple[str, str], dict[str, Any]]] = {k.kind: {} for k in self.kinds.values()}
        self.history: list[tuple[int, str, str, dict[str, Any]]] = []  # (rv, kind, type, object)
        self.resource_version = 1000
        self.compacted_before = 0  # watches from an older resourceVersion get 410 Gone
        self.gone_as_http = gone_as_http  # answer a too-old watch with HTTP 410 instead of an ERROR event
        #: (plural, namespace or None for everywhere, verb) that answer 403
        self.forbidden: set[tuple[str, str | None, str]] = set()
        self.requests: list[tuple[str, str]] = []  # (method, path?query) in arrival order
        self.pod_ports: dict[tuple[str, str], tuple[str, int]] = {}  # (ns, pod) -> a real TCP address
        self._watchers: list[_Watcher] = []
        self._partitioned = False
        self._loop: asyncio.AbstractEventLoop | None = None
        self._thread: threading.Thread | None = None
        self._runner: web.AppRunner | None = None
        self.port = 0

    # ------------------------------------------------------------ lifecycle

    @property
    def url(self) -> str:
        return f"{'https' if self.certificate_pem else 'http'}://127.0.0.1:{self.port}"

    def __enter__(self) -> "FakeApiServer":
        self.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()

    def start(self) -> None:
        ready = threading.Event()
        self._thread = threading.Thread(target=self._serve, args=(ready,), name="fake-apiserver", daemon=True)
        self._thread.start()
        if not ready.wait(10):
            raise RuntimeError("fake API server did not start")

    def _serve(self, ready: threading.Event) -> None:
        loop = self._loop = asyncio.new_event_loop()
        app = web.Application()
        app.router.add_route("*", "/{tail:.*}", self._handle)
        self._runner = web.AppRunner(app, handle_signals=False)
        loop.run_until_complete(self._runner.setup())
        site = web.TCPSite(self._runner, "127.0.0.1", 0, ssl_context=self._ssl_context())
        loop.run_until_complete(site.start())
        self.port = self._runner.addresses[0][1]
        ready.set()
        loop.run_forever()
        loop.run_until_complete(self._runner.cleanup())
        loop.close()

    def _ssl_context(self):
        if not self.certificate_pem:
            return None
        import ssl
        import tempfile

        context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        with tempfile.TemporaryDirectory() as tmp:
            cert, key = Path(tmp) / "cert.pem", Path(tmp) / "key.pem"
            cert.write_bytes(self.certificate_pem)
            key.write_bytes(self._key_pem)
            context.load_cert_chain(cert, key)
        return context

    def stop(self) -> None:
        if self._loop is None or self._thread is None:
            return
        self.call(self._drop_all)
        self._loop.call_soon_threadsafe(self._loop.stop)
        self._thread.join(10)
        self._loop = None

    def call(self, fn, *args):
        """Run fn on the server's loop (all server state is touched there only) and return its result."""
        assert self._loop is not None

        async def run():
            return fn(*args)

        return asyncio.run_coroutine_threadsafe(run(), self._loop).result(10)

    def write_kubeconfig(self, path: Path, *, context: str = "fake", namespace: str | None = None,
                         token: str | None = None, server: str | None = None,
                         certificate_authority: bytes | None = None) -> Path:
        """A kubeconfig with one cluster, user and context pointing at this server (trusting its certificate)."""
        import base64

        ctx: dict[str, Any] = {"cluster": f"{context}-cluster", "user": f"{context}-user"}
        if namespace:
            ctx["namespace"] = namespace
        cluster: dict[str, Any] = {"server": server or self.url}
        authority = certificate_authority if certificate_authority is not None else self.certificate_pem
        if authority:
            cluster["certificate-authority-data"] = base64.b64encode(authority).decode()
        doc = {
            "apiVersion": "v1", "kind": "Config", "current-context": context,
            "clusters": [{"name": f"{context}-cluster", "cluster": cluster}],
            "users": [{"name": f"{context}-user", "user": {"token": token or self.token}}],
            "contexts": [{"name": context, "context": ctx}],
        }
        path.write_text(json.dumps(doc, indent=2))
        return path

    # ------------------------------------------------------------ the test's side: objects and events

    def add(self, *objects: dict[str, Any]) -> None:
        copies = [copy.deepcopy(obj) for obj in objects]
        self.call(lambda: [self._put("ADDED", obj) for obj in copies])

    def update(self, obj: dict[str, Any]) -> None:
        self.call(self._put, "MODIFIED", copy.deepcopy(obj))

    def delete(self, kind: str, namespace: str, name: str) -> None:
        self.call(self._delete, kind, namespace, name)

    def compact(self) -> None:
        """Forget the event history, as etcd compaction does: older resourceVersions now answer 410 Gone."""
        self.call(self._compact)

    def drop_watches(self) -> None:
        """Cut every open watch connection mid-stream, as a restarting apiserver or a load balancer does."""
        self.call(self._drop_all)

    def end_watches(self) -> None:
        """End every open watch cleanly after what was already sent, as `timeoutSeconds` running out does."""
        self.call(lambda: [w.queue.put_nowait("end") for w in self._watchers])

    def partition(self) -> None:
        """Stop delivering events to the open watches (a stalled connection) until they are dropped."""
        self.call(setattr, self, "_partitioned", True)

    def bookmark(self) -> None:
        """Send a BOOKMARK to every watch that asked for them."""
        self.call(self._bookmark)

    def open_watches(self) -> int:
        return self.call(lambda: len(self._watchers))

    def methods(self) -> set[str]:
        return {method for method, _ in list(self.requests)}

    # ------------------------------------------------------------ state, on the loop

    def _next_rv(self) -> str:
        self.resource_version += 1
        return str(self.resource_version)

    def _put(self, event: str, obj: dict[str, Any]) -> None:
        kind = self.kinds[obj["kind"]]
        meta = obj.setdefault("metadata", {})
        if kind.namespaced:
            meta.setdefault("namespace", "default")
        key = (meta.get("namespace", ""), meta["name"])
        previous = self.objects[kind.kind].get(key)
        if event == "ADDED" and previous is not None:
            event = "MODIFIED"
        meta.setdefault("uid", previous["metadata"]["uid"] if previous else str(uuid.uuid4()))
        meta.setdefault("creationTimestamp", previous["metadata"]["creationTimestamp"] if previous
                        else f"2026-01-01T00:{len(self.history) // 60 % 60:02d}:{len(self.history) % 60:02d}Z")
        meta["resourceVersion"] = self._next_rv()
        obj["apiVersion"] = kind.api_version
        self.objects[kind.kind][key] = obj
        self._publish(kind, event, obj)

    def _delete(self, kind_name: str, namespace: str, name: str) -> None:
        kind = self.kinds[kind_name]
        obj = self.objects[kind.kind].pop((namespace if kind.namespaced else "", name))
        obj = copy.deepcopy(obj)
        obj["metadata"]["resourceVersion"] = self._next_rv()
        self._publish(kind, "DELETED", obj)

    def _publish(self, kind: Kind, event: str, obj: dict[str, Any]) -> None:
        rv = int(obj["metadata"]["resourceVersion"])
        self.history.append((rv, kind.kind, event, obj))
        for watcher in [] if self._partitioned else self._watchers:
            if self._watches(watcher, kind, obj):
                watcher.queue.put_nowait({"type": event, "object": obj})

    def _watches(self, watcher: _Watcher, kind: Kind, obj: dict[str, Any]) -> bool:
        return watcher.plural == kind.plural and (
            watcher.namespace is None or obj["metadata"].get("namespace") == watcher.namespace)

    def _compact(self) -> None:
        self.compacted_before = self.resource_version
        self.history.clear()

    def _drop_all(self) -> None:
        self._partitioned = False
        for watcher in self._watchers:
            watcher.queue.put_nowait(None)

    def _bookmark(self) -> None:
        for watcher in self._watchers:
            if watcher.bookmarks:
                kind = next(k for k in self.kinds.values() if k.plural == watcher.plural)
                watcher.queue.put_nowait({"type": "BOOKMARK", "object": {
                    "kind": kind.kind, "apiVersion": kind.api_version,
                    "metadata": {"resourceVersion": str(self.resource_version)}}})

    # ------------------------------------------------------------ HTTP

    async def _handle(self, request: web.Request) -> web.StreamResponse:
        self.requests.append((request.method, request.path_qs))
        if request.headers.get("Authorization") != f"Bearer {self.token}":
            return web.json_response(status(401, "Unauthorized", "Unauthorized"), status=401)
        parts = [p for p in request.path.split("/") if p]
        query = dict(parse_qsl(request.query_string))
        if parts == ["api"]:
            return web.json_response({"kind": "APIVersions", "versions": ["v1"]})
        if parts == ["apis"]:
            return web.json_response(self._group_list())
        if parts and parts[0] == "api":
            group, rest = "", parts[1:]
        elif parts and parts[0] == "apis" and len(parts) >= 3:
            group, rest = parts[1], parts[2:]
        else:
            return self._not_found()
        version, rest = rest[0], rest[1:]
        if not rest:
            return self._resource_list(group, version)
        namespace = None
        if rest[0] == "namespaces" and len(rest) >= 3:
            namespace, rest = rest[1], rest[2:]
        kind = self._by_plural.get((group, rest[0]))
        if kind is None or kind.version != version or (namespace is not None and not kind.namespaced):
            return self._not_found()
        name = rest[1] if len(rest) > 1 else None
        if len(rest) == 3 and kind.kind == "Pod" and rest[2] == "portforward" and namespace:
            return await self._port_forward(request, namespace, rest[1], query)
        if len(rest) > 2:
            return self._not_found()
        if request.method != "GET":
            # a real apiserver would act on it; the fake only records it so a test can fail
            return web.json_response(status(405, "MethodNotAllowed", "the fake API server is read-only"), status=405)
        watching = query.get("watch") in ("true", "1")
        verb = "watch" if watching else ("get" if name else "list")
        denied = self._denied(kind, namespace, verb)
        if denied is not None:
            return denied
        if name is not None:
            obj = self.objects[kind.kind].get((namespace or "", name))
            if obj is None:
                return web.json_response(status(404, "NotFound", f'{kind.plural} "{name}" not found',
                                                {"name": name, "kind": kind.plural}), status=404)
            return web.json_response(obj)
        if watching:
            return await self._watch(request, kind, namespace, query)
        return self._list(kind, namespace)

    def _not_found(self) -> web.Response:
        return web.json_response(status(404, "NotFound", "the server could not find the requested resource"),
                                 status=404)

    def _denied(self, kind: Kind, namespace: str | None, verb: str) -> web.Response | None:
        if (kind.plural, namespace, verb) in self.forbidden or (kind.plural, None, verb) in self.forbidden:
            where = f' in the namespace "{namespace}"' if namespace else " at the cluster scope"
            message = (f'{kind.plural}{"." + kind.group if kind.group else ""} is forbidden: User "dev@example.com" '
                       f'cannot {verb} resource "{kind.plural}" in API group "{kind.group}"{where}')
            return web.json_response(status(403, "Forbidden", message, {"kind": kind.plural, "group": kind.group}),
                                     status=403)
        return None

    def _group_list(self) -> dict[str, Any]:
        groups: dict[str, list[str]] = {}
        for kind in self.kinds.values():
            if kind.group:
                groups.setdefault(kind.group, [])
                if kind.version not in groups[kind.group]:
                    groups[kind.group].append(kind.version)
        return {"kind": "APIGroupList", "apiVersion": "v1", "groups": [
            {"name": g, "versions": [{"groupVersion": f"{g}/{v}", "version": v} for v in vs],
             "preferredVersion": {"groupVersion": f"{g}/{vs[0]}", "version": vs[0]}}
            for g, vs in groups.items()]}

    def _resource_list(self, group: str, version: str) -> web.Response:
        kinds = [k for k in self.kinds.values() if k.group == group and k.version == version]
        if not kinds:
            return self._not_found()
        return web.json_response({
            "kind": "APIResourceList", "apiVersion": "v1", "groupVersion": kinds[0].group_version,
            "resources": [{"name": k.plural, "singularName": k.kind.lower(), "namespaced": k.namespaced,
                           "kind": k.kind, "verbs": ["create", "delete", "get", "list", "patch", "update", "watch"]}
                          for k in kinds]})

    def _list(self, kind: Kind, namespace: str | None) -> web.Response:
        items = []
        for (ns, _), obj in sorted(self.objects[kind.kind].items()):
            if namespace is None or ns == namespace:
                if kind.crd:
                    items.append(obj)
                else:  # the apiserver leaves kind and apiVersion off built-in list items
                    items.append({k: v for k, v in obj.items() if k not in ("kind", "apiVersion")})
        body = {"kind": f"{kind.kind}List", "apiVersion": kind.api_version,
                "metadata": {"resourceVersion": str(self.resource_version)}, "items": items}
        return web.Response(body=json.dumps(body).encode(), content_type="application/json")

    async def _watch(self, request: web.Request, kind: Kind, namespace: str | None,
                     query: dict[str, str]) -> web.StreamResponse:
        since = query.get("resourceVersion") or "0"
        try:
            since_rv = int(since)
        except ValueError:
            return web.json_response(status(400, "BadRequest", f"invalid resourceVersion {since!r}"), status=400)
        too_old = since_rv != 0 and since_rv < self.compacted_before
        expired = status(410, "Expired", f"too old resource version: {since_rv} ({self.compacted_before})")
        if too_old and self.gone_as_http:
            return web.json_response(expired, status=410)
        response = web.StreamResponse(headers={"Content-Type": "application/json"})
        response.enable_chunked_encoding()
        await response.prepare(request)

        async def send(event: dict[str, Any]) -> None:
            await response.write(json.dumps(event).encode() + b"\n")

        if too_old:
            await send({"type": "ERROR", "object": expired})
            return response
        watcher = _Watcher(kind.plural, namespace, query.get("allowWatchBookmarks") == "true")
        self._watchers.append(watcher)
        try:
            if since_rv == 0:  # "any version": start with the current objects, as the apiserver does
                for obj in list(self.objects[kind.kind].values()):
                    if self._watches(watcher, kind, obj):
                        await send({"type": "ADDED", "object": obj})
            else:
                for rv, kind_name, event, obj in list(self.history):
                    if rv > since_rv and kind_name == kind.kind and self._watches(watcher, kind, obj):
                        await send({"type": event, "object": obj})
            timeout = float(query.get("timeoutSeconds") or 1800)
            loop = asyncio.get_running_loop()
            deadline = loop.time() + timeout
            while True:
                try:
                    event = await asyncio.wait_for(watcher.queue.get(), max(0.0, deadline - loop.time()))
                except asyncio.TimeoutError:
                    break  # the server-side timeout: the stream ends cleanly and the client watches again
                if event is None:  # dropped: cut the connection without ending the chunked body
                    if request.transport is not None:
                        request.transport.abort()
                    return response
                if event == "end":
                    break
                await send(event)
        except (ConnectionResetError, asyncio.CancelledError):
            pass
        finally:
            self._watchers.remove(watcher)
        return response

    # ------------------------------------------------------------ port-forward (v4.channel.k8s.io)

    async def _port_forward(self, request: web.Request, namespace: str, pod: str,
                            query: dict[str, str]) -> web.StreamResponse:
        denied = self._denied(self.kinds["Pod"], namespace, "create")  # RBAC: create on pods/portforward
        if denied is not None:
            return denied
        target = self.pod_ports.get((namespace, pod))
        if target is None:
            return web.json_response(status(404, "NotFound", f'pods "{pod}" not found'), status=404)
        ports = [int(p) for p in query.get("ports", "").split(",") if p]
        ws = web.WebSocketResponse(protocols=("v4.channel.k8s.io",))
        await ws.prepare(request)
        for index, port in enumerate(ports):
            for channel in (2 * index, 2 * index + 1):  # data, then error, each opened with the port number
                await ws.send_bytes(bytes([channel]) + port.to_bytes(2, "little"))
        try:
            reader, writer = await asyncio.open_connection(*target)
        except OSError as exc:
            await ws.send_bytes(bytes([1]) + f"error forwarding port {ports[0]} to pod {pod}: {exc}".encode())
            await ws.close()
            return ws

        async def pod_to_client() -> None:
            while data := await reader.read(65536):
                await ws.send_bytes(bytes([0]) + data)
            await ws.close()

        relay = asyncio.ensure_future(pod_to_client())
        async for message in ws:
            if message.type == WSMsgType.BINARY and message.data[:1] == b"\x00" and len(message.data) > 1:
                writer.write(message.data[1:])
                await writer.drain()
        writer.close()
        await relay
        return ws


# ---------------------------------------------------------------- helpers for the tests that use it


def self_signed_certificate() -> tuple[bytes, bytes]:
    """(certificate, key) PEM for 127.0.0.1, its own CA, valid for a day: what a kubeconfig's CA data holds."""
    import datetime
    import ipaddress

    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import NameOID

    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "fake-apiserver")])
    now = datetime.datetime.now(datetime.timezone.utc)
    certificate = (
        x509.CertificateBuilder().subject_name(name).issuer_name(name).public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(hours=1)).not_valid_after(now + datetime.timedelta(days=1))
        .add_extension(x509.SubjectAlternativeName([x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]),
                       critical=False)
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .sign(key, hashes.SHA256())
    )
    return (certificate.public_bytes(serialization.Encoding.PEM),
            key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                              serialization.NoEncryption()))


def read_objects(*paths: Path) -> list[dict[str, Any]]:
    """The objects of YAML fixture files, to `add()` to the server."""
    import yaml

    objects: list[dict[str, Any]] = []
    for path in paths:
        objects += [doc for doc in yaml.safe_load_all(path.read_text()) if doc]
    return objects


class StateCollector:
    """Iterates a source's changes() in a thread and lets the test wait for a state it expects."""

    def __init__(self, source) -> None:
        import queue

        self.source = source
        self.states: queue.Queue = queue.Queue()
        self.seen: list[Any] = []  # every state wait_for() has looked at, in order
        self.thread = threading.Thread(target=self._run, daemon=True)
        self.thread.start()

    def _run(self) -> None:
        for state in self.source.changes():
            self.states.put(state)

    def wait_for(self, predicate, timeout: float = 10.0):
        """The first new state that satisfies predicate; fails the test after timeout seconds."""
        import queue
        import time

        deadline = time.monotonic() + timeout
        while True:
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                raise AssertionError("no state satisfying the condition arrived in time")
            try:
                state = self.states.get(timeout=remaining)
            except queue.Empty:
                continue
            self.seen.append(state)
            if predicate(state):
                return state

    def stop(self) -> None:
        self.source.close()
        self.thread.join(10)
        assert not self.thread.is_alive(), "changes() did not end after close()"


def wait_until(predicate, timeout: float = 10.0, what: str = "condition") -> None:
    """Poll a condition on the server's log or state (no event to wait on there)."""
    import time

    deadline = time.monotonic() + timeout
    while not predicate():
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {what}")
        time.sleep(0.02)


# ---------------------------------------------------------------- the shop cluster most live tests read

LIVE_DATA = Path(__file__).parent / "data" / "live"
#: Values of the Secrets in shop.yaml: none may ever reach a state, a recording or any output.
SECRET_VALUES = ("U0VDUkVULUNFUlRJRklDQVRFLVZBTFVF", "U0VDUkVULVBSSVZBVEUtS0VZLVZBTFVF",
                 "TEFTVC1BUFBMSUVELUNFUlQ=", "TEFTVC1BUFBMSUVELUtFWQ==", "STRINGDATA-PASSWORD-VALUE")


@pytest.fixture
def api():
    """A fake API server holding tests/data/live/shop.yaml (import this fixture to use it)."""
    with FakeApiServer() as server:
        server.add(*read_objects(LIVE_DATA / "shop.yaml"))
        yield server


@pytest.fixture
def kubeconfig(api, tmp_path):
    return api.write_kubeconfig(tmp_path / "config", context="dev", namespace="shop")

"""Reach a Pod's port from this machine, the way `kubectl port-forward` does.

A PortForwarder listens on 127.0.0.1 (an ephemeral port); each TCP
connection accepted there opens one port-forward stream to the Pod through
the API server (`kubernetes.stream.portforward`: a WebSocket speaking
`v4.channel.k8s.io`, two channels per port) and copies bytes both ways. The
embedded proxy then treats the Pod like any upstream at `address`.

This is the one request that is not get/list/watch in RBAC terms: the API
server authorises a port-forward as `create` on `pods/portforward`. It
changes nothing in the cluster, and it is only opened when a request is
actually sent to a live Pod.
"""

from __future__ import annotations

import select
import socket
import threading

from kubernetes.client import CoreV1Api
from kubernetes.client.exceptions import ApiException
from kubernetes.stream import portforward

from explorer.live.kubeconfig import Connection

_CHUNK = 65536


class PortForwarder:
    def __init__(self, connection: Connection, namespace: str, pod: str, port: int) -> None:
        self.connection = connection
        self.namespace = namespace
        self.pod = pod
        self.port = port
        #: the last reason a stream could not be opened or was refused by the Pod side, for the proxy to show
        self.last_error: str | None = None
        self._listener = socket.create_server(("127.0.0.1", 0))
        self.address: tuple[str, int] = self._listener.getsockname()[:2]
        self._closed = threading.Event()
        self._open: set[socket.socket] = set()
        self._lock = threading.Lock()
        threading.Thread(target=self._accept, name=f"port-forward {namespace}/{pod}:{port}", daemon=True).start()

    def _accept(self) -> None:
        while not self._closed.is_set():
            try:
                local, _ = self._listener.accept()
            except OSError:
                return  # the listener was closed
            threading.Thread(target=self._relay, args=(local,), daemon=True).start()

    def _relay(self, local: socket.socket) -> None:
        with self._lock:
            self._open.add(local)
        try:
            try:
                api = CoreV1Api(self.connection.api_client)
                stream = portforward(api.connect_get_namespaced_pod_portforward, self.pod, self.namespace,
                                     ports=str(self.port))
            except ApiException as exc:
                self.last_error = (f"port-forward to pod {self.namespace}/{self.pod}:{self.port} failed: "
                                   f"{_first_line(exc.reason or str(exc))}")
                return
            remote = stream.socket(self.port)
            remote.setblocking(True)
            try:
                self._copy(local, remote)
            finally:
                remote.close()
                if stream.error(self.port):
                    self.last_error = stream.error(self.port)
        finally:
            with self._lock:
                self._open.discard(local)
            local.close()

    def _copy(self, local: socket.socket, remote) -> None:
        """Both directions until either side closes (HTTP clients do not half-close)."""
        peers = {local.fileno(): (local, remote), remote.fileno(): (remote, local)}
        while not self._closed.is_set():
            readable, _, _ = select.select(list(peers), [], [], 1.0)
            for fileno in readable:
                source, sink = peers[fileno]
                try:
                    data = source.recv(_CHUNK)
                except OSError:
                    return
                if not data:
                    return
                sink.sendall(data)

    def close(self) -> None:
        self._closed.set()
        self._listener.close()
        with self._lock:
            open_now = list(self._open)
        for sock in open_now:
            try:
                sock.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass


def _first_line(text: str) -> str:
    return text.strip().splitlines()[0] if text.strip() else "no reason given"

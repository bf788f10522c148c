"""Simulated Pods served by a process of their own, for `serve`.

In one process the proxy and its Pods share one core: every request is
parsed and answered twice (by the proxy, then by the Pod) on one event loop.
Under load (benchmarks/proxy_bench.py, wrk at 100 connections on the 2-core
development machine) that held `serve` to about a quarter of what nginx in
front of the same Pod answers; with the Pods in a process of their own the
two halves run side by side, as a real cluster's controller and Pods do.

`PodHost` is the parent's side and offers what the proxy uses of
`explorer.sim.pods.SimPods` (sync, known, ensure, pods, stop); each Pod is a
`HostedPod` giving its address, stopping its port on request (a rollout's
terminated container) and counting requests when asked (the status page).
The child (`python -m explorer.sim.host`) runs a `SimPods` exactly as the
proxy would in its own process. They speak over the child's stdin and
stdout: length-prefixed pickles of (id, command, arguments) one way and (id,
result or error) the other; both ends are this package, so nothing foreign
is ever unpickled. The child ignores Ctrl-C (the terminal sends it to both;
the parent stops it in order) and exits when its stdin closes, so it never
outlives the proxy, even one that was killed.

A Pod in another process cannot read the proxy's in-process route tokens
(explorer.sim.pod.route_token), so the proxy sends it the three headers.
"""

from __future__ import annotations

import asyncio
import os
import pickle
import signal
import stat
import struct
import subprocess
import sys
from typing import Any

from explorer.sim.pod import PodIdentity
from explorer.sim.pods import SimPods, WantedPod

_LENGTH = struct.Struct(">I")


class PodHostError(RuntimeError):
    """The Pods' process failed or answered with an error."""


class HostedPod:
    """A simulated Pod running in the Pod host: where it listens, and its port's stop."""

    def __init__(self, host: "PodHost", identity: PodIdentity, address: tuple[str, int]) -> None:
        self._host = host
        self.identity = identity
        self.host, self.port = address
        self.requests = 0  # as of the last count (PodHost.refresh_counts)

    @property
    def name(self) -> str:
        return self.identity.name

    @property
    def address(self) -> str:
        return f"{self.host}:{self.port}"

    async def stop(self) -> None:
        """Close the Pod's port (requests in flight get the same grace as in one process)."""
        await self._host.call("stop_pod", self.identity.key)


def spawn() -> "subprocess.Popen[bytes]":
    """Start the Pods' process now (it imports its server while the caller reads the manifests: `serve`)."""
    return subprocess.Popen([sys.executable, "-m", "explorer.sim.host"], stdin=subprocess.PIPE,
                            stdout=subprocess.PIPE)


class PodHost:
    """The parent's side: SimPods' interface, the servers in a child process (`spawned`, or started on first use)."""

    def __init__(self, spawned: "subprocess.Popen[bytes] | None" = None) -> None:
        self.pods: dict[str, HostedPod] = {}
        self.wanted: dict[str, WantedPod] = {}
        self.on_demand = False
        self.servers_started = 0
        self._proc = spawned
        self._writer: asyncio.StreamWriter | None = None
        self._reader: asyncio.Task[None] | None = None
        self._pending: dict[int, asyncio.Future[Any]] = {}
        self._ids = 0
        self._starting: asyncio.Lock | None = None

    @property
    def pid(self) -> int | None:
        return self._proc.pid if self._proc is not None else None

    def get(self, namespace: str, name: str) -> HostedPod | None:
        return self.pods.get(f"{namespace}/{name}")

    def known(self, key: str) -> bool:
        return key in self.pods or (self.on_demand and key in self.wanted)

    async def ensure(self, namespace: str, name: str) -> HostedPod | None:
        key = f"{namespace}/{name}"
        pod = self.pods.get(key)
        if pod is not None or not self.on_demand or key not in self.wanted:
            return pod
        address = await self.call("ensure", namespace, name)
        if address is None:
            return None
        pod = self.pods.get(key)
        if pod is None or (pod.host, pod.port) != tuple(address):
            pod = self.pods[key] = HostedPod(self, self.wanted[key].identity, address)
            self.servers_started += 1
        return pod

    async def sync(self, wanted: list[WantedPod], on_demand: bool = False) -> None:
        self.wanted = {w.identity.key: w for w in wanted}
        self.on_demand = on_demand
        running: dict[str, tuple[str, int]] = await self.call("sync", wanted, on_demand)
        pods: dict[str, HostedPod] = {}
        for key, address in running.items():
            pod = self.pods.get(key)
            if pod is None or (pod.host, pod.port) != tuple(address):
                pod = HostedPod(self, self.wanted[key].identity, address)
                self.servers_started += 1
            pods[key] = pod
        self.pods = pods

    async def refresh_counts(self) -> None:
        """Each Pod's count of requests answered, probes included, as the child has it now."""
        if self._writer is None:
            return
        counts: dict[str, int] = await self.call("counts")
        for key, count in counts.items():
            pod = self.pods.get(key)
            if pod is not None:
                pod.requests = count

    async def stop(self) -> None:
        self.wanted, self.pods = {}, {}
        proc, writer = self._proc, self._writer
        if proc is None:
            return
        if writer is not None:
            try:
                await asyncio.wait_for(self.call("stop"), 10)
            except (PodHostError, asyncio.TimeoutError):
                pass
            writer.close()
        elif proc.stdin is not None:
            proc.stdin.close()  # spawned, never used: its stdin's end stops it
        self._proc = self._writer = None
        try:
            await asyncio.wait_for(asyncio.to_thread(proc.wait), 5)
        except asyncio.TimeoutError:
            proc.kill()
            await asyncio.to_thread(proc.wait)
        if self._reader is not None:
            self._reader.cancel()
            await asyncio.gather(self._reader, return_exceptions=True)
            self._reader = None

    async def call(self, command: str, *args: Any) -> Any:
        """Run `command` in the child and return its result (the child is started on the first call)."""
        writer = await self._start()
        self._ids += 1
        future: asyncio.Future[Any] = asyncio.get_running_loop().create_future()
        self._pending[self._ids] = future
        frame = pickle.dumps((self._ids, command, args), protocol=pickle.HIGHEST_PROTOCOL)
        try:
            writer.write(_LENGTH.pack(len(frame)) + frame)
            await writer.drain()
        except (BrokenPipeError, ConnectionResetError) as exc:
            self._pending.pop(self._ids, None)
            raise PodHostError(f"the simulated Pods' process is gone ({exc})") from None
        return await future

    async def _start(self) -> asyncio.StreamWriter:
        """The pipe to the child, connected to this event loop on first use."""
        if self._writer is not None:
            return self._writer
        if self._starting is None:
            self._starting = asyncio.Lock()
        async with self._starting:
            if self._writer is None:
                if self._proc is None:
                    self._proc = spawn()
                assert self._proc.stdin is not None and self._proc.stdout is not None
                loop = asyncio.get_running_loop()
                reader = asyncio.StreamReader()
                await loop.connect_read_pipe(lambda: asyncio.StreamReaderProtocol(reader), self._proc.stdout)
                transport, protocol = await loop.connect_write_pipe(asyncio.streams.FlowControlMixin,
                                                                    self._proc.stdin)
                self._writer = asyncio.StreamWriter(transport, protocol, None, loop)
                self._reader = asyncio.create_task(self._read(reader))
            return self._writer

    async def _read(self, reader: asyncio.StreamReader) -> None:
        try:
            while True:
                size, = _LENGTH.unpack(await reader.readexactly(_LENGTH.size))
                rid, ok, result = pickle.loads(await reader.readexactly(size))
                future = self._pending.pop(rid, None)
                if future is not None and not future.done():
                    if ok:
                        future.set_result(result)
                    else:
                        future.set_exception(PodHostError(f"the simulated Pods' process: {result}"))
        except (asyncio.IncompleteReadError, ConnectionError):
            pass
        finally:
            for future in self._pending.values():
                if not future.done():
                    future.set_exception(PodHostError("the simulated Pods' process exited"))
            self._pending.clear()


async def _serve_pods() -> None:
    """The child: one SimPods, driven by the frames on stdin, until "stop" or the end of stdin."""
    loop = asyncio.get_running_loop()
    reader = asyncio.StreamReader()
    await loop.connect_read_pipe(lambda: asyncio.StreamReaderProtocol(reader), sys.stdin.buffer)
    transport, protocol = await loop.connect_write_pipe(asyncio.streams.FlowControlMixin, sys.stdout.buffer)
    writer = asyncio.StreamWriter(transport, protocol, None, loop)
    sims = SimPods("127.0.0.1")
    done = asyncio.Event()
    tasks: set[asyncio.Task[None]] = set()

    async def run(rid: int, command: str, args: tuple[Any, ...]) -> None:
        try:
            result: Any = None
            if command == "sync":
                await sims.sync(*args)
                result = {key: (pod.host, pod.port) for key, pod in sims.pods.items()}
            elif command == "ensure":
                pod = await sims.ensure(*args)
                result = (pod.host, pod.port) if pod is not None else None
            elif command == "stop_pod":
                pod = sims.pods.get(args[0])
                if pod is not None:
                    await pod.stop()  # the port closes; the Pod stays known (a refused connection, not a 503)
            elif command == "counts":
                result = {key: pod.requests for key, pod in sims.pods.items()}
            elif command == "stop":
                await sims.stop()
                done.set()
            else:
                raise ValueError(f"unknown command {command!r}")
            reply = (rid, True, result)
        except Exception as exc:  # said to the parent, which raises it there
            reply = (rid, False, f"{command}: {exc!r}")
        frame = pickle.dumps(reply, protocol=pickle.HIGHEST_PROTOCOL)
        writer.write(_LENGTH.pack(len(frame)) + frame)
        await writer.drain()

    async def read() -> None:
        try:
            while True:
                size, = _LENGTH.unpack(await reader.readexactly(_LENGTH.size))
                rid, command, args = pickle.loads(await reader.readexactly(size))
                task = asyncio.create_task(run(rid, command, args))
                tasks.add(task)
                task.add_done_callback(tasks.discard)
        except asyncio.IncompleteReadError:  # the parent closed stdin or died: stop with it
            pass
        done.set()

    reading = asyncio.create_task(read())
    await done.wait()
    reading.cancel()
    await asyncio.gather(*tasks, return_exceptions=True)
    await sims.stop()


def main() -> int:
    for stream in (sys.stdin, sys.stdout):
        mode = os.fstat(stream.fileno()).st_mode
        if not (stat.S_ISFIFO(mode) or stat.S_ISSOCK(mode)):
            print("explorer.sim.host serves the simulated Pods of `ingress-explorer serve`, which starts it with "
                  "pipes; it is not a command of its own (run `ingress-explorer serve -f FILE`)", file=sys.stderr)
            return 2
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl-C reaches the whole group: the parent stops us in order
    asyncio.run(_serve_pods())
    return 0


if __name__ == "__main__":
    sys.exit(main())

"""The link to the embedded proxy: start it after the first frame, keep it on the snapshot shown, tell its events.

aiohttp is imported in a thread, so the first frame never waits on it. The
proxy's events arrive in floods (a health check per Pod per period); they are
taken in batches as they queue up, every probe recorded in the HealthBook,
and one HealthNews posted per batch. No textual: the app runs `run()` in a
worker, so a proxy that cannot start is a toast.
"""

from __future__ import annotations

import asyncio
import importlib
from typing import Any, Callable

from explorer.traffic import (
    HealthChanged, HealthChecked, HealthChecksStarted, MirrorSent, PodsOnDemand, RequestCompleted, Subscription,
    TrafficEvent, TrafficPort,
)
from explorer.tui.services.health import HealthBook
from explorer.tui.services.news import HealthNews, Logged, PodsOnDemandChanged, Post, ProxyListening, ProxyStopped
from explorer.tui.view import View


class ProxyLink:
    def __init__(self, post: Post, health: HealthBook, factory: Callable[[], TrafficPort] | None = None,
                 forward: Callable[..., Any] | None = None, probes_feed_health: bool = True) -> None:
        self._post = post
        self._health = health
        self._factory = factory
        self._forward = forward  # on a cluster, requests reach its Pods through port-forwards the source opens
        self._probes_feed_health = probes_feed_health  # a cluster's Pods are not probed: readiness is the cluster's
        self.port: TrafficPort | None = None

    async def run(self, view: View) -> None:
        """Start the proxy on `view`, then tell its events until it stops (or the task is cancelled)."""
        if self._factory is not None:
            port = self._factory()
        else:
            module = await asyncio.to_thread(importlib.import_module, "explorer.proxy")
            port = module.Proxy(module.ProxyOptions(forward=self._forward))
        events = port.subscribe()  # before start: the first round of health checks is news too
        try:
            await port.start(view.state, view.profile)
        except BaseException:
            events.close()
            raise
        self.port = port
        self._post(ProxyListening(port))
        if self._probes_feed_health:
            self._post(HealthNews())  # from now on health is what the proxy's checks find
        for listener in port.listeners.values():
            where = ", ".join(u for u in (listener.base_url("http"), listener.base_url("https")) if u)
            self._post(Logged("proxy", f"load balancer {listener.load_balancer} listening on {where or 'nothing'}"))
        try:
            async with events:
                while (batch := await _batch(events)):
                    if any([self._tell(event) for event in batch]):
                        self._post(HealthNews())
        finally:
            if self.port is port:
                self.port = None
                await port.stop()
                self._post(ProxyStopped())

    async def apply(self, view: View) -> None:
        if self.port is not None:
            await self.port.apply(view.state, view.profile)

    async def stop(self) -> None:
        port, self.port = self.port, None
        if port is not None:
            await port.stop()

    def _tell(self, event: TrafficEvent) -> bool:
        """One event as news; True when a probe changed health."""
        if isinstance(event, RequestCompleted):
            style = "green" if event.status < 400 else "red"
            self._post(Logged("request", f"{event.method} {event.host}{event.path} → {event.status} via "
                              f"{event.ingress} {event.backend} Pod {event.pod} ({event.elapsed_ms:.1f} ms)",
                              style, event.time))
        elif isinstance(event, MirrorSent):  # a Gateway API RequestMirror copy; its answer was discarded
            answer = f"{event.status} (answer discarded)" if event.status else f"not delivered: {event.reason}"
            self._post(Logged("mirror", f"{event.method} {event.host}{event.path} copied to {event.target} Pod "
                              f"{event.pod}: {answer}", "cyan" if event.status else "red", event.time))
        elif isinstance(event, HealthChecked):
            return self._probes_feed_health and self._health.record(event)
        elif isinstance(event, HealthChanged):
            healthy = event.state in ("HEALTHY", "Ready")
            self._post(Logged("health", f"{event.backend} Pod {event.pod}: {event.state}",
                              "green" if healthy else "red", event.time))
        elif isinstance(event, PodsOnDemand):
            self._post(PodsOnDemandChanged(event.on_demand))
            self._post(Logged("proxy", event.describe(), "yellow" if event.on_demand else "", event.time))
        elif isinstance(event, HealthChecksStarted):
            self._post(Logged("health", f"{event.backend}: health checks start ({event.targets} targets), for its "
                              "first request", "", event.time))
        return False


async def _batch(events: Subscription) -> list[TrafficEvent]:
    """The next event and every one queued behind it; [] when the subscription ended."""
    first = await events.queue.get()
    if first is None:
        return []
    batch = [first]
    while not events.queue.empty():
        event = events.queue.get_nowait()
        if event is None:
            events.queue.put_nowait(None)  # the end, after this batch
            break
        batch.append(event)
    return batch

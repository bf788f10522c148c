"""Pods and clients that misbehave: every case gets the status a real controller gives, and the proxy stays up.

What nginx does was checked against nginx 1.22 in front of the same broken
servers (see explorer/proxy/limits.py and handler.py for the wording); GKE's
502 for a slow backend is its load balancer's documented behaviour.
"""

from __future__ import annotations

import asyncio
import dataclasses
import re
import resource
import time
from typing import Awaitable, Callable

import aiohttp
import pytest

from explorer.proxy import Limits, Proxy
from explorer.routing import GCE, NGINX
from explorer.traffic import RequestCompleted
from proxy_support import PROXY_DATA, get, running

FAULTS = PROXY_DATA.parent / "proxyfaults"
HOST = "faults.example.com"

Fault = Callable[[asyncio.StreamReader, asyncio.StreamWriter], Awaitable[None]]


def app_pod(proxy: Proxy):
    return next(sim for sim in proxy.sims.pods.values() if sim.name.startswith("app-"))


async def still_serving(proxy: Proxy) -> None:
    """The proxy is up: a normal request through it reaches a healthy Pod."""
    response, _ = await get(proxy, HOST, "/")
    assert response.status == 200
    assert response.headers["X-Ingress-Explorer-Pod"].startswith("steady-")


async def broken_app(proxy: Proxy, fault: Fault) -> asyncio.Server:
    """Stop the app Pod's server and listen on its port with `fault` instead (the caller closes it)."""
    sim = app_pod(proxy)
    port = sim.port
    await sim.stop()
    return await asyncio.start_server(fault, "127.0.0.1", port)


async def close_before_answering(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
    await reader.readuntil(b"\r\n\r\n")
    writer.close()


async def close_mid_body(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
    await reader.readuntil(b"\r\n\r\n")
    writer.write(b"HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nContent-Length: 100\r\n\r\nhalf an ans")
    await writer.drain()
    writer.close()


async def garbage(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
    await reader.readuntil(b"\r\n\r\n")
    writer.write(b"SSH-2.0-OpenSSH_9.6\r\n\x00\x01\x02 this is not HTTP\r\n\r\n")
    await writer.drain()
    writer.close()


async def read_until_closed(reader: asyncio.StreamReader, limit: float) -> bytes:
    data = b""
    deadline = time.monotonic() + limit
    while time.monotonic() < deadline:
        chunk = await asyncio.wait_for(reader.read(65536), max(deadline - time.monotonic(), 0.01))
        if not chunk:
            return data
        data += chunk
    raise AssertionError(f"the proxy kept the connection open for {limit}s; got {data!r}")


# ------------------------------------------------------------------ Pods that misbehave


@pytest.mark.parametrize("profile, status", [(NGINX, 504), (GCE, 502)], ids=["nginx", "gce"])
async def test_a_pod_that_hangs_gets_the_controllers_timeout_status(profile, status):
    async with running(profile, FAULTS, time_scale=1.0, limits=Limits(upstream_read_timeout=0.3)) as proxy:
        events = proxy.subscribe()
        started = time.monotonic()
        slow, text = await get(proxy, HOST, "/app/slow")  # the annotation says: 30 s before answering
        took = time.monotonic() - started
        fast, _ = await get(proxy, HOST, "/app/other")  # the same Pod answers its other paths at once
        await still_serving(proxy)
        events.close()
        done = [e async for e in events if isinstance(e, RequestCompleted)]
    assert slow.status == status and took < 3
    assert f"did not answer within 0.3s ({profile.title} answers {status}" in text
    assert slow.headers["X-Ingress-Explorer-Pod"].startswith("app-")
    assert fast.status == 200
    assert (done[0].status, done[0].path, done[0].pod[:4]) == (status, "/app/slow", "app-")  # the access log


async def test_without_a_limit_the_proxy_waits_as_long_as_the_controller_does():
    quick_gke = dataclasses.replace(GCE, upstream_timeout=0.4)  # GKE's 30 s, shortened for the test
    async with running(quick_gke, FAULTS, time_scale=1.0) as proxy:
        slow, text = await get(proxy, HOST, "/app/slow")
    assert slow.status == 502 and "did not answer within 0.4s" in text
    assert Limits().upstream_read_timeout is None
    assert (NGINX.upstream_timeout, NGINX.upstream_timeout_status) == (60, 504)
    assert (GCE.upstream_timeout, GCE.upstream_timeout_status) == (30, 502)


@pytest.mark.parametrize("fault, says", [
    (close_before_answering, "closed the connection before sending a response"),
    (close_mid_body, "closed the connection in the middle of its response body"),
    (garbage, "answered something that is not HTTP"),
], ids=["closes-before-answering", "closes-mid-body", "answers-garbage"])
@pytest.mark.parametrize("profile", [NGINX, GCE], ids=["nginx", "gce"])
async def test_a_pod_that_breaks_its_answer_gives_502(profile, fault, says):
    async with running(profile, FAULTS, time_scale=1.0) as proxy:
        server = await broken_app(proxy, fault)
        try:
            response, text = await get(proxy, HOST, "/app/x")
            await still_serving(proxy)
        finally:
            server.close()
            await server.wait_closed()
    assert response.status == 502
    assert says in text
    assert response.headers["X-Ingress-Explorer-Pod"].startswith("app-")


async def reaches_the_pod(sim, before: int) -> None:
    """Until the Pod has one more request than `before` (at most 2 s)."""
    for _ in range(200):
        if sim.requests > before:
            return
        await asyncio.sleep(0.01)
    raise AssertionError("the request never reached the Pod")


async def test_a_pod_killed_during_a_request_gives_502_quickly():
    async with running(NGINX, FAULTS, time_scale=1.0) as proxy:
        sim = app_pod(proxy)
        before = sim.requests
        request = asyncio.create_task(get(proxy, HOST, "/app/slow"))
        await reaches_the_pod(sim, before)
        started = time.monotonic()
        await sim.stop()  # the Pod dies with the request in flight
        stopped_in = time.monotonic() - started
        response, text = await asyncio.wait_for(request, 5)
        await still_serving(proxy)
        after, after_text = await get(proxy, HOST, "/app/x")  # nothing listens there any more
    assert stopped_in < 2
    assert response.status == 502 and response.headers["X-Ingress-Explorer-Pod"] == sim.name
    # a GET is tried once more when its connection breaks (as ingress-nginx's proxy-next-upstream does),
    # and the second try finds the port closed
    assert "nothing listens on its port" in text or "closed the connection before sending a response" in text
    assert after.status == 502 and "nothing listens on its port" in after_text


async def test_stopping_the_proxy_does_not_wait_for_a_hanging_pod():
    async with running(NGINX, FAULTS, time_scale=1.0) as proxy:
        sim = app_pod(proxy)
        before = sim.requests
        request = asyncio.create_task(get(proxy, HOST, "/app/slow"))
        await reaches_the_pod(sim, before)  # the Pod now hangs on it
        started = time.monotonic()
    took = time.monotonic() - started  # the block's end stopped the proxy
    with pytest.raises(aiohttp.ClientError):
        await asyncio.wait_for(request, 5)  # its connection was closed (a timeout would fail here)
    assert took < 4


# ------------------------------------------------------------------ clients that misbehave


async def test_slowloris_headers_get_408_and_the_connection_closes():
    limits = Limits(client_header_timeout=0.5)
    async with running(NGINX, FAULTS, limits=limits) as proxy:
        port = proxy.listeners["shared"].http_port
        reader, writer = await asyncio.open_connection("127.0.0.1", port)
        started = time.monotonic()
        writer.write(b"GET / HTTP/1.1\r\nHost: faults.example.com\r\n")
        answer = b""
        for i in range(40):  # one header byte every 0.05 s, never the blank line; bounded at 2 s
            if reader.at_eof():
                break
            try:
                writer.write(b"X-Slow: " if i % 8 == 0 else b"a")
                await writer.drain()
            except ConnectionError:
                break
            try:
                answer += await asyncio.wait_for(reader.read(65536), 0.05)
            except asyncio.TimeoutError:
                continue
        answer += await read_until_closed(reader, 2)
        took = time.monotonic() - started
        writer.close()
        await still_serving(proxy)
    assert answer.startswith(b"HTTP/1.1 408 Request Timeout\r\n"), answer
    assert b"the request headers did not arrive within 0.5s" in answer
    assert 0.4 < took < 2


async def test_a_deadline_per_request_on_a_keep_alive_connection():
    """The header deadline counts from each request's first byte, not from the connection's start."""
    limits = Limits(client_header_timeout=0.4)
    async with running(NGINX, FAULTS, limits=limits) as proxy:
        port = proxy.listeners["shared"].http_port
        reader, writer = await asyncio.open_connection("127.0.0.1", port)
        request = b"GET / HTTP/1.1\r\nHost: faults.example.com\r\n\r\n"
        statuses = []
        for _ in range(3):  # three quick requests over 0.9 s on one connection: none is late
            writer.write(request)
            await writer.drain()
            head = await asyncio.wait_for(reader.readuntil(b"\r\n\r\n"), 2)
            length = int(next(line.split(b":")[1] for line in head.split(b"\r\n")
                              if line.lower().startswith(b"content-length")))
            await reader.readexactly(length)
            statuses.append(head.split(b" ")[1])
            await asyncio.sleep(0.3)
        writer.write(b"GET / HTTP/1.1\r\n")  # then a request that stalls
        late = await read_until_closed(reader, 2)
        writer.close()
    assert statuses == [b"200"] * 3
    assert late.startswith(b"HTTP/1.1 408")


async def test_a_connection_that_never_sends_a_request_is_closed_after_the_keepalive_timeout():
    async with running(NGINX, FAULTS, limits=Limits(keepalive_timeout=0.3)) as proxy:
        port = proxy.listeners["shared"].http_port
        reader, writer = await asyncio.open_connection("127.0.0.1", port)
        started = time.monotonic()
        got = await read_until_closed(reader, 3)
        took = time.monotonic() - started
        writer.close()
        await still_serving(proxy)
    assert got == b""  # as nginx: closed without a word ("client timed out while waiting for request")
    assert took < 2


async def test_a_body_that_trickles_in_gets_408():
    limits = Limits(client_body_timeout=0.5, lingering_time=0.1)
    async with running(NGINX, FAULTS, limits=limits) as proxy:
        port = proxy.listeners["shared"].http_port
        reader, writer = await asyncio.open_connection("127.0.0.1", port)
        writer.write(b"POST /app/upload HTTP/1.1\r\nHost: faults.example.com\r\nContent-Length: 1000\r\n\r\n")
        answer = b""
        for _ in range(40):  # a byte every 0.05 s: it keeps coming, but 1000 bytes would take 50 s
            try:
                writer.write(b"x")
                await writer.drain()
                answer += await asyncio.wait_for(reader.read(65536), 0.05)
            except asyncio.TimeoutError:
                continue
            except ConnectionError:
                break
            if answer:
                break
        answer += await read_until_closed(reader, 2)
        writer.close()
        await still_serving(proxy)
    assert answer.startswith(b"HTTP/1.1 408"), answer
    assert b"the body did not arrive within 0.5s" in answer


async def test_500_idle_keep_alive_connections_do_not_stop_requests():
    count = 500
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    needed = 2 * count + 200  # both ends of every connection live in this process
    if soft < needed:
        if hard != resource.RLIM_INFINITY and hard < needed:
            pytest.skip(f"needs {needed} open files; the hard limit is {hard}")
        resource.setrlimit(resource.RLIMIT_NOFILE, (needed, hard))
    connections: list[tuple[asyncio.StreamReader, asyncio.StreamWriter]] = []
    try:
        async with running(NGINX, FAULTS) as proxy:
            port = proxy.listeners["shared"].http_port
            for i in range(count):
                reader, writer = await asyncio.open_connection("127.0.0.1", port)
                connections.append((reader, writer))
                if i % 2 == 0:  # half of them made one request and keep the connection open
                    writer.write(b"GET / HTTP/1.1\r\nHost: faults.example.com\r\n\r\n")
            answered = 0
            for reader, writer in connections[::2]:
                head = await asyncio.wait_for(reader.readuntil(b"\r\n\r\n"), 10)
                answered += head.startswith(b"HTTP/1.1 200")
            results = await asyncio.gather(*(get(proxy, HOST, path) for path in ("/", "/app/x") * 10))
            idle_still_open = sum(not reader.at_eof() for reader, _ in connections)
            await still_serving(proxy)
    finally:
        for _, writer in connections:
            writer.close()
        resource.setrlimit(resource.RLIMIT_NOFILE, (soft, hard))
    assert answered == count // 2
    assert [r.status for r, _ in results] == [200] * 20
    assert idle_still_open == count  # idle is allowed: nginx keeps them for keepalive_timeout too


# ------------------------------------------------------------------ the app's `delay`


@pytest.mark.parametrize("value, says", [
    ("-1", "delay must be a number of seconds from 0 to 3600, got number -1"),
    ("3601", "got number 3601"),
    ('"5s"', "got string '5s'"),
    ("true", "got boolean true"),
])
def test_a_bad_delay_is_refused_with_what_to_write(value, says):
    from explorer.topology.app import AppSpecError, parse_app

    with pytest.raises(AppSpecError, match=re.escape(says)):
        parse_app('{"/slow": {"delay": %s}}' % value)


def test_a_delay_at_least_the_probe_timeout_is_no_answer():
    from explorer.topology.app import parse_app

    app = parse_app('{"/slow": {"delay": 1.5, "status": 200}, "/": 200}')
    assert app.answer("/slow").delay == 1.5
    assert app.probe_status("/slow", 1) is None
    assert app.probe_status("/slow", 2) == 200
    assert app.probe_status("/", 1) == 200


async def test_a_probe_slower_than_its_timeout_keeps_the_pod_unready_in_the_diagram_and_the_proxy():
    from explorer.topology.pods import all_pods
    from proxy_support import load_clean

    slow = PROXY_DATA.parent / "proxyfaults-slowprobe"
    pod = next(p for p in all_pods(load_clean(slow), NGINX) if p.name.startswith("sluggish-"))
    async with running(NGINX, slow) as proxy:
        response, text = await get(proxy, "sluggish.example.com", "/")
    assert not pod.ready
    assert "gets no answer within its timeoutSeconds (1): the app takes 2 s" in pod.ready_reason
    assert response.status == 503 and text.strip() == "503 Service Temporarily Unavailable"

"""One request, one route: the proxy's answer to send() carries its Decision, its flow and the Pod that answered."""

from __future__ import annotations

import importlib

import explorer.proxy.server as proxy_server
from explorer.routing import GCE, NGINX
from explorer.traffic import ANSWER_HEADER
from conftest import DATA
from proxy_support import SAMPLES, get, running

ARTICLE = SAMPLES / "article-v1"
routing_route = importlib.import_module("explorer.routing.route")  # the package's `route` shadows the module


def counting(monkeypatch, module, name: str) -> list[int]:
    calls: list[int] = []
    real = getattr(module, name)

    def counted(*args, **kwargs):
        calls.append(1)
        return real(*args, **kwargs)

    monkeypatch.setattr(module, name, counted)
    return calls


async def test_send_routes_once_and_hands_back_the_decision_and_the_pod(monkeypatch):
    async with running(NGINX, ARTICLE) as proxy:
        events = proxy.subscribe()  # a subscriber (the TUI's event log): the proxy resolves the flow once
        routes = counting(monkeypatch, routing_route, "evaluate")
        resolves = counting(monkeypatch, proxy_server, "resolve")
        summary = await proxy.send("GET", "http://foo-bar.com/foo")
        events.close()
    assert len(routes) == 1 and len(resolves) == 1
    assert summary.status == 200
    decision = summary.decision
    assert decision is not None and str(decision.backend) == summary.backend == "default/my-nodeport-01:8080"
    assert decision.request.hostname == "foo-bar.com" and decision.request.path == "/foo"
    assert summary.answered_by == summary.pod and summary.pod.startswith("site01-")
    assert summary.flow is not None and any(p.view is not None and p.view.name == summary.pod
                                            for p in summary.flow.pods)


async def test_an_answer_from_the_controller_names_no_pod(monkeypatch):
    async with running(NGINX, ARTICLE) as proxy:
        routes = counting(monkeypatch, routing_route, "evaluate")
        summary = await proxy.send("GET", "http://foo-bar.com/nope")
    assert len(routes) == 1
    assert summary.status == 404 and summary.decision is not None and summary.decision.outcome == "answer"
    assert summary.answered_by == "" and summary.flow is None  # nobody subscribed: no flow was made


async def test_each_ingress_its_own_address_send_picks_the_listener_without_routing_twice(monkeypatch):
    routing = DATA / "routing"
    async with running(GCE, routing / "two-ingresses-same-host.yaml", routing / "services.yaml") as proxy:
        assert len(proxy.listeners) == 2
        routes = counting(monkeypatch, routing_route, "evaluate")
        summary = await proxy.send("GET", "http://shop.example.com/cart")
        listener = proxy.listeners[summary.decision.load_balancer] if summary.decision else None
    assert len(routes) == 1
    assert listener is not None and summary.sent_to.startswith(listener.base_url("http") or "?")


async def test_a_client_sending_the_answer_header_gets_nothing_kept_for_it():
    async with running(NGINX, ARTICLE) as proxy:
        response, _ = await get(proxy, "foo-bar.com", "/foo", headers={ANSWER_HEADER: "made-up"})
        assert response.status == 200
        assert proxy._answers == {}


async def test_a_subscriber_gets_only_the_kinds_it_asked_for_and_no_hops_are_built_for_it():
    from explorer.traffic import HopReached, RequestCompleted

    async with running(NGINX, ARTICLE) as proxy:
        log = proxy.subscribe(kinds=(RequestCompleted,))  # what `serve`'s access log reads
        summary = await proxy.send("GET", "http://foo-bar.com/foo")
        assert not proxy.hub.wants(HopReached)
        everything = proxy.subscribe()
        assert proxy.hub.wants(HopReached)
        everything.close()
        log.close()
        seen = [e async for e in log]
    assert [type(e) for e in seen] == [RequestCompleted] and seen[0].status == 200
    assert summary.flow is None  # nobody reads hops, so the proxy resolved no flow

"""A snapshot owns what is derived from it, and nothing derived keeps a dropped snapshot alive."""

from __future__ import annotations

import weakref

from conftest import SAMPLES
from explorer.model.load import load
from explorer.routing import GCE, NGINX, Request, route, table_for
from explorer.topology import resolve


def test_a_loaded_routed_and_resolved_state_is_freed_when_dropped():
    # No gc.collect(): freed by reference counting alone, so no state -> table -> state cycle may exist
    # (the loader may freeze or pause the cyclic collector, and a frozen cycle is never collected).
    state = load([SAMPLES / "article-v1"])
    for profile in (NGINX, GCE):
        decision = route(state, profile, Request.from_url("http://foo-bar.com/bar/x"))
        assert decision.forwards and decision.trace
        assert resolve(state, profile, decision).hops
    assert len(state.derived) >= 2  # the tables (and the topology's predictions) are kept with it
    gone = weakref.ref(state)
    del state, decision
    assert gone() is None


def test_routing_is_compiled_once_per_snapshot_and_profile():
    state = load([SAMPLES / "article-v1"])
    table = table_for(state, NGINX)
    route(state, NGINX, Request.from_url("http://foo-bar.com/foo"))
    assert table_for(state, NGINX) is table
    assert table_for(state, GCE) is not table
    fresh = load([SAMPLES / "article-v1"])
    assert table_for(fresh, NGINX) is not table

"""How a request finds its backend, per controller profile (pure)."""

from explorer.routing.decision import BackendRef, Decision, TraceEntry
from explorer.routing.profile import GCE, NGINX, PROFILES, ControllerProfile, get_profile
from explorer.routing.request import Request
from explorer.routing.route import route, router_for

__all__ = [
    "BackendRef", "ControllerProfile", "Decision", "GCE", "NGINX", "PROFILES", "Request", "TraceEntry",
    "get_profile", "route", "router_for",
]

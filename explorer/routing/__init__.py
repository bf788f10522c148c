"""How a request finds its backend: front ends compile into one RouteTable, one evaluator answers (pure)."""

from explorer.profiles import GCE, NGINX, PROFILES, ControllerProfile, get_profile
from explorer.routing.decision import BackendRef, Decision, TraceEntry
from explorer.routing.request import Request
from explorer.routing.route import route, table_for

__all__ = [
    "BackendRef", "ControllerProfile", "Decision", "GCE", "NGINX", "PROFILES", "Request", "TraceEntry",
    "get_profile", "route", "table_for",
]

"""Gateway API front end: Gateway + HTTPRoute + ReferenceGrant, compiled and routed per the spec (pure)."""

from explorer.routing.gateway.compile import GatewayRouting, routing_for
from explorer.routing.gateway.decision import BackendShare, GatewayDecision, GatewayTraceEntry
from explorer.routing.gateway.evaluate import GatewaySelectionError, choose_gateway, route_gateway
from explorer.routing.gateway.implementations import IMPLEMENTATIONS, GatewayImplementation, implementation_for
from explorer.routing.gateway.table import Condition, GatewayTable, compile_gateways

__all__ = [
    "BackendShare", "Condition", "GatewayDecision", "GatewayImplementation", "GatewaySelectionError",
    "GatewayRouting", "GatewayTable", "GatewayTraceEntry", "routing_for", "IMPLEMENTATIONS", "choose_gateway", "compile_gateways",
    "implementation_for", "route_gateway",
]

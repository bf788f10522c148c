"""The Ingress front end: Ingress + controller profile (+ annotations) -> RouteTable."""

from explorer.routing.ingress.compile import compile_ingresses

__all__ = ["compile_ingresses"]

"""The Textual app: explore Ingresses, see the traffic flow, send requests and watch them travel."""

from explorer.tui.app import IngressExplorer, create_app

__all__ = ["IngressExplorer", "create_app"]

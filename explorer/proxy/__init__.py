"""The embedded aiohttp proxy: listeners, TLS, forwarding to simulated Pods, health checks, events.

Import it lazily (it pulls in aiohttp); the TUI talks to it through
`explorer.traffic.TrafficPort`.
"""

from explorer.proxy.limits import Limits
from explorer.proxy.server import Proxy, ProxyError, ProxyOptions, start_proxy

__all__ = ["Limits", "Proxy", "ProxyError", "ProxyOptions", "start_proxy"]

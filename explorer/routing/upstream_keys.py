"""Which Ingresses have an upstream policy at all: the keys `nginx_upstream` reads, without its classes.

Most Ingresses have none (nothing for serve to do around the forward), so the
compiler asks here first and imports `explorer.routing.nginx_upstream` (six
value classes, a tenth of the route command's start) only for one that has.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Callable

from explorer.profiles.nginx_annotations import PREFIX

if TYPE_CHECKING:
    from explorer.model.objects import Ingress

#: config.go defaults; a location keeps the proxy's own timeouts unless an annotation or the ConfigMap changes them.
TIMEOUT_DEFAULTS = {"proxy-connect-timeout": "5", "proxy-send-timeout": "60", "proxy-read-timeout": "60"}

#: The annotations (without the prefix) upstream_policy reads.
READ = frozenset({
    "limit-rps", "limit-rpm", "limit-connections", "proxy-connect-timeout", "proxy-send-timeout", "proxy-read-timeout",
    "affinity", "upstream-hash-by", "mirror-target", "auth-url", "backend-protocol", "service-upstream",
    "custom-http-errors", "default-backend", "enable-cors",
})


def has_policy(ingress: "Ingress", config_get: Callable[[str], str]) -> bool:
    """False when no annotation of `ingress` and no ConfigMap key gives its locations an upstream policy."""
    return bool({k[len(PREFIX):] for k in ingress.meta.annotations if k.startswith(PREFIX)} & READ) or \
        bool(config_get("custom-http-errors")) or any(config_get(k) != v for k, v in TIMEOUT_DEFAULTS.items())

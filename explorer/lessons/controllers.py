"""The controllers a lesson step can be about: the Ingress profiles, and the Gateway API front end.

`gateway` is not an Ingress controller profile (explorer.profiles has none for it): its
steps are checked with requests through the proxy's Gateway listeners and with the
Gateway API status findings, as `serve --controller gateway` and `lint` give them.
"""

from __future__ import annotations

from explorer.routing import PROFILES, ControllerProfile, get_profile
from explorer.routing.gateway.compile import GATEWAY_PROFILE

#: Every controller name a lesson may write (`profile:`), the Ingress ones first.
NAMES: tuple[str, ...] = (*PROFILES, GATEWAY_PROFILE.name)


def lesson_profile(name: str) -> ControllerProfile:
    """The profile a step's checks run under; ValueError for a name that is none of NAMES."""
    return GATEWAY_PROFILE if name == GATEWAY_PROFILE.name else get_profile(name)

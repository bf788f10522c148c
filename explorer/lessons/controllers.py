"""The controllers a lesson step can be about: the Ingress controllers, and the Gateway API front end.

`gateway` is the Gateway API as the routing layer serves it (GATEWAY_PROFILE):
requests through the proxy go to the Gateways' listeners and HTTPRoutes, and
the Ingresses in the same files are left alone, as a cluster running both
would (each controller reads only its own objects).
"""

from __future__ import annotations

from explorer.routing import ControllerProfile, get_profile
from explorer.routing.gateway.compile import GATEWAY_PROFILE
from explorer.routing.profile import PROFILES

#: Every name a lesson may write in `profile:`.
LESSON_CONTROLLERS = (*PROFILES, GATEWAY_PROFILE.name)


def lesson_profile(name: str) -> ControllerProfile:
    """The profile for a lesson's `profile:` name (ValueError, with the names, for another)."""
    if name == GATEWAY_PROFILE.name:
        return GATEWAY_PROFILE
    return get_profile(name)


def is_gateway(profile: ControllerProfile) -> bool:
    return profile.front_end == "gateway"

"""Moved to `explorer.profiles` (profiles sit below routing); kept so existing imports still work."""

from explorer.profiles import GCE, NGINX, PROFILES, ControllerProfile, get_profile

__all__ = ["GCE", "NGINX", "PROFILES", "ControllerProfile", "get_profile"]

"""Controller behaviour as data, below routing: what each controller does differently.

`explorer.routing` compiles with a profile, `explorer.topology` and
`explorer.diagnostics` read it; none of them asks which controller it is.
"""

from explorer.profiles.ingress import GCE, NGINX, PROFILES, ControllerProfile, get_profile

__all__ = ["GCE", "NGINX", "PROFILES", "ControllerProfile", "get_profile"]

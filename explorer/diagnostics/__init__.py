"""Findings about a cluster state: codes, severity, file:line, hint, lesson (pure).

    from explorer.diagnostics import check
    findings = check(state, profile)   # a ControllerProfile, "auto", or None
"""

from explorer.diagnostics.check import check
from explorer.diagnostics.codes import CODES, Code
from explorer.diagnostics.finding import SEVERITIES, Finding

__all__ = ["CODES", "Code", "Finding", "SEVERITIES", "check"]

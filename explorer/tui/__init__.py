"""The Textual app: explore Ingresses, see the traffic flow, send requests and watch them travel.

`create_app` and `IngressExplorer` are imported on first use (PEP 562), so
importing a textual-free module of this package (view.py, workspace.py)
does not import textual.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from explorer.tui.app import IngressExplorer, create_app

__all__ = ["IngressExplorer", "create_app"]


def __getattr__(name: str) -> Any:
    if name in __all__:
        from explorer.tui import app

        return getattr(app, name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")

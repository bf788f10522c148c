"""What the cluster is: typed objects, loading, normalising (pure).

The names below are imported on first use (PEP 562), so importing one light
module of the package (`explorer.model.source`, `gateway_kinds`) does not
make every model class: `ingress-explorer --help` and the TUI's parser skip them.
"""

from __future__ import annotations

from importlib import import_module
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from explorer.model.load import load, load_text, load_texts
    from explorer.model.location import Location, Problem
    from explorer.model.state import ClusterState

__all__ = ["ClusterState", "Location", "Problem", "load", "load_text", "load_texts"]

_HOME = {"ClusterState": "state", "Location": "location", "Problem": "location", "load": "load",
         "load_text": "load", "load_texts": "load"}


def __getattr__(name: str) -> Any:
    if name in _HOME:
        value = getattr(import_module(f"explorer.model.{_HOME[name]}"), name)
        globals()[name] = value
        return value
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")

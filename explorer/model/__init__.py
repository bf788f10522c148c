"""What the cluster is: typed objects, loading, normalising (pure)."""

from explorer.model.load import load, load_text, load_texts
from explorer.model.location import Location, Problem
from explorer.model.state import ClusterState

__all__ = ["ClusterState", "Location", "Problem", "load", "load_text", "load_texts"]

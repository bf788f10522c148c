"""Write what was read from a cluster as YAML that `-f DIR` replays.

One file per namespace and kind (`DIR/shop/ingresses.yaml`, cluster-scoped
kinds under `DIR/_cluster/`), so a workshop can look through a recording
and edit it by hand. The objects are the trimmed ones the live source keeps:
no managedFields, no last-applied annotation, and Secret values already
replaced by empty strings before they were stored; a recording never holds
a Secret's data.
"""

from __future__ import annotations

import os
from collections import defaultdict
from pathlib import Path
from typing import Any, Iterable

import yaml

from explorer.live.resources import ENDPOINTS, RESOURCES
from explorer.model.source import SourceError

try:
    from yaml import CSafeDumper as _Dumper
except ImportError:  # pragma: no cover - depends on how PyYAML was built
    from yaml import SafeDumper as _Dumper  # type: ignore[assignment]

CLUSTER_DIR = "_cluster"
_PLURALS = {r.kind: r.plural for r in (*RESOURCES, ENDPOINTS)}


def write_recording(objects: Iterable[dict[str, Any]], directory: str | os.PathLike[str], origin: str) -> list[Path]:
    """Write the objects under `directory` (which must be new or empty); return the files written."""
    root = Path(directory)
    if root.exists() and (not root.is_dir() or any(root.iterdir())):
        raise SourceError(f"{root} exists and is not an empty directory: record never overwrites; "
                          "give a new directory with -o")
    groups: dict[Path, list[dict[str, Any]]] = defaultdict(list)
    for obj in objects:
        meta = obj.get("metadata") or {}
        kind = str(obj.get("kind") or "Unknown")
        folder = str(meta.get("namespace") or CLUSTER_DIR)
        groups[Path(folder) / f"{_PLURALS.get(kind, kind.lower())}.yaml"].append(obj)
    header = (f"# Recorded from {origin} by `ingress-explorer record`; replay with `ingress-explorer -f DIR`.\n"
              "# Secret values are not recorded: each key is kept with an empty value.\n")
    written = []
    try:
        for relative, items in sorted(groups.items()):
            path = root / relative
            path.parent.mkdir(parents=True, exist_ok=True)
            text = yaml.dump_all(items, Dumper=_Dumper, sort_keys=False, default_flow_style=False,
                                 allow_unicode=True, explicit_start=True)
            path.write_text(header + text, encoding="utf-8")
            written.append(path)
    except OSError as exc:
        raise SourceError(f"cannot write the recording under {root}: {exc.strerror or exc}") from None
    return written

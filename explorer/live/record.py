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
import re
from collections import defaultdict
from pathlib import Path
from typing import Any, Iterable

import yaml

from explorer.fsio import write_atomic
from explorer.live.resources import ENDPOINTS, RESOURCES
from explorer.model.source import SourceError

try:
    from yaml import CSafeDumper as _Dumper
except ImportError:  # pragma: no cover - depends on how PyYAML was built
    from yaml import SafeDumper as _Dumper  # type: ignore[assignment]

CLUSTER_DIR = "_cluster"
#: A namespace (DNS-1123 label) or our own folder and file names: one path part, never `..`.
_NAME = re.compile(r"[a-z0-9_]([-a-z0-9._]{0,251}[a-z0-9])?")
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
        file = f"{_PLURALS.get(kind, kind.lower())}.yaml"
        if not _NAME.fullmatch(folder) or not _NAME.fullmatch(file):
            # the apiserver only hands out DNS labels; anything else (`../..`) would be written outside DIR
            raise SourceError(f"refusing to record {kind} {meta.get('name')!r}: namespace {folder!r} is not a "
                              f"valid namespace name, and would be written outside {root}; nothing written")
        groups[Path(folder) / file].append(obj)
    header = (f"# Recorded from {origin} by `ingress-explorer record`; replay with `ingress-explorer -f DIR`.\n"
              "# Secret values are not recorded: each key is kept with an empty value.\n")
    written = []
    try:
        for relative, items in sorted(groups.items()):
            path = root / relative
            path.parent.mkdir(parents=True, exist_ok=True)
            text = yaml.dump_all(items, Dumper=_Dumper, sort_keys=False, default_flow_style=False,
                                 allow_unicode=True, explicit_start=True)
            write_atomic(path, header + text)
            written.append(path)
    except OSError as exc:
        raise SourceError(f"cannot write the recording under {root}: {exc.strerror or exc}") from None
    return written

"""The lessons and sample manifests that ship inside the package, read through importlib.resources.

`explorer/data/lessons/` and `explorer/data/sample-manifests/` are package
data, so a checkout, an editable install and a wheel all find them the same
way. The repository's top-level `lessons` and `sample-manifests` are
symlinks here, so the README's `-f sample-manifests/...` works from a clone.
"""

from __future__ import annotations

from pathlib import Path

LESSONS = "lessons"
SAMPLES = "sample-manifests"


def folder(name: str) -> Path:
    """The shipped folder `name` (`lessons`, `sample-manifests`, or a path inside one) as a real path.

    The loaders read files by path and show file:line, so the data must be on
    disk; a zipped install (which importlib.resources would hand back as a
    non-Path Traversable) is named rather than read wrongly.
    """
    here = Path(__file__).parent
    if here.is_dir():  # a checkout or an unzipped install: what importlib.resources would answer, without
        return here.joinpath(name)  # importing it (tempfile, zipfile: ~10 ms of the TUI's start)
    from importlib import resources

    found = resources.files(__name__).joinpath(name)
    if not isinstance(found, Path):
        raise RuntimeError(f"explorer's package data {name!r} is inside an archive ({found}); "
                           "install ingress-explorer unzipped (pip install .)")
    return found

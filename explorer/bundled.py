"""Where the lessons and sample manifests are: beside the package, or where a wheel put them.

A source checkout and an editable install find them beside `explorer/`;
a wheel installs them under `<prefix>/share/ingress-explorer/` (setup.py).
"""

from __future__ import annotations

import site
import sys
import sysconfig
from pathlib import Path

CHECKOUT = Path(__file__).resolve().parent.parent


def bundled(folder: str) -> Path | None:
    """The first `folder` (`lessons`, `sample-manifests`, or a path inside one) that exists, or None."""
    prefixes = (sysconfig.get_path("data"), sys.prefix, site.USER_BASE)  # a venv or system install; pip --user
    for root in [CHECKOUT, *(Path(p) / "share" / "ingress-explorer" for p in prefixes if p)]:
        if (root / folder).is_dir():
            return root / folder
    return None

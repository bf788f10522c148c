"""The house rules of DESIGN.md, checked: the layers hold, and the core imports no edge and no heavy framework."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def test_import_contracts_hold():
    lint_imports = shutil.which("lint-imports") or str(Path(sys.executable).parent / "lint-imports")
    result = subprocess.run([lint_imports], cwd=ROOT, capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "Layers: the core below the edges, the entry points on top KEPT" in result.stdout
    assert "BROKEN" not in result.stdout

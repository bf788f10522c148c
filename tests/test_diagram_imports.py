"""`ingress-explorer diagram` draws without the TUI: no textual, aiohttp or kubernetes is imported.

Each command runs in a fresh interpreter, which then lists the heavy
packages found in sys.modules; the last case shows the check does see one.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
HEAVY = ("textual", "aiohttp", "kubernetes")

PROBE = """
import contextlib, io, sys
from explorer.cli import main
with contextlib.redirect_stdout(io.StringIO()) as out:
    code = main(sys.argv[1:])
print(code, len(out.getvalue()) > 0, sorted(m for m in %r if m in sys.modules))
""" % (HEAVY,)


def heavy_imports(*args: str) -> str:
    result = subprocess.run([sys.executable, "-c", PROBE, *args], cwd=ROOT, capture_output=True, text=True,
                            timeout=60)
    assert result.returncode == 0, result.stderr
    return result.stdout.strip()


@pytest.mark.parametrize("args", [
    ("diagram", "--help"),
    ("diagram", "-f", "sample-manifests/article-v1", "--format", "text"),
    ("diagram", "-f", "sample-manifests/article-v1", "--controller", "gce", "--format", "svg"),
], ids=["help", "text", "svg"])
def test_diagram_imports_no_heavy_package(args):
    assert heavy_imports(*args) == "0 True []"


def test_the_check_sees_an_import_when_there_is_one():
    # the TUI's app module is what the diagram no longer needs; importing it brings textual in
    result = subprocess.run([sys.executable, "-c", "import sys, explorer.tui; explorer.tui.create_app; "
                             "print('textual' in sys.modules)"], cwd=ROOT, capture_output=True, text=True, timeout=60)
    assert result.stdout.strip() == "True", result.stderr

"""Headless Chromium for the tests that need a real browser (Debian's `chromium`, driven by Playwright).

Only a missing browser skips a test, with the command that installs it;
everything else that is missing is an error, so CI cannot pass by skipping.
Pages are opened on 127.0.0.1 or set from strings: no test reaches the network.
"""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
CHROMIUM = os.environ.get("CHROMIUM") or shutil.which("chromium") or "/usr/bin/chromium"
FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
         "--disable-component-update", "--disable-sync", "--no-first-run"]
#: mermaid's own bundle (npm package `mermaid`, dist/mermaid.min.js), fetched by .ci/run.
MERMAID_JS = Path(os.environ.get("MERMAID_JS") or ROOT / ".cache" / "mermaid" / "mermaid.min.js")


def chromium() -> str:
    """The browser's path, or skip: `apt-get install -y chromium` brings it."""
    if not Path(CHROMIUM).exists():
        pytest.skip(f"no Chromium at {CHROMIUM}: install Debian's package (apt-get install -y chromium) "
                    "to run the browser tests")
    return CHROMIUM


def launch(playwright):
    return playwright.chromium.launch(executable_path=chromium(), args=FLAGS)

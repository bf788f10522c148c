"""Shared test helpers: paths to fixtures and a way to run the real command."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

# No animation waits in the tests (the hop-by-hop light of a request included: explorer.tui.widgets.flow):
# Textual's own setting, read when textual is first imported, and inherited by the apps tests start in a
# subprocess or a terminal. A test of the animation itself sets app.animation_level back.
os.environ["TEXTUAL_ANIMATIONS"] = "none"

ROOT = Path(__file__).resolve().parent.parent
DATA = Path(__file__).resolve().parent / "data"
SAMPLES = ROOT / "explorer" / "data" / "sample-manifests"


@pytest.fixture(autouse=True, scope="session")
def _own_state_dir(tmp_path_factory: pytest.TempPathFactory) -> None:
    """No test (nor the app or command it starts) writes lesson progress into the user's own state dir,
    nor reads the user's own key remapping (~/.config/ingress-explorer/keymap.toml): both dirs are the suite's."""
    os.environ["XDG_STATE_HOME"] = str(tmp_path_factory.mktemp("xdg-state"))
    os.environ["XDG_CONFIG_HOME"] = str(tmp_path_factory.mktemp("xdg-config"))


@pytest.fixture
def lesson_state(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A lesson test's own progress and lesson folders, in English (the lesson screen tests use it)."""
    monkeypatch.setenv("XDG_STATE_HOME", str(tmp_path / "state"))
    monkeypatch.setenv("LANG", "en_US.UTF-8")
    monkeypatch.delenv("LC_ALL", raising=False)
    monkeypatch.delenv("LC_MESSAGES", raising=False)


def run_cli(*args: str, stdin: str | None = None, env: dict[str, str] | None = None) -> subprocess.CompletedProcess:
    """Run `python -m explorer ARGS` as a user would, in a subprocess."""
    full_env = {**os.environ, "NO_COLOR": "1", **(env or {})}
    return subprocess.run(
        [sys.executable, "-m", "explorer", *args], input=stdin, capture_output=True, text=True,
        cwd=ROOT, env=full_env, timeout=120,
    )


def route_json(*args: str, stdin: str | None = None) -> list[dict]:
    result = run_cli("route", "-o", "json", *args, stdin=stdin)
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout)


@pytest.fixture
def data() -> Path:
    return DATA

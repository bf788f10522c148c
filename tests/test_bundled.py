"""A wheel carries the lessons and sample manifests, and the tool finds them where it installs them."""

from __future__ import annotations

import shutil
import subprocess
import sys
import sysconfig
import zipfile
from pathlib import Path

import pytest

from conftest import ROOT

import explorer.bundled as bundled_module


def test_a_wheel_carries_every_lesson_and_sample_file(tmp_path: Path) -> None:
    source = tmp_path / "source"  # a copy: building in the checkout would leave build/ behind
    source.mkdir()
    for name in ("setup.py", "pyproject.toml", "README.md"):
        shutil.copy(ROOT / name, source / name)
    for folder in ("explorer", "lessons", "sample-manifests"):
        shutil.copytree(ROOT / folder, source / folder, ignore=shutil.ignore_patterns("__pycache__"))
    built = subprocess.run([sys.executable, "-m", "pip", "wheel", "--no-deps", "-q", "-w", str(tmp_path), str(source)],
                           capture_output=True, text=True, timeout=300)
    assert built.returncode == 0, built.stderr
    (wheel,) = tmp_path.glob("*.whl")
    names = set(zipfile.ZipFile(wheel).namelist())
    data = next(n.split("/data/")[0] for n in names if ".data/data/" in n) + "/data/share/ingress-explorer/"
    wanted = [p.relative_to(ROOT).as_posix() for folder in ("lessons", "sample-manifests")
              for p in (ROOT / folder).rglob("*") if p.is_file()]
    assert wanted
    missing = [w for w in wanted if data + w not in names]
    assert not missing, missing


def test_an_installed_copy_is_found_under_share(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    prefix = tmp_path / "prefix"
    (prefix / "share" / "ingress-explorer" / "lessons").mkdir(parents=True)
    monkeypatch.setattr(bundled_module, "CHECKOUT", tmp_path / "no-checkout")
    monkeypatch.setattr(sysconfig, "get_path", lambda name, *a, **k: str(prefix))
    assert bundled_module.bundled("lessons") == prefix / "share" / "ingress-explorer" / "lessons"
    assert bundled_module.bundled("sample-manifests") is None


def test_a_checkout_is_read_in_place() -> None:
    assert bundled_module.bundled("lessons") == ROOT / "lessons"
    assert bundled_module.bundled("sample-manifests") == ROOT / "sample-manifests"

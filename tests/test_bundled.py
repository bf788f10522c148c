"""A wheel carries the lessons and sample manifests as package data, and an installed copy reads its own."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

from conftest import ROOT

DATA = ROOT / "explorer" / "data"


def shipped_files() -> list[str]:
    return sorted(p.relative_to(ROOT).as_posix() for folder in ("lessons", "sample-manifests")
                  for p in (DATA / folder).rglob("*") if p.is_file())


@pytest.fixture(scope="module")
def wheel(tmp_path_factory: pytest.TempPathFactory) -> Path:
    tmp_path = tmp_path_factory.mktemp("wheel")
    source = tmp_path / "source"  # a copy: building in the checkout would leave build/ behind
    source.mkdir()
    for name in ("pyproject.toml", "README.md"):
        shutil.copy(ROOT / name, source / name)
    shutil.copytree(ROOT / "explorer", source / "explorer", ignore=shutil.ignore_patterns("__pycache__"))
    built = subprocess.run([sys.executable, "-m", "pip", "wheel", "--no-deps", "-q",
                            "-w", str(tmp_path), str(source)], capture_output=True, text=True, timeout=300)
    assert built.returncode == 0, built.stderr
    (found,) = tmp_path.glob("*.whl")
    return found


def test_a_wheel_carries_every_lesson_and_sample_file_inside_the_package(wheel: Path) -> None:
    names = set(zipfile.ZipFile(wheel).namelist())
    wanted = shipped_files()
    assert len(wanted) > 50 and "explorer/data/sample-manifests/article-v1/ingress.yaml" in wanted
    missing = [w for w in wanted if w not in names]
    assert not missing, missing
    assert not [n for n in names if ".data/" in n]  # nothing outside the package (the old share/ copy)


def test_an_installed_copy_opens_its_own_bundled_scenario_and_lessons(wheel: Path, tmp_path: Path) -> None:
    target = tmp_path / "site"
    installed = subprocess.run([sys.executable, "-m", "pip", "install", "--no-deps", "--no-index", "-q",
                                "--target", str(target), str(wheel)], capture_output=True, text=True, timeout=300)
    assert installed.returncode == 0, installed.stderr
    probe = ("import explorer; from explorer.commands.tui import bundled_scenario; "
             "from explorer.lessons.catalog import load_catalog; c = load_catalog(); "
             "print(explorer.__file__); print(bundled_scenario()); print(len(c.lessons), c.problems)")
    # The target comes first on sys.path, before this checkout's editable install; run outside the checkout.
    env = {**os.environ, "PYTHONPATH": str(target)}
    ran = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, timeout=60, cwd=tmp_path, env=env)
    assert ran.returncode == 0, ran.stderr
    module, scenario, lessons = ran.stdout.splitlines()
    assert Path(module).is_relative_to(target)
    assert Path(scenario) == target / "explorer" / "data" / "sample-manifests" / "article-v1"
    assert (Path(scenario) / "ingress.yaml").is_file()
    assert lessons == f"{len(list((DATA / 'lessons').glob('*/lesson.yaml')))} []"


def test_the_checkout_names_the_package_data_at_the_top_level() -> None:
    # The README's `-f sample-manifests/...` commands work from a clone.
    for name in ("lessons", "sample-manifests"):
        assert (ROOT / name).is_symlink() and (ROOT / name).resolve() == DATA / name

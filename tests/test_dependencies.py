"""pyproject.toml declares every package the code imports, each with a bounded range.

An import that only works because another package happens to pull it in
breaks the day that package drops it; an unbounded range breaks the day a
new major release lands.
"""

from __future__ import annotations

import ast
import re
import sys
import tomllib
from importlib.metadata import packages_distributions
from pathlib import Path

from conftest import ROOT

PROJECT = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]

#: Standard-library modules of CPython versions newer than the one running the tests, which the code tries
#: behind a version fallback (`sys.stdlib_module_names` only knows the running version's).
NEWER_STDLIB = {"_sha2"}  # 3.12+: topology/names.py's SHA-256 without OpenSSL


def name_of(requirement: str) -> str:
    return re.split(r"[<>=!~;\[ ]", requirement, maxsplit=1)[0].lower().replace("_", "-")


def imported_distributions(*folders: str) -> dict[str, set[str]]:
    """Distribution name -> the files that import it, for every absolute third-party import under `folders`."""
    local = {p.stem for folder in ("tests", "benchmarks") for p in (ROOT / folder).glob("*.py")}
    owners = packages_distributions()
    found: dict[str, set[str]] = {}
    for folder in folders:
        for path in (ROOT / folder).rglob("*.py"):
            for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
                if isinstance(node, ast.Import):
                    tops = [alias.name.split(".")[0] for alias in node.names]
                elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
                    tops = [node.module.split(".")[0]]
                else:
                    continue
                for top in tops:
                    if top in sys.stdlib_module_names or top in NEWER_STDLIB or top == "explorer" or top in local:
                        continue
                    for dist in owners.get(top, [f"<no installed package provides {top}>"]):
                        found.setdefault(dist.lower().replace("_", "-"), set()).add(str(path.relative_to(ROOT)))
    return found


def test_every_package_the_code_imports_is_a_declared_dependency() -> None:
    declared = {name_of(r) for r in PROJECT["dependencies"]}
    undeclared = {d: sorted(files) for d, files in imported_distributions("explorer").items() if d not in declared}
    assert not undeclared, undeclared


def test_every_package_the_tests_import_is_declared_in_the_test_extras_or_the_dependencies() -> None:
    declared = {name_of(r) for r in PROJECT["dependencies"] + PROJECT["optional-dependencies"]["test"]}
    undeclared = {d: sorted(files) for d, files in imported_distributions("tests", "benchmarks").items()
                  if d not in declared}
    assert not undeclared, undeclared


def test_every_range_has_an_upper_bound() -> None:
    unbounded = [r for r in PROJECT["dependencies"] + PROJECT["optional-dependencies"]["test"]
                 if "<" not in r and "==" not in r]
    assert not unbounded, unbounded

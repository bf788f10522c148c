"""Strict decoding's schemas: which releases are shipped, how one is chosen, and the per-kind cache on disk."""

from __future__ import annotations

from pathlib import Path

import pytest

from explorer.model import load_text
from explorer.model import schema

DEPLOYMENT = """\
apiVersion: apps/v1
kind: Deployment
metadata: {name: api}
spec:
  selector: {matchLabels: {app: api}}
  template:
    metadata: {labels: {app: api}}
    spec:
      containers:
        - name: api
          image: example/api:1
          env: [{name: DEBUG, value: true}]
"""


def test_shipped_releases_and_how_a_version_is_written() -> None:
    versions = schema.kube_versions()
    assert versions[0] == "1.25" and versions[-1] == "1.37" and "1.30" in versions
    assert [schema.resolve_version(v) for v in ("1.30", "v1.30", "1.30.4", " v1.30.0 ")] == ["1.30"] * 4
    for wrong in ("1.12", "latest", "1", ""):
        with pytest.raises(ValueError, match="the installed ones are 1.25 to 1.37"):
            schema.resolve_version(wrong)
    assert schema.current_version() == "1.37"
    with schema.kubernetes_version("1.28") as chosen:
        assert chosen == schema.current_version() == "1.28"
    assert schema.current_version() == "1.37"


@pytest.fixture
def fresh_cache(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path))
    schema.kind_schema.cache_clear()
    schema._compiled.cache_clear()
    yield tmp_path
    schema.kind_schema.cache_clear()
    schema._compiled.cache_clear()


def _env_error(text: str = DEPLOYMENT) -> str:
    state = load_text(text, "api.yaml")
    return next(p.message for p in state.problems if p.field.endswith("env[0].value"))


def test_a_kinds_schema_is_cached_on_disk_and_read_back(fresh_cache: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    first = _env_error()
    cached = list(fresh_cache.glob("ingress-explorer/schemas/*/1.37/apps_v1.Deployment.json"))
    assert len(cached) == 1 and cached[0].stat().st_size < 200_000  # the kind's closure, not the 1.8 MB of all
    schema.kind_schema.cache_clear()
    schema._compiled.cache_clear()

    def no_definitions(version: str) -> dict:
        raise AssertionError("read the definitions although the kind's schema is cached")

    monkeypatch.setattr(schema, "_definitions", no_definitions)
    assert _env_error() == first


def test_an_unusable_cache_only_costs_time(fresh_cache: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    blocker = fresh_cache / "not-a-directory"
    blocker.write_text("")
    monkeypatch.setenv("XDG_CACHE_HOME", str(blocker))  # mkdir under a file fails, even for root
    assert "cannot unmarshal bool" in _env_error()
    assert blocker.read_text() == ""


def test_a_broken_cache_file_is_rebuilt(fresh_cache: Path) -> None:
    _env_error()
    cached = next(fresh_cache.glob("ingress-explorer/schemas/*/1.37/apps_v1.Deployment.json"))
    cached.write_text("{not json")
    schema.kind_schema.cache_clear()
    schema._compiled.cache_clear()
    assert "cannot unmarshal bool" in _env_error()
    assert cached.read_text().startswith('{"root": "io.k8s.api.apps.v1.Deployment"')


def test_custom_resources_are_taken_as_written() -> None:
    state = load_text("apiVersion: cert-manager.io/v1\nkind: Certificate\nmetadata: {name: c}\n"
                      "spec: {secretName: s, anything: [1, true]}\n", "c.yaml")
    assert not state.problems and len(state.objects) == 1


def test_a_removed_apiversion_is_checked_against_its_successor() -> None:
    text = DEPLOYMENT.replace("apps/v1", "extensions/v1beta1")
    assert "cannot unmarshal bool" in _env_error(text)

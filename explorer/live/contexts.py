"""The kubeconfig's contexts, read as plain YAML, without the kubernetes client.

The TUI's `:ctx` lists contexts before anything connects: importing the
kubernetes client takes most of a second, and is paid only once a context is
chosen (`explorer.live.kubeconfig.connect`). Both find files the same way,
with `kubeconfig_paths`, and merge them as kubectl does: for contexts and
clusters the first file that names an entry wins, and `current-context` comes
from the first file that sets one.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Mapping, Sequence

from explorer.live.errors import LiveError
from explorer.model.yamldoc import Document, parse_documents

#: A kubeconfig is a few KiB; anything this large is not one, and is not read whole.
MAX_KUBECONFIG_BYTES = 16 * 1024 * 1024


@dataclass(frozen=True, slots=True)
class KubeContext:
    """One `contexts:` entry, with its cluster's server, as `kubectl config get-contexts` shows it."""

    name: str
    cluster: str
    user: str
    namespace: str | None  # None: the context names none ("default" is read)
    server: str  # "" when the kubeconfig has no such cluster


@dataclass(frozen=True, slots=True)
class KubeContexts:
    """Every context kubectl would offer, in file order, and which one is current."""

    contexts: tuple[KubeContext, ...]
    current: str | None  # the first file's current-context, as kubectl takes it
    files: tuple[str, ...]

    @property
    def names(self) -> list[str]:
        return [c.name for c in self.contexts]

    def find(self, name: str) -> KubeContext:
        """The named context; LiveError in connect()'s words when there is none."""
        for context in self.contexts:
            if context.name == name:
                return context
        raise context_not_found(name, self.files, self.names)


def kubeconfig_paths(explicit: str | None, environ: Mapping[str, str] = os.environ) -> list[str]:
    """The kubeconfig files kubectl would read, in precedence order (existing files only)."""
    if explicit:
        path = Path(explicit).expanduser()
        if not path.is_file():
            raise LiveError(f"--kubeconfig {explicit}: no such file")
        return [str(path)]
    if environ.get("KUBECONFIG"):
        paths: list[str] = []
        for part in environ["KUBECONFIG"].split(os.pathsep):
            if part and Path(part).expanduser().is_file():
                found = str(Path(part).expanduser())
                if found not in paths:
                    paths.append(found)
        return paths
    home = Path(environ.get("HOME") or Path.home())
    default = home / ".kube" / "config"
    return [str(default)] if default.is_file() else []


def no_kubeconfig_message(environ: Mapping[str, str] = os.environ) -> str:
    """Why there is nothing to read, and what to do about it."""
    where = environ.get("KUBECONFIG")
    looked = f"KUBECONFIG={where} names no existing file" if where else "~/.kube/config does not exist"
    return (f"no kubeconfig found ({looked}): pass --kubeconfig PATH, set KUBECONFIG, or fetch "
            "credentials first (e.g. `gcloud container clusters get-credentials CLUSTER`)")


def context_listing(names: list[str]) -> str:
    return f"contexts there: {', '.join(sorted(names))}" if names else "it defines no contexts"


def context_not_found(name: str, files: Sequence[str], names: list[str]) -> LiveError:
    """The one wording of a missing context, for `:ctx NAME` and `--context NAME` alike."""
    return LiveError(f'context "{name}" not found in kubeconfig {os.pathsep.join(files)} ({context_listing(names)})')


def read_contexts(kubeconfig: str | None = None, environ: Mapping[str, str] = os.environ) -> KubeContexts:
    """The contexts of the kubeconfig found as kubectl finds it. Raises LiveError with the file to fix."""
    paths = kubeconfig_paths(kubeconfig, environ)
    if not paths:
        raise LiveError(no_kubeconfig_message(environ))
    contexts: dict[str, dict[str, Any]] = {}
    servers: dict[str, str] = {}
    current: str | None = None
    for path in paths:
        config = _read_config(path)
        current = current or _text(config.get("current-context")) or None
        for entry in _entries(config, "contexts"):
            body = entry.get("context")
            contexts.setdefault(_text(entry["name"]), body if isinstance(body, dict) else {})
        for entry in _entries(config, "clusters"):
            given = entry.get("cluster")
            cluster = given if isinstance(given, dict) else {}
            servers.setdefault(_text(entry["name"]), _text(cluster.get("server")))
    listed = tuple(
        KubeContext(name, _text(body.get("cluster")), _text(body.get("user")),
                    _text(body.get("namespace")) or None, servers.get(_text(body.get("cluster")), ""))
        for name, body in contexts.items())
    return KubeContexts(listed, current, tuple(paths))


def _read_config(path: str) -> dict[str, Any]:
    """One kubeconfig file as a mapping (an empty file is an empty config, as kubectl takes it)."""
    try:
        if os.path.getsize(path) > MAX_KUBECONFIG_BYTES:
            raise LiveError(f"cannot read kubeconfig {path}: larger than {MAX_KUBECONFIG_BYTES // 2**20} MiB")
        text = Path(path).read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise LiveError(f"cannot read kubeconfig {path}: {exc}") from None
    for item in parse_documents(text):
        if not isinstance(item, Document):
            raise LiveError(f"cannot read kubeconfig {path}:{item.line}: {item.message}")
        if item.data is None:
            continue
        if not isinstance(item.data, dict):
            raise LiveError(f"cannot read kubeconfig {path}: it is not a mapping of clusters, users and contexts")
        return item.data
    return {}


def _entries(config: dict[str, Any], key: str) -> list[dict[str, Any]]:
    """The named entries of one list (`contexts`, `clusters`); unnamed ones are skipped, as kubectl does."""
    items = config.get(key)
    if not isinstance(items, list):
        return []
    return [item for item in items if isinstance(item, dict) and _text(item.get("name"))]


def _text(value: object) -> str:
    return value if isinstance(value, str) else ("" if value is None else str(value))

"""Strict decoding as the apiserver does it: wrong types and unknown fields, for every built-in kind.

The schemas are the Kubernetes OpenAPI ones as kubernetes-validate ships them
per Kubernetes release (`strict` flavour: no unknown fields); which release
is chosen with `kubernetes_version()` (lint's `--kube-version`), the newest
shipped by default. A kind is looked up only when an object of it is read,
and its schema (the definitions it reaches) is kept in memory and cached on
disk, so a run pays the 1.8 MB definitions file once per release, not once
per lint. Kinds no shipped release has (custom resources) are taken as is.

Removed apiVersions are not in any shipped release: v1beta1 Ingress keeps a
hand-written table (its fields differ: serviceName/servicePort, spec.backend);
a beta workload or IngressClass is checked against its v1 successor, whose
fields are the same.

Only decoding is checked here, not validation (`required`, enums, formats):
the loader and the diagnostics report those in the apiserver's wording.
"""

from __future__ import annotations

import json
import os
from contextlib import contextmanager
from contextvars import ContextVar
from functools import lru_cache
from importlib.util import find_spec
from pathlib import Path
from typing import Any, Iterator

from explorer.model.value import value

S, I, B, IS, SM, ANY = "str", "int", "bool", "intstr", "strmap", "any"

METADATA = {
    "name": S, "generateName": S, "namespace": S, "labels": SM, "annotations": SM,
    "uid": S, "resourceVersion": S, "generation": I, "creationTimestamp": ANY,
    "deletionTimestamp": ANY, "deletionGracePeriodSeconds": I, "ownerReferences": ANY,
    "finalizers": [S], "managedFields": ANY, "selfLink": S,
}

_RESOURCE_REF = {"apiGroup": S, "kind": S, "name": S}
_BACKEND_BETA = {"serviceName": S, "servicePort": IS, "resource": _RESOURCE_REF}


def _ingress_spec(backend: dict[str, Any], default_field: str) -> dict[str, Any]:
    return {
        "ingressClassName": S,
        default_field: backend,
        "tls": [{"hosts": [S], "secretName": S}],
        "rules": [{"host": S, "http": {"paths": [{"path": S, "pathType": S, "backend": backend}]}}],
    }


_TOP = {"apiVersion": S, "kind": S, "metadata": METADATA}
INGRESS_BETA = {**_TOP, "spec": _ingress_spec(_BACKEND_BETA, "backend"), "status": ANY}

@value
class FieldError:
    field: str
    message: str
    line: int
    fatal: bool  # a wrong type: the apiserver cannot decode the object at all
    hint: str = ""


_TYPE_WORDS = {S: "a string", I: "an integer", B: "a boolean", IS: "an integer or a string",
               SM: "a map of strings"}


def _kind_of(value: Any) -> str:
    if isinstance(value, bool):
        return f"boolean {str(value).lower()}"
    if isinstance(value, int):
        return f"integer {value}"
    if isinstance(value, float):
        return f"number {value}"
    if isinstance(value, str):
        shown = value if len(value) <= 40 else value[:37] + "..."
        return f'string "{shown}"'
    if isinstance(value, dict):
        return "a mapping"
    if isinstance(value, list):
        return "a list"
    return type(value).__name__


def _join(path: str, key: str) -> str:
    return f"{path}.{key}" if path else key


def decode(value: Any, schema: Any, path: str = "", line: int = 0) -> Iterator[FieldError]:
    """Yield every wrong type and unknown field in `value` against `schema`."""
    if value is None or schema == ANY:
        return
    if isinstance(schema, str):
        ok = {
            S: isinstance(value, str),
            I: isinstance(value, int) and not isinstance(value, bool),
            B: isinstance(value, bool),
            IS: isinstance(value, (int, str)) and not isinstance(value, bool),
            SM: isinstance(value, dict),
        }[schema]
        if not ok:
            hint = ""
            if schema == I and isinstance(value, str):
                hint = "write the number without quotes" if value.isdigit() else "ports and counts are numbers"
            elif schema == S and isinstance(value, (bool, int, float)):
                hint = f'quote it: "{value if not isinstance(value, bool) else str(value).lower()}"'
            yield FieldError(path, f"expected {_TYPE_WORDS[schema]}, got {_kind_of(value)}", line, True, hint)
            return
        if schema == SM:
            lines = getattr(value, "key_lines", {})
            for key, item in value.items():
                if item is not None and not isinstance(item, str):
                    shown = str(item).lower() if isinstance(item, bool) else str(item)
                    yield FieldError(
                        f"{path}.{key}", f"expected a string, got {_kind_of(item)}",
                        lines.get(key, line), True, f'quote the value: "{shown}"',
                    )
        return
    if isinstance(schema, list):
        if not isinstance(value, list):
            yield FieldError(path, f"expected a list, got {_kind_of(value)}", line, True)
            return
        lines = getattr(value, "item_lines", [])
        for index, item in enumerate(value):
            yield from decode(item, schema[0], f"{path}[{index}]", lines[index] if index < len(lines) else line)
        return
    if not isinstance(value, dict):
        yield FieldError(path, f"expected a mapping, got {_kind_of(value)}", line, True)
        return
    lines = getattr(value, "key_lines", {})
    for key, item in value.items():
        here = lines.get(key, line)
        sub = schema.get(key)
        if sub is None:
            import difflib  # only for a misspelt field: a clean load never pays for it

            close = difflib.get_close_matches(key, list(schema), n=1, cutoff=0.6)
            hint = f"did you mean {_join(path, close[0])}?" if close else ""
            yield FieldError(_join(path, key), f"unknown field \"{_join(path, key)}\"", here, False, hint)
            continue
        yield from decode(item, sub, _join(path, key), here)


# ---------------------------------------------------------------- the OpenAPI schemas, per release

#: v1beta1 names that networking.k8s.io/v1 renamed: a strict decoder sees an unknown field; say what it is now.
_RENAMED = {"backend": "defaultBackend", "serviceName": "service.name", "servicePort": "service.port"}
#: Removed apiVersions checked against the fields of their successor (same fields, see the module docstring).
_SUCCESSOR = {"extensions/v1beta1": "apps/v1", "apps/v1beta1": "apps/v1", "apps/v1beta2": "apps/v1",
              "networking.k8s.io/v1beta1": "networking.k8s.io/v1"}
_BETA_INGRESS = ("extensions/v1beta1", "networking.k8s.io/v1beta1")

_version: ContextVar[str | None] = ContextVar("kubernetes_version", default=None)


def _schema_root() -> Path | None:
    spec = find_spec("kubernetes_validate")  # finds the package without importing it (jsonschema and all)
    if spec is None or not spec.submodule_search_locations:
        return None
    root = Path(list(spec.submodule_search_locations)[0]) / "kubernetes-json-schema"
    return root if root.is_dir() else None


@lru_cache(maxsize=1)
def kube_versions() -> tuple[str, ...]:
    """The Kubernetes releases whose schemas are installed, oldest first ("1.25", ..., "1.37")."""
    root = _schema_root()
    if root is None:
        return ()
    found = []
    for entry in root.iterdir():
        name = entry.name
        if name.startswith("v") and name.endswith("-local-strict"):
            major, minor, *_ = name[1:].removesuffix("-local-strict").split(".")
            found.append((int(major), int(minor)))
    return tuple(f"{major}.{minor}" for major, minor in sorted(found))


def resolve_version(text: str) -> str:
    """`1.30`, `v1.30` or `1.30.4` -> "1.30" when that release is shipped; ValueError saying which are."""
    parts = text.strip().removeprefix("v").split(".")
    shipped = kube_versions()
    if len(parts) >= 2 and parts[0].isdigit() and parts[1].isdigit():
        wanted = f"{int(parts[0])}.{int(parts[1])}"
        if wanted in shipped:
            return wanted
    span = f"{shipped[0]} to {shipped[-1]}" if shipped else "none (kubernetes-validate is not installed)"
    raise ValueError(f"no schemas for Kubernetes {text!r}; the installed ones are {span}")


def current_version() -> str:
    """The release strict decoding follows now: the chosen one, else the newest shipped ("" if none)."""
    chosen = _version.get()
    if chosen:
        return chosen
    shipped = kube_versions()
    return shipped[-1] if shipped else ""


@contextmanager
def kubernetes_version(version: str | None) -> Iterator[str]:
    """Decode as Kubernetes `version` would (None: the newest shipped) inside the block."""
    token = _version.set(resolve_version(version) if version else None)
    try:
        yield current_version()
    finally:
        _version.reset(token)


def _cache_dir() -> Path:
    """One folder per installed kubernetes-validate (its package's mtime: importlib.metadata leaves cycles)."""
    base = os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
    root = _schema_root()
    stamp = int(root.stat().st_mtime) if root is not None else 0
    return Path(base) / "ingress-explorer" / "schemas" / f"kubernetes-validate-{stamp}"


@lru_cache(maxsize=4)
def _definitions(version: str) -> dict[str, Any]:
    root = _schema_root()
    assert root is not None
    with open(root / f"v{version}.0-local-strict" / "_definitions.json", encoding="utf-8") as handle:
        defs: dict[str, Any] = json.load(handle)["$defs"]
    return defs


def _ref_name(ref: str) -> str:
    return ref.rsplit("/", 1)[-1]


def _strip(node: Any, todo: list[str]) -> Any:
    """`node` without descriptions and merge hints, its $refs shortened to names (queued on `todo`)."""
    if isinstance(node, dict):
        out = {}
        for key, value in node.items():
            if key == "description" or key.startswith(("x-kubernetes-list", "x-kubernetes-patch")):
                continue
            if key == "$ref":
                value = _ref_name(value)
                todo.append(value)
            out[key] = _strip(value, todo) if key != "enum" else value
        return out
    if isinstance(node, list):
        return [_strip(item, todo) for item in node]
    return node


def _closure(defs: dict[str, Any], root: str) -> dict[str, Any]:
    """The definitions `root` reaches through $ref, descriptions dropped (a kind's schema, a few KB)."""
    keep: dict[str, Any] = {}
    todo = [root]
    while todo:
        name = todo.pop()
        if name not in keep and name in defs:
            keep[name] = _strip(defs[name], todo)
    return keep


def _root_name(defs: dict[str, Any], api_version: str, kind: str) -> str | None:
    group, _, version = api_version.rpartition("/")
    for name, node in defs.items():
        for gvk in node.get("x-kubernetes-group-version-kind", ()):
            if gvk.get("group", "") == group and gvk.get("version") == version and gvk.get("kind") == kind:
                if name.endswith("." + kind):
                    return name
    return None


@value
class KindSchema:
    root: str  # definition name, e.g. io.k8s.api.apps.v1.Deployment
    defs: dict[str, Any]


@lru_cache(maxsize=256)
def kind_schema(version: str, api_version: str, kind: str) -> KindSchema | None:
    """The schema of one kind in one release (None if that release has no such kind), cached on disk."""
    if not version:
        return None
    cache = _cache_dir() / version / f"{api_version.replace('/', '_')}.{kind}.json"
    try:
        with open(cache, encoding="utf-8") as handle:
            stored = json.load(handle)
        return KindSchema(stored["root"], stored["defs"]) if stored["root"] else None
    except (OSError, ValueError, KeyError, TypeError):
        pass
    defs = _definitions(version)
    root = _root_name(defs, api_version, kind)
    found = KindSchema(root, _closure(defs, root)) if root else None
    try:  # a cache is a convenience: a read-only home only makes the next run slower
        cache.parent.mkdir(parents=True, exist_ok=True)
        import tempfile  # only when the compiled schema cache is written

        with tempfile.NamedTemporaryFile("w", dir=cache.parent, delete=False, suffix=".tmp",
                                         encoding="utf-8") as temporary:
            # dumps, not dump: json.dump's pure-Python encoder leaves reference cycles behind
            temporary.write(json.dumps({"root": root or "", "defs": found.defs if found else {}}))
        os.replace(temporary.name, cache)
    except OSError:
        pass
    return found


def field_errors(raw: dict[str, Any], api_version: str, kind: str) -> list[FieldError] | None:
    """Every wrong type and unknown field of one object, or None when no schema knows its kind."""
    if kind == "Ingress" and api_version in _BETA_INGRESS:
        return list(decode(raw, INGRESS_BETA))
    from explorer.model.gateway_kinds import SIMULATED_VERSIONS  # Gateway API CRDs: tables of ours, not in the OpenAPI

    if api_version in SIMULATED_VERSIONS.get(kind, ()):
        from explorer.model.gateway_schema import GATEWAY_SCHEMAS  # only for Gateway API documents

        if kind in GATEWAY_SCHEMAS:
            return list(decode(raw, {**_TOP, **GATEWAY_SCHEMAS[kind]}))
    version = current_version()
    root = _compiled(version, api_version, kind)
    if root is None and api_version in _SUCCESSOR:
        root = _compiled(version, _SUCCESSOR[api_version], kind)
    if root is None:
        return None
    decoder = _OpenAPIDecoder(kind, api_version)
    return list(decoder.decode(raw, root, "", getattr(raw, "line", 0), root.name or kind))


_JSON_WORDS = {bool: "bool", int: "number", float: "number", str: "string", dict: "object", list: "array"}


def _json_word(value: Any) -> str:
    return next((word for kind, word in _JSON_WORDS.items() if isinstance(value, kind)), type(value).__name__)


def _short(name: str) -> str:
    """io.k8s.api.core.v1.EnvVar -> EnvVar (Go's struct name)."""
    return name.rsplit(".", 1)[-1]


def _package_type(name: str) -> str:
    """io.k8s.api.core.v1.EnvVar -> v1.EnvVar; io.k8s.apimachinery.pkg.util.intstr.IntOrString -> intstr.IntOrString."""
    parts = name.split(".")
    return ".".join(parts[-2:])


class _Node:
    """One schema node, $refs resolved and types read once (decoding visits every value of every object).

    Its children are made on first use: an object uses a few of its kind's fields, and making every node of
    a Deployment's schema (some 800) was about a twentieth of the route command's start.
    """

    __slots__ = ("raw", "name", "types", "closed", "_compiler", "_props", "_extra", "_items")

    def __init__(self, raw: dict[str, Any], name: str | None, compiler: _Compiler) -> None:
        self.raw = raw
        self.name = name
        self.types: frozenset[str] = frozenset()
        # properties listed and no others allowed (strict)
        self.closed = isinstance(raw.get("properties"), dict) and raw.get("additionalProperties") is False
        self._compiler: _Compiler | None = compiler  # None once the children are made
        self._props: dict[str, _Node] | None = None
        self._extra: _Node | None = None  # the values of a map
        self._items: _Node | None = None

    def _made(self) -> None:
        compiler, self._compiler = self._compiler, None
        if compiler is None:
            return
        raw = self.raw
        properties = raw.get("properties")
        extra = raw.get("additionalProperties")
        if isinstance(properties, dict):
            self._props = {key: compiler.node(child) for key, child in properties.items()}
        if isinstance(extra, dict):
            self._extra = compiler.node(extra)
        if isinstance(raw.get("items"), dict):
            self._items = compiler.node(raw["items"])

    @property
    def props(self) -> dict[str, _Node] | None:
        self._made()
        return self._props

    @property
    def extra(self) -> _Node | None:
        self._made()
        return self._extra

    @property
    def items(self) -> _Node | None:
        self._made()
        return self._items


class _Compiler:
    def __init__(self, defs: dict[str, Any]) -> None:
        self.defs = defs
        self.named: dict[str, _Node] = {}

    def node(self, raw: dict[str, Any]) -> _Node:
        name = None
        while "$ref" in raw:
            name = raw["$ref"]
            if name in self.named:
                return self.named[name]
            raw = self.defs.get(name, {})
        node = _Node(raw, name, self)
        if name is not None:
            self.named[name] = node  # definitions may refer to themselves
        node.types = frozenset(self._types(raw))
        return node

    def _types(self, raw: dict[str, Any]) -> set[str]:
        if "oneOf" in raw or "anyOf" in raw:
            found: set[str] = set()
            for option in raw.get("oneOf", raw.get("anyOf", ())):
                while "$ref" in option:
                    option = self.defs.get(option["$ref"], {})
                found |= self._types(option)
            return found
        declared = raw.get("type")
        if declared is None:
            return set()
        return {t for t in ([declared] if isinstance(declared, str) else declared) if t != "null"}


@lru_cache(maxsize=256)
def _compiled(version: str, api_version: str, kind: str) -> _Node | None:
    found = kind_schema(version, api_version, kind)
    return _Compiler(found.defs).node({"$ref": found.root}) if found is not None else None


def _mismatch(value: Any, types: frozenset[str]) -> bool:
    if isinstance(value, str):
        return "string" not in types
    if isinstance(value, bool):
        return "boolean" not in types
    if isinstance(value, int):
        return "integer" not in types and "number" not in types
    if isinstance(value, float):
        return "number" not in types and not ("integer" in types and value.is_integer())
    if isinstance(value, dict):
        return "object" not in types
    if isinstance(value, list):
        return "array" not in types
    return False


class _OpenAPIDecoder:
    """One object against one kind's OpenAPI schema, in the wording `decode` uses, plus the apiserver's."""

    def __init__(self, kind: str, api_version: str) -> None:
        self.kind = kind
        self.version = api_version.rpartition("/")[2]

    def _go_type(self, node: _Node) -> str:
        types = node.types
        if node.name and ("oneOf" in node.raw or node.props is not None):
            return _package_type(node.name)
        if types == {"integer"}:
            return str(node.raw.get("format") or "int")
        if types == {"number"}:
            return "float64"
        if types == {"boolean"}:
            return "bool"
        if types == {"string"}:
            return "string"
        if types == {"array"}:
            return "[]" + (self._go_type(node.items) if node.items is not None else "interface {}")
        if types == {"object"}:
            return "map[string]" + (self._go_type(node.extra) if node.extra is not None else "interface {}")
        return "interface {}"

    def _expected(self, types: frozenset[str]) -> str:
        if types == {"integer", "string"}:
            return _TYPE_WORDS[IS]
        if types == {"number", "string"}:
            return "a number or a string"
        words = {"string": "a string", "integer": "an integer", "number": "a number", "boolean": "a boolean",
                 "object": "a mapping", "array": "a list"}
        return " or ".join(words.get(t, t) for t in sorted(types))

    def _type_error(self, value: Any, path: str, line: int, node: _Node, struct: str, go_path: str,
                    in_map: bool) -> FieldError:
        types = node.types
        hint = ""
        if in_map and types == {"string"}:
            hint = f'quote the value: "{str(value).lower() if isinstance(value, bool) else value}"'
        elif types == {"integer"} and isinstance(value, str):
            hint = "write the number without quotes" if value.isdigit() else "ports and counts are numbers"
        elif types == {"string"} and isinstance(value, (bool, int, float)):
            hint = f'quote it: "{value if not isinstance(value, bool) else str(value).lower()}"'
        go_path = ".".join(part.split("[", 1)[0] for part in go_path.split("."))
        go = (f"{self.kind} in version \"{self.version}\" cannot be handled as a {self.kind}: json: cannot "
              f"unmarshal {_json_word(value)} into Go struct field {_short(struct)}.{go_path} of type "
              f"{self._go_type(node)}")
        message = f"expected {self._expected(types)}, got {_kind_of(value)}"
        if not _in_metadata_map(path):  # a label or annotation keeps its short message (IE1007's own wording)
            message += f" (apiserver: {go})"
        return FieldError(path, message, line, True, hint)

    def decode(self, value: Any, node: _Node, path: str, line: int, struct: str,
               go_path: str | None = None, in_map: bool = False) -> Iterator[FieldError]:
        """`go_path`: the field Go names in its message (a map's entry is reported as the map)."""
        if value is None:
            return
        if node.types and _mismatch(value, node.types):
            yield self._type_error(value, path, line, node, struct, go_path or path, in_map)
            return
        if isinstance(value, list):
            items = node.items
            if items is not None:
                lines = getattr(value, "item_lines", ())
                for index, item in enumerate(value):
                    if item is None or (not isinstance(item, (dict, list)) and not items.types):
                        continue
                    yield from self.decode(item, items, f"{path}[{index}]",
                                           lines[index] if index < len(lines) else line, struct)
            return
        if not isinstance(value, dict):
            return
        here = node.name or struct
        props = node.props
        extra = node.extra
        lines = getattr(value, "key_lines", {})
        for key, item in value.items():
            if not path and key == "status":
                continue  # written by controllers; the apiserver drops it on create, and dumps carry odd shapes
            child = props.get(key) if props is not None else None
            if child is None and extra is not None:
                if item is None or not isinstance(item, (dict, list)) and (
                        not extra.types or not _mismatch(item, extra.types)):
                    continue  # the usual map entry: a string in a map of strings
                yield from self.decode(item, extra, _join(path, str(key)), lines.get(key, line), here, path, True)
            elif child is not None:
                if item is None or not isinstance(item, (dict, list)) and (
                        not child.types or not _mismatch(item, child.types)):
                    continue  # the usual field: a scalar of the right type
                yield from self.decode(item, child, _join(path, str(key)), lines.get(key, line), here)
            elif node.closed:
                name = _join(path, str(key))
                yield FieldError(name, f'unknown field "{name}"', lines.get(key, line), False,
                                 self._did_you_mean(path, str(key), props or {}))

    def _did_you_mean(self, path: str, key: str, properties: dict[str, Any]) -> str:
        renamed = _RENAMED.get(key)
        if renamed and renamed.split(".")[0] in properties:
            return f"networking.k8s.io/v1 calls it {_join(path, renamed)} (v1beta1 wrote {_join(path, key)})"
        lowered = {p.lower(): p for p in properties}
        import difflib

        close = difflib.get_close_matches(key.lower(), list(lowered), n=1, cutoff=0.6)
        if close:
            return f"did you mean {_join(path, lowered[close[0]])}?"
        known = sorted(properties)
        if len(known) <= 8:
            return f"remove it, or write one of the fields {path or 'an object'} has: {', '.join(known)}"
        return "remove it, or check its spelling and indentation against the API reference"


def _in_metadata_map(path: str) -> bool:
    parts = path.split(".")
    return any(parts[i] == "metadata" and parts[i + 1] in ("annotations", "labels") for i in range(len(parts) - 1))

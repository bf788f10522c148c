"""Rewrite removed Ingress apiVersions as networking.k8s.io/v1, by editing the text.

Re-dumping YAML would lose the author's comments, quoting and key order (the
article's manifests explain every line in comments), so this module finds
each field with the positions the YAML parser records and edits the text
around it: `serviceName: x` becomes `service:` / `name: x` on the same lines,
the comment still behind it. Flow mappings (`{serviceName: a, ...}`, JSON)
are rewritten in flow style, with keys quoted as the author quoted them.

The v1 `pathType` that replaces a missing one is chosen so that the chosen
controller routes exactly as before (shared facts, routing.md section 4):

- `implementation_specific == "prefix"` (ingress-nginx): a path without
  pathType was a prefix, so `Prefix`, unless the path is not one Prefix may
  hold (the apiserver's rules, the admission webhook's pattern): then
  `ImplementationSpecific` is written out and kept.
- `implementation_specific == "exact-glob"` (GKE): a path without `*` was
  exact, so `Exact`; a `/*` glob has no v1 equivalent (Prefix `/x` would
  also match `/x` itself), so it keeps `ImplementationSpecific`.
- A missing path meant "everything" on both: `path: /` with `Prefix`.

Whatever is chosen for one controller can change what another controller
does with the manifest; those paths are named in a warning.
"""

from __future__ import annotations

import bisect
import gc
import re
from dataclasses import dataclass, field, replace
from typing import Callable

from yaml.nodes import MappingNode, Node, ScalarNode, SequenceNode

from explorer.model.location import Location, Problem, Severity
from explorer.model.redact import apply_redaction, node_secret_spans, redact_text
from explorer.model.yamldoc import YAMLError, json_as_yaml, original_position, read_documents
from explorer.routing.profile import PROFILES, ControllerProfile

V1 = "networking.k8s.io/v1"
REMOVED_INGRESS_VERSIONS = ("extensions/v1beta1", "networking.k8s.io/v1beta1")
_INT = "tag:yaml.org,2002:int"
#: kubernetes validation.go: what an Exact or Prefix path may not contain (ImplementationSpecific may).
_BAD_TYPED_PATH = re.compile(r"//|/\./|/\.\./|%2f|/\.\.?$", re.IGNORECASE)


@dataclass(frozen=True)
class Conversion:
    """One file's text after conversion, and what the user should know about it."""

    text: str
    notes: list[Problem] = field(default_factory=list)
    converted: int = 0  # objects rewritten
    shown_before: str = ""  # the text as read, Secret values blanked (for the diff)
    shown_after: str = ""  # `text`, Secret values blanked (for the diff and stdout)
    #: the lines the edits touched: (first, end) before and (first, end) after, 0-based, end excluded
    line_changes: tuple[tuple[int, int, int, int], ...] = ()

    @property
    def failed(self) -> bool:
        return any(note.severity == "error" for note in self.notes)


@dataclass(frozen=True, slots=True)
class PathChoice:
    """The pathType written for a path that had none, and whether the path itself is written too."""

    path_type: str
    path: str | None  # a path to write where the manifest had none (or an empty one); None keeps it
    reason: str


def choose_path_type(path: str | None, profile: ControllerProfile) -> PathChoice:
    """The v1 pathType under which `profile` routes `path` as it routed it without a pathType."""
    if not path:
        return PathChoice("Prefix", "/", "no path meant every path; written as path: / with pathType: Prefix")
    untyped = _why_not_typed(path, profile)
    if profile.implementation_specific == "prefix":
        if untyped:
            return PathChoice("ImplementationSpecific", None,
                              f"{profile.title} reads it as a prefix, but {untyped}; kept as ImplementationSpecific")
        return PathChoice("Prefix", None, f"{profile.title} read a path without pathType as a prefix")
    if "*" in path:
        return PathChoice("ImplementationSpecific", None,
                          f"{profile.title} reads {path} as a URL-map glob, which no v1 pathType expresses "
                          f"(Prefix would also match {path.rstrip('*').rstrip('/') or '/'} itself); "
                          "kept as ImplementationSpecific")
    if untyped:
        return PathChoice("ImplementationSpecific", None,
                          f"{profile.title} reads it as an exact path, but {untyped}; kept as ImplementationSpecific")
    return PathChoice("Exact", None, f"{profile.title} read a path without pathType as an exact path")


def _why_not_typed(path: str, profile: ControllerProfile) -> str:
    """Why Exact/Prefix cannot hold this path ("" when they can)."""
    if not path.startswith("/"):
        return "Exact and Prefix paths must be absolute"
    if _BAD_TYPED_PATH.search(path):
        return "the apiserver refuses Exact and Prefix paths with //, /./, /../ or %2F"
    if profile.strict_path_pattern and not re.match(profile.strict_path_pattern, path):
        return (f"its admission webhook refuses Exact and Prefix paths that do not match "
                f"{profile.strict_path_pattern}")
    return ""


def _meaning(path_type: str, profile: ControllerProfile) -> str:
    """What a plain (non-glob) path of this pathType is on this controller: "prefix" or "exact"."""
    if path_type == "ImplementationSpecific":
        return "prefix" if profile.implementation_specific == "prefix" else "exact"
    return path_type.lower()


def convert_text(text: str, profile: ControllerProfile, name: str = "<text>") -> Conversion:
    """Convert every removed-apiVersion Ingress (and IngressClass) in one file's text."""
    # As in model.load: the node trees are many small containers freed all at once, and the cyclic
    # collector's passes over them made a 5,000-Ingress file take twice as long as it needs to.
    paused = gc.isenabled()
    gc.disable()
    try:
        return _convert(text, profile, name)
    finally:
        if paused:
            gc.enable()


def _convert(text: str, profile: ControllerProfile, name: str) -> Conversion:
    # The loader's own reader: what lint refuses, convert refuses, with the same message and line.
    documents: list[Node] = []
    refused: list[Problem] = []
    for item in read_documents(text):
        if isinstance(item, YAMLError):
            problem = Problem(Location(name, item.line, item.column), f"YAML: {item.message}",
                              hint="fix the YAML syntax first; nothing was converted" if item.syntax
                              else "fix this document; it was left as it is")
            if item.syntax:
                shown = redact_text(text)
                return Conversion(text, [*refused, problem], 0, shown, shown)
            refused.append(problem)
            continue
        documents.append(item[0])
    editor = _Editor(json_as_yaml(text)[0], name, profile, original_position(text), text)
    editor.notes.extend(refused)
    for document in documents:
        if isinstance(document, MappingNode):
            editor.object(document, None)
    if refused:  # a refused document may be a Secret the nodes do not show: read the text for them
        result = editor.result()
        return replace(result, shown_before=redact_text(text), shown_after=redact_text(result.text))
    secrets = apply_redaction(editor.text, (span for d in documents for span in node_secret_spans(d)))
    return editor.result(secrets)


# ------------------------------------------------------------------ the text editor


def _entries(node: MappingNode) -> dict[str, tuple[ScalarNode, Node]]:
    return {k.value: (k, v) for k, v in node.value if isinstance(k, ScalarNode)}


def _scalar(node: MappingNode, key: str) -> str | None:
    entry = _entries(node).get(key)
    if entry is None or not isinstance(entry[1], ScalarNode):
        return None
    value: str = entry[1].value  # a scalar node's value is its text
    return value


class _Editor:
    """Collects text edits (start, end, replacement) made at parser positions, then applies them."""

    def __init__(self, text: str, name: str, profile: ControllerProfile,
                 position: Callable[[int], int] = lambda index: index, original: str | None = None) -> None:
        self.text = text  # as parsed (JSON surrogate pairs read as YAML escapes): node positions are in it
        self.original = text if original is None else original  # as written: the edits apply to it
        self.position = position
        self.name = name
        self.profile = profile
        self.nl = "\r\n" if "\r\n" in text else "\n"
        self.edits: list[tuple[int, int, str]] = []
        self.notes: list[Problem] = []
        self.converted = 0
        self.seen: set[int] = set()  # nodes already edited (an alias shares its anchor's text)

    def result(self, secrets: list[tuple[int, int, str]] | None = None) -> Conversion:
        """The edits applied in one pass, and with `secrets` (redaction edits) the texts to show."""
        text = self._apply(self.edits)
        changes = self._line_changes()
        if secrets is None:
            return Conversion(text, self.notes, self.converted, line_changes=changes)
        if not secrets:
            return Conversion(text, self.notes, self.converted, self.original, text, changes)
        return Conversion(text, self.notes, self.converted, self._apply(secrets), self._apply(self.edits + secrets),
                          changes)

    def _line_changes(self) -> tuple[tuple[int, int, int, int], ...]:
        """Which lines the edits replace, so a diff need not search for them (difflib on a whole file of
        thousands of look-alike Ingresses was most of convert's time)."""
        ends = [i for i, char in enumerate(self.original) if char == "\n"] if self.edits else []
        changes: list[list[int]] = []  # [first line, last line (inclusive), line count change]
        for start, end, new in sorted(self.edits, key=lambda e: (e[0], e[1])):
            start, end = self.position(start), self.position(end)
            first, last = bisect.bisect_left(ends, start), bisect.bisect_left(ends, end)
            delta = new.count("\n") - self.original.count("\n", start, end)
            if changes and first <= changes[-1][1] + 1:  # next lines: one region, as difflib would show them
                changes[-1][1] = max(changes[-1][1], last)
                changes[-1][2] += delta
            else:
                changes.append([first, last, delta])
        out = []
        shift = 0
        for first, last, delta in changes:
            out.append((first, last + 1, first + shift, last + 1 + shift + delta))
            shift += delta
        return tuple(out)

    def _apply(self, edits: list[tuple[int, int, str]]) -> str:
        """One join (slicing the whole text once per edit was quadratic: 121 s for 5,000 Ingresses)."""
        out: list[str] = []
        at = 0
        for start, end, new in sorted(edits, key=lambda e: (e[0], e[1])):
            start, end = self.position(start), self.position(end)
            if start < at:  # pragma: no cover - edits never overlap; keep the text whole if one ever does
                raise AssertionError(f"overlapping edits at {start} in {self.name}")
            out.append(self.original[at:start])
            out.append(new)
            at = end
        out.append(self.original[at:])
        return "".join(out)

    def note(self, node: Node, message: str, severity: Severity = "info", ref: str = "", hint: str = "") -> None:
        self.notes.append(Problem(Location(self.name, node.start_mark.line + 1), message, severity,
                                  hint=hint, object=ref))

    def replace(self, start: int, end: int, new: str) -> None:
        self.edits.append((start, end, new))

    # -------------------------------------------------------------- objects

    def object(self, node: MappingNode, list_version: str | None) -> None:
        kind = _scalar(node, "kind") or ""
        version = _scalar(node, "apiVersion") or list_version
        if kind.endswith("List"):
            items = _entries(node).get("items")
            if items is not None and isinstance(items[1], SequenceNode):
                inherited = version if kind != "List" else None
                edits, notes = len(self.edits), len(self.notes)
                for item in items[1].value:
                    if isinstance(item, MappingNode):
                        self.object(item, inherited)
                if kind != "IngressList" or version not in REMOVED_INGRESS_VERSIONS:
                    return
                if any(n.severity == "error" for n in self.notes[notes:]):
                    # its items inherit the List's apiVersion: convert all of them or none
                    del self.edits[edits:]
                    self.notes[notes:] = [n for n in self.notes[notes:] if n.severity == "error"]
                    self.note(node, f"{kind} left as it is: its items take its apiVersion, so all of them must "
                                    "convert", "error")
                else:
                    self.api_version(node)
            return
        if kind not in ("Ingress", "IngressClass") or id(node) in self.seen:
            return
        self.seen.add(id(node))
        meta = _entries(node).get("metadata")
        name = _scalar(meta[1], "name") if meta and isinstance(meta[1], MappingNode) else None
        namespace = _scalar(meta[1], "namespace") if meta and isinstance(meta[1], MappingNode) else None
        ref = "/".join(part for part in (kind, namespace, name or "?") if part)
        if kind == "IngressClass":
            if version == "networking.k8s.io/v1beta1":
                self.api_version(node)
                self.converted += 1
                self.note(node, f"apiVersion networking.k8s.io/v1beta1 -> {V1} (an IngressClass's fields are the "
                                "same)", ref=ref)
            return
        if version in REMOVED_INGRESS_VERSIONS:
            self.ingress(node, version, ref)

    def api_version(self, node: MappingNode) -> None:
        entry = _entries(node).get("apiVersion")
        if entry is not None:
            value = entry[1]
            self.replace(value.start_mark.index, value.end_mark.index, _quoted(value, V1))

    def ingress(self, node: MappingNode, version: str, ref: str) -> None:
        edits, notes = len(self.edits), len(self.notes)
        self.api_version(node)  # a typed List's item has none: the List's own is rewritten
        changes = [f"apiVersion {version} -> {V1}"]
        backends = 0
        others: dict[str, list[str]] = {}
        spec = _entries(node).get("spec", (None, None))[1]
        entries = _entries(spec) if isinstance(spec, MappingNode) else {}
        if "backend" in entries:
            key, value = entries["backend"]
            self.replace(key.start_mark.index, key.end_mark.index, _quoted(key, "defaultBackend"))
            changes.append("spec.backend -> spec.defaultBackend")
            backends += self.backend(value, ref)
        for item in _path_items(entries.get("rules", (None, None))[1]):
            self.path_type(item, ref, others)
            backend = _entries(item).get("backend")
            if backend is not None:
                backends += self.backend(backend[1], ref)
        if backends:
            changes.insert(1, "serviceName/servicePort -> service.name/service.port")
        if any(n.severity == "error" for n in self.notes[notes:]):
            del self.edits[edits:]  # half a conversion is worse than none
            self.notes[notes:] = [n for n in self.notes[notes:] if n.severity == "error"]
            self.note(node, f"{version} Ingress left as it is; fix the errors above and convert again",
                      "error", ref)
            return
        self.converted += 1
        self.notes.insert(notes, Problem(Location(self.name, node.start_mark.line + 1), "; ".join(changes),
                                         "info", object=ref))
        for title, paths in others.items():
            self.note(node, f"{title} routes these paths differently now: {'; '.join(paths)}", "warning", ref,
                      hint=f"this keeps {self.profile.title}'s routing; if {title} serves this Ingress too, "
                           "convert for it with --controller")

    # -------------------------------------------------------------- backends

    def backend(self, node: Node, ref: str) -> bool:
        """Rewrite one service backend; True when it was one."""
        if not isinstance(node, MappingNode) or id(node) in self.seen:
            return False
        self.seen.add(id(node))
        entries = _entries(node)
        if "serviceName" not in entries and "servicePort" not in entries:
            return False  # a resource backend: the same in v1
        missing = [k for k in ("serviceName", "servicePort") if k not in entries]
        extra = [k for k in entries if k not in ("serviceName", "servicePort")]
        if missing or extra or len(node.value) != len(entries):
            what = f"it has no {' or '.join(missing)}" if missing else f"it also has {', '.join(extra) or '<<'}"
            self.note(node, f"backend cannot be converted: {what}", "error", ref,
                      hint="a v1beta1 service backend has exactly serviceName and servicePort")
            return False
        name, port = entries["serviceName"], entries["servicePort"]
        if not isinstance(name[1], ScalarNode) or not isinstance(port[1], ScalarNode):
            self.note(node, "backend cannot be converted: serviceName and servicePort must be plain values",
                      "error", ref)
            return False
        port_value = port[1]
        port_field = "number" if port_value.tag == _INT else "name"
        port_text = self.text[port_value.start_mark.index:port_value.end_mark.index]
        if port_field == "name" and port_value.value.isdigit():
            port_field, port_text = "number", port_value.value
            self.note(port_value, f'servicePort "{port_value.value}" is a string; written as port.number: '
                                  f"{port_value.value}", "warning", ref,
                      hint="a port name must contain a letter, so the apiserver refused the string; check the "
                           "Service has this port number")
        if node.flow_style:
            self._flow_backend(node, name, port, port_field, port_text, ref)
        else:
            self._block_backend(name, port, port_field, port_text)
        return True

    def _flow_backend(self, node: MappingNode, name: tuple[ScalarNode, Node], port: tuple[ScalarNode, Node],
                      port_field: str, port_text: str, ref: str) -> None:
        """`{serviceName: a, servicePort: 80}` -> `{service: {name: a, port: {number: 80}}}`."""
        first, second = sorted((name, port), key=lambda e: e[0].start_mark.index)
        if "#" in self.text[first[1].end_mark.index:second[0].start_mark.index]:
            self.note(node, "a comment inside this flow-style backend was dropped", "warning", ref)
        q = _quoter(name[0])
        name_text = self.text[name[1].start_mark.index:name[1].end_mark.index]
        self.replace(first[0].start_mark.index, second[1].end_mark.index,
                     f"{q('service')}: {{{q('name')}: {name_text}, {q('port')}: {{{q(port_field)}: {port_text}}}}}")

    def _block_backend(self, name: tuple[ScalarNode, Node], port: tuple[ScalarNode, Node], port_field: str,
                       port_text: str) -> None:
        """`serviceName: x` / `servicePort: 80` -> `service:` / `name: x` / `port:` / `number: 80`, line by line.

        Only keys move and lines are indented, so comments stay on the lines they explain.
        """
        first, second = sorted((name, port), key=lambda e: e[0].start_mark.index)
        column = first[0].start_mark.column
        q = _quoter(name[0])
        inner = " " * (column + 2)

        def key_text(entry: tuple[ScalarNode, Node]) -> tuple[str, int]:
            """The new key of one entry (written at column + 2), and how far its value's lines move right."""
            if entry is name:
                return q("name"), 2
            return f"{q('port')}:{self.nl}{inner}  {q(port_field)}", 4

        new, shift = key_text(first)
        self.replace(first[0].start_mark.index, first[0].end_mark.index, f"{q('service')}:{self.nl}{inner}{new}")
        self._indent_continuation(first[0], first[1], shift)
        new, shift = key_text(second)
        self.replace(second[0].start_mark.index, second[0].end_mark.index, f"  {new}")
        self._indent_continuation(second[0], second[1], shift)
        value = port[1]
        if port_text != self.text[value.start_mark.index:value.end_mark.index]:
            self.replace(value.start_mark.index, value.end_mark.index, port_text)

    def _indent_continuation(self, key: ScalarNode, value: Node, by: int) -> None:
        """Move the lines a value continues on (after its key's line) `by` columns right."""
        end = value.end_mark.index
        if value.end_mark.column == 0 and end > value.start_mark.index:
            end -= 1  # a block scalar ends at the start of the next line
        index = self.text.find("\n", key.start_mark.index)
        while index != -1 and index + 1 < end:
            self.replace(index + 1, index + 1, " " * by)
            index = self.text.find("\n", index + 1)

    # -------------------------------------------------------------- paths

    def path_type(self, item: MappingNode, ref: str, others: dict[str, list[str]]) -> None:
        entries = _entries(item)
        if "pathType" in entries:
            return
        path_entry = entries.get("path")
        path = path_entry[1].value if path_entry and isinstance(path_entry[1], ScalarNode) else None
        if path_entry is not None and path is None:
            self.note(item, "path must be a string; this path was left as it is", "error", ref)
            return
        choice = choose_path_type(path, self.profile)
        q = _quoter(next(iter(item.value))[0])
        json_like = q("x") != "x"
        value = (lambda s: f'"{s}"') if json_like else (lambda s: s)
        shown = path if path else "(no path)"
        if path_entry is None or choice.path is not None:
            first_key = item.value[0][0]
            column = first_key.start_mark.column
            if path_entry is not None:  # an empty path: write the path, then the pathType after it
                key, node = path_entry
                self.replace(node.start_mark.index, node.end_mark.index, _quoted(node, "/"))
                self._after(item, key, node, q("pathType"), value(choice.path_type))
            elif item.flow_style:
                self.replace(first_key.start_mark.index, first_key.start_mark.index,
                             f"{q('path')}: {value('/')}, {q('pathType')}: {value(choice.path_type)}, ")
            else:
                indent = self.nl + " " * column
                self.replace(first_key.start_mark.index, first_key.start_mark.index,
                             f"{q('path')}: {value('/')}{indent}{q('pathType')}: {value(choice.path_type)}{indent}")
        else:
            key, node = path_entry
            self._after(item, key, node, q("pathType"), value(choice.path_type))
        self.note(item, f"path {shown}: pathType {choice.path_type}: {choice.reason}", ref=ref)
        for other in PROFILES.values():
            if other is self.profile or (path and "*" in path) or choice.path is not None:
                continue
            was, now = _meaning("ImplementationSpecific", other), _meaning(choice.path_type, other)
            if was != now:
                others.setdefault(other.title, []).append(f"{path} was {_say(was)}, now {_say(now)}")

    def _after(self, item: MappingNode, key: ScalarNode, value: Node, new_key: str, new_value: str) -> None:
        """Insert `new_key: new_value` as the entry after `key: value`."""
        if item.flow_style:
            self.replace(value.end_mark.index, value.end_mark.index, f", {new_key}: {new_value}")
            return
        line_end = self.text.find("\n", value.end_mark.index)
        if line_end == -1:
            line_end = len(self.text)
        elif self.text[line_end - 1:line_end] == "\r":
            line_end -= 1
        self.replace(line_end, line_end, f"{self.nl}{' ' * key.start_mark.column}{new_key}: {new_value}")


def _path_items(rules: Node | None) -> list[MappingNode]:
    """The spec.rules[].http.paths[] mappings."""
    items: list[MappingNode] = []
    for rule in rules.value if isinstance(rules, SequenceNode) else ():
        http = _entries(rule).get("http", (None, None))[1] if isinstance(rule, MappingNode) else None
        paths = _entries(http).get("paths", (None, None))[1] if isinstance(http, MappingNode) else None
        items += [item for item in (paths.value if isinstance(paths, SequenceNode) else ())
                  if isinstance(item, MappingNode)]
    return items


def _say(meaning: str) -> str:
    return "a prefix" if meaning == "prefix" else "exact"


def _quoter(key: ScalarNode) -> Callable[[str], str]:
    """Quote new keys the way the author quoted this one (JSON manifests need "key")."""
    if key.style in ('"', "'"):
        return lambda text: f"{key.style}{text}{key.style}"
    return lambda text: text


def _quoted(node: Node, text: str) -> str:
    style = getattr(node, "style", None)
    return f"{style}{text}{style}" if style in ('"', "'") else text

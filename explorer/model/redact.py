"""Secret values never reach an output: sealed in the loaded object, blanked in every view of the text.

Two halves, both at the root so no view can forget them:

- `seal(document)` runs on every document as it is loaded, before it is
  validated: each value under a Secret's `data` and `stringData` becomes a
  `Sealed` string that reads as the marker everywhere (str, repr, JSON,
  f-strings, messages). Only `reveal()` gives the value back, for the proxy
  that serves a Secret's own certificate.
- `redact_text(text)` blanks the same values in a file's text (the manifest
  view, convert's diff and its stdout), in YAML and JSON alike, keeping every
  line, so line numbers and finding marks stay where they were. It reads the
  text's own parse events: a Secret that fails validation is blanked as well,
  and the part of a file after a syntax error is blanked by indentation.
"""

from __future__ import annotations

import bisect
import re
from typing import Any, Iterable

import yaml

from explorer.model.value import field, record
from explorer.model.yamldoc import json_as_yaml

try:
    from yaml import CSafeLoader as _Loader
except ImportError:  # pragma: no cover - depends on how PyYAML was built
    from yaml import SafeLoader as _Loader  # type: ignore[assignment]

MARKER = "<redacted>"
SECTIONS = ("data", "stringData")


class Sealed(str):
    """A Secret's value: the string `<redacted>` to every reader but `reveal()`."""

    _value: str

    def __new__(cls, value: Any) -> "Sealed":
        sealed = super().__new__(cls, MARKER)
        sealed._value = value if isinstance(value, str) else ""
        return sealed


def _represent(dumper: Any, value: Sealed) -> Any:
    return dumper.represent_str(MARKER)


for _representer in (yaml.representer.SafeRepresenter, yaml.representer.Representer):
    _representer.add_representer(Sealed, _represent)  # yaml.safe_dump writes the marker, never the value


def reveal(value: Any) -> str | None:
    """The value a `Sealed` holds (None for anything else: a plain string was never a Secret's)."""
    return value._value if isinstance(value, Sealed) else None


def is_secret(document: Any) -> bool:
    return isinstance(document, dict) and document.get("kind") == "Secret"


def seal(document: Any) -> Any:
    """Seal a Secret document's values in place (other documents are returned as they are)."""
    if not is_secret(document):
        return document
    for section in SECTIONS:
        values = document.get(section)
        if isinstance(values, dict):
            for key in list(values):
                if not isinstance(values[key], Sealed):
                    values[key] = Sealed(values[key])
        elif values is not None and not isinstance(values, Sealed):
            document[section] = Sealed("")  # not a map: nothing of it can be served, and none of it shown
    for key in ("metadata",):  # kubectl's last-applied annotation holds the data a second time
        annotations = (document.get(key) or {}).get("annotations") if isinstance(document.get(key), dict) else None
        if isinstance(annotations, dict) and LAST_APPLIED in annotations:
            annotations[LAST_APPLIED] = Sealed(annotations[LAST_APPLIED])
    return document


LAST_APPLIED = "kubectl.kubernetes.io/last-applied-configuration"


# ------------------------------------------------------------------ text


def redact_text(text: str) -> str:
    """`text` with every Secret value replaced by the marker, each line kept where it was."""
    if "Secret" not in text:
        return text
    spans, tail = _secret_spans(text)
    out: list[str] = []
    at = 0
    for start, end in _merged(spans):
        out.append(text[at:start])
        out.append(MARKER + "\n" * text.count("\n", start, end))
        at = end
    out.append(text[at:tail])
    if tail < len(text):
        out.append(_redact_unparsed(text[tail:]))
    return "".join(out)


def node_secret_spans(node: Any, list_kind: str = "") -> list[tuple[int, int]]:
    """Spans of Secret values in one composed document (yaml nodes, as `yamldoc.read_documents` gives).

    For a reader that has the nodes already (convert): no second parse. An
    alias in a Secret's data is the anchored node itself, so its span is
    where the value was written.
    """
    if not isinstance(node, yaml.MappingNode):
        return []
    entries = {k.value: v for k, v in node.value if isinstance(k, yaml.ScalarNode)}
    kind_node = entries.get("kind")
    kind = kind_node.value if isinstance(kind_node, yaml.ScalarNode) else list_kind
    spans: list[tuple[int, int]] = []
    if kind.endswith("List") and isinstance(entries.get("items"), yaml.SequenceNode):
        for item in entries["items"].value:
            spans += node_secret_spans(item, kind[: -len("List")])
        return spans
    if kind != "Secret":
        return spans
    for section in SECTIONS:
        value = entries.get(section)
        if isinstance(value, yaml.MappingNode) and not value.flow_style:
            spans += [(v.start_mark.index, v.end_mark.index) for _, v in value.value]
        elif value is not None:
            spans.append((value.start_mark.index, value.end_mark.index))
    return spans


def apply_redaction(text: str, spans: Iterable[tuple[int, int]]) -> list[tuple[int, int, str]]:
    """The spans as text edits (start, end, marker keeping the lines)."""
    return [(start, end, MARKER + "\n" * text.count("\n", start, end)) for start, end in _merged(list(spans))]


def redact_secrets(text: str, file: str = "", secrets: Iterable[Any] = ()) -> str:
    """Kept for callers of the first version: the text alone decides now (see `redact_text`)."""
    return redact_text(text)


def _merged(spans: list[tuple[int, int]]) -> list[tuple[int, int]]:
    merged: list[tuple[int, int]] = []
    for start, end in sorted(spans):
        if merged and start < merged[-1][1]:
            merged[-1] = (merged[-1][0], max(end, merged[-1][1]))
        else:
            merged.append((start, end))
    return merged


@record(eq=False)
class _Frame:
    """One mapping or sequence open in the event stream."""

    mapping: bool
    start: int
    anchor: str | None = None
    key: Any = None  # the scalar key whose value is being read (mappings)
    expect_key: bool = True
    kind: str | None = None
    spans: list[tuple[int, int]] = field(default_factory=list)  # to blank if this mapping is a Secret
    whole_for: "_Frame | None" = None  # this collection is a Secret value: blank it whole for that mapping
    values_for: "_Frame | None" = None  # this block mapping is a Secret's data: blank each value for it
    items_of: "_Frame | None" = None  # this is a List's `items`: kind-less Secrets may be in it
    item_spans: list[tuple[int, int]] = field(default_factory=list)  # spans of a SecretList's items


def _secret_spans(text: str) -> tuple[list[tuple[int, int]], int]:
    """(spans of Secret values in `text`, where the parsed part ends: the rest could not be parsed)."""
    source, ends = json_as_yaml(text)

    def back(index: int) -> int:  # a position in `source` as a position in `text`
        return index + 2 * bisect.bisect_right(ends, index)

    found: list[tuple[int, int]] = []
    anchors: dict[str, tuple[int, int]] = {}
    stack: list[_Frame] = []
    parsed_to = 0
    loader: Any = _Loader(source)

    def owner(parent: _Frame) -> _Frame | None:
        """The mapping whose Secret-ness decides whether a value at this point is blanked."""
        if parent.values_for is not None:
            return parent.values_for
        if parent.mapping and not parent.expect_key and parent.key in SECTIONS:
            return parent
        return None

    def value_done(parent: _Frame | None) -> None:
        if parent is not None and parent.mapping:
            if parent.expect_key:
                parent.expect_key = False  # that was a key (a collection as a key: refused by the loader)
            else:
                parent.expect_key, parent.key = True, None

    try:
        while loader.check_event():
            event: Any = loader.get_event()
            if isinstance(event, (yaml.DocumentStartEvent, yaml.StreamStartEvent)):
                anchors = {}
                continue
            if isinstance(event, (yaml.DocumentEndEvent, yaml.StreamEndEvent)):
                parsed_to = back(getattr(event.end_mark, "index", parsed_to))
                continue
            start, end = back(event.start_mark.index), back(event.end_mark.index)
            parent = stack[-1] if stack else None
            if isinstance(event, yaml.CollectionStartEvent):
                frame = _Frame(isinstance(event, yaml.MappingStartEvent), start, event.anchor)
                if parent is not None:
                    mapping_owner = owner(parent)
                    if parent.whole_for is not None:
                        pass  # inside a value blanked whole: nothing below matters
                    elif mapping_owner is not None:
                        if parent.values_for is None and frame.mapping and not event.flow_style:
                            frame.values_for = mapping_owner  # data:\n  key: value
                        else:
                            frame.whole_for = mapping_owner  # data: {..}, data: [..], or a nested value
                    elif parent.mapping and not parent.expect_key and parent.key == "items" and not frame.mapping:
                        frame.items_of = parent
                    elif not parent.mapping and parent.items_of is not None and frame.mapping:
                        frame.items_of = parent.items_of  # an item: hand its spans on if it has no kind
                stack.append(frame)
                continue
            if isinstance(event, yaml.CollectionEndEvent):
                frame = stack.pop()
                span = (frame.start, end)
                if frame.anchor:
                    anchors[frame.anchor] = span
                if frame.mapping and frame.kind == "Secret":
                    found.extend(frame.spans)
                elif frame.mapping and frame.kind == "SecretList":
                    found.extend(frame.item_spans)
                elif frame.mapping and frame.kind is None and frame.items_of is not None:
                    frame.items_of.item_spans.extend(frame.spans)
                if frame.whole_for is not None:
                    frame.whole_for.spans.append(span)
                value_done(stack[-1] if stack else None)
                continue
            if parent is None:
                continue
            if isinstance(event, yaml.ScalarEvent):
                if event.anchor:
                    anchors[event.anchor] = (start, end)
                if parent.mapping and parent.expect_key:
                    parent.key = event.value
                    parent.expect_key = False
                    continue
                if parent.mapping and parent.key == "kind" and parent.values_for is None:
                    parent.kind = event.value
            mapping_owner = owner(parent) if parent.whole_for is None else None
            if mapping_owner is not None:
                mapping_owner.spans.append((start, end))
                if isinstance(event, yaml.AliasEvent) and event.anchor in anchors:
                    mapping_owner.spans.append(anchors[event.anchor])  # what it repeats, where it was written
            value_done(parent)
    except (yaml.YAMLError, RecursionError):
        return found, parsed_to
    finally:
        loader.dispose()
    return found, len(text)


# ------------------------------------------------------------------ what the parser could not read


#: Compiled by `re` on first use: only a text the parser could not read is searched for it.
_SECTION_KEY = r"""["']?\b(?:data|stringData)\b["']?\s*:"""


def _redact_unparsed(tail: str) -> str:
    """After a syntax error: blank what sits under any `data:` or `stringData:` key, by indentation.

    Whether that part holds a Secret cannot be known, so every such block is
    blanked (a broken ConfigMap's data as well); lines are kept.
    """
    lines = tail.split("\n")
    i = 0
    while i < len(lines):
        line = lines[i]
        match = re.search(_SECTION_KEY, line)
        i += 1
        if match is None or line.lstrip().startswith("#"):
            continue
        if line[match.end():].strip():
            lines[i - 1] = line[: match.end()] + " " + MARKER
        base = _indent(line)
        entry = -1
        while i < len(lines):
            nxt = lines[i]
            if nxt.strip() and _indent(nxt) <= base:
                break
            if nxt.strip():
                entry = _indent(nxt) if entry < 0 else entry
                key, sep, _ = nxt.partition(":")
                plain_key = sep and _indent(nxt) == entry and re.fullmatch(r"\s*[\w.-]+", key)
                lines[i] = f"{key}: {MARKER}" if plain_key else ""
            i += 1
    return "\n".join(lines)


def _indent(line: str) -> int:
    return len(line) - len(line.lstrip(" "))

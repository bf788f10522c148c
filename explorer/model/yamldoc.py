"""YAML text to plain data that remembers the line of every key and item.

PyYAML's own constructor is generic Python; this one walks the composed node
tree once (parsed by libyaml when present) and builds dicts and lists that
carry their positions, so a later message can say `file:line` for any field.
Aliases are counted while they are expanded: a "billion laughs" document is
refused after a bounded amount of work instead of eating the machine.
"""

from __future__ import annotations

import bisect
import re
from typing import Any, Callable, Iterator

from explorer.model.value import value

import yaml
from yaml.nodes import MappingNode, Node, ScalarNode, SequenceNode

try:  # libyaml is an order of magnitude faster; the pure-Python parser is the fallback
    from yaml import CSafeLoader as _Loader
except ImportError:  # pragma: no cover - depends on how PyYAML was built
    from yaml import SafeLoader as _Loader  # type: ignore[assignment]

MAX_ALIAS_EXPANSION = 100_000  # nodes built from aliases in one document
MAX_DEPTH = 200
#: Python refuses to read or print integers over 4,300 digits; no Kubernetes field holds more than 64 bits.
MAX_INT_DIGITS = 4000
MAX_INT_BITS = 13_000  # about 3,900 decimal digits
#: The apiserver refuses request bodies over 3 MiB, so no real object holds a longer value.
MAX_SCALAR_BYTES = 3 * 1024 * 1024


class LDict(dict[Any, Any]):
    """A mapping that knows the 1-based line of each of its keys."""

    __slots__ = ("line", "key_lines")

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.line = 0
        self.key_lines: dict[str, int] = {}


class LList(list[Any]):
    """A sequence that knows the line of each of its items."""

    __slots__ = ("line", "item_lines")

    def __init__(self, *args: Any) -> None:
        super().__init__(*args)
        self.line = 0
        self.item_lines: list[int] = []


@value
class Document:
    data: Any
    line: int  # first line of the document's content
    index: int  # 0-based position in the stream


class YAMLError(Exception):
    """A document that cannot be read; carries the line and column."""

    def __init__(self, message: str, line: int = 0, column: int = 0, document: int = 0, syntax: bool = False):
        super().__init__(message)
        self.syntax = syntax  # the parser stopped (as opposed to content we refused)
        self.message = message
        self.line = line
        self.column = column
        self.document = document


_scalar_constructor = yaml.constructor.SafeConstructor()
_SCALARS = _scalar_constructor.yaml_constructors
_STR = "tag:yaml.org,2002:str"
_MAP = "tag:yaml.org,2002:map"
_INT = "tag:yaml.org,2002:int"
_OMAP = ("tag:yaml.org,2002:omap", "tag:yaml.org,2002:pairs", "tag:yaml.org,2002:set")


class _Builder:
    __slots__ = ("seen", "expanded")

    def __init__(self) -> None:
        self.seen: set[int] = set()
        self.expanded = 0

    def build(self, node: Node, depth: int = 0) -> Any:
        if type(node) is ScalarNode:
            tag = node.tag
            if len(node.value) > MAX_SCALAR_BYTES:
                raise YAMLError(
                    f"a single value of {len(node.value) / 2**20:.0f} MiB; the apiserver refuses objects "
                    f"over {MAX_SCALAR_BYTES // 2**20} MiB (Request entity too large)",
                    node.start_mark.line + 1,
                    node.start_mark.column + 1,
                )
            if tag == _STR:
                return node.value
            if tag == _INT and len(node.value) > MAX_INT_DIGITS:
                raise YAMLError(
                    f"an integer of {len(node.value):,} digits; Kubernetes fields hold 64-bit integers",
                    node.start_mark.line + 1, node.start_mark.column + 1,
                )
            if tag in ("tag:yaml.org,2002:timestamp", "tag:yaml.org,2002:binary"):
                return node.value  # Kubernetes reads these as strings
            make = _SCALARS.get(tag)
            if make is None:
                raise YAMLError(
                    f"unknown tag {tag!r}", node.start_mark.line + 1, node.start_mark.column + 1
                )
            try:
                value = make(_scalar_constructor, node)
            except (ValueError, KeyError, TypeError, OverflowError, IndexError, yaml.YAMLError):
                # SafeConstructor assumes the tag fits the text: `!!bool maybe` is a KeyError there
                raise YAMLError(
                    f"the value is not a valid {tag.rsplit(':', 1)[-1]} (read as {tag.replace('tag:yaml.org,2002:', '!!')})",
                    node.start_mark.line + 1, node.start_mark.column + 1,
                ) from None
            if type(value) is int and value.bit_length() > MAX_INT_BITS:  # 0x... is not digit-limited by Python
                raise YAMLError(
                    f"an integer of {value.bit_length():,} bits; Kubernetes fields hold 64-bit integers",
                    node.start_mark.line + 1, node.start_mark.column + 1,
                )
            return value
        if depth > MAX_DEPTH:
            raise YAMLError(
                f"document is nested more than {MAX_DEPTH} levels deep",
                node.start_mark.line + 1,
                node.start_mark.column + 1,
            )
        key = id(node)
        if key in self.seen:  # an alias: count what it expands to
            self.expanded += 1 + len(node.value)
            if self.expanded > MAX_ALIAS_EXPANSION:
                raise YAMLError(
                    f"YAML aliases expand to more than {MAX_ALIAS_EXPANSION:,} nodes "
                    "(an alias bomb such as 'billion laughs'?); refusing to expand them",
                    node.start_mark.line + 1,
                    node.start_mark.column + 1,
                )
        else:
            self.seen.add(key)
        if type(node) is SequenceNode:
            items = LList()
            items.line = node.start_mark.line + 1
            lines = items.item_lines
            for child in node.value:
                items.append(self.build(child, depth + 1))
                lines.append(child.start_mark.line + 1)
            return items
        if type(node) is MappingNode:
            if node.tag in _OMAP:
                raise YAMLError(
                    f"tag {node.tag!r} is not used by Kubernetes",
                    node.start_mark.line + 1,
                    node.start_mark.column + 1,
                )
            mapping = LDict()
            mapping.line = node.start_mark.line + 1
            key_lines = mapping.key_lines
            merged: dict[str, tuple[Any, int]] = {}  # keys from merge keys (<<): explicit keys override them
            for key_node, value_node in node.value:
                if key_node.tag == "tag:yaml.org,2002:merge":
                    for k, entry in self._merge(value_node, depth, key_node.start_mark.line + 1).items():
                        merged.setdefault(k, entry)  # a second `<<` adds keys, as PyYAML's flatten_mapping
                    continue
                k = self.build(key_node, depth + 1)
                if not isinstance(k, (str, int, float, bool)) and k is not None:
                    raise YAMLError(
                        "a mapping key must be a plain value",
                        key_node.start_mark.line + 1,
                        key_node.start_mark.column + 1,
                    )
                if not isinstance(k, str):
                    k = _key_text(k)
                if k in mapping:
                    raise YAMLError(
                        f'mapping key "{k}" already defined at line {key_lines[k]}',
                        key_node.start_mark.line + 1,
                        key_node.start_mark.column + 1,
                    )
                mapping[k] = self.build(value_node, depth + 1)
                key_lines[k] = key_node.start_mark.line + 1
            if merged:
                # As PyYAML's SafeLoader: merged keys first, the mapping's own keys win over them.
                own = dict(mapping)
                mapping.clear()
                for k, (v, line) in merged.items():
                    if k not in own:
                        mapping[k] = v
                        key_lines.setdefault(k, line)
                mapping.update(own)
            return mapping
        raise YAMLError(f"unexpected YAML node {node!r}")  # pragma: no cover

    def _merge(self, value_node: Node, depth: int, line: int) -> dict[str, tuple[Any, int]]:
        """The keys one `<<` brings: of a list of mappings, the earlier wins (the merge key spec, and PyYAML)."""
        value = self.build(value_node, depth + 1)
        sources = value if isinstance(value, list) else [value]
        keys: dict[str, tuple[Any, int]] = {}
        for source in sources:
            if not isinstance(source, dict):
                raise YAMLError(
                    "a merge key (<<) needs a mapping or a list of mappings",
                    value_node.start_mark.line + 1,
                    value_node.start_mark.column + 1,
                )
            lines = getattr(source, "key_lines", {})
            for k, v in source.items():
                keys.setdefault(k, (v, lines.get(k, line)))
        return keys


def _key_text(value: Any) -> str:
    """Go's YAML-to-JSON turns non-string keys into their text, as here."""
    if value is None:
        return "null"
    if value is True:
        return "true"
    if value is False:
        return "false"
    return str(value)


#: A surrogate pair's two escapes (compiled by `re` on the first JSON text that has one; most have none).
_PAIR = r"(?i)(?<!\\)((?:\\\\)*)\\u(d[89ab][0-9a-f]{2})\\u(d[c-f][0-9a-f]{2})"


def json_as_yaml(text: str) -> tuple[str, list[int]]:
    """JSON's surrogate-pair escapes (`\\ud83d\\ude00`) as YAML's `\\U0001f600`, which libyaml reads.

    JSON is meant to be YAML, and is but for these: rewriting them keeps every
    line (and so every position a message gives). Returns the text and where
    each rewrite ended in it (each is 2 characters shorter than the original),
    for a caller that maps positions back to the original text.
    """
    if "\\u" not in text or text.lstrip()[:1] not in ("{", "["):
        return text, []
    ends: list[int] = []
    shift = 0

    def pair(match: re.Match[str]) -> str:
        nonlocal shift
        high, low = int(match[2], 16), int(match[3], 16)
        code = 0x10000 + ((high - 0xD800) << 10) + (low - 0xDC00)
        shift += 2
        ends.append(match.end() - shift)
        return f"{match[1]}\\U{code:08x}"

    return re.sub(_PAIR, pair, text), ends


def _opened_at(text: str, exc: yaml.MarkedYAMLError) -> Any:
    """Where the quote, `{` or `[` that an error ran into the end of was opened (None if it is not that):
    the innermost one still open where the parser gave up (the scanner reads on past that point, and what it
    opens there is not what the parser complained of)."""
    context = exc.context or ""
    if context.startswith("while scanning a quoted"):
        return exc.context_mark
    if not context.startswith("while parsing a flow"):
        return None
    problem = exc.problem_mark
    gave_up = (problem.line, problem.column) if problem is not None else None
    openers: list[Any] = []
    loader = _Loader(text)
    try:
        while loader.check_token():
            token = loader.get_token()
            if token is None or gave_up is not None and (token.start_mark.line, token.start_mark.column) >= gave_up:
                break
            if isinstance(token, (yaml.FlowMappingStartToken, yaml.FlowSequenceStartToken)):
                openers.append(token.start_mark)
            elif isinstance(token, (yaml.FlowMappingEndToken, yaml.FlowSequenceEndToken)) and openers:
                openers.pop()
    except yaml.YAMLError:
        pass
    finally:
        loader.dispose()
    return openers[-1] if openers else exc.context_mark


def parse_documents(text: str) -> Iterator[Document | YAMLError]:
    """Yield each document of a YAML stream, or the error that stopped it.

    A syntax error ends the stream (the parser cannot resynchronise), so it is
    yielded last; a document whose *content* is refused (alias bomb, duplicate
    key) is yielded as an error and the stream goes on.
    """
    for item in read_documents(text):
        yield item if isinstance(item, YAMLError) else item[1]


def read_documents(text: str) -> Iterator[tuple[Node, Document] | YAMLError]:
    """The one reader of manifest text (load and convert alike): each document's node tree and its data.

    The nodes' marks are positions in the text the parser read, which differs
    from `text` only for JSON with surrogate-pair escapes: `original_position`
    maps them back.
    """
    loader_text = json_as_yaml(text)[0]
    loader = _Loader(loader_text)
    index = 0
    try:
        while True:
            try:
                if not loader.check_node():
                    break
                node = loader.get_node()
            except yaml.MarkedYAMLError as exc:
                mark = exc.problem_mark or exc.context_mark
                message = " ".join(
                    part for part in (exc.context, exc.problem) if part
                ) or str(exc)
                opened = _opened_at(loader_text, exc)
                if opened is not None and mark is not None and opened.line < mark.line:
                    # an unclosed `{`, `[` or quote: where it opened is what to fix, not the end of the file
                    message += f" (opened here and not closed; the parser gave up at line {mark.line + 1})"
                    mark = opened
                yield YAMLError(
                    message,
                    (mark.line + 1) if mark else 0,
                    (mark.column + 1) if mark else 0,
                    index,
                    syntax=True,
                )
                return
            except yaml.YAMLError as exc:
                yield YAMLError(str(exc), 0, 0, index, syntax=True)
                return
            except RecursionError:
                yield YAMLError("document is nested too deeply to read", 0, 0, index)
                return
            if node is None:
                index += 1
                continue
            try:
                data = _Builder().build(node)
            except YAMLError as exc:
                exc.document = index
                yield exc
            except RecursionError:
                yield YAMLError(
                    "document is nested too deeply to read", node.start_mark.line + 1, 0, index
                )
            except (ValueError, yaml.YAMLError) as exc:
                yield YAMLError(f"cannot read a value: {exc}", node.start_mark.line + 1, 0, index)
            else:
                yield node, Document(data, node.start_mark.line + 1, index)
            index += 1
    finally:
        loader.dispose()


def original_position(text: str) -> Callable[[int], int]:
    """Maps a position in the text `read_documents` parsed to the same place in `text`."""
    ends = json_as_yaml(text)[1]
    if not ends:
        return lambda index: index
    return lambda index: index + 2 * bisect.bisect_right(ends, index)

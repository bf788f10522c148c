"""YAML text to plain data that remembers the line of every key and item.

PyYAML's own constructor is generic Python; this one walks the composed node
tree once (parsed by libyaml when present) and builds dicts and lists that
carry their positions, so a later message can say `file:line` for any field.
Aliases are counted while they are expanded: a "billion laughs" document is
refused after a bounded amount of work instead of eating the machine.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Iterator

import yaml
from yaml.nodes import MappingNode, Node, ScalarNode, SequenceNode

try:  # libyaml is an order of magnitude faster; the pure-Python parser is the fallback
    from yaml import CSafeLoader as _Loader
except ImportError:  # pragma: no cover - depends on how PyYAML was built
    from yaml import SafeLoader as _Loader  # type: ignore[assignment]

MAX_ALIAS_EXPANSION = 100_000  # nodes built from aliases in one document
MAX_DEPTH = 200
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


@dataclass(frozen=True, slots=True)
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
            if tag in ("tag:yaml.org,2002:timestamp", "tag:yaml.org,2002:binary"):
                return node.value  # Kubernetes reads these as strings
            make = _SCALARS.get(tag)
            if make is None:
                raise YAMLError(
                    f"unknown tag {tag!r}", node.start_mark.line + 1, node.start_mark.column + 1
                )
            return make(_scalar_constructor, node)
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
            for key_node, value_node in node.value:
                if key_node.tag == "tag:yaml.org,2002:merge":
                    merged = self.build(value_node, depth + 1)
                    for source in merged if isinstance(merged, list) else [merged]:
                        if not isinstance(source, dict):
                            raise YAMLError(
                                "a merge key (<<) needs a mapping",
                                value_node.start_mark.line + 1,
                                value_node.start_mark.column + 1,
                            )
                        for k, v in source.items():
                            mapping.setdefault(k, v)
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
            return mapping
        raise YAMLError(f"unexpected YAML node {node!r}")  # pragma: no cover


def _key_text(value: Any) -> str:
    """Go's YAML-to-JSON turns non-string keys into their text, as here."""
    if value is None:
        return "null"
    if value is True:
        return "true"
    if value is False:
        return "false"
    return str(value)


def parse_documents(text: str) -> Iterator[Document | YAMLError]:
    """Yield each document of a YAML stream, or the error that stopped it.

    A syntax error ends the stream (the parser cannot resynchronise), so it is
    yielded last; a document whose *content* is refused (alias bomb, duplicate
    key) is yielded as an error and the stream goes on.
    """
    loader = _Loader(text)
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
                yield Document(data, node.start_mark.line + 1, index)
            index += 1
    finally:
        loader.dispose()

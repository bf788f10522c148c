"""Apply a step's solution to the learner's manifests, and show it as YAML.

A solution is a list of operations on objects (patch, add, remove,
recreate). Applying one rewrites only the YAML documents it touches: the
other documents of a file, their comments included, stay as the learner
wrote them. A patched document is written out again, so comments inside it
are lost; the TUI shows the change as a diff before it asks.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

import yaml

from explorer.lessons.spec import Add, Edit, Patch, Recreate, Remove, SolutionOp

_SEPARATOR = re.compile(r"^---[ \t]*(#.*)?$", re.MULTILINE)


class PatchError(Exception):
    """The solution names an object the learner's files do not hold."""


@dataclass
class Applied:
    texts: dict[str, str]
    #: Kind/name of objects deleted and created again (the controller must see them gone once).
    recreated: list[str] = field(default_factory=list)


def apply_solution(texts: dict[str, str], ops: tuple[SolutionOp, ...]) -> Applied:
    """The learner's files with the solution applied; raises PatchError when a target is missing."""
    out = Applied(dict(texts))
    for op in ops:
        if isinstance(op, Recreate):
            _locate(out.texts, op.target)  # it must exist
            out.recreated.append(op.target)
        elif isinstance(op, Add):
            text = out.texts.get(op.file, "")
            if text and not text.endswith("\n"):
                text += "\n"
            out.texts[op.file] = f"{text}---\n{dump(op.document)}" if text.strip() else dump(op.document)
        elif isinstance(op, Remove):
            name, chunks, index = _locate(out.texts, op.target)
            del chunks[index]
            out.texts[name] = _join(chunks)
        elif isinstance(op, Edit):
            held = out.texts.get(op.file)
            if held is None or op.old not in held:
                raise PatchError(f"{op.file} does not hold the text {op.old!r}")
            out.texts[op.file] = held.replace(op.old, op.new, 1)
        elif isinstance(op, Patch):
            name, chunks, index = _locate(out.texts, op.target)
            data = yaml.safe_load(chunks[index])
            comments = _leading_comments(chunks[index])
            chunks[index] = comments + dump(merge_patch(data, op.merge))
            out.texts[name] = _join(chunks)
    return out


def without(texts: dict[str, str], target: str) -> dict[str, str]:
    """The files with object `target` taken out: the cluster between `kubectl delete` and `apply`."""
    name, chunks, index = _locate(dict(texts), target)
    del chunks[index]
    return {**texts, name: _join(chunks)}


def merge_patch(target: Any, patch: Any) -> Any:
    """RFC 7386 JSON merge patch: mappings merge, null deletes, anything else replaces."""
    if not isinstance(patch, dict):
        return patch
    result = dict(target) if isinstance(target, dict) else {}
    for key, value in patch.items():
        if value is None:
            result.pop(key, None)
        else:
            result[key] = merge_patch(result.get(key), value)
    return result


def describe(op: SolutionOp) -> str:
    """The operation as a learner reads it: what to change, as YAML."""
    if isinstance(op, Patch):
        return f"# in {op.target} (null removes a field)\n{dump(op.merge)}"
    if isinstance(op, Add):
        return f"# add to {op.file}\n{dump(op.document)}"
    if isinstance(op, Remove):
        return f"# delete {op.target}\n"
    if isinstance(op, Edit):
        return f"# in {op.file}, replace\n{op.old}\n# by\n{op.new}\n"
    return f"# delete {op.target} and create it again (kubectl delete, then kubectl apply)\n"


# ------------------------------------------------------------------ YAML documents


class _Dumper(yaml.SafeDumper):
    """Block style, list items indented under their key, multi-line strings (certificates) as `|` blocks:
    the way the manifests in the lessons (and kubectl's docs) are written, so a diff shows only the change."""

    def increase_indent(self, flow: bool = False, indentless: bool = False) -> None:
        super().increase_indent(flow, False)


def _str(dumper: yaml.SafeDumper, value: str) -> yaml.Node:
    if "\n" in value:
        return dumper.represent_scalar("tag:yaml.org,2002:str", value, style="|")
    return dumper.represent_scalar("tag:yaml.org,2002:str", value)


_Dumper.add_representer(str, _str)


def dump(data: Any) -> str:
    return yaml.dump(data, Dumper=_Dumper, sort_keys=False, allow_unicode=True, default_flow_style=False, width=100)


def _split(text: str) -> list[str]:
    """The documents of a file, each with its own text (separators dropped)."""
    # re.split also returns the separator's optional comment group: the documents are every other item
    return [doc for doc in _SEPARATOR.split(text)[0::2] if doc.strip()]


def _join(chunks: list[str]) -> str:
    return "---\n".join(c if c.endswith("\n") else c + "\n" for c in chunks if c.strip())


def _leading_comments(chunk: str) -> str:
    lines = []
    for line in chunk.splitlines(keepends=True):
        if line.strip() and not line.lstrip().startswith("#"):
            break
        lines.append(line)
    return "".join(lines).lstrip("\n")


def _locate(texts: dict[str, str], target: str) -> tuple[str, list[str], int]:
    kind, _, name = target.partition("/")
    for file, text in texts.items():
        chunks = _split(text)
        for index, chunk in enumerate(chunks):
            try:
                data = yaml.safe_load(chunk)
            except yaml.YAMLError:
                continue
            if isinstance(data, dict) and data.get("kind") == kind and \
                    isinstance(data.get("metadata"), dict) and data["metadata"].get("name") == name:
                return file, chunks, index
    raise PatchError(f"{target} is not in the lesson's files ({', '.join(texts) or 'none'}); "
                     "restore it, or start the lesson again")

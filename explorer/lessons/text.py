"""Texts in two languages, and which language a learner gets.

Every learner-facing text of a lesson exists in English and Japanese. The
language comes from `--lang`, else from the locale the way POSIX programs
read it (LC_ALL, then LC_MESSAGES, then LANG), else English.
"""

from __future__ import annotations

import os
import re
import unicodedata
from typing import Mapping

LANGS: tuple[str, ...] = ("en", "ja")
DEFAULT_LANG = "en"

#: A text in every language of LANGS, e.g. {"en": "...", "ja": "..."}.
Text = Mapping[str, str]


def language_from_env(environ: Mapping[str, str] | None = None) -> str:
    """`ja` when the locale says Japanese (ja_JP.UTF-8, ja), else `en`; C/POSIX and unset mean English."""
    env = os.environ if environ is None else environ
    for name in ("LC_ALL", "LC_MESSAGES", "LANG"):
        value = env.get(name, "")
        if value:
            code = value.split(".", 1)[0].split("_", 1)[0].split("@", 1)[0].lower()
            return code if code in LANGS else DEFAULT_LANG
    return DEFAULT_LANG


def pick(text: Text, lang: str) -> str:
    """The text in `lang`; English when a language is missing (the loader refuses such lessons anyway)."""
    return text.get(lang) or text.get(DEFAULT_LANG, "")


#: A line of YAML (`kind: Ingress`, `spec:`); a paragraph made only of such lines is a manifest, kept as written.
_YAML_KEY = re.compile(r"^[\w.\-/]+:( |$)")


def reflow(text: str, lang: str) -> str:
    """Join the lines of each paragraph, so a narrow pane wraps the text itself.

    Lesson texts are written with line breaks for reading in a file. List items
    ("- ") start a new line, indented lines (commands) and manifests stay as
    written, and Japanese lines are joined without a space, as Japanese is
    written (a space stays where the break sat next to a word in Latin letters).
    """
    def join(a: str, b: str) -> str:
        if lang == "ja" and (a.endswith(("、", "。", "）", "」", "：")) or not (a[-1:].isascii() or b[:1].isascii())):
            return a + b
        return f"{a} {b}"

    paragraphs = []
    for paragraph in re.split(r"\n[ \t]*\n", text):
        lines = paragraph.splitlines()
        if all(line.startswith(" ") or _YAML_KEY.match(line) for line in lines):
            paragraphs.append(paragraph)
            continue
        out: list[str] = []
        for line in lines:
            previous = out[-1] if out else ""
            if previous and not line.startswith(" ") and not line.startswith("- ") and not previous.startswith(" "):
                out[-1] = join(previous, line.strip())
            elif previous.startswith("- ") and line.startswith("  ") and not line.startswith("    "):
                out[-1] = join(previous, line.strip())  # the continuation of a list item
            else:
                out.append(line)
        paragraphs.append("\n".join(out))
    return "\n\n".join(paragraphs)


_TOKEN = re.compile(r"\s+|[\x21-\x7e]+|.")
#: Marks a Japanese line never starts with (JIS X 4051 line-start prohibition, the common subset).
_NO_LINE_START = frozenset("、。，．）」』】〕！？：；ー・")


def _cells(text: str) -> int:
    return sum(2 if unicodedata.east_asian_width(c) in "WF" else 1 for c in text)


def wrap(text: str, width: int) -> str:
    """Fold each line to `width` terminal cells: between words in English, between characters in Japanese.

    Indented lines (commands, manifests) are left as they are.
    """
    out: list[str] = []
    for line in text.splitlines():
        if line.startswith(" ") or _cells(line) <= width:
            out.append(line)
            continue
        current = ""
        for token in _TOKEN.findall(line):
            if _cells(current + token) <= width or not current or token in _NO_LINE_START:
                current += token  # a closing mark hangs at the end of the line rather than start the next
            elif token.isspace():
                out.append(current.rstrip())
                current = ""
            else:
                out.append(current.rstrip())
                current = token
        out.append(current.rstrip())
    return "\n".join(out)

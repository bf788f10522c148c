"""Texts in two languages, and which language a learner gets.

Every learner-facing text of a lesson exists in English and Japanese. The
language comes from `--lang`, else from the locale the way POSIX programs
read it (LC_ALL, then LC_MESSAGES, then LANG), else English.
"""

from __future__ import annotations

import os
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

"""Text from manifests and clients reaches a terminal escaped: no control sequence of theirs runs.

A manifest string (an annotation, a host, a path) or a client's Host header
can hold terminal escape sequences: set the window title, write the
clipboard (OSC 52), clear the screen, hide text. `printable()` writes every
control character as a visible escape (`\\x1b`, `\\r`, `\\x9b`, `\\u202e`),
keeping line breaks and tabs. The CLI wraps its stdout and stderr in
`EscapingStream`, so every text output and log line passes through it; only
the colour (SGR) sequences our own styling writes pass, and only when colour
is on (a terminal, no NO_COLOR).
"""

from __future__ import annotations

import re
from typing import Any, TextIO

#: C0 but newline and tab, DEL, C1, the line/paragraph separators, the bidi overrides (Trojan Source),
#: and surrogates: a client's undecodable bytes (surrogateescape) would be written back as the raw bytes.
#: Every one of them is one `str.isprintable` refuses (categories Cc, Zl, Zp, Cf, Cs), so text it accepts
#: has none and the pattern (0.6 ms to compile) is compiled only for text that might.
_CONTROL_CHARS = "[\x00-\x08\x0b-\x1f\x7f-\x9f\u2028\u2029\u202a-\u202e\u2066-\u2069\ud800-\udfff]"
_control: re.Pattern[str] | None = None
#: Select Graphic Rendition: colour, bold, reset, as Style and rich write them (compiled by `re` on first use:
#: only output to a terminal keeps colour).
_SGR = r"\x1b\[([0-9;]*)m"


def _harmless(params: str) -> bool:
    """Colour and weight only: not 8 (concealed text), which could hide what follows."""
    parts = params.split(";")
    i = 0
    while i < len(parts):
        if parts[i] in ("38", "48", "58"):  # extended colour: 5;n or 2;r;g;b follow
            i += 3 if parts[i + 1:i + 2] == ["5"] else 5
            continue
        if parts[i] == "8":
            return False
        i += 1
    return True


def _escape(match: re.Match[str]) -> str:
    char = match.group()
    if char == "\r":
        return "\\r"
    code = ord(char)
    if 0xDC80 <= code <= 0xDCFF:
        return f"\\x{code - 0xDC00:02x}"  # the byte surrogateescape stood for
    return f"\\x{code:02x}" if code < 0x100 else f"\\u{code:04x}"


def printable(text: str) -> str:
    """`text` with every control character but newline and tab written as an escape."""
    global _control
    if text.isprintable() or text.replace("\n", "").replace("\t", "").isprintable():
        return text  # nothing to escape (the usual line)
    if _control is None:
        _control = re.compile(_CONTROL_CHARS)
    return _control.sub(_escape, text)


def printable_keeping_colour(text: str) -> str:
    """As `printable`, but colour sequences (SGR) stay, for output whose colour we wrote."""
    out: list[str] = []
    at = 0
    for match in re.finditer(_SGR, text):
        if not _harmless(match.group(1)):
            continue
        out.append(printable(text[at:match.start()]))
        out.append(match.group())
        at = match.end()
    out.append(printable(text[at:]))
    return "".join(out)


class EscapingStream:
    """A text stream that escapes what is written to it, then hands it on."""

    def __init__(self, stream: TextIO, keep_colour: bool) -> None:
        self._stream = stream
        self._escape = printable_keeping_colour if keep_colour else printable

    def write(self, text: str) -> int:
        self._stream.write(self._escape(text))
        return len(text)

    def writelines(self, lines: Any) -> None:
        for line in lines:
            self.write(line)

    @property
    def wrapped(self) -> TextIO:
        return self._stream

    def __getattr__(self, name: str) -> Any:  # flush, fileno, isatty, encoding, buffer...
        return getattr(self._stream, name)


def bug_message(exc: BaseException) -> str:
    """One line: what broke and where in our code, and where to report it (set IE_TRACEBACK=1 for the rest)."""
    import os
    import traceback

    if os.environ.get("IE_TRACEBACK"):
        traceback.print_exception(exc)
    frames = traceback.extract_tb(exc.__traceback__)
    where = ""
    if frames:
        path = frames[-1].filename.replace(os.sep, "/")
        where = f" at {path.rsplit('/explorer/', 1)[-1] if '/explorer/' in path else path.rsplit('/', 1)[-1]}" \
                f":{frames[-1].lineno}"
    text = str(exc).splitlines()[0][:200] if str(exc) else ""
    return (f"ingress-explorer: internal error, this is a bug: {type(exc).__name__}{': ' if text else ''}"
            f"{text}{where} (please report it to ingress-explorer's issue tracker "
            "with the command you ran; IE_TRACEBACK=1 prints the traceback)")

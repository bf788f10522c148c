"""RE2, the flavour of Gateway API RegularExpression matches, evaluated by RE2 itself (google-re2).

The spec leaves the flavour implementation-specific; the implementations our
profiles model (Envoy-based ones: Envoy Gateway, Istio, Cilium; GKE's URL maps)
all evaluate RE2, and a route's value matches the whole path, header value or
query value. Python's `re` is not RE2: it refuses what RE2 accepts (`\\pL`,
`\\p{Greek}`, `\\Q...\\E`, `\\z`, `(?U)`, flags in the middle such as `a(?i)b`)
and accepts what RE2 refuses (backreferences, lookaround), so an `re` stand-in
would give confident wrong answers (or crash on `(?i)` once wrapped in a group).
A pattern RE2 refuses makes the route Accepted=False with UnsupportedValue
(compile.py); here it compiles to None with RE2's own message.
"""

from __future__ import annotations

from functools import lru_cache

import re2  # type: ignore[import-untyped]  # google-re2 ships no type hints

FLAVOUR = "RE2 (google-re2, the library Envoy and Google Cloud URL maps use), matching the whole value"

_OPTIONS = re2.Options()
_OPTIONS.log_errors = False  # RE2 would print its own parse errors on stderr; we report them as status


class RE2FullMatch:
    """An RE2 pattern whose `match` matches the whole string: the RouteTable's path index calls `match`."""

    __slots__ = ("_compiled", "pattern")

    def __init__(self, pattern: str, compiled: object) -> None:
        self.pattern = pattern
        self._compiled = compiled

    def match(self, value: str) -> object | None:
        return self._compiled.fullmatch(value)  # type: ignore[attr-defined, no-any-return]

    fullmatch = match

    def search(self, value: str) -> object | None:
        return self._compiled.search(value)  # type: ignore[attr-defined, no-any-return]

    def __repr__(self) -> str:
        return f"RE2({self.pattern!r})"


@lru_cache(maxsize=4096)
def compile_re2(pattern: str) -> tuple[RE2FullMatch | None, str]:
    """(the full-match pattern, "") or (None, RE2's reason for refusing it)."""
    try:
        return RE2FullMatch(pattern, re2.compile(pattern, _OPTIONS)), ""
    except re2.error as exc:
        detail = exc.args[0] if exc.args else exc
        text = detail.decode("utf-8", "replace") if isinstance(detail, bytes) else str(detail)
        return None, f"RE2 refuses {pattern!r}: {text}"


def full_match(pattern: str, value: str) -> bool:
    compiled, _ = compile_re2(pattern)
    return compiled is not None and compiled.match(value) is not None

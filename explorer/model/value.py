"""`@value`: a read-only value class that starts faster than `@dataclass(frozen=True, slots=True)`.

On Python 3.11 a frozen dataclass costs about twice as much to make at
import as a plain one (it compiles a `__setattr__` and a `__delattr__` too,
and an `__init__` that goes through `object.__setattr__`); the route command
makes some fifty of them before it answers. `@value` makes the same class
without the run-time guard: the same fields, `__init__`, `__repr__`, `__eq__`
and `__hash__` (`unsafe_hash` gives exactly the hash `frozen` would), and
slots. Read-only stays a rule the type checker enforces: mypy sees a frozen
dataclass (`dataclass_transform(frozen_default=True)`), so assigning a field
fails `mypy`, which the tests' command runs.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Callable, TypeVar, dataclass_transform, overload

__all__ = ["field", "value"]

_T = TypeVar("_T")


@overload
def value(cls: type[_T], /) -> type[_T]: ...
@overload
def value(*, slots: bool = True) -> Callable[[type[_T]], type[_T]]: ...


@dataclass_transform(frozen_default=True, field_specifiers=(field,))
def value(cls: type[_T] | None = None, /, *, slots: bool = True) -> type[_T] | Callable[[type[_T]], type[_T]]:
    """The class as a hashable dataclass whose fields only the type checker keeps read-only."""
    def make(c: type[_T]) -> type[_T]:
        return dataclass(slots=slots, unsafe_hash=True)(c)

    return make if cls is None else make(cls)

"""`@value` and `@record`: dataclass-like classes whose methods are compiled on first use, not at import.

`dataclasses.dataclass` compiles every class's `__init__`, `__repr__`, `__eq__`
and `__hash__` with `exec` when the class is made, and importing it costs
`inspect` too; the route command makes some sixty such classes and calls the
methods of a dozen. Here a class gets the same fields, defaults and slots at
once, and a stub for each method that compiles the real one (from the source
a dataclass would write), installs it on the class and calls it: a method
never called is never compiled, and from the next call on it is the
dataclass's own code. `__init__` waits longer: its first COMPILE_AFTER calls
set the fields from a plan (most classes are made a few times per command,
and compiling one costs some twenty such calls), then it is compiled too.

`@value` is `dataclass(slots=True, unsafe_hash=True)`: hashable, equal by
fields, and read-only by rule only, the type checker's: mypy sees a frozen
dataclass (`dataclass_transform(frozen_default=True)`), so assigning a field
fails `mypy`, which the tests' command runs (a run-time guard would cost a
`__setattr__` per class and an `object.__setattr__` per field). `@record` is
plain `dataclass(eq=..., slots=...)`: mutable, for what a compiler fills in.

`replace` is `dataclasses.replace` without importing dataclasses. Code that
asks `dataclasses` itself (`replace`, `fields`, `asdict`, `is_dataclass`)
still works: `__dataclass_fields__` and `__dataclass_params__` are made on
first read, by letting `dataclasses` describe a twin class.

Not offered, as nothing here uses them: InitVar, KW_ONLY and kw_only, order,
a run-time frozen guard, and the `__doc__` a dataclass writes for a class
without a docstring. Asking for any of the first four fails when the class is made (TypeError).
"""

from __future__ import annotations

import sys
from reprlib import recursive_repr
from typing import Any, Callable, TypeVar, dataclass_transform, overload

__all__ = ["field", "record", "replace", "value"]

_T = TypeVar("_T")


class _Missing:
    __slots__ = ()

    def __repr__(self) -> str:
        return "MISSING"


MISSING: Any = _Missing()
_FACTORY = type("_HAS_DEFAULT_FACTORY", (), {"__slots__": (), "__repr__": lambda self: "<factory>"})()


class Field:
    """One field: what `field(...)` says of it (the subset of `dataclasses.field` this code base uses)."""

    __slots__ = ("name", "type", "default", "default_factory", "init", "repr", "hash", "compare")

    def __init__(self, default: Any = MISSING, default_factory: Any = MISSING, init: bool = True, repr: bool = True,
                 hash: bool | None = None, compare: bool = True) -> None:
        if default is not MISSING and default_factory is not MISSING:
            raise ValueError("cannot specify both default and default_factory")
        self.name = ""
        self.type: Any = None
        self.default = default
        self.default_factory = default_factory
        self.init = init
        self.repr = repr
        self.hash = hash
        self.compare = compare

    def __repr__(self) -> str:
        return (f"Field(name={self.name!r}, type={self.type!r}, default={self.default!r}, "
                f"default_factory={self.default_factory!r}, init={self.init}, repr={self.repr}, "
                f"hash={self.hash}, compare={self.compare})")


@overload
def field(*, default: _T, init: bool = ..., repr: bool = ..., hash: bool | None = ..., compare: bool = ...) -> _T: ...
@overload
def field(*, default_factory: Callable[[], _T], init: bool = ..., repr: bool = ..., hash: bool | None = ...,
          compare: bool = ...) -> _T: ...
@overload
def field(*, init: bool = ..., repr: bool = ..., hash: bool | None = ..., compare: bool = ...) -> Any: ...


def field(*, default: Any = MISSING, default_factory: Any = MISSING, init: bool = True, repr: bool = True,
          hash: bool | None = None, compare: bool = True) -> Any:
    """A field's default, factory and whether it is in `__init__`, `__repr__`, `__eq__` and `__hash__`."""
    return Field(default, default_factory, init, repr, hash, compare)


# ---------------------------------------------------------------- making the class (at import: no compiling)


def _is_classvar(annotation: Any) -> bool:
    if isinstance(annotation, str):
        return annotation.startswith(("ClassVar", "typing.ClassVar", "t.ClassVar"))
    return getattr(annotation, "__origin__", annotation) is getattr(sys.modules.get("typing"), "ClassVar", None)


def _collect(cls: type) -> tuple[Field, ...]:
    """The fields of `cls` and its @value/@record bases, in dataclass order (bases first)."""
    fields: dict[str, Field] = {}
    for base in cls.__mro__[-1:0:-1]:
        for f in base.__dict__.get("__value_fields__", ()):
            fields[f.name] = f
    own = cls.__dict__
    for name, annotation in own.get("__annotations__", {}).items():
        if _is_classvar(annotation):
            continue
        if isinstance(annotation, str) and annotation.startswith(("InitVar", "KW_ONLY", "dataclasses.")):
            raise TypeError(f"{cls.__qualname__}.{name}: {annotation} is not supported by @value/@record")
        default = own.get(name, MISSING)
        if isinstance(default, Field):
            f = default
        elif type(default).__module__ == "dataclasses" and type(default).__name__ == "Field":
            raise TypeError(f"{cls.__qualname__}.{name}: use explorer.model.value.field, not dataclasses.field")
        else:
            f = Field(default)
        if f.default is not MISSING and type(f.default).__hash__ is None:
            raise ValueError(f"mutable default {type(f.default)} for field {name} is not allowed: "
                             "use default_factory")
        f.name, f.type = name, annotation
        fields[name] = f
    seen_default = None
    for f in fields.values():
        if not f.init:
            continue
        if f.default is MISSING and f.default_factory is MISSING:
            if seen_default is not None:
                raise TypeError(f"non-default argument {f.name!r} follows default argument")
        else:
            seen_default = f
    return tuple(fields.values())


def _slots_of(cls: type) -> Any:
    slots = cls.__dict__.get("__slots__")
    if slots is None:
        return ()
    return (slots,) if isinstance(slots, str) else slots


def _make(cls: type, slots: bool, eq: bool, hashed: bool) -> type:
    fields = _collect(cls)
    own = cls.__dict__
    if hashed and "__hash__" in own and not (own["__hash__"] is None and "__eq__" in own):
        raise TypeError(f"Cannot overwrite attribute __hash__ in class {cls.__name__}")
    if slots:
        body = dict(own)
        inherited = {s for base in cls.__mro__[1:-1] for s in _slots_of(base)}
        body["__slots__"] = tuple(f.name for f in fields if f.name not in inherited)
        for f in fields:
            body.pop(f.name, None)
        body.pop("__dict__", None)
        body.pop("__weakref__", None)
        qualname = cls.__qualname__
        cls = type(cls)(cls.__name__, cls.__bases__, body)
        cls.__qualname__ = qualname
    else:
        for f in fields:  # as a dataclass: a default stays a class attribute, a field() spec does not
            if isinstance(own.get(f.name), Field):
                if f.default is MISSING:
                    delattr(cls, f.name)
                else:
                    setattr(cls, f.name, f.default)
    setattr(cls, "__value_fields__", fields)
    if "__match_args__" not in cls.__dict__:
        setattr(cls, "__match_args__", tuple(f.name for f in fields if f.init))
    if "__init__" not in cls.__dict__:
        setattr(cls, "__init__", _init_stub(cls, slots))
    for name, maker in (("__repr__", _repr_source), ("__eq__", _eq_source)):
        if name == "__eq__" and not eq:
            continue
        if name not in cls.__dict__:
            setattr(cls, name, _stub(cls, name, maker, slots))
    if hashed:
        setattr(cls, "__hash__", _stub(cls, "__hash__", _hash_source, slots))
    elif eq and "__hash__" not in own:
        setattr(cls, "__hash__", None)  # a dataclass with eq and no hash: unhashable, like any class with __eq__
    setattr(cls, "__dataclass_fields__", _DataclassView("__dataclass_fields__", eq, hashed))
    setattr(cls, "__dataclass_params__", _DataclassView("__dataclass_params__", eq, hashed))
    return cls


# ---------------------------------------------------------------- the methods (compiled on first call)


def _stub(cls: type, name: str, maker: Callable[[type, bool], tuple[str, dict[str, Any]]], slots: bool) -> Any:
    """A method that compiles the real `name` of `cls`, puts it on the class in its own place, and calls it.

    It does not refer to itself, so once replaced it is freed at once (no cycle left to the collector)."""
    def stub(self: Any, *args: Any, **kwargs: Any) -> Any:
        method = _compile(cls, name, maker, slots)
        setattr(cls, name, method)
        return method(self, *args, **kwargs)

    stub.__name__ = name
    stub.__qualname__ = f"{cls.__qualname__}.{name}"
    return stub


#: Calls of a class's `__init__` answered by `_fill` before its own is compiled: most classes of one route
#: command are made fewer times (a profile, a table, a listener), and compiling costs some twenty calls.
COMPILE_AFTER = 8


def _init_stub(cls: type, slots: bool) -> Any:
    """`__init__` for the first calls: the fields set from the class's plan, as the compiled `__init__` would set
    them; past COMPILE_AFTER calls, or for a call that is not plain (a missing or unknown argument: the compiled
    one raises the error Python words), the compiled one takes over, installed on the class."""
    calls = 0
    plan: tuple[Any, ...] | None = None

    def __init__(self: Any, *args: Any, **kwargs: Any) -> None:
        nonlocal calls, plan
        calls += 1
        if calls <= COMPILE_AFTER:
            if plan is None:
                plan = _init_plan(cls, slots)
            if _fill(self, plan, args, kwargs):
                return
        method = _compile(cls, "__init__", _init_source, slots)
        setattr(cls, "__init__", method)
        method(self, *args, **kwargs)

    __init__.__qualname__ = f"{cls.__qualname__}.__init__"
    return __init__


def _init_plan(cls: type, slots: bool) -> tuple[Any, ...]:
    """What `__init__` sets, in order: (name, in the signature, default, factory) for each field it sets,
    the number of parameters, and whether `__post_init__` follows."""
    sets = tuple((f.name, f.init, f.default, f.default_factory) for f in cls.__dict__["__value_fields__"]
                 if f.init or f.default_factory is not MISSING or (slots and f.default is not MISSING))
    return sets, sum(1 for s in sets if s[1]), hasattr(cls, "__post_init__")


def _fill(self: Any, plan: tuple[Any, ...], args: tuple[Any, ...], kwargs: dict[str, Any]) -> bool:
    """Set the fields of a plain call as the compiled `__init__` would; False (let it raise) for any other."""
    sets, count, post_init = plan
    given = len(args)
    if given > count:
        return False
    position = taken = 0
    for name, init, default, factory in sets:
        if not init:
            value = factory() if factory is not MISSING else default
        elif position < given:
            if name in kwargs:
                return False
            value = args[position]
            position += 1
        elif name in kwargs:
            value = kwargs[name]
            taken += 1
        elif factory is not MISSING:
            value = factory()
        elif default is not MISSING:
            value = default
        else:
            return False
        setattr(self, name, value)
    if taken != len(kwargs):
        return False
    if post_init:
        self.__post_init__()
    return True


def _compile(cls: type, name: str, maker: Callable[[type, bool], tuple[str, dict[str, Any]]], slots: bool) -> Any:
    source, names = maker(cls, slots)
    names["__builtins__"] = __builtins__
    space: dict[str, Any] = {}
    exec(source, names, space)
    method = space[name]
    method.__qualname__ = f"{cls.__qualname__}.{name}"
    method.__module__ = cls.__module__
    if name == "__repr__":
        shown = recursive_repr()(method)  # "..." for an object already being shown, as a dataclass does
        shown.__wrapped__ = method  # type: ignore[attr-defined]  # (3.11's reprlib does not set it)
        return shown
    return method


def _init_source(cls: type, slots: bool) -> tuple[str, dict[str, Any]]:
    names: dict[str, Any] = {"_FACTORY": _FACTORY}
    params, body = [], []
    for f in cls.__dict__["__value_fields__"]:
        default = f"_dflt_{f.name}"
        if f.default_factory is not MISSING:
            names[default] = f.default_factory
            if f.init:
                params.append(f"{f.name}=_FACTORY")
                body.append(f"self.{f.name} = {default}() if {f.name} is _FACTORY else {f.name}")
            else:
                body.append(f"self.{f.name} = {default}()")
            continue
        if f.init:
            if f.default is MISSING:
                params.append(f.name)
            else:
                names[default] = f.default
                params.append(f"{f.name}={default}")
            body.append(f"self.{f.name} = {f.name}")
        elif slots and f.default is not MISSING:  # without slots the class attribute holds it
            names[default] = f.default
            body.append(f"self.{f.name} = {default}")
    if hasattr(cls, "__post_init__"):
        body.append("self.__post_init__()")
    lines = "\n".join(f"    {line}" for line in body or ["pass"])
    return f"def __init__(self, {', '.join(params)}):\n{lines}\n", names


def _repr_source(cls: type, slots: bool) -> tuple[str, dict[str, Any]]:
    parts = ", ".join(f"{f.name}={{self.{f.name}!r}}" for f in cls.__dict__["__value_fields__"] if f.repr)
    return f'def __repr__(self):\n    return self.__class__.__qualname__ + f"({parts})"\n', {}


def _compared(cls: type, of: str) -> str:
    return "".join(f"{of}.{f.name}," for f in cls.__dict__["__value_fields__"] if f.compare)


def _eq_source(cls: type, slots: bool) -> tuple[str, dict[str, Any]]:
    return (f"def __eq__(self, other):\n"
            f"    if other.__class__ is self.__class__:\n"
            f"        return ({_compared(cls, 'self')})==({_compared(cls, 'other')})\n"
            f"    return NotImplemented\n"), {}


def _hash_source(cls: type, slots: bool) -> tuple[str, dict[str, Any]]:
    hashed = "".join(f"self.{f.name}," for f in cls.__dict__["__value_fields__"]
                     if (f.compare if f.hash is None else f.hash))
    return f"def __hash__(self):\n    return hash(({hashed}))\n", {}


# ---------------------------------------------------------------- what dataclasses' own functions read


class _DataclassView:
    """`__dataclass_fields__` / `__dataclass_params__`, made on first read: `dataclasses` describes a twin class
    with the same fields (so its `replace`, `fields`, `asdict` and `is_dataclass` work), then both are cached."""

    def __init__(self, name: str, eq: bool, hashed: bool) -> None:
        self.name, self.eq, self.hashed = name, eq, hashed

    def __get__(self, obj: Any, owner: type) -> Any:
        import dataclasses

        body: dict[str, Any] = {"__module__": owner.__module__, "__qualname__": owner.__qualname__,
                                "__annotations__": {}}
        for f in owner.__dict__.get("__value_fields__") or owner.__value_fields__:  # type: ignore[attr-defined]
            body["__annotations__"][f.name] = f.type
            spec: dict[str, Any] = {"init": f.init, "repr": f.repr, "hash": f.hash, "compare": f.compare}
            if f.default is not MISSING:
                spec["default"] = f.default
            if f.default_factory is not MISSING:
                spec["default_factory"] = f.default_factory
            body[f.name] = dataclasses.field(**spec)
        twin: Any = dataclasses.dataclass(eq=self.eq, unsafe_hash=self.hashed)(type(owner.__name__, (), body))
        type.__setattr__(owner, "__dataclass_fields__", twin.__dataclass_fields__)
        type.__setattr__(owner, "__dataclass_params__", twin.__dataclass_params__)
        return getattr(owner, self.name)


def replace(obj: _T, /, **changes: Any) -> _T:
    """A copy of a @value or @record object with some fields changed (`dataclasses.replace`)."""
    for f in type(obj).__value_fields__:  # type: ignore[attr-defined]
        if not f.init:
            if f.name in changes:
                raise ValueError(f"field {f.name} is declared with init=False, it cannot be specified with replace()")
        elif f.name not in changes:
            changes[f.name] = getattr(obj, f.name)
    return obj.__class__(**changes)


# ---------------------------------------------------------------- the decorators


@overload
def value(cls: type[_T], /) -> type[_T]: ...
@overload
def value(*, slots: bool = True) -> Callable[[type[_T]], type[_T]]: ...


@dataclass_transform(frozen_default=True, field_specifiers=(Field, field))
def value(cls: type[_T] | None = None, /, *, slots: bool = True) -> type[_T] | Callable[[type[_T]], type[_T]]:
    """The class as a hashable dataclass whose fields only the type checker keeps read-only."""
    def make(c: type[_T]) -> type[_T]:
        return _make(c, slots, eq=True, hashed=True)

    return make if cls is None else make(cls)


@overload
def record(cls: type[_T], /) -> type[_T]: ...
@overload
def record(*, eq: bool = True, slots: bool = False) -> Callable[[type[_T]], type[_T]]: ...


@dataclass_transform(field_specifiers=(Field, field))
def record(cls: type[_T] | None = None, /, *, eq: bool = True,
           slots: bool = False) -> type[_T] | Callable[[type[_T]], type[_T]]:
    """The class as a mutable dataclass (`@dataclass(eq=..., slots=...)`), its methods compiled on first use."""
    def make(c: type[_T]) -> type[_T]:
        return _make(c, slots, eq=eq, hashed=False)

    return make if cls is None else make(cls)

"""`@value` and `@record` (explorer/model/value.py): the classes behave as the dataclasses they replace.

Each is checked against `dataclasses.dataclass` with the same body where it
can be (repr, equality, hash, `__init__`'s defaults), and for what it does
differently: a method is compiled on its first call, not when the class is made.
"""

from __future__ import annotations

import copy
import dataclasses
import pickle
import subprocess
import sys
from typing import ClassVar

import pytest

from conftest import ROOT
from explorer.model.value import COMPILE_AFTER, field, record, replace, value


@value
class Point:
    """A @value class at module level (pickle finds it by name)."""

    x: int
    y: int = 0
    tags: tuple[str, ...] = ()
    notes: list[str] = field(default_factory=list, compare=False, repr=False)
    kind: ClassVar[str] = "point"


@value
class Labelled(Point):
    label: str = ""


@record(eq=False)
class Box:
    name: str
    items: list[str] = field(default_factory=list)
    count: int = field(init=False, default=0)


def twins():
    """The same body as a @value class and as the dataclass it stands for."""
    def body():
        class Pair:
            a: int
            b: str = "b"
            c: list[int] = field(default_factory=list)
            d: float = field(default=1.5, compare=False)
        return Pair

    ours = value(body())

    @dataclasses.dataclass(slots=True, unsafe_hash=True)
    class Pair:
        a: int
        b: str = "b"
        c: list[int] = dataclasses.field(default_factory=list)
        d: float = dataclasses.field(default=1.5, compare=False)

    return ours, Pair


def test_repr_eq_and_hash_are_the_dataclasses():
    ours, theirs = twins()
    for args in [(1,), (2, "x"), (3, "y", [1, 2]), (4, "z", [], 2.5)]:
        a, b = ours(*args), theirs(*args)
        assert repr(a).split(".")[-1] == repr(b).split(".")[-1]  # Pair(a=..., ...) after the qualname's scopes
        assert (a.a, a.b, a.c, a.d) == (b.a, b.b, b.c, b.d)
    assert ours(1, "x", [], 1.0) == ours(1, "x", [], 9.0)  # d is not compared
    assert ours(1) != ours(2) and ours(1) != theirs(1)  # another class is never equal
    assert (ours(1) == 1) is False
    p, q = Point(1, 2, ("a",)), Point(1, 2, ("a",))
    assert p == q and hash(p) == hash(q) == hash((1, 2, ("a",)))  # notes: compare=False, so not hashed
    assert len({p, q, Point(1, 3)}) == 2
    assert repr(p) == "Point(x=1, y=2, tags=('a',))"  # notes: repr=False


def test_defaults_factories_and_init_false():
    a, b = Point(1), Point(1)
    assert (a.y, a.tags, a.notes) == (0, (), [])
    assert a.notes is not b.notes  # a new list each time
    assert Point(1, notes=["n"]).notes == ["n"]
    box = Box("b")
    assert box.count == 0 and box.items == []
    with pytest.raises(TypeError):
        Box("b", [], 3)  # type: ignore[call-arg]
    with pytest.raises(TypeError):
        Point()  # type: ignore[call-arg]
    assert Point.kind == "point" and "kind" not in [f.name for f in dataclasses.fields(Point)]


def test_value_classes_have_slots_and_records_do_not_unless_asked():
    p = Point(1)
    assert not hasattr(p, "__dict__") and Point.__slots__ == ("x", "y", "tags", "notes")
    with pytest.raises(AttributeError):
        p.z = 1  # type: ignore[attr-defined]
    assert Labelled.__slots__ == ("label",)  # the base's slots are not repeated
    box = Box("b")
    box.count += 1  # a record is mutable
    box.extra = True  # type: ignore[attr-defined]  # no slots: a __dict__
    assert box.count == 1

    @record(eq=False, slots=True)
    class Slotted:
        a: int
        b: int = 2

    assert not hasattr(Slotted(1), "__dict__") and Slotted(1).b == 2


def test_inheritance_adds_fields_after_the_bases():
    item = Labelled(1, 2, label="l")
    assert [f.name for f in dataclasses.fields(item)] == ["x", "y", "tags", "notes", "label"]
    assert repr(item) == "Labelled(x=1, y=2, tags=(), label='l')"
    assert item != Point(1, 2) and item == Labelled(1, 2, (), [], "l")
    assert Labelled.__match_args__ == ("x", "y", "tags", "notes", "label")


def test_records_compare_by_identity_or_by_fields_and_are_then_unhashable():
    a, b = Box("b"), Box("b")
    assert a != b and a == a and len({a, b}) == 2

    @record
    class Equal:
        a: int

    assert Equal(1) == Equal(1)
    assert Equal.__hash__ is None  # as a dataclass with eq and no frozen/unsafe_hash
    with pytest.raises(TypeError):
        hash(Equal(1))


def test_post_init_runs_after_the_fields_are_set():
    @value
    class Guarded:
        a: tuple[int, ...] = ()
        guarded: bool = field(init=False, default=False)

        def __post_init__(self) -> None:
            object.__setattr__(self, "guarded", bool(self.a))

    assert Guarded((1,)).guarded and not Guarded().guarded
    assert replace(Guarded(), a=(2,)).guarded  # replace goes through __init__ too


def test_replace_ours_and_dataclasses_agree():
    p = Point(1, 2, ("t",), ["n"])
    for new in (replace(p, y=5), dataclasses.replace(p, y=5)):
        assert new == Point(1, 5, ("t",)) and new.notes == ["n"] and type(new) is Point
    with pytest.raises(ValueError):
        replace(Box("b"), count=3)
    with pytest.raises(TypeError):
        replace(p, nothing=1)


def test_dataclasses_own_functions_see_the_class():
    assert dataclasses.is_dataclass(Point) and dataclasses.is_dataclass(Point(1))
    assert dataclasses.asdict(Point(1, 2)) == {"x": 1, "y": 2, "tags": (), "notes": []}
    assert Point.__dataclass_params__.eq and Point.__dataclass_params__.unsafe_hash  # type: ignore[attr-defined]
    assert not Box.__dataclass_params__.eq  # type: ignore[attr-defined]
    (count,) = [f for f in dataclasses.fields(Box) if f.name == "count"]
    assert count.init is False and count.default == 0


def test_pickle_and_copy_keep_the_fields():
    p = Point(1, 2, ("a",), ["n"])
    for clone in (pickle.loads(pickle.dumps(p)), copy.copy(p), copy.deepcopy(p)):
        assert clone == p and clone.notes == ["n"] and clone is not p


def test_match_statement_takes_positional_patterns():
    match Point(3, 4):
        case Point(x, y):
            assert (x, y) == (3, 4)
        case _:
            pytest.fail("no match")


def test_a_recursive_repr_is_cut():
    box = Box("loop")
    box.items.append(box)  # type: ignore[arg-type]
    assert repr(box) == "Box(name='loop', items=[...], count=0)"


def compiled(method) -> bool:
    """True for a method made from generated source (`exec`), False for value.py's stand-in."""
    return method.__code__.co_filename == "<string>"


def test_methods_are_compiled_on_first_use_and_then_are_the_classes_own():
    @value
    class Lazy:
        a: int
        b: int = 1

    stubs = {name: Lazy.__dict__[name] for name in ("__init__", "__repr__", "__eq__", "__hash__")}
    assert not any(compiled(f) for f in stubs.values())  # nothing compiled when the class is made
    first = Lazy(1)
    assert Lazy.__dict__["__init__"] is stubs["__init__"]  # the first calls are answered without compiling
    assert Lazy.__dict__["__repr__"] is stubs["__repr__"]  # not asked yet
    shown = f"{Lazy.__qualname__}(a=1, b=1)"
    assert first == Lazy(1) and hash(first) == hash((1, 1)) and repr(first) == shown
    for name in ("__repr__", "__eq__", "__hash__"):  # compiled on their first call, installed in their place
        assert Lazy.__dict__[name] is not stubs[name] and compiled(getattr(Lazy.__dict__[name], "__wrapped__",
                                                                           Lazy.__dict__[name]))
    for _ in range(COMPILE_AFTER + 1):
        Lazy(2)
    assert compiled(Lazy.__dict__["__init__"])
    assert Lazy.__dict__["__init__"].__code__.co_varnames[:3] == ("self", "a", "b")  # the real signature
    assert first == Lazy(1) and hash(Lazy(1)) == hash(first) and repr(first) == shown


CALLS = [((1,), {}), ((1, "x"), {}), ((), {"a": 1}), ((1,), {"c": [5]}), ((), {"d": 2.0, "a": 3, "b": "k"}),
         ((1, "x", [2], 3.0), {})]
BAD_CALLS = [((), {}), ((1, "x", [], 1.0, 9), {}), ((1,), {"a": 2}), ((1,), {"e": 1}), ((), {"b": "x"})]


def test_the_first_calls_set_what_the_compiled_init_sets_and_fail_as_it_fails():
    plain, _ = twins()
    warm, _ = twins()
    for _ in range(COMPILE_AFTER + 1):
        warm(0)
    assert not compiled(plain.__dict__["__init__"]) and compiled(warm.__dict__["__init__"])
    for args, kwargs in CALLS:
        a, b = plain(*args, **kwargs), warm(*args, **kwargs)
        assert (a.a, a.b, a.c, a.d) == (b.a, b.b, b.c, b.d)
    assert plain(1).c is not plain(1).c  # the factory is called for each
    assert not compiled(plain.__dict__["__init__"])  # all of them were answered by the stand-in
    for args, kwargs in BAD_CALLS:
        fresh, _ = twins()
        with pytest.raises(TypeError) as ours:
            fresh(*args, **kwargs)
        with pytest.raises(TypeError) as theirs:
            warm(*args, **kwargs)
        assert str(ours.value).split("__init__()")[1] == str(theirs.value).split("__init__()")[1]
    box = Box("b")  # init=False fields: a factory is called, a plain default stays the class's (no slots)
    assert box.count == 0 and "count" not in vars(box) and vars(box)["items"] == []


def test_mistakes_fail_when_the_class_is_made():
    with pytest.raises(ValueError, match="mutable default"):
        @value
        class Mutable:
            a: list[int] = []  # noqa: RUF012

    with pytest.raises(TypeError, match="non-default argument 'b' follows default argument"):
        @value
        class Order:
            a: int = 0
            b: int  # type: ignore[misc]

    with pytest.raises(TypeError, match="explorer.model.value.field"):
        @value
        class Wrong:
            a: list[int] = dataclasses.field(default_factory=list)


def test_the_route_command_compiles_no_dataclass():
    """A fresh interpreter: routing imports neither dataclasses nor inspect, and compiles only what it calls often."""
    code = (
        "import io, contextlib, sys\n"
        "from explorer.cli import main\n"
        "with contextlib.redirect_stdout(io.StringIO()):\n"
        "    main(['route', '-f', 'sample-manifests/article-v1', 'http://foo-bar.com/foo'])\n"
        "from explorer.model.location import Location\n"
        "from explorer.routing import table\n"
        "print(sorted({'dataclasses', 'inspect'} & set(sys.modules)),"
        " *(c.__dict__['__init__'].__code__.co_filename == '<string>' for c in (Location, table.RouteTable)))\n"
    )
    done = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr
    assert done.stdout.split() == ["[]", "True", "False"]  # many Locations were made: compiled; one RouteTable

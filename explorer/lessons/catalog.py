"""Read the lessons from `explorer/data/lessons/<folder>/lesson.yaml`, strictly, with file:line for every mistake.

Lessons are data written by people, so a typo must say where it is and what
was meant; a lesson that cannot be read is left out with that message and
the others still load.
"""

from __future__ import annotations

import difflib
from pathlib import Path
from typing import Any, Callable

from explorer import data
from explorer.lessons.spec import (
    Add, AddressChangeCheck, AddressCheck, Edit, GatewayCheck, MigrationCheck, RolloutCheck, ServiceTypeCheck, Catalog, Check, Demo, FindingCheck, HealthCheckPath, HealthCheckState, HopsCheck, Lesson,
    Patch, ProbeCheck, Recreate, Remove, RequestCheck, RouteCheck, SolutionOp, Step, TLSCheck,
)
from explorer.lessons.text import LANGS, Text, reflow
from explorer.model.yamldoc import YAMLError, parse_documents
from explorer.lessons.controllers import NAMES as CONTROLLERS

LESSON_FILE = "lesson.yaml"


class LessonError(Exception):
    """One mistake in a lesson file, with where it is."""


def lessons_root() -> Path:
    """The lessons shipped with the package (package data)."""
    return data.folder(data.LESSONS)


def load_catalog(root: Path | None = None) -> Catalog:
    catalog = Catalog()
    root = root or lessons_root()
    for folder in sorted(p for p in root.iterdir() if p.is_dir() and (p / LESSON_FILE).is_file()):
        try:
            catalog.lessons.append(load_lesson(folder))
        except LessonError as exc:
            catalog.problems.append(str(exc))
    seen: dict[str, Lesson] = {}
    for lesson in catalog.lessons:
        if lesson.id in seen:
            catalog.problems.append(f"{lesson.folder / LESSON_FILE}: id {lesson.id!r} is also used by "
                                    f"{seen[lesson.id].folder / LESSON_FILE}; ids must be unique")
        seen[lesson.id] = lesson
    catalog.lessons.sort(key=lambda lesson: (lesson.order, lesson.id))
    return catalog


def load_lesson(folder: Path) -> Lesson:
    path = folder / LESSON_FILE
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise LessonError(f"{path}: cannot read: {exc}") from None
    docs = list(parse_documents(text))
    if len(docs) != 1 or isinstance(docs[0], YAMLError):
        err = docs[0] if docs and isinstance(docs[0], YAMLError) else None
        where = f":{err.line}" if err and err.line else ""
        raise LessonError(f"{path}{where}: {err.message if err else 'expected exactly one YAML document'}")
    return _Reader(path).lesson(docs[0].data)


class _Reader:
    def __init__(self, path: Path) -> None:
        self.path = path

    def fail(self, node: Any, field: str, message: str, key: str | None = None) -> LessonError:
        line = getattr(node, "key_lines", {}).get(key, 0) if key is not None else 0
        line = line or getattr(node, "line", 0)
        where = f"{self.path}:{line}" if line else str(self.path)
        return LessonError(f"{where}: {field}: {message}")

    def mapping(self, node: Any, field: str, allowed: tuple[str, ...], required: tuple[str, ...] = ()) -> dict:
        if not isinstance(node, dict):
            raise self.fail(node, field, "expected a mapping")
        for key in node:
            if key not in allowed:
                close = difflib.get_close_matches(str(key), allowed, n=1)
                hint = f"; did you mean {close[0]}?" if close else f"; allowed: {', '.join(allowed)}"
                raise self.fail(node, f"{field}.{key}", f"unknown field{hint}", key)
        for key in required:
            if node.get(key) in (None, "", [], {}):
                raise self.fail(node, f"{field}.{key}", "required", key)
        return node

    def text(self, node: Any, field: str, key: str | int) -> Text:
        value = node[key] if isinstance(node, list) and isinstance(key, int) else node.get(key)
        if isinstance(node, list):
            field = f"{field}[{key}]"
        else:
            field = f"{field}.{key}"
        if not isinstance(value, dict):
            raise self.fail(node, field, f"expected a text in every language ({', '.join(LANGS)})",
                            key if isinstance(key, str) else None)
        self.mapping(value, field, LANGS)
        for lang in LANGS:
            if not isinstance(value.get(lang), str) or not value[lang].strip():
                raise self.fail(value, f"{field}.{lang}", "missing or empty", lang)
        return {lang: value[lang].strip() for lang in LANGS}

    def line(self, node: Any, field: str, key: str | int) -> Text:
        """A text shown as one paragraph (title, summary, goal): its line breaks are only for the file."""
        return {lang: reflow(text, lang) for lang, text in self.text(node, field, key).items()}

    def string(self, node: dict, field: str, key: str, required: bool = True) -> str | None:
        value = node.get(key)
        if value is None and not required:
            return None
        if not isinstance(value, str) or not value:
            raise self.fail(node, f"{field}.{key}", "expected a non-empty string", key)
        return value

    def profile(self, node: dict, field: str, key: str = "profile") -> str | None:
        value = node.get(key)
        if value is None:
            return None
        if value not in CONTROLLERS:
            raise self.fail(node, f"{field}.{key}", f"unknown controller {value!r}; use {' or '.join(CONTROLLERS)}",
                            key)
        return value

    # ------------------------------------------------------------ the lesson

    def lesson(self, node: Any) -> Lesson:
        self.mapping(node, "lesson", ("id", "order", "title", "summary", "profile", "start", "steps", "outro"),
                     ("id", "order", "title", "summary", "profile", "start", "steps"))
        lesson_id = self.string(node, "lesson", "id")
        assert lesson_id is not None
        if not isinstance(node["order"], int):
            raise self.fail(node, "order", "expected a number", "order")
        profile = self.profile(node, "lesson")
        assert profile is not None
        start = []
        if not isinstance(node["start"], list):
            raise self.fail(node, "start", "expected a list of manifest files", "start")
        for index, name in enumerate(node["start"]):
            file = self.path.parent / str(name)
            if not isinstance(name, str) or not file.is_file():
                raise self.fail(node["start"], f"start[{index}]", f"no such file {file}")
            start.append(file)
        if len({f.name for f in start}) != len(start):
            raise self.fail(node, "start", "two start files have the same name", "start")
        steps_node = node["steps"]
        if not isinstance(steps_node, list):
            raise self.fail(node, "steps", "expected a list", "steps")
        steps = tuple(self.step(s, f"steps[{i}]", profile) for i, s in enumerate(steps_node))
        ids = [s.id for s in steps]
        if len(set(ids)) != len(ids):
            raise self.fail(node, "steps", f"step ids must be unique, got {', '.join(ids)}", "steps")
        return Lesson(lesson_id, node["order"], self.line(node, "lesson", "title"),
                      self.line(node, "lesson", "summary"), profile, tuple(start), steps, self.path.parent,
                      self.text(node, "lesson", "outro") if "outro" in node else None)

    def step(self, node: Any, field: str, lesson_profile: str) -> Step:
        self.mapping(node, field, ("id", "title", "profile", "claims", "text", "goal", "demo", "checks", "hints",
                                   "solution"),
                     ("id", "title", "text", "goal", "checks", "hints", "solution"))
        profile = self.profile(node, field) or lesson_profile
        claims = node.get("claims") or []
        if not isinstance(claims, list) or not all(isinstance(c, int) for c in claims):
            raise self.fail(node, f"{field}.claims", "expected a list of claim numbers", "claims")
        for key in ("checks", "hints", "solution"):
            if not isinstance(node[key], list):
                raise self.fail(node, f"{field}.{key}", "expected a list", key)
        checks = tuple(self.check(c, f"{field}.checks[{i}]") for i, c in enumerate(node["checks"]))
        for i, c in enumerate(checks):
            if isinstance(c, (RouteCheck, HopsCheck)) and (c.profile or profile) == "gateway":
                raise self.fail(node["checks"][i], f"{field}.checks[{i}]", "route and hops checks are for "
                                "Ingress controllers; check a Gateway with request checks (real traffic)")
        hints = tuple(self.text(node["hints"], f"{field}.hints", i) for i in range(len(node["hints"])))
        solution = tuple(self.solution(op, f"{field}.solution[{i}]") for i, op in enumerate(node["solution"]))
        demo = None
        if node.get("demo") is not None:
            d = self.mapping(node["demo"], f"{field}.demo", ("url", "host", "profile"), ("url",))
            demo = Demo(d["url"], d.get("host"), self.profile(d, f"{field}.demo"))
        return Step(self.string(node, field, "id") or "", self.line(node, field, "title"),
                    self.text(node, field, "text"), self.line(node, field, "goal"), checks, hints, solution,
                    profile, demo, tuple(claims))

    # ------------------------------------------------------------ checks

    def check(self, node: Any, field: str) -> Check:
        if not isinstance(node, dict) or not node:
            raise self.fail(node, field, "expected a mapping whose first key names the check")
        kind = next(iter(node))
        maker = _CHECKS.get(kind)
        if maker is None:
            close = difflib.get_close_matches(str(kind), list(_CHECKS), n=1)
            hint = f"did you mean {close[0]}?" if close else f"the kinds are {', '.join(_CHECKS)}"
            raise self.fail(node, f"{field}.{kind}", f"unknown check; {hint}", kind)
        allowed, build = maker
        self.mapping(node, f"{field} ({kind})", (kind, *allowed, "profile"))
        self.profile(node, field)
        try:
            return build(node)
        except (TypeError, ValueError) as exc:
            raise self.fail(node, f"{field} ({kind})", str(exc)) from None

    def solution(self, node: Any, field: str) -> SolutionOp:
        if not isinstance(node, dict) or not node:
            raise self.fail(node, field, "expected patch, add, remove or recreate")
        kind = next(iter(node))
        if kind == "patch":
            self.mapping(node, field, ("patch", "merge"), ("patch", "merge"))
            if not isinstance(node["merge"], dict):
                raise self.fail(node, f"{field}.merge", "expected a mapping (a JSON merge patch)", "merge")
            return Patch(_target(node["patch"]), _plain(node["merge"]))
        if kind == "add":
            self.mapping(node, field, ("add", "object"), ("add", "object"))
            obj = node["object"]
            if not isinstance(obj, dict) or not obj.get("kind") or not (obj.get("metadata") or {}).get("name"):
                raise self.fail(node, f"{field}.object", "expected a Kubernetes object with kind and metadata.name",
                                "object")
            return Add(str(node["add"]), _plain(obj))
        if kind == "edit":
            self.mapping(node, field, ("edit", "replace", "with"), ("edit", "replace"))
            if not isinstance(node["replace"], str) or not isinstance(node.get("with", ""), str):
                raise self.fail(node, field, "replace and with are texts", "replace")
            return Edit(str(node["edit"]), node["replace"], node.get("with", ""))
        if kind in ("remove", "recreate"):
            self.mapping(node, field, (kind,), (kind,))
            return Remove(_target(node[kind])) if kind == "remove" else Recreate(_target(node[kind]))
        raise self.fail(node, field, "expected patch, add, remove or recreate", kind)


def _target(value: Any) -> str:
    if not isinstance(value, str) or value.count("/") != 1:
        raise LessonError(f"expected Kind/name, got {value!r}")
    return value


def _plain(value: Any) -> Any:
    """LDict/LList -> dict/list, so solutions compare and dump as ordinary data."""
    if isinstance(value, dict):
        return {str(k): _plain(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_plain(v) for v in value]
    return value


def _opt_str(value: Any) -> str | None:
    return None if value is None else str(value)


def _int(value: Any, name: str) -> int | None:
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int):
        raise ValueError(f"{name} must be a number")
    return value


def _route(n: dict) -> RouteCheck:
    check = RouteCheck(str(n["route"]), _opt_str(n.get("host")), _opt_str(n.get("service")), _opt_str(n.get("port")),
                       _int(n.get("status"), "status"), _opt_str(n.get("location")), n.get("default_backend"),
                       n.get("profile"), _opt_str(n.get("client")))
    if (check.service is None) == (check.status is None):
        raise ValueError("say either service (where it must arrive) or status (what the controller answers)")
    if check.default_backend not in (None, "ingress", "controller"):
        raise ValueError("default_backend is ingress or controller")
    return check


def _finding(n: dict) -> FindingCheck:
    if ("present" in n) == ("absent" in n):
        raise ValueError("say present: true or absent: true")
    present = bool(n["present"]) if "present" in n else not bool(n["absent"])
    return FindingCheck(str(n["finding"]), present, _opt_str(n.get("object")), n.get("profile"))


def _health(n: dict) -> HealthCheckState:
    if n.get("state") not in ("HEALTHY", "UNHEALTHY"):
        raise ValueError("state is HEALTHY or UNHEALTHY")
    return HealthCheckState(str(n["health"]), n["state"], _opt_str(n.get("port")), n.get("profile"))


def _health_check(n: dict) -> HealthCheckPath:
    if n.get("source") not in (None, "default", "readinessProbe", "BackendConfig"):
        raise ValueError("source is default, readinessProbe or BackendConfig")
    if not isinstance(n.get("path"), str):
        raise ValueError("path is required")
    return HealthCheckPath(str(n["health_check"]), n["path"], n.get("source"), _opt_str(n.get("port")),
                           n.get("profile"))


def _probe(n: dict) -> ProbeCheck:
    if not isinstance(n.get("path"), str):
        raise ValueError("path is required")
    return ProbeCheck(str(n["probe"]), n["path"], n.get("profile"))


def _address_change(n: dict) -> AddressChangeCheck:
    return AddressChangeCheck(str(n["address_changed"]), n.get("profile"))


def _service_type(n: dict) -> ServiceTypeCheck:
    if n.get("type") not in ("ClusterIP", "NodePort", "LoadBalancer"):
        raise ValueError("type is ClusterIP, NodePort or LoadBalancer")
    return ServiceTypeCheck(str(n["service_type"]), n["type"], n.get("profile"))


def _address(n: dict) -> AddressCheck:
    if not isinstance(n.get("reserved"), str):
        raise ValueError("reserved (the address name) is required")
    return AddressCheck(str(n["address"]), n["reserved"], n.get("profile"))


def _hops(n: dict) -> HopsCheck:
    through = n.get("through")
    if not isinstance(through, list) or not through:
        raise ValueError("through is a list of hop kinds")
    return HopsCheck(str(n["hops"]), tuple(str(t) for t in through), _opt_str(n.get("host")), n.get("profile"))


def _request(n: dict) -> RequestCheck:
    status = _int(n.get("status"), "status")
    if status is None:
        raise ValueError("status is required")
    body = _int(n.get("body_bytes"), "body_bytes") or 0
    if body < 0:
        raise ValueError("body_bytes is a size in bytes")
    return RequestCheck(str(n["request"]), status, _opt_str(n.get("host")), _opt_str(n.get("service")),
                        _opt_str(n.get("location")), n.get("profile"), _opt_str(n.get("backend")),
                        str(n.get("method") or "GET").upper(), _headers(n.get("headers"), "headers"), body,
                        _headers(n.get("response_headers"), "response_headers"), _opt_str(n.get("path")))


def _headers(value: Any, name: str) -> tuple[tuple[str, str], ...]:
    """A mapping of header names to values, as written; values are texts (quote numbers)."""
    if value is None:
        return ()
    if not isinstance(value, dict) or not all(isinstance(v, str) for v in value.values()):
        raise ValueError(f"{name} is a mapping of header names to texts")
    return tuple((str(k), v) for k, v in value.items())


def _migration(n: dict) -> MigrationCheck:
    if not isinstance(n.get("gateway"), str):
        raise ValueError("gateway (the Gateway's name) is required")
    if n.get("scheme") not in (None, "http", "https"):
        raise ValueError("scheme is http or https")
    return MigrationCheck(str(n["equivalent"]), n["gateway"], n.get("scheme"), n.get("profile"))


def _rollout(n: dict) -> RolloutCheck:
    paths = n.get("paths", ["/"])
    if not isinstance(paths, list) or not paths or not all(isinstance(p, str) and p.startswith("/") for p in paths):
        raise ValueError("paths is a list of paths, each starting with /")
    url = n.get("url")
    if not isinstance(url, str) or not url.startswith(("http://", "https://")) or url.rstrip("/").count("/") > 2:
        raise ValueError("url is the site's scheme and host, e.g. http://web.example.com (the paths come after)")
    return RolloutCheck(str(n["rollout"]), url.rstrip("/"), tuple(paths), n.get("profile"))


def _gateway(n: dict) -> GatewayCheck:
    if n.get("implementation") is None and n.get("address") is None:
        raise ValueError("say implementation (gke, conformance), address (a reserved name), or both")
    return GatewayCheck(str(n["gateway"]), _opt_str(n.get("implementation")), _opt_str(n.get("address")),
                        n.get("profile"))


def _tls(n: dict) -> TLSCheck:
    if n.get("secret") is not None and not isinstance(n.get("secret"), str):
        raise ValueError("secret is a Secret's name")
    if not isinstance(n.get("covers", True), bool):
        raise ValueError("covers is true or false")
    return TLSCheck(str(n["tls"]), _opt_str(n.get("secret")), n.get("covers", True), n.get("profile"))


_CHECKS: dict[str, tuple[tuple[str, ...], Callable[[dict], Check]]] = {
    "route": (("host", "service", "port", "status", "location", "default_backend", "client"), _route),
    "finding": (("present", "absent", "object"), _finding),
    "health": (("state", "port"), _health),
    "health_check": (("path", "source", "port"), _health_check),
    "probe": (("path",), _probe),
    "address": (("reserved",), _address),
    "address_changed": ((), _address_change),
    "service_type": (("type",), _service_type),
    "hops": (("through", "host"), _hops),
    "request": (("status", "host", "service", "location", "backend", "method", "headers", "body_bytes",
                 "response_headers", "path"), _request),
    "equivalent": (("gateway", "scheme"), _migration),
    "gateway": (("implementation", "address"), _gateway),
    "rollout": (("url", "paths"), _rollout),
    "tls": (("secret", "covers"), _tls),
}

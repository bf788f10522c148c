"""The loader's Problems, as Findings with codes.

The loader already checks what it must to build the model (strict decoding,
pathType, backend shape, removed Ingress apiVersions, duplicates), so those
checks are not repeated here: each Problem is given the code of the concept
it reports. The table matches on the loader's own wording; a test per row
keeps the two honest.
"""

from __future__ import annotations

from typing import Callable

from explorer.diagnostics.codes import CODES
from explorer.diagnostics.finding import Finding
from explorer.model.location import Problem

_Test = Callable[[Problem], bool]


def _says(*parts: str) -> _Test:
    return lambda p: any(part in p.message for part in parts)


def _field_ends(*suffixes: str) -> _Test:
    return lambda p: p.field.endswith(suffixes)


def _both(a: _Test, b: _Test) -> _Test:
    return lambda p: a(p) and b(p)


def _metadata_string(p: Problem) -> bool:
    """A label or annotation value that is not a string (`allow-http: false` unquoted)."""
    parts = p.field.split(".")
    return p.message.startswith("expected a string") and any(
        parts[i] == "metadata" and parts[i + 1] in ("annotations", "labels") for i in range(len(parts) - 1)
    )


#: First match wins; order from the most specific wording to the most general.
_RULES: tuple[tuple[_Test, str], ...] = (
    (_says("YAML: "), "IE1001"),
    (_says("file is empty", "no *.yaml"), "IE1003"),
    (_says("no such file", "cannot read", "over the", "UTF-16", "binary", "not valid UTF-8"), "IE1002"),
    (_says("must be a mapping with apiVersion", " not set", "must be strings", "metadata must be a mapping",
           "has no metadata.name"), "IE1004"),
    (_says("unknown field"), "IE1005"),
    (_metadata_string, "IE1007"),
    (_says("expected "), "IE1006"),
    (_says("is defined again"), "IE1008"),
    (_says("is cluster-scoped"), "IE1009"),
    (_says("is no longer served"), "IE1010"),
    (_says("pathType must be specified"), "IE2001"),
    (_both(_says("Unsupported value"), _field_ends("pathType")), "IE2002"),
    (_says("http.paths must list"), "IE2008"),
    (_says("either `defaultBackend` or `rules`", "either `backend` or `rules`"), "IE2009"),
    (_says("resource or service backend", "both resource and service"), "IE2010"),
    (_says("port name or number", "port name & port number", "servicePort is required"), "IE2011"),
    (_says("service name is required", "serviceName is required"), "IE2014"),
    (_both(_says("port is required"), _field_ends(".port")), "IE4003"),
)


#: What to change, for the loader's problems that come without a hint.
_HINTS = {
    "IE1001": "rewrite the YAML at this line; the document was not read",
    "IE1004": "every object needs apiVersion, kind and metadata.name",
    "IE1006": "write the value with the type the field takes",
    "IE1008": "keep one definition, or give the objects different names",
    "IE1009": "remove metadata.namespace: the kind has none",
    "IE2008": "list at least one path under http.paths, or remove http",
    "IE2009": "add spec.rules, or a spec.defaultBackend that receives every request",
    "IE2010": "give the backend a service (name and port) or a resource, not both",
    "IE2011": "give the backend one port: a number (the Service's spec.ports[].port) or a name",
    "IE2014": "name the Service in the Ingress's namespace",
    "IE4003": "give every Service port a port number",
}


def code_for(problem: Problem) -> str:
    return next((code for test, code in _RULES if test(problem)), "IE1000")


def _field(problem: Problem) -> str:
    """`metadata.annotations.kubernetes.io/x` as the loader joins it -> `metadata.annotations[kubernetes.io/x]`."""
    for marker in ("metadata.annotations.", "metadata.labels."):
        if marker in problem.field:
            head, key = problem.field.split(marker, 1)
            return f"{head}{marker[:-1]}[{key}]"
    return problem.field


#: Unknown fields that are v1beta1 Ingress fields written in a v1 Ingress: the v1-migration lesson teaches them.
_V1BETA1_FIELDS = ("backend", "serviceName", "servicePort")


def _lesson(code: str, problem: Problem) -> str | None:
    if code == "IE1005":  # spec.banana is a typo, not a migration: only v1beta1's own fields get the lesson
        return "v1-migration" if problem.field.rsplit(".", 1)[-1] in _V1BETA1_FIELDS else None
    return CODES[code].lesson


def from_problems(problems: tuple[Problem, ...]) -> list[Finding]:
    findings = []
    for problem in problems:
        code = code_for(problem)
        hint = problem.hint or _HINTS.get(code, "")
        if problem.skipped and problem.object:
            hint = (hint + "; " if hint else "") + "the object was not loaded, so nothing else was checked on it"
        findings.append(Finding(code, problem.severity, problem.object, _field(problem), problem.location,
                                problem.message, hint, _lesson(code, problem), CODES[code].stage))
    return findings

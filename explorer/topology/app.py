"""What a simulated Pod's application answers, declared on the Pod template.

The behaviour lives in one annotation so every manifest stays valid for
`kubectl apply` (a real cluster ignores it):

    metadata:
      annotations:
        ingress-explorer/app: '{"/": {"status": 302, "headers": {"Location": "/login"}}, "/healthz": 200}'

The value is a JSON object (YAML flow style is accepted too). Each key is a
request path, each value a status code or an object with `status` (default
200), `headers` (a map of strings), `body` (a string) and `delay` (seconds
the app waits before it answers, up to 3600: a slow or hanging app). Keys match:

- `/login`   exactly that path (`/` is only the root, not everything);
- `/api/*`   `/api/` and everything under it (the longest such key wins);
- `*`        every other path.

Paths no key matches get the echo app: 200 with a JSON body naming the Pod,
its Service, the request and the Ingress rule that routed it. Without the
annotation the whole app is the echo app. A response without `body` is the
echo body too, so `{"/": 302}` still tells you which Pod answered.

A delay is real time, probes included: a readinessProbe or load-balancer check
whose timeout is not longer than the delay gets no answer (`probe_status`).
`--time-scale` speeds up check intervals and timeouts but not the app, so a
delay that passes a check at real speed can fail it when sped up. Requests
wait for it too, against the controller's upstream timeout (nginx
proxy-read-timeout 60 s -> 504; GKE backend service timeout 30 s -> 502).
"""

from __future__ import annotations

import json
from typing import Any, Mapping

import yaml

from explorer.model.fields import line_of
from explorer.model.location import Location, Problem
from explorer.model.objects import Workload
from explorer.model.value import field, value

APP_ANNOTATION = "ingress-explorer/app"
MAX_DELAY = 3600  # seconds: longer than any controller waits for an answer, so "hangs" is expressible


class AppSpecError(ValueError):
    """The annotation's value cannot be read; the message says where in it and what to write."""


@value
class AppResponse:
    status: int = 200
    headers: tuple[tuple[str, str], ...] = ()
    body: str | None = None  # None: the echo body
    delay: float = 0.0  # seconds before the answer starts

    @property
    def echoes(self) -> bool:
        return self.body is None


ECHO = AppResponse()


@value
class AppSpec:
    exact: Mapping[str, AppResponse] = field(default_factory=dict)
    prefixes: tuple[tuple[str, AppResponse], ...] = ()  # ("/api/", response), longest first
    fallback: AppResponse = ECHO
    source: str = ""  # the annotation text, "" for the default echo app

    @property
    def is_echo(self) -> bool:
        return not self.exact and not self.prefixes and self.fallback == ECHO

    def answer(self, path: str) -> AppResponse:
        """What the app answers for `path` (query string already removed)."""
        found = self.exact.get(path)
        if found is not None:
            return found
        for prefix, response in self.prefixes:
            if path.startswith(prefix):
                return response
        return self.fallback

    def probe_status(self, path: str, timeout: float) -> int | None:
        """What a health check with this timeout (seconds) gets: the status, or None when the delay outlasts it."""
        answer = self.answer(path)
        return None if answer.delay >= timeout else answer.status


ECHO_APP = AppSpec()


def parse_app(text: str) -> AppSpec:
    """Parse the annotation's value; AppSpecError says what is wrong and what to write instead."""
    try:
        data = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f" at column {mark.column + 1}" if mark is not None else ""
        raise AppSpecError(f"not valid JSON{where}; write e.g. "
                           "'{\"/\": 302, \"/healthz\": 200}'") from None
    if not isinstance(data, dict):
        raise AppSpecError(f"expected a JSON object of path -> status, got {_kind(data)}; "
                           "write e.g. '{\"/\": 302, \"/healthz\": 200}'")
    exact: dict[str, AppResponse] = {}
    prefixes: list[tuple[str, AppResponse]] = []
    fallback = ECHO
    for key, value in data.items():
        if not isinstance(key, str) or not (key == "*" or key.startswith("/")):
            raise AppSpecError(f"key {key!r}: a key is a path starting with /, a prefix like /api/*, or *")
        response = _response(key, value)
        if key == "*":
            fallback = response
        elif key.endswith("/*"):
            prefixes.append((key[:-1], response))
        elif "*" in key:
            raise AppSpecError(f"key {key!r}: * is allowed only as a whole key or at the end after / (/api/*)")
        else:
            exact[key] = response
    prefixes.sort(key=lambda item: -len(item[0]))
    return AppSpec(exact, tuple(prefixes), fallback, text)


def _response(key: str, value: Any) -> AppResponse:
    if isinstance(value, bool) or not isinstance(value, (int, dict)):
        raise AppSpecError(f"{key!r}: expected a status code or an object with status, headers, body; "
                           f"got {_kind(value)}")
    if isinstance(value, int):
        return AppResponse(_status(key, value))
    unknown = sorted(set(value) - {"status", "headers", "body", "delay"})
    if unknown:
        raise AppSpecError(f"{key!r}: unknown field {unknown[0]!r}; the fields are status, headers, body, delay")
    status = _status(key, value.get("status", 200))
    headers = value.get("headers") or {}
    if not isinstance(headers, dict) or not all(isinstance(k, str) and isinstance(v, (str, int))
                                                and not isinstance(v, bool) for k, v in headers.items()):
        raise AppSpecError(f"{key!r}: headers must be an object of name -> string, "
                           'e.g. {"Location": "/login"}')
    body = value.get("body")
    if body is not None and not isinstance(body, str):
        raise AppSpecError(f"{key!r}: body must be a string, got {_kind(body)}")
    delay = value.get("delay", 0)
    if isinstance(delay, bool) or not isinstance(delay, (int, float)) or not 0 <= delay <= MAX_DELAY:
        raise AppSpecError(f"{key!r}: delay must be a number of seconds from 0 to {MAX_DELAY}, got {_kind(delay)}")
    return AppResponse(status, tuple((k, str(v)) for k, v in headers.items()), body, float(delay))


def _status(key: str, value: Any) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or not 100 <= value <= 599:
        raise AppSpecError(f"{key!r}: status must be a number from 100 to 599, got {_kind(value)}")
    return value


def _kind(value: Any) -> str:
    if value is None:
        return "nothing"
    if isinstance(value, bool):
        return f"boolean {str(value).lower()}"
    if isinstance(value, (int, float)):
        return f"number {value}"
    if isinstance(value, str):
        return f"string {value!r}"
    if isinstance(value, list):
        return "a list"
    return "an object" if isinstance(value, dict) else type(value).__name__


def app_of(workload: Workload) -> tuple[AppSpec, Problem | None]:
    """The app a workload's Pods run; a bad annotation falls back to echo, with a Problem at its line."""
    text = workload.template.annotations.get(APP_ANNOTATION)
    if text is None:
        return ECHO_APP, None
    try:
        return parse_app(str(text)), None
    except AppSpecError as exc:
        base = "metadata.annotations" if workload.is_pod else "spec.template.metadata.annotations"
        line = line_of(workload.meta.raw, base) if workload.meta.raw is not None else 0
        location = Location(workload.meta.location.file, line or workload.meta.location.line)
        return ECHO_APP, Problem(location, f"annotation {APP_ANNOTATION}: {exc}", "error",
                                 f"{base}.{APP_ANNOTATION}",
                                 "the Pods run the echo app until this is fixed", workload.meta.ref)


def echo_body(*, pod: str, namespace: str, service: str, method: str, path: str,
              headers: Mapping[str, str] | tuple[tuple[str, str], ...], ingress: str | None,
              rule: Mapping[str, Any] | None) -> str:
    """The echo app's JSON body: who answered, and what it was asked."""
    items = headers.items() if isinstance(headers, Mapping) else headers
    return json.dumps({
        "pod": pod, "namespace": namespace, "service": service, "method": method, "path": path,
        "headers": {k: v for k, v in items}, "ingress": ingress, "rule": rule,
    }, indent=2)

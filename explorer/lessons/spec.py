"""What a lesson is, as data: steps, checks, hints and solutions.

A lesson is read from `lessons/<folder>/lesson.yaml` (catalog.py). Checks are
plain values that say what must be true; checks.py judges them with the same
routing, diagnostics and controller simulation every other view uses, and
the runner sends the ones that need real traffic through the embedded proxy.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal, Union

from explorer.lessons.text import Text

# ------------------------------------------------------------------ checks


@dataclass(frozen=True, slots=True)
class RouteCheck:
    """`url` (with `host` as the Host header) is routed as expected: to `service`, or answered `status`."""

    url: str
    host: str | None = None
    service: str | None = None
    port: str | None = None
    status: int | None = None  # the controller's own answer (404, 301, 308) or a redirect's status
    location: str | None = None  # a redirect's Location
    default_backend: Literal["ingress", "controller"] | None = None
    profile: str | None = None
    client: str | None = None  # the client address the controller sees (allow/deny lists); default 127.0.0.1


@dataclass(frozen=True, slots=True)
class FindingCheck:
    """A diagnostic `code` is present, or absent (the usual goal: the problem is gone)."""

    code: str
    present: bool = False
    object: str | None = None  # Kind/name, to look at one object only
    profile: str | None = None


@dataclass(frozen=True, slots=True)
class HealthCheckState:
    """The backend the controller made for Service `service` is in `state` after its checks settle."""

    service: str
    state: Literal["HEALTHY", "UNHEALTHY"]
    port: str | None = None
    profile: str | None = None


@dataclass(frozen=True, slots=True)
class HealthCheckPath:
    """The load balancer's health check of `service` requests `path`, set from `source`."""

    service: str
    path: str
    source: Literal["default", "readinessProbe", "BackendConfig"] | None = None
    port: str | None = None
    profile: str | None = None


@dataclass(frozen=True, slots=True)
class ProbeCheck:
    """Every container of the Pods behind Service `service` has a readinessProbe: httpGet on `path`."""

    service: str
    path: str
    profile: str | None = None


@dataclass(frozen=True, slots=True)
class AddressCheck:
    """Ingress `ingress` has the reserved address `reserved`, and keeps it when it is deleted and created again."""

    ingress: str
    reserved: str
    profile: str | None = None


@dataclass(frozen=True, slots=True)
class AddressChangeCheck:
    """Ingress `ingress` has an ephemeral address, other than the one it had when first served: the learner
    deleted and created it again and saw the address go with it."""

    ingress: str
    profile: str | None = None


@dataclass(frozen=True, slots=True)
class ServiceTypeCheck:
    """Service `service` is of `type` (ClusterIP, NodePort, LoadBalancer)."""

    service: str
    type: str
    profile: str | None = None


@dataclass(frozen=True, slots=True)
class HopsCheck:
    """The way `url` travels passes exactly these hop kinds (client, load-balancer, service, node, pod...)."""

    url: str
    through: tuple[str, ...]
    host: str | None = None
    profile: str | None = None


@dataclass(frozen=True, slots=True)
class RequestCheck:
    """Real HTTP through the embedded proxy: `url` answers `status`, from a Pod of `service` when given."""

    url: str
    status: int
    host: str | None = None
    service: str | None = None
    location: str | None = None
    profile: str | None = None
    backend: str | None = None  # the Service the proxy chose (its backend header), whether or not a Pod answered
    method: str = "GET"
    headers: tuple[tuple[str, str], ...] = ()  # sent besides Host (a canary header, credentials)
    body_bytes: int = 0  # a body of this many bytes is sent, with its Content-Length (body-size limits)
    #: Response headers the answer must carry, with exactly these values (names compared case-insensitively).
    response_headers: tuple[tuple[str, str], ...] = ()
    path: str | None = None  # the path the Pod was asked (its echo says it): what a rewrite made of the URL's


@dataclass(frozen=True, slots=True)
class MigrationCheck:
    """`ingress-explorer migrate`'s proof: every probe request answers alike through Ingress `ingress` (on the
    step's controller) and through Gateway `gateway` with the HTTPRoutes the learner wrote; `scheme` limits the
    probes to http or https. On a shared entry point (ingress-nginx) the proof takes every Ingress of the
    class with it, as `migrate` does: one Gateway stands for them all."""

    ingress: str
    gateway: str
    scheme: str | None = None
    profile: str | None = None


@dataclass(frozen=True, slots=True)
class RolloutCheck:
    """While a rolling update deletes a Pod of Service `service` (NEG), no request to `url` + each of `paths`
    gets 502. The old Pod's timeline is topology/rollout.py's (preStop, grace, NEG detach, draining); the
    quick paths are sent for real through the proxy while the proxy enacts it (the Pod's port closes when
    it stops serving, the load balancer keeps choosing it until the detach), sped up by ROLLOUT_SPEED; a
    path whose simulated app takes time is judged on the timeline (its delay is real time, not sped up)."""

    service: str
    url: str
    paths: tuple[str, ...] = ("/",)
    profile: str | None = None


@dataclass(frozen=True, slots=True)
class GatewayCheck:
    """Gateway `gateway` is served by `implementation` (its gatewayClassName picks it), and, with `address`,
    takes the reserved global address of that name (spec.addresses NamedAddress)."""

    gateway: str
    implementation: str | None = None
    address: str | None = None
    profile: str | None = None


@dataclass(frozen=True, slots=True)
class TLSCheck:
    """A real TLS handshake with SNI `sni` returns a certificate that covers the name `sni`.

    With `secret`, it must also be the certificate held in that Secret; with
    `covers: false`, it must not cover the name (a controller's own fallback)."""

    sni: str
    secret: str | None = None
    covers: bool = True
    profile: str | None = None


@dataclass(frozen=True, slots=True)
class CleanCheck:
    """Every file loads and no error-level finding stands, on each controller the step uses.

    Not written in lessons: every step runs it first, so a YAML error or a
    refused object is shown (with file:line) before anything it would hide."""

    profiles: tuple[str, ...] = ()
    profile: str | None = None


Check = Union[RouteCheck, FindingCheck, HealthCheckState, HealthCheckPath, ProbeCheck, AddressCheck,
              AddressChangeCheck, ServiceTypeCheck, HopsCheck,
              RequestCheck, TLSCheck, CleanCheck, MigrationCheck, GatewayCheck, RolloutCheck]

#: Checks that need real traffic: the pure checker leaves them to the runner.
PROXY_CHECKS = (RequestCheck, TLSCheck, RolloutCheck)


def needs_proxy(check: Check) -> bool:
    return isinstance(check, PROXY_CHECKS)


# ------------------------------------------------------------------ solutions


@dataclass(frozen=True, slots=True)
class Patch:
    """Merge `merge` into object `target` (Kind/name) as a JSON merge patch (RFC 7386): null deletes a field."""

    target: str
    merge: dict[str, Any]


@dataclass(frozen=True, slots=True)
class Add:
    """Append a new object to `file` (created when missing)."""

    file: str
    document: dict[str, Any]


@dataclass(frozen=True, slots=True)
class Remove:
    target: str


@dataclass(frozen=True, slots=True)
class Recreate:
    """Delete object `target` and create it again: what `kubectl delete` then `kubectl apply` does."""

    target: str


@dataclass(frozen=True, slots=True)
class Edit:
    """Replace the text `old` (which must occur in `file`) by `new`: for the mistakes a merge patch cannot
    make, such as a YAML syntax error or a mis-indented line."""

    file: str
    old: str
    new: str


SolutionOp = Union[Patch, Add, Remove, Recreate, Edit]


# ------------------------------------------------------------------ lessons


@dataclass(frozen=True, slots=True)
class Demo:
    """A scripted request the tool sends (and the flow animates) when the step opens."""

    url: str
    host: str | None = None
    profile: str | None = None


@dataclass(frozen=True, slots=True)
class Step:
    id: str
    title: Text
    text: Text
    goal: Text
    checks: tuple[Check, ...]
    hints: tuple[Text, ...]
    solution: tuple[SolutionOp, ...]
    profile: str  # the controller this step is about (the lesson's unless the step says otherwise)
    demo: Demo | None = None
    #: Rows of the article-claims table (shared facts, lessons.md section 1) this step teaches.
    claims: tuple[int, ...] = ()


@dataclass(frozen=True, slots=True)
class Lesson:
    id: str
    order: int
    title: Text
    summary: Text
    profile: str
    start: tuple[Path, ...]  # the start manifests, copied into the learner's directory by file name
    steps: tuple[Step, ...]
    folder: Path
    outro: Text | None = None
    namespace: str = "default"

    def start_texts(self) -> dict[str, str]:
        """File name -> text of the start manifests."""
        return {path.name: path.read_text(encoding="utf-8") for path in self.start}


@dataclass
class Catalog:
    """Every lesson, in order, and the problems met while reading them."""

    lessons: list[Lesson] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)

    def get(self, lesson_id: str) -> Lesson | None:
        return next((lesson for lesson in self.lessons if lesson.id == lesson_id), None)

    def find(self, key: str) -> Lesson | None:
        """By id, or by order number ("3") as workshop handouts say it."""
        found = self.get(key)
        if found is None and key.isdigit():
            found = next((lesson for lesson in self.lessons if lesson.order == int(key)), None)
        return found

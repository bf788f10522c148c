"""The ingress-nginx annotation table cases (tests/data/nginx/cases-*.yaml), shared by the route and serve tests.

Each case is a request and what ingress-nginx answers, transcribed from its e2e tests, nginx.tmpl
and lua (the `source` of each case says where). `route` and `serve` are held to the same answers.
"""

from __future__ import annotations

import base64
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

import explorer.topology.pods  # noqa: F401  (it registers the judge of Pod readiness routing asks)

DATA = Path(__file__).resolve().parent / "data" / "nginx"
MANIFESTS = DATA / "manifests"


@dataclass
class Case:
    family: str
    name: str
    source: str
    url: str
    manifests: list[Path]
    expect: dict[str, Any]
    method: str = "GET"
    headers: dict[str, str] = field(default_factory=dict)
    client_ip: str = "127.0.0.1"
    body: int = 0
    #: What route names as depending on more than this request (a substring of one of its `undecided` lines).
    undecided: str = ""
    #: serve's answer where it is not route's forward (the Pod's or another service's answer decides it).
    serve: dict[str, Any] | None = None
    #: Response headers serve must not send.
    serve_absent: list[str] = field(default_factory=list)

    @property
    def serve_expect(self) -> dict[str, Any]:
        return self.serve if self.serve is not None else self.expect

    @property
    def id(self) -> str:
        return f"{self.family}: {self.name}"

    def request_headers(self) -> dict[str, str]:
        """The headers a client sends (Authorization from `basic`); the body's Content-Length is added by it."""
        return dict(self.headers)


def load_cases() -> list[Case]:
    cases = []
    for path in sorted(DATA.glob("cases-*.yaml")):
        doc = yaml.load(path.read_text(), Loader=yaml.CSafeLoader)
        family = path.stem.removeprefix("cases-")
        manifests = [MANIFESTS / name for name in doc["manifests"]]
        for raw in doc["cases"]:
            headers = {str(k): str(v) for k, v in (raw.get("headers") or {}).items()}
            if raw.get("basic"):
                user, password = raw["basic"]
                headers["Authorization"] = "Basic " + base64.b64encode(f"{user}:{password}".encode()).decode()
            cases.append(Case(family, raw["name"], raw["source"], raw["url"], manifests, raw["expect"],
                              raw.get("method", "GET"), headers, raw.get("client_ip", "127.0.0.1"),
                              int(raw.get("body", 0)), raw.get("undecided", ""), raw.get("serve"),
                              list(raw.get("serve_absent") or [])))
    return cases


CASES = load_cases()

"""Transcribe the Gateway API conformance suite's request tables into YAML data.

Usage: python tools/conformance_tables.py GIT_DIR TEST... > tests/data/gateway/NAME.tables.yaml

Reads conformance/tests/httproute-TEST.go from a kubernetes-sigs/gateway-api
git directory and writes every `[]http.ExpectedResponse{...}` literal it
finds as plain data (request, expected backend or status, redirect,
headers). It parses only Go composite literals of constants; an entry it
cannot read is written with `unreadable: true` so a person looks at it. The
output is checked in and reviewed: the tool is a transcription aid, not an
oracle.
"""

from __future__ import annotations

import re
import subprocess
import sys
from typing import Any

import yaml

CONSTANTS = {
    "confsuite.InfraBackendServiceNameV1": "infra-backend-v1",
    "confsuite.InfraBackendServiceNameV2": "infra-backend-v2",
    "confsuite.InfraBackendServiceNameV3": "infra-backend-v3",
    "confsuite.InfrastructureNamespace": "gateway-conformance-infra",
    "confsuite.AppBackendNamespace": "gateway-conformance-app-backend",
    "suite.AppBackendNamespace": "gateway-conformance-app-backend",
    "confsuite.WebBackendNamespace": "gateway-conformance-web-backend",
    "ns": "gateway-conformance-infra",
    "true": True, "false": False, "nil": None,
    "metav1.ConditionTrue": "True", "metav1.ConditionFalse": "False",
}
_TOKEN = re.compile(r'\s+|//[^\n]*|"(?:[^"\\]|\\.)*"|`[^`]*`|[A-Za-z_][\w.]*|\d+|\[\]|:=|[{}():,&\[\]*]|\.\.\.|.')


class Unreadable(Exception):
    pass


def tokens(text: str) -> list[str]:
    return [t for t in _TOKEN.findall(text) if t.strip() and not t.startswith("//")]


class Parser:
    def __init__(self, toks: list[str], env: dict[str, Any]) -> None:
        self.t = toks
        self.i = 0
        self.env = env

    def peek(self, k: int = 0) -> str:
        return self.t[self.i + k] if self.i + k < len(self.t) else ""

    def take(self, want: str | None = None) -> str:
        tok = self.peek()
        if want is not None and tok != want:
            raise Unreadable(f"expected {want!r}, got {tok!r}")
        self.i += 1
        return tok

    def type_prefix(self) -> None:
        while True:
            tok = self.peek()
            if tok in ("[]", "&", "*"):
                self.take()
            elif tok == "map":
                self.take()
                self.take("[")
                self.take()
                self.take("]")
            elif re.match(r"[A-Za-z_][\w.]*$", tok) and self.peek(1) == "{":
                self.take()
                return
            else:
                return

    def value(self) -> Any:
        self.type_prefix()
        tok = self.peek()
        if tok == "{":
            return self.composite()
        self.take()
        if tok.startswith('"'):
            return bytes(tok[1:-1], "utf-8").decode("unicode_escape")
        if tok.startswith("`"):
            return tok[1:-1]
        if tok.isdigit():
            return int(tok)
        if self.peek() == "(":  # a call such as ptr.To(x) or strings.Repeat: keep ptr.To's argument
            self.take("(")
            args = []
            while self.peek() != ")":
                args.append(self.value())
                if self.peek() == ",":
                    self.take()
            self.take(")")
            if tok in ("ptr.To", "new", "string", "int32") and len(args) == 1:
                return args[0]
            raise Unreadable(f"call {tok}")
        if tok in CONSTANTS:
            return CONSTANTS[tok]
        if tok.startswith("v1.Route") or tok.startswith("v1.Gateway") or tok.startswith("v1.Listener"):
            # v1.RouteReasonRefNotPermitted -> RefNotPermitted; v1.RouteConditionAccepted -> Accepted
            return re.sub(r"^v1\.(Route|Gateway|Listener)(Reason|Condition)", "", tok)
        if tok in self.env:
            return self.env[tok]
        raise Unreadable(f"name {tok}")

    def composite(self) -> Any:
        self.take("{")
        keyed: dict[str, Any] = {}
        items: list[Any] = []
        while self.peek() != "}":
            if re.match(r"[A-Za-z_]\w*$", self.peek()) and self.peek(1) == ":":
                first: Any = self.take()
            else:
                first = self.value()
            if self.peek() == ":":
                self.take()
                keyed[str(first)] = self.value()
            else:
                items.append(first)
            if self.peek() == ",":
                self.take()
        self.take("}")
        if keyed and items:
            raise Unreadable("mixed literal")
        return keyed if keyed or not items else items


def _skip_literal(p: Parser) -> None:
    depth = 0
    while p.peek():
        tok = p.take()
        if tok == "{":
            depth += 1
        elif tok == "}":
            depth -= 1
            if depth == 0:
                return


def tables(go: str) -> list[dict[str, Any]]:
    toks = tokens(go)
    env: dict[str, Any] = {}
    # string constants such as `routeNN := ...` are not needed; hostnames in vars are
    for name, value in re.findall(r'(\w+)\s*:?=\s*"([^"]*)"', go):
        env[name] = value
    out: list[dict[str, Any]] = []
    i = 0
    while i < len(toks):
        if toks[i + 1:i + 3] in ([":=", "types.NamespacedName"], ["=", "types.NamespacedName"]):
            p = Parser(toks, env)
            p.i = i + 3
            try:
                env[toks[i]] = p.composite()
            except Unreadable:
                pass
        many = toks[i] == "[]" and toks[i + 1:i + 3] == ["http.ExpectedResponse", "{"]
        one = toks[i] != "[]" and toks[i + 1:i + 3] == ["http.ExpectedResponse", "{"]
        condition = toks[i + 1:i + 3] == ["metav1.Condition", "{"]
        if many:
            p = Parser(toks, env)
            p.i = i + 2
            p.take("{")
            while p.peek() != "}":
                start = p.i
                try:
                    p.type_prefix()
                    out.append({**p.composite(), "gwNN": env.get("gwNN")})
                except Unreadable as exc:
                    p.i = start
                    _skip_literal(p)
                    out.append({"unreadable": True, "why": str(exc),
                                "text": " ".join(toks[start:p.i])[:400]})
                if p.peek() == ",":
                    p.take()
            i = p.i
        elif one or condition:
            p = Parser(toks, env)
            p.i = i + 2
            start = p.i
            try:
                value = p.composite()
                values = value if isinstance(value, list) else [value]
                out.extend({"Condition": v, "routeNN": env.get("routeNN"), "gwNN": env.get("gwNN")}
                           if condition else {**v, "gwNN": env.get("gwNN")} for v in values)
            except Unreadable as exc:
                p.i = start
                _skip_literal(p)
                out.append({"unreadable": True, "why": str(exc), "text": " ".join(toks[start:p.i])[:400]})
            i = p.i
        i += 1
    return out


def simplify(case: dict[str, Any]) -> dict[str, Any]:
    """The conformance ExpectedResponse, in the words of our tests."""
    if case.get("unreadable"):
        return case
    if "Condition" in case:
        cond = case["Condition"]
        route, gateway = case.get("routeNN") or {}, case.get("gwNN") or {}
        return {"condition": {"type": cond.get("Type"), "status": cond.get("Status"), "reason": cond.get("Reason")},
                "route": f"{route.get('Namespace')}/{route.get('Name')}" if route else None,
                "gateway": f"{gateway.get('Namespace')}/{gateway.get('Name')}" if gateway else None}
    req = case.get("Request", {})
    out: dict[str, Any] = {"request": {k[0].lower() + k[1:]: v for k, v in req.items()}}
    expected = case.get("ExpectedRequest")
    if isinstance(expected, dict):
        inner = expected.get("Request", {})
        out["expectedRequest"] = {k[0].lower() + k[1:]: v for k, v in inner.items()}
        if "AbsentHeaders" in expected:
            out["expectedRequest"]["absentHeaders"] = expected["AbsentHeaders"]
    if "RedirectRequest" in case:
        out["redirect"] = {k[0].lower() + k[1:]: v for k, v in case["RedirectRequest"].items()}
    response = case.get("Response")
    if isinstance(response, dict):
        out["response"] = {k[0].lower() + k[1:]: v for k, v in response.items()}
    if "MirroredTo" in case:  # the backends a copy of the request must reach
        out["mirroredTo"] = [{"name": m["BackendRef"]["Name"], "namespace": m["BackendRef"].get("Namespace")}
                             for m in case["MirroredTo"]]
    if "BackendSetResponseHeaders" in case:  # the echo backend answers with these; filters then apply
        out["backendResponseHeaders"] = case["BackendSetResponseHeaders"]
    if "Backend" in case:
        out["backend"] = case["Backend"]
        out["namespace"] = case.get("Namespace", "")
    gateway = case.get("gwNN")
    if isinstance(gateway, dict):  # the Gateway in scope where the case was written (the test sends there)
        out["gateway"] = f"{gateway.get('Namespace')}/{gateway.get('Name')}"
    return out


def main(argv: list[str]) -> int:
    git_dir, names = argv[0], argv[1:]
    doc: dict[str, Any] = {}
    commit = subprocess.run(["git", "--git-dir", git_dir, "rev-parse", "HEAD"], capture_output=True,
                            text=True, check=True).stdout.strip()
    for name in names:
        path = f"conformance/tests/httproute-{name}.go"
        go = subprocess.run(["git", "--git-dir", git_dir, "show", f"HEAD:{path}"], capture_output=True,
                            text=True, check=True).stdout
        doc[name] = {"source": f"kubernetes-sigs/gateway-api@{commit[:7]} {path}",
                     "cases": [simplify(c) for c in tables(go)]}
    yaml.safe_dump(doc, sys.stdout, sort_keys=False, allow_unicode=True, width=110)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))

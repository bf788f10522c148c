"""What RE2 (google-re2, the flavour of Gateway API RegularExpression matches) costs against Python's re.

Two measures, each against a baseline in the same run (CPU time):
- one full match of a path: RE2's `fullmatch` through our wrapper vs `re.fullmatch` on a compiled pattern;
- the RouteTable evaluator answering requests through a Gateway whose HTTPRoute has N rules with
  RegularExpression paths vs the same N rules written as PathPrefix (every regex rule is tried in order,
  the worst case: the request matches the last one).

    .venv/bin/python benchmarks/gateway_regex_bench.py [--rules 200]
"""

from __future__ import annotations

import argparse
import re
import time

from explorer.model import load_texts
from explorer.routing import Request
from explorer.routing.evaluate import route
from explorer.routing.gateway import routing_for
from explorer.routing.gateway.compile import entry_point_name
from explorer.routing.gateway.regex import compile_re2


def _rate(work, n: int) -> float:
    started = time.process_time()
    for _ in range(n):
        work()
    return n / max(time.process_time() - started, 1e-9)


def _manifest(rules: int, regex: bool) -> str:
    lines = ["apiVersion: gateway.networking.k8s.io/v1", "kind: Gateway", "metadata: {name: gw}", "spec:",
             "  gatewayClassName: example", "  listeners: [{name: http, port: 80, protocol: HTTP}]", "---",
             "apiVersion: v1", "kind: Service", "metadata: {name: web}", "spec: {ports: [{port: 80}]}", "---",
             "apiVersion: gateway.networking.k8s.io/v1", "kind: HTTPRoute", "metadata: {name: r}", "spec:",
             "  parentRefs: [{name: gw}]", "  rules:"]
    for i in range(rules):
        path = f'{{type: RegularExpression, value: "(?i)/svc{i}/[a-z0-9]+"}}' if regex \
            else f"{{type: PathPrefix, value: /svc{i}}}"
        lines += [f"    - matches: [{{path: {path}}}]", "      backendRefs: [{name: web, port: 80}]"]
    return "\n".join(lines) + "\n"


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rules", type=int, default=200)
    args = parser.parse_args()
    compiled, _ = compile_re2("(?i)/api/v[0-9]+/items/[a-z0-9-]+")
    assert compiled is not None
    python = re.compile("(?i)/api/v[0-9]+/items/[a-z0-9-]+")
    path = "/api/v2/items/abc-123"
    re2_rate = _rate(lambda: compiled.match(path), 200_000)
    re_rate = _rate(lambda: python.fullmatch(path), 200_000)
    print(f"one full match: RE2 {re2_rate:,.0f}/s, Python re {re_rate:,.0f}/s, ratio {re_rate / re2_rate:.1f}x")
    rates = {}
    for regex in (False, True):
        state = load_texts({"gw.yaml": _manifest(args.rules, regex)}, "default", ["gw.yaml"])
        table = routing_for(state).routes
        request = Request("example.com", f"/svc{args.rules - 1}/abc", "GET", "http")
        entry = entry_point_name("default/gw", 80)
        assert route(table, request, entry).outcome == "forward"
        rates[regex] = _rate(lambda: route(table, request, entry), 5_000)
    print(f"{args.rules} rules, the request matches the last: PathPrefix {rates[False]:,.0f} decisions/s, "
          f"RegularExpression (RE2) {rates[True]:,.0f} decisions/s, ratio {rates[False] / rates[True]:.1f}x")


if __name__ == "__main__":
    main()

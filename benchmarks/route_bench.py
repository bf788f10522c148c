"""Routing speed: the compiled router against a straightforward scan of every rule, and the command's start.

    .venv/bin/python benchmarks/route_bench.py [--ingresses 2000] [--paths-per-ingress 5] [--requests 100000]
    .venv/bin/python benchmarks/route_bench.py --router-only --against DIR   # this checkout's router against DIR's

Both are measured in the same run on the same generated manifests and the
same requests; the ratio is the figure that matters (machines differ).
The scan is what a router without compiled state would do: look at every
rule of every Ingress for each request, using the same matching helpers.

The compiled router is timed twice: the decision made (which route answers,
what the scan gives too) and the decision with its answer read (`.backend`, as
the proxy and `route` read it): the goal's figure, since a request's decision
is the backend it reaches. Each figure is a rate in this process's CPU time,
in --rounds rounds after one untimed pass (which makes each route's shared
answer); a round times the answer read, the scan and the decision made one
after the other, each whole (interleaving them finely would make the scan
start cold again and again: 10-20% slower here). The median of the rounds is
printed, with each round's ratio. --against DIR times another checkout's
router (e.g. a `git archive main`) with this same script, in alternating
child processes.

Last, `ingress-explorer route -f sample-manifests/article-v1 URL` as a whole
process against `python -c "import yaml, json"` (wall and user+sys CPU, the
median of --runs alternating runs each, byte-code caches written first as an
installed package has them).
"""

from __future__ import annotations

import argparse
import gc
import json
import os
import random
import resource
import statistics
import subprocess
import sys
import time
from pathlib import Path

#: The checkout whose router is timed: this one, or `--code DIR` (how --against runs another one's).
CODE = Path(sys.argv[sys.argv.index("--code") + 1] if "--code" in sys.argv else Path(__file__).resolve().parent.parent)
sys.path.insert(0, str(CODE))

from explorer.model import load_text  # noqa: E402
from explorer.routing import NGINX, Request, route, table_for  # noqa: E402
from explorer.routing.paths import prefix_matches  # noqa: E402


def manifests(ingresses: int, paths_per_ingress: int, services: bool = False) -> str:
    """`ingresses` Ingresses of one host each; `services`: with a Service behind every backend (no Pods,
    so readiness is unknown and nginx forwards; without, every rule answers 503: no such Service)."""
    docs = []
    for i in range(ingresses):
        if services:
            docs.extend(f"apiVersion: v1\nkind: Service\nmetadata: {{name: svc-{i}-{j}}}\nspec: {{ports: [{{port: 80}}]}}\n"
                        for j in range(paths_per_ingress))
        paths = "\n".join(
            f"          - path: /app{j}/v{i % 7}\n            pathType: {'Exact' if j % 4 == 3 else 'Prefix'}\n"
            f"            backend: {{service: {{name: svc-{i}-{j}, port: {{number: 80}}}}}}"
            for j in range(paths_per_ingress)
        )
        docs.append(
            f"apiVersion: networking.k8s.io/v1\nkind: Ingress\nmetadata: {{name: ing-{i}}}\nspec:\n  rules:\n"
            f"    - host: h{i}.example.com\n      http:\n        paths:\n{paths}\n"
        )
    return "---\n".join(docs)


def requests(n: int, ingresses: int, paths_per_ingress: int, seed: int = 7) -> list[Request]:
    rng = random.Random(seed)
    out = []
    for _ in range(n):
        i, j = rng.randrange(ingresses), rng.randrange(paths_per_ingress + 1)
        tail = rng.choice(["", "/", "/deep/er", "x"])
        out.append(Request(f"h{i}.example.com", f"/app{j}/v{i % 7}{tail}"))
    return out


def scan_route(state, request: Request):
    """The naive router: every rule of every Ingress, every time."""
    best = None
    host, path = request.hostname, request.path
    for ingress in state.ingresses:
        for rule in ingress.rules:
            if rule.host and rule.host != host:
                continue
            for p in rule.paths or ():
                if p.path_type == "Exact":
                    ok, rank = p.path == path, (len(p.path), 1)
                else:
                    ok, rank = prefix_matches(p.path, path), (len(p.path), 0)
                if ok and (best is None or rank > best[0]):
                    best = (rank, p)
    return best[1] if best else None


def settle() -> None:
    """What the CLI and the app do once a snapshot is loaded (model.load): the long-lived model leaves the
    cyclic collector's generations, so routing's short-lived objects do not make it walk 10,000 paths."""
    gc.collect()
    gc.freeze()


def rate(fn, reqs) -> float:
    """Decisions per second of this process's CPU time (the machine may be shared: wall time would
    count other processes' turns)."""
    started = time.process_time()
    for r in reqs:
        fn(r)
    return len(reqs) / (time.process_time() - started)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--ingresses", type=int, default=2000)
    parser.add_argument("--paths-per-ingress", type=int, default=5)
    parser.add_argument("--requests", type=int, default=100_000)
    parser.add_argument("--scan-requests", type=int, default=2_000,
                        help="the scan is slow; it is timed on this many of the same requests")
    parser.add_argument("--rounds", type=int, default=5, help="rounds of each router figure (the median is printed)")
    parser.add_argument("--runs", type=int, default=9, help="runs of each process for the start-up figure")
    parser.add_argument("--start-only", action="store_true",
                        help="only the route command's start against `import yaml, json` (and its top imports)")
    parser.add_argument("--router-only", action="store_true", help="only the router figures, not the command's start")
    parser.add_argument("--imports", type=int, default=0, metavar="N",
                        help="with the start figure, list the route command's N costliest imports (-X importtime)")
    parser.add_argument("--against", metavar="DIR",
                        help="also time another checkout (e.g. `git archive main`) in the same run: its router "
                             "(alternating child processes) and its route command")
    parser.add_argument("--pairs", type=int, default=2, help="with --against: child processes of each checkout")
    parser.add_argument("--code", metavar="DIR", help=argparse.SUPPRESS)  # the checkout timed (read before imports)
    parser.add_argument("--json", action="store_true", help=argparse.SUPPRESS)  # a child's figures, for --against
    args = parser.parse_args()
    if not args.start_only:
        if args.against:
            against(args)
        else:
            figures = router_figures(args)
            if args.json:
                print(json.dumps(figures))
                return 0
            show(figures, args)
    if not args.router_only:
        process_start(args.runs, args.imports, args.against)
    return 0


def router_figures(args: argparse.Namespace) -> dict:
    """Every router figure of this process's checkout, by name (rates: one per round)."""
    out: dict = {}
    for services, suffix in ((False, ""), (True, " svc")):
        text = manifests(args.ingresses, args.paths_per_ingress, services)
        started = time.perf_counter()
        state = load_text(text, "generated.yaml")
        settle()
        out["load_s" + suffix] = time.perf_counter() - started
        started = time.perf_counter()
        table_for(state, NGINX)
        out["compile_s" + suffix] = time.perf_counter() - started
        reqs = requests(args.requests, args.ingresses, args.paths_per_ingress)

        # Agreement first: the two must give the same winner where both speak.
        answers: dict[str, int] = {}
        for r in reqs[: args.scan_requests]:
            decision = route(state, NGINX, r)
            scanned = scan_route(state, r)
            if (decision.path is None) != (scanned is None) or (scanned and decision.path.path != scanned.path):
                if decision.status != 301:  # nginx's trailing-slash redirect has no twin in the scan
                    raise SystemExit(f"disagree on {r.url}: {decision.reason} / {scanned}")
            answer = decision.outcome if decision.status is None else str(decision.status)
            answers[answer] = answers.get(answer, 0) + 1
        out["answers" + suffix] = answers

        made = lambda r: route(state, NGINX, r)  # noqa: E731
        # The answer read (outcome, reason, backend: as the proxy and `route` read them; a caller asking only
        # which route answered may pay less). The scan's answer is its path's backend, one attribute away.
        read = lambda r: route(state, NGINX, r).backend  # noqa: E731
        scan = lambda r: scan_route(state, r)  # noqa: E731
        for r in reqs:  # one untimed pass: each route's shared answer is made on its first request
            read(r)
        for name in ("made", "read", "scan"):
            out[name + suffix] = []
        for _ in range(args.rounds):  # each round's ratio is of rates timed one after the other
            out["read" + suffix].append(rate(read, reqs))
            out["scan" + suffix].append(rate(scan, reqs[: args.scan_requests]))
            out["made" + suffix].append(rate(made, reqs))
        del state, reqs, made, read, scan

    # Scale: the same router at 10 and at 10,000 paths (goal: within 2x), alternating rounds.
    tables = {}
    for n in (10, 10_000):
        ing = max(1, n // args.paths_per_ingress)
        small = load_text(manifests(ing, args.paths_per_ingress), "scale.yaml")
        table_for(small, NGINX)
        tables[n] = small, requests(50_000, ing, args.paths_per_ingress)
    settle()
    for n, (small, rs) in tables.items():
        for r in rs:
            route(small, NGINX, r).backend
        out[f"made {n}"], out[f"read {n}"] = [], []
    for _ in range(args.rounds):
        for n, (small, rs) in tables.items():
            out[f"read {n}"].append(rate(lambda r: route(small, NGINX, r).backend, rs))
            out[f"made {n}"].append(rate(lambda r: route(small, NGINX, r), rs))
    return out


def show(f: dict, args: argparse.Namespace, name: str = "") -> None:
    """The figures of one checkout: medians of the rounds, and each round's ratio."""
    med = statistics.median
    paths = args.ingresses * args.paths_per_ingress
    rounds = len(f["made"])
    print(f"{name}{args.ingresses} Ingresses, {paths} paths; loaded in {f['load_s']:.2f} s, "
          f"compiled in {f['compile_s'] * 1000:.0f} ms; median of {rounds} rounds (rates in CPU time)")
    for suffix, what in (("", "no Service exists"), (" svc", "a Service behind every backend")):
        answers = f["answers" + suffix]
        mix = ", ".join(f"{n * 100 / sum(answers.values()):.0f}% {a}" for a, n in sorted(answers.items()))
        print(f"{what} (answers: {mix}):")
        print(f"  compiled router, answer read: {med(f['read' + suffix]):12,.0f} decisions/s  "
              f"({args.requests:,} requests)")
        print(f"    decision made (route found): {med(f['made' + suffix]):12,.0f} decisions/s")
        print(f"  scan of all rules           : {med(f['scan' + suffix]):12,.0f} decisions/s  "
              f"({args.scan_requests:,} requests)")
        read = [r / s for r, s in zip(f["read" + suffix], f["scan" + suffix])]
        made = [m / s for m, s in zip(f["made" + suffix], f["scan" + suffix])]
        print(f"  ratio, answer read          : {med(read):12,.1f}x  (goal >= 50x; rounds: "
              f"{', '.join(f'{x:.1f}' for x in read)})")
        print(f"  ratio, decision made        : {med(made):12,.1f}x  (rounds: {', '.join(f'{x:.1f}' for x in made)})")
    for what in ("read", "made"):
        slower = [a / b for a, b in zip(f[f"{what} 10"], f[f"{what} 10000"])]
        print(f"{'answer read' if what == 'read' else 'decision made'} at 10 / 10,000 paths: "
              f"{med(f[f'{what} 10']):10,.0f} / {med(f[f'{what} 10000']):10,.0f} decisions/s  "
              f"({med(slower):.2f}x slower; goal <= 2x; rounds: {', '.join(f'{x:.2f}' for x in slower)})")


def against(args: argparse.Namespace) -> None:
    """This checkout's router and another's, each in its own child processes of this script, alternating."""
    here = Path(__file__).resolve().parent.parent
    other = Path(args.against).resolve()
    passed = [a for a in sys.argv[1:] if a not in ("--router-only", "--json")]
    passed = [a for i, a in enumerate(passed) if a != "--against" and (i == 0 or passed[i - 1] != "--against")]
    seen: dict[Path, list[dict]] = {here: [], other: []}
    for _ in range(args.pairs):
        for code in seen:
            out = subprocess.run([sys.executable, __file__, *passed, "--router-only", "--json", "--code", str(code)],
                                 capture_output=True, text=True, check=True).stdout
            seen[code].append(json.loads(out))
    for code, runs in seen.items():
        merged = {k: ([x for run in runs for x in run[k]] if isinstance(runs[0][k], list) else runs[0][k]
                      if isinstance(runs[0][k], dict) else statistics.median(run[k] for run in runs)) for k in runs[0]}
        show(merged, args, f"{code} ({len(runs)} processes): ")
        print()


def process_start(runs: int, imports: int = 0, against: str | None = None) -> None:
    """The route command as a whole process against importing yaml and json (goal: <= 1.5x)."""
    root = Path(__file__).resolve().parent.parent
    env = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}
    commands = {
        "python -c 'import yaml, json'": [sys.executable, "-c", "import yaml, json"],
        "ingress-explorer route": [sys.executable, "-m", "explorer", "route", "-f",
                                   str(root / "sample-manifests" / "article-v1"), "http://foo-bar.com/foo"],
    }
    where = {name: str(root) for name in commands}
    if against:  # `python -m explorer` imports the checkout it is started in (sys.path[0] is the directory)
        other = Path(against).resolve()
        commands[f"route in {other.name}"] = [*commands["ingress-explorer route"][:5],
                                              str(other / "sample-manifests" / "article-v1"), "http://foo-bar.com/foo"]
        where[f"route in {other.name}"] = str(other)
    for name, argv in commands.items():  # byte-code written once, as pip does on install
        subprocess.run(argv, env=env, capture_output=True, check=True, cwd=where[name])
    seen: dict[str, list[tuple[float, float]]] = {name: [] for name in commands}
    for _ in range(runs):
        for name, argv in commands.items():
            before = resource.getrusage(resource.RUSAGE_CHILDREN)
            started = time.perf_counter()
            subprocess.run(argv, env=env, capture_output=True, check=True, cwd=where[name])
            wall = time.perf_counter() - started
            after = resource.getrusage(resource.RUSAGE_CHILDREN)
            seen[name].append((wall, after.ru_utime + after.ru_stime - before.ru_utime - before.ru_stime))
    medians = {name: (statistics.median(w for w, _ in v), statistics.median(c for _, c in v))
               for name, v in seen.items()}
    for name, (wall, cpu) in medians.items():
        print(f"{name:<30}: {wall * 1000:6.0f} ms wall, {cpu * 1000:6.0f} ms CPU (median of {runs})")
    (bw, bc), (rw, rc), *others = medians.values()
    print(f"route process / import yaml, json: {rw / bw:.2f}x wall, {rc / bc:.2f}x CPU (goal <= 1.5x)")
    for (ow, oc) in others:
        print(f"route in {Path(against or '').name} / import yaml, json: {ow / bw:.2f}x wall, {oc / bc:.2f}x CPU")
    if imports:
        top_imports(commands["ingress-explorer route"], env, imports, str(root))


def top_imports(argv: list[str], env: dict[str, str], n: int, cwd: str) -> None:
    """The route command's costliest imports by cumulative time (`python -X importtime`, one run: noisy)."""
    err = subprocess.run([argv[0], "-X", "importtime", *argv[1:]], env=env, capture_output=True, text=True,
                         cwd=cwd).stderr
    rows = []
    for line in err.splitlines():
        if line.startswith("import time:") and "|" in line and "cumulative" not in line:
            _, self_us, cumulative_us, name = (part.strip() for part in line.replace("import time:", "|").split("|"))
            rows.append((int(cumulative_us), int(self_us), name))
    print(f"costliest imports of the route command (one run, ms: cumulative / self):")
    for cumulative_us, self_us, name in sorted(rows, reverse=True)[:n]:
        print(f"  {cumulative_us / 1000:7.1f} {self_us / 1000:7.1f}  {name}")


if __name__ == "__main__":
    raise SystemExit(main())

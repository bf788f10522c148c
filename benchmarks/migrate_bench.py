"""Time `migrate` (convert + render + load back + proof) against loading the same manifests alone.

    python benchmarks/migrate_bench.py                  # the benchmark dump: 2,000 Ingresses, 10,000 paths
    python benchmarks/migrate_bench.py --scale 0.1 --controller gce
    python benchmarks/migrate_bench.py --dump ingresses  # route_bench's 2,000 Ingresses alone: the hardest ratio

Issue 17's target: migrate + proof within 3x the time loading the dump takes, same run. The dump is
benchmarks/dump.py's (5,000 Services, 20,000 Pods, 2,000 Ingresses of 5 paths each), as `load_bench` uses.
Both are timed under the command line's collector policy (explorer/commands/collector.py: one-shot
commands such as `migrate` run with the cyclic collector off), as `ingress-explorer migrate` runs them.
"""

from __future__ import annotations

import argparse
import cProfile
import pstats
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "benchmarks"))

from dump import write_dump  # noqa: E402
from route_bench import manifests  # noqa: E402

from explorer.commands import collector  # noqa: E402
from explorer.migrate.proof import migrate_and_prove  # noqa: E402
from explorer.model.load import load  # noqa: E402
from explorer.routing import get_profile  # noqa: E402


def main() -> int:
    with collector.off():
        return _main()


def _main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scale", type=float, default=1.0, help="size of the dump (1.0: 2,000 Ingresses)")
    parser.add_argument("--controller", choices=("nginx", "gce"), default="nginx")
    parser.add_argument("--dump", choices=("cluster", "ingresses"), default="cluster",
                        help="cluster: dump.py's (Services and Pods too); ingresses: route_bench's Ingresses only "
                        "(distinct paths per host, no Services: loading is cheap, so the ratio is the hardest)")
    parser.add_argument("--profile", action="store_true", help="print the 25 costliest functions of migrate")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "dump.yaml"
        ingresses = int(2000 * args.scale)
        if args.dump == "cluster":
            write_dump(path, ingresses, int(5000 * args.scale), int(20000 * args.scale))
        else:
            path.write_text(manifests(ingresses, 5))
        started = time.perf_counter()
        state = load([path])
        loaded = time.perf_counter() - started
        if args.controller == "gce":  # the dump's Ingresses name class nginx: GKE serves them by annotation
            text = path.read_text().replace("ingressClassName: nginx",
                                            "ingressClassName: null").replace(
                "nginx.ingress.kubernetes.io/proxy-body-size: 8m", "kubernetes.io/ingress.class: gce")
            path.write_text(text)
            state = load([path])
        profiler = cProfile.Profile() if args.profile else None
        started = time.perf_counter()
        if profiler:
            profiler.enable()
        result = migrate_and_prove(state, get_profile(args.controller))
        migrated = time.perf_counter() - started
        if profiler:
            profiler.disable()
            pstats.Stats(profiler).sort_stats("cumulative").print_stats(25)
        phases = _phases(state, args.controller)
    print(f"{ingresses} Ingresses, {5 * ingresses} paths ({args.dump} dump, {args.controller}): load {loaded:.2f}s, "
          f"migrate + proof {migrated:.2f}s ({migrated / loaded:.1f}x load; target 3x), {result.proof.probes} probes, "
          f"{len(result.proof.differences)} differences")
    print("  again, by phase: " + ", ".join(f"{name} {seconds:.2f}s" for name, seconds in phases))
    return 0


def _phases(state, controller: str) -> list[tuple[str, float]]:
    """migrate_and_prove's steps timed one by one (a second run: the Ingress table is compiled already)."""
    from explorer.migrate.gateway import render, to_gateway_api
    from explorer.migrate.proof import prove
    from explorer.model.load import load_texts
    from explorer.model.objects import Ingress
    from explorer.model.state import ClusterState
    from explorer.routing.gateway import routing_for

    profile = get_profile(controller)
    out = []
    t = time.perf_counter()
    migration = to_gateway_api(state, profile)
    out.append(("convert", time.perf_counter() - t))
    t = time.perf_counter()
    files = render(migration)
    out.append(("render YAML", time.perf_counter() - t))
    t = time.perf_counter()
    loaded = load_texts(files)
    generated = ClusterState([*[o for o in state.objects if not isinstance(o, Ingress)], *loaded.objects])
    out.append(("load it back", time.perf_counter() - t))
    t = time.perf_counter()
    routing_for(generated)
    out.append(("compile Gateway API", time.perf_counter() - t))
    t = time.perf_counter()
    proof = prove(state, profile, migration, generated)
    out.append(("probe both sides", time.perf_counter() - t))
    t = time.perf_counter()
    for d in proof.differences[:3]:
        d.as_dict()
    out.append(("report 3 differences", time.perf_counter() - t))
    return out


if __name__ == "__main__":
    raise SystemExit(main())

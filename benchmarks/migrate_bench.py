"""Time `migrate` (convert + render + load back + proof) against loading the same manifests alone.

    python benchmarks/migrate_bench.py                  # the benchmark dump: 2,000 Ingresses, 10,000 paths
    python benchmarks/migrate_bench.py --scale 0.1 --controller gce
    python benchmarks/migrate_bench.py --dump ingresses  # route_bench's 2,000 Ingresses alone: the hardest ratio

Issue 17's target: migrate + proof within 3x the time loading the dump takes, same run. The dump is
benchmarks/dump.py's (5,000 Services, 20,000 Pods, 2,000 Ingresses of 5 paths each), as `load_bench` uses.
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

from explorer.migrate.proof import migrate_and_prove  # noqa: E402
from explorer.model.load import load  # noqa: E402
from explorer.routing import get_profile  # noqa: E402


def main() -> int:
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
    print(f"{ingresses} Ingresses, {5 * ingresses} paths ({args.dump} dump, {args.controller}): load {loaded:.2f}s, migrate + proof {migrated:.2f}s "
          f"({migrated / loaded:.1f}x load; target 3x), {result.proof.probes} probes, "
          f"{len(result.proof.differences)} differences")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

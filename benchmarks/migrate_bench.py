"""Time `migrate` (convert + render + load back + proof) against loading the same manifests alone.

    python benchmarks/migrate_bench.py --ingresses 200 --controller nginx

Issue 17's target: migrate + proof within 3x the time loading the dump takes, same run.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "benchmarks"))

from convert_bench import many_ingresses  # noqa: E402

from explorer.migrate.proof import migrate_and_prove  # noqa: E402
from explorer.model.load import load  # noqa: E402
from explorer.routing import get_profile  # noqa: E402


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--ingresses", type=int, default=2000)
    parser.add_argument("--controller", choices=("nginx", "gce"), default="nginx")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "dump.yaml"
        path.write_text(many_ingresses(args.ingresses))
        started = time.perf_counter()
        state = load([path])
        loaded = time.perf_counter() - started
        started = time.perf_counter()
        result = migrate_and_prove(state, get_profile(args.controller))
        migrated = time.perf_counter() - started
    print(f"{args.ingresses} Ingresses ({args.controller}): load {loaded:.2f}s, migrate + proof {migrated:.2f}s "
          f"({migrated / loaded:.1f}x load), {result.proof.probes} probes, {len(result.proof.differences)} differences")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

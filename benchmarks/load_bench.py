"""Loading speed: manifests to a full ClusterState, against PyYAML's C loader alone.

    .venv/bin/python benchmarks/load_bench.py [--scale 1.0] [--file DUMP.yaml]

Scale 1.0 is 2,000 Ingresses, 5,000 Services and 20,000 Pods (a real
cluster's size). The baseline, measured in the same run on the same file, is
`yaml.load(text, Loader=yaml.CSafeLoader)`: parsing alone, no model. The
goal is the whole load within 1.2x of it. Peak memory of each is measured in
a fresh subprocess so the two do not share a heap.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from dump import write_dump  # noqa: E402

_MEASURE = r"""
import json, resource, sys, time
sys.path.insert(0, {root!r})
path, which = sys.argv[1], sys.argv[2]
base = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
started = time.perf_counter()
if which == "pyyaml":
    import yaml
    with open(path) as f:
        data = yaml.load(f.read(), Loader=getattr(yaml, "CSafeLoader", yaml.SafeLoader))
    count = len(data["items"])
else:
    from explorer.model import load
    state = load([path])
    count = len(state.objects)
elapsed = time.perf_counter() - started
peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
print(json.dumps({{"seconds": elapsed, "objects": count, "peak_mib": (peak - base) / 1024}}))
"""


def measure(path: Path, which: str) -> dict:
    code = _MEASURE.format(root=str(Path(__file__).resolve().parent.parent))
    out = subprocess.run([sys.executable, "-c", code, str(path), which], capture_output=True, text=True, check=True)
    return json.loads(out.stdout)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--scale", type=float, default=1.0, help="1.0 = 2,000 Ingresses, 5,000 Services, 20,000 Pods")
    parser.add_argument("--file", type=Path, help="use (or create) this dump instead of a temporary one")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        path = args.file or Path(tmp) / "dump.yaml"
        if not path.exists():
            write_dump(path, int(2000 * args.scale), int(5000 * args.scale), int(20000 * args.scale))
        size = path.stat().st_size / 2**20
        baseline = measure(path, "pyyaml")
        ours = measure(path, "explorer")
    print(f"dump: {size:.1f} MiB, {ours['objects']:,} objects")
    print(f"PyYAML C loader alone : {baseline['seconds']:7.2f} s   peak +{baseline['peak_mib']:.0f} MiB")
    print(f"explorer load         : {ours['seconds']:7.2f} s   peak +{ours['peak_mib']:.0f} MiB")
    print(f"ratio                 : {ours['seconds'] / baseline['seconds']:7.2f}x  (goal: <= 1.2x)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

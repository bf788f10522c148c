"""convert's speed against lint's on the same file: linear in its input, within 3x of lint.

    .venv/bin/python benchmarks/convert_bench.py [--ingresses 5000] [--paths 10000]

Writes one file of N v1beta1 Ingresses (each with two paths, a Service and a
Secret between them, as a real file has) and one Ingress with M paths, then
times `ingress-explorer lint -f FILE` and `ingress-explorer convert -f FILE`
on each, each in a fresh process, best of --repeat. Issue 19 measured
121-149 s for convert on 5,000 Ingresses (32x lint) and 145 s for one
Ingress of 10,000 paths.
"""

from __future__ import annotations

import argparse
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def many_ingresses(count: int) -> str:
    parts = []
    for i in range(count):
        parts.append(f"""\
apiVersion: v1
kind: Service
metadata: {{name: svc-{i}}}
spec: {{selector: {{app: a{i}}}, ports: [{{port: 80, targetPort: 8080}}]}}
---
apiVersion: v1
kind: Secret
metadata: {{name: tls-{i}}}
type: kubernetes.io/tls
data: {{tls.crt: Y2VydA==, tls.key: a2V5}}
---
# Ingress {i}: the comment stays
apiVersion: extensions/v1beta1
kind: Ingress
metadata:
  name: ing-{i}
  annotations: {{kubernetes.io/ingress.class: nginx}}
spec:
  tls: [{{hosts: [h{i}.example.com], secretName: tls-{i}}}]
  rules:
  - host: h{i}.example.com
    http:
      paths:
      - path: /a
        backend:
          serviceName: svc-{i}
          servicePort: 80
      - path: /b
        backend: {{serviceName: svc-{i}, servicePort: 80}}
---
""")
    return "".join(parts)


def many_paths(count: int) -> str:
    paths = "".join(f"""\
      - path: /p{j}
        backend:
          serviceName: svc
          servicePort: 80
""" for j in range(count))
    return f"""\
apiVersion: v1
kind: Service
metadata: {{name: svc}}
spec: {{ports: [{{port: 80}}]}}
---
apiVersion: networking.k8s.io/v1beta1
kind: Ingress
metadata: {{name: wide}}
spec:
  rules:
  - host: wide.example.com
    http:
      paths:
{paths}"""


def timed(command: str, path: Path, repeat: int) -> float:
    best = float("inf")
    for _ in range(repeat):
        started = time.perf_counter()
        result = subprocess.run([sys.executable, "-m", "explorer", command, "-f", str(path)], cwd=ROOT,
                                capture_output=True, text=True)
        best = min(best, time.perf_counter() - started)
        if result.returncode not in (0, 1):
            raise SystemExit(f"{command} failed ({result.returncode}): {result.stderr[-2000:]}")
    return best


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--ingresses", type=int, default=5000)
    parser.add_argument("--paths", type=int, default=10000)
    parser.add_argument("--repeat", type=int, default=1)
    args = parser.parse_args()
    worst = 0.0
    with tempfile.TemporaryDirectory() as tmp:
        for name, text in ((f"{args.ingresses} Ingresses", many_ingresses(args.ingresses)),
                           (f"1 Ingress of {args.paths} paths", many_paths(args.paths))):
            path = Path(tmp) / "manifests.yaml"
            path.write_text(text)
            lint = timed("lint", path, args.repeat)
            convert = timed("convert", path, args.repeat)
            ratio = convert / lint
            worst = max(worst, ratio)
            print(f"{name} ({len(text) / 2**20:.1f} MiB): lint {lint:.2f} s, convert {convert:.2f} s, "
                  f"ratio {ratio:.2f} (goal <= 3)")
    return 0 if worst <= 3 else 1


if __name__ == "__main__":
    sys.exit(main())

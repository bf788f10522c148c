"""A big cluster through LiveSource: time to the first full state, and from a watch event to the new state.

    .venv/bin/python benchmarks/live_bench.py [--ingresses 2000] [--services 5000] [--pods 20000] [--events 20]

The cluster is a fake API server on 127.0.0.1 (tests/fakeapi.py) holding the
generated objects across 50 namespaces, read with -A through a kubeconfig, as
`ingress-explorer --context C -A` would. The event delay is measured from the
moment the server has the change (an Ingress gains a path) to the moment
`changes()` yields a state in which the router sends that path to the new
Service; it includes the debounce (printed), which is the floor. The second
figure adds compiling the router for the new snapshot (the first route() on it).
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "benchmarks"))
sys.path.insert(0, str(ROOT / "tests"))

from fakeapi import FakeApiServer  # noqa: E402
from live_list_bench import pod  # noqa: E402

NAMESPACES = 50


def ingress(n: int) -> dict:
    return {"apiVersion": "networking.k8s.io/v1", "kind": "Ingress",
            "metadata": {"name": f"ing-{n}", "namespace": f"ns-{n % NAMESPACES}"},
            "spec": {"ingressClassName": "nginx", "rules": [{"host": f"h{n}.example.com", "http": {"paths": [
                {"path": f"/app{j}", "pathType": "Prefix",
                 "backend": {"service": {"name": f"svc-{(n * 3 + j) % 100}", "port": {"number": 80}}}}
                for j in range(3)]}}]}}


def service(n: int) -> dict:
    return {"apiVersion": "v1", "kind": "Service", "metadata": {"name": f"svc-{n // NAMESPACES}",
                                                                 "namespace": f"ns-{n % NAMESPACES}"},
            "spec": {"selector": {"app": f"app-{n % 50}"}, "ports": [{"port": 80, "targetPort": 8080}]}}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--ingresses", type=int, default=2000)
    parser.add_argument("--services", type=int, default=5000)
    parser.add_argument("--pods", type=int, default=20000)
    parser.add_argument("--events", type=int, default=20, help="watch events to time, one after another")
    parser.add_argument("--debounce", type=float, default=0.1)
    args = parser.parse_args()

    from explorer.live.kubeconfig import ClusterTarget
    from explorer.live.source import LiveSource
    from explorer.routing import NGINX, Request, route

    with FakeApiServer() as api, tempfile.TemporaryDirectory() as tmp:
        api.add(*(ingress(n) for n in range(args.ingresses)))
        api.add(*(service(n) for n in range(args.services)))
        api.add(*(pod(n, f"ns-{n % NAMESPACES}") for n in range(args.pods)))
        config = api.write_kubeconfig(Path(tmp) / "config")
        print(f"{args.ingresses} Ingresses, {args.services} Services, {args.pods} Pods in {NAMESPACES} namespaces")

        start = time.perf_counter()
        source = LiveSource(ClusterTarget(kubeconfig=str(config), all_namespaces=True), debounce=args.debounce)
        state = source.snapshot()
        first = time.perf_counter() - start
        print(f"  first full state (connect, list, normalise): {first:6.2f} s  ({state.summary()})")

        arrived = threading.Event()
        latest: list = []  # (state, when it was yielded)

        def watch() -> None:
            for new_state in source.changes():
                latest.append((new_state, time.perf_counter()))
                arrived.set()

        thread = threading.Thread(target=watch, daemon=True)
        thread.start()
        time.sleep(1.0)  # let every watch open
        delays, routed = [], []
        for e in range(args.events):
            target = ingress(e)
            target["spec"]["rules"][0]["http"]["paths"].append(
                {"path": f"/new{e}", "pathType": "Prefix",
                 "backend": {"service": {"name": "svc-new", "port": {"number": 80}}}})
            arrived.clear()
            latest.clear()
            api.update(target)
            changed = time.perf_counter()
            url = f"http://h{e}.example.com/new{e}"
            while True:
                if not arrived.wait(30):
                    raise SystemExit("no new state within 30 s")
                arrived.clear()
                new_state, when = latest[-1]
                decision = route(new_state, NGINX, Request.from_url(url))
                if decision.backend is not None and decision.backend.service == "svc-new":
                    break
            routed.append(time.perf_counter() - changed)
            delays.append(when - changed)
        source.close()
        thread.join(10)
        for label, values in (("watch event -> new state", delays), ("watch event -> routed (router compiled)", routed)):
            print(f"  {label:<40} median {statistics.median(values) * 1000:5.0f} ms, max {max(values) * 1000:5.0f} ms "
                  f"over {len(values)} events (debounce {args.debounce * 1000:.0f} ms)")


if __name__ == "__main__":
    main()

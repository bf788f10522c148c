"""The proof of `explorer.migrate.proof`, one part at a time, so a screen can show how far it got and stop it (pure).

`prove` routes every load balancer's probes in one call; on a large input
(GKE: one load balancer per Ingress, thousands of them) that is minutes with
nothing to show. Here the same `prove` runs on parts of the migration: a
`Migration` whose `gateway_of` holds only some of the Ingresses. For GKE a
part is a run of Ingresses (each is its own load balancer, probed with its
own hosts and paths); for ingress-nginx it is one shared Gateway with every
Ingress behind it, because its probes come from all of them together. The
parts' probes and differences, in order, are exactly what `prove` finds.
"""

from __future__ import annotations

import dataclasses
from typing import Callable

from explorer.migrate.gateway import Migration, render, to_gateway_api
from explorer.migrate.proof import Proof, Result, prove
from explorer.model.load import load_texts
from explorer.model.objects import Ingress
from explorer.model.state import ClusterState
from explorer.profiles import ControllerProfile

#: About how many steps a proof is cut into (each step can be shown, and the proof stopped between two).
STEPS = 50

#: Called after each part: (parts done, parts in all, the proof so far); False stops the proof there.
Step = Callable[[int, int, Proof], bool]


def converted(state: ClusterState, profile: ControllerProfile, gateway_class: str | None = None) -> Result:
    """`migrate_and_prove` up to the proof: the manifests, their YAML, and that YAML loaded back (proof empty).

    The screen shows (and routes through) the Gateway API side at once, then proves it step by step.
    """
    migration = to_gateway_api(state, profile, gateway_class)
    files = render(migration)
    loaded = load_texts(files)
    kept = [o for o in state.objects if not isinstance(o, Ingress)]
    generated = ClusterState([*kept, *loaded.objects], loaded.problems, tuple(files))
    return Result(migration, files, generated, Proof())


def parts_of(migration: Migration, profile: ControllerProfile, steps: int = STEPS) -> list[dict[str, str]]:
    """The `gateway_of` of each part, in the order `prove` walks them."""
    pairs = list(migration.gateway_of.items())
    if not profile.load_balancer_per_ingress:
        by_gateway: dict[str, dict[str, str]] = {}
        for ingress, gateway in pairs:
            by_gateway.setdefault(gateway, {})[ingress] = gateway
        return list(by_gateway.values())
    size = max(1, -(-len(pairs) // max(1, steps)))
    return [dict(pairs[i:i + size]) for i in range(0, len(pairs), size)]


def prove_stepwise(original: ClusterState, profile: ControllerProfile, migration: Migration,
                   generated: ClusterState, step: Step) -> Proof:
    """`prove(original, profile, migration, generated)`, told part by part; stopped early when `step` says so."""
    proof = Proof()
    parts = parts_of(migration, profile)
    stopped = False

    def tick(routed: int, total: int, so_far: Proof) -> bool:
        """One part (ingress-nginx's shared Gateway): its probes in STEPS steps, and a stop between two."""
        nonlocal stopped
        shown = Proof(so_far.probes, list(so_far.differences))
        stopped = not step(max(1, routed * STEPS // max(total, 1)), STEPS + 1, shown)
        return not stopped

    single = len(parts) == 1
    for done, gateway_of in enumerate(parts, start=1):
        part = prove(original, profile, dataclasses.replace(migration, gateway_of=gateway_of), generated,
                     tick=tick if single else None)
        if stopped:
            break
        proof.probes += part.probes
        proof.differences.extend(part.differences)
        if not (step(STEPS + 1, STEPS + 1, proof) if single else step(done, len(parts), proof)):
            break
    return proof

"""The proof told part by part (explorer.migrate.stepwise) finds what the one-call proof finds, and can stop."""

from __future__ import annotations

from pathlib import Path

import pytest

from explorer.migrate.proof import Proof, migrate_and_prove
from explorer.migrate.stepwise import converted, parts_of, prove_stepwise
from explorer.model.load import load, load_texts
from explorer.model.objects import Ingress
from explorer.model.state import ClusterState
from explorer.routing import get_profile

ROOT = Path(__file__).resolve().parent.parent
SAMPLES = ROOT / "sample-manifests"


def _many_ingresses(count: int) -> str:
    """`count` Ingresses, each its own host, one with a path GKE matches exactly where the Gateway has a prefix."""
    docs = ["apiVersion: v1\nkind: Service\nmetadata: {name: web}\nspec:\n  type: NodePort\n"
            "  ports: [{port: 80, targetPort: 8080}]\n"]
    for n in range(count):
        docs.append(f"apiVersion: networking.k8s.io/v1\nkind: Ingress\nmetadata: {{name: site{n}}}\nspec:\n"
                    f"  rules:\n  - host: site{n}.example.com\n    http:\n      paths:\n"
                    f"      - path: /app{'/*' if n % 7 == 0 else ''}\n        pathType: ImplementationSpecific\n"
                    f"        backend: {{service: {{name: web, port: {{number: 80}}}}}}\n")
    return "---\n".join(docs)


def _cases() -> list[tuple[str, ClusterState]]:
    many = load_texts({"many.yaml": _many_ingresses(30)})
    return [("nginx-annotations", load([SAMPLES / "nginx-annotations"])), ("article", load([SAMPLES / "article"])),
            ("many", ClusterState(list(many.objects), many.problems, ("many.yaml",)))]


@pytest.mark.parametrize("controller", ["nginx", "gce"])
@pytest.mark.parametrize("name,state", _cases(), ids=[c[0] for c in _cases()])
def test_stepwise_proof_is_the_proof(name: str, state: ClusterState, controller: str) -> None:
    profile = get_profile(controller)
    whole = migrate_and_prove(state, profile)
    told: list[tuple[int, int, int]] = []

    def step(done: int, total: int, proof: Proof) -> bool:
        told.append((done, total, proof.probes))
        return True

    parts = prove_stepwise(state, profile, whole.migration, whole.generated, step)
    assert parts.probes == whole.proof.probes
    assert [d.as_dict() for d in parts.differences] == [d.as_dict() for d in whole.proof.differences]
    assert [d.cause for d in parts.differences] == [d.cause for d in whole.proof.differences]
    if whole.migration.gateway_of:
        assert told[-1][0] == told[-1][1] and told[-1][2] == whole.proof.probes  # the last step: all done
        assert len({t[1] for t in told}) == 1  # one total throughout
        assert all(a[0] <= b[0] and a[2] <= b[2] for a, b in zip(told, told[1:]))  # steps and probes only grow


def test_gke_is_cut_into_runs_of_ingresses_and_nginx_into_gateways() -> None:
    many = load_texts({"many.yaml": _many_ingresses(120)})
    state = ClusterState(list(many.objects), many.problems, ("many.yaml",))
    gce = migrate_and_prove(state, get_profile("gce"))
    runs = parts_of(gce.migration, get_profile("gce"), steps=50)
    assert 40 <= len(runs) <= 60 and sum(len(r) for r in runs) == 120
    assert [k for r in runs for k in r] == list(gce.migration.gateway_of)
    nginx = migrate_and_prove(state, get_profile("nginx"))
    shared, = parts_of(nginx.migration, get_profile("nginx"))
    assert len(shared) == sum(isinstance(o, Ingress) for o in state.objects)  # one Gateway, every Ingress behind it
    assert len(gce.proof.differences) > 0  # the /app/* paths: GKE's glob is not Gateway API's prefix


def test_a_step_that_says_stop_ends_the_proof_there() -> None:
    many = load_texts({"many.yaml": _many_ingresses(40)})
    state = ClusterState(list(many.objects), many.problems, ("many.yaml",))
    profile = get_profile("gce")
    whole = migrate_and_prove(state, profile)
    seen: list[int] = []
    proof = prove_stepwise(state, profile, whole.migration, whole.generated,
                           lambda done, total, p: (seen.append(done), done < 3)[1])
    assert seen == [1, 2, 3]
    assert 0 < proof.probes < whole.proof.probes


def test_one_shared_gateway_is_told_probe_by_probe_and_stops_inside() -> None:
    """ingress-nginx: every Ingress behind one Gateway is one part, so its probes are the steps."""
    many = load_texts({"many.yaml": _many_ingresses(120)})
    state = ClusterState(list(many.objects), many.problems, ("many.yaml",))
    profile = get_profile("nginx")
    whole = migrate_and_prove(state, profile)
    assert len(parts_of(whole.migration, profile)) == 1
    told: list[tuple[int, int]] = []
    prove_stepwise(state, profile, whole.migration, whole.generated,
                   lambda done, total, p: (told.append((done, total)), True)[1])
    assert len(told) > 3 and told[-1][0] == told[-1][1] and told[0][0] < told[-1][0]
    stopped: list[int] = []
    proof = prove_stepwise(state, profile, whole.migration, whole.generated,
                           lambda done, total, p: (stopped.append(done), len(stopped) < 2)[1])
    assert len(stopped) == 2 and stopped[-1] < told[-1][0]  # stopped inside the one part, not at its end
    assert proof.probes == 0 and proof.differences == []  # a part stopped halfway is not reported


@pytest.mark.parametrize("controller", ["nginx", "gce"])
def test_converted_is_migrate_and_prove_up_to_the_proof(controller: str) -> None:
    state = load([SAMPLES / "nginx-annotations"]) if controller == "nginx" else load([SAMPLES / "article"])
    whole = migrate_and_prove(state, get_profile(controller))
    first = converted(state, get_profile(controller))
    assert first.files == whole.files and first.files
    assert first.migration.gateway_of == whole.migration.gateway_of
    assert [o.meta.ref for o in first.generated.objects] == [o.meta.ref for o in whole.generated.objects]
    assert first.proof.probes == 0 and first.proof.differences == []

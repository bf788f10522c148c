"""The live-cluster options as a user meets them: kubeconfig discovery, errors, record and replay.

The commands run as subprocesses (`python -m explorer ...`) against a fake
API server in this process, through a kubeconfig file written for it.
"""

from __future__ import annotations

import json
import re
import socket
import subprocess
import sys
from pathlib import Path

import pytest
from conftest import ROOT, SAMPLES, run_cli
from fakeapi import FakeApiServer, read_objects
from fakeapi import SECRET_VALUES, api, kubeconfig  # noqa: F401 (shared fixtures)

from explorer.live.errors import LiveError
from explorer.live.kubeconfig import ClusterTarget, connect, kubeconfig_paths

DATA = Path(__file__).parent / "data" / "live"
SHOP = "https://shop.example.com/cart"




def no_kubeconfig_env(tmp_path: Path) -> dict[str, str]:
    """An environment where kubectl would find no kubeconfig (and no in-cluster service account)."""
    return {"HOME": str(tmp_path / "home"), "KUBECONFIG": "", "KUBERNETES_SERVICE_HOST": ""}


def closed_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


# ---------------------------------------------------------------- route against a cluster


def test_route_reads_the_cluster_of_the_context(kubeconfig, api):
    result = run_cli("route", "--kubeconfig", str(kubeconfig), SHOP)
    assert result.returncode == 0, result.stderr
    assert "→ shop/web:80" in result.stdout
    assert "cluster:dev/Ingress/shop/shop" in result.stdout
    assert result.stderr == ""
    assert api.methods() == {"GET"}


def test_route_with_secrets_forbidden_still_answers_and_says_what_to_ask_for(kubeconfig, api):
    api.forbidden.add(("secrets", "shop", "list"))
    result = run_cli("route", "--kubeconfig", str(kubeconfig), SHOP)
    assert result.returncode == 0
    assert "→ shop/web:80" in result.stdout
    assert "warning: forbidden: cannot list secrets in namespace \"shop\"" in result.stderr
    assert "kubectl auth can-i list secrets -n shop --context dev" in result.stderr


def test_lint_checks_the_cluster_and_reports_a_forbidden_kind_as_a_finding(kubeconfig, api):
    api.forbidden.add(("secrets", "shop", "list"))
    result = run_cli("lint", "--kubeconfig", str(kubeconfig), "-o", "json")
    assert result.returncode == 0, result.stderr  # warnings only
    findings = json.loads(result.stdout)["findings"]
    forbidden = [f for f in findings if "forbidden: cannot list secrets" in f["message"]]
    assert len(forbidden) == 1 and forbidden[0]["severity"] == "warning"
    selector = [f for f in findings if f["object"] == "Service/shop/cart"]
    assert selector and "matches no Pods" in selector[0]["message"]  # the cluster's objects were checked
    # Secrets could not be read, so shop-tls is unknown rather than missing: no "not found" finding.
    assert not [f for f in findings if f["code"] == "IE3101"]


# ---------------------------------------------------------------- errors: one line, exit 2, no traceback


def run_here(*args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess:
    """Run the command in this process (no interpreter start-up), captured like run_cli.

    An exception escaping main() fails the test, as a traceback would.
    """
    import contextlib
    import io
    import os
    from unittest import mock

    from explorer.cli import main

    out, err = io.StringIO(), io.StringIO()
    with mock.patch.dict(os.environ, env or {}), contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        code = main(list(args))
    return subprocess.CompletedProcess(args, code, out.getvalue(), err.getvalue())


def error_of(result: subprocess.CompletedProcess) -> str:
    assert result.returncode == 2, (result.stdout, result.stderr)
    assert "Traceback" not in result.stderr
    assert result.stdout == ""  # nothing half-drawn
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    return lines[0]


def test_unreachable_server(api, tmp_path):
    port = closed_port()
    config = api.write_kubeconfig(tmp_path / "config", context="dev", server=f"http://127.0.0.1:{port}")
    line = error_of(run_cli("route", "--kubeconfig", str(config), SHOP))
    assert line.startswith(f'error: cannot reach the API server http://127.0.0.1:{port} (context "dev"): ')
    assert "refused" in line.lower()
    assert "kubectl --context dev cluster-info" in line


def test_expired_credentials(api, tmp_path):
    config = api.write_kubeconfig(tmp_path / "config", context="dev", token="expired-token")
    line = error_of(run_here("route", "--kubeconfig", str(config), SHOP))
    assert f'the API server {api.url} refused the credentials of context "dev" (401 Unauthorized)' in line
    assert "log in again" in line


def test_unknown_context(kubeconfig):
    line = error_of(run_here("route", "--kubeconfig", str(kubeconfig), "--context", "prod", SHOP))
    assert line == f'error: context "prod" not found in kubeconfig {kubeconfig} (contexts there: dev)'


def test_no_kubeconfig_anywhere(tmp_path):
    line = error_of(run_here("route", "--context", "dev", SHOP, env=no_kubeconfig_env(tmp_path)))
    assert line.startswith("error: no kubeconfig found (~/.kube/config does not exist): pass --kubeconfig")


@pytest.mark.parametrize("args, words", [
    (("-f", str(SAMPLES / "article-v1"), "--context", "dev"), "give one or the other"),
    (("-n", "shop", "-A"), "-n shop and -A contradict each other"),
    (("--kubeconfig", "/nonexistent/kubeconfig"), "--kubeconfig /nonexistent/kubeconfig: no such file"),
])
def test_contradictory_or_missing_options(args, words):
    assert words in error_of(run_here("route", *args, SHOP))


# ---------------------------------------------------------------- kubeconfig discovery, as kubectl


def test_kubeconfig_list_merges_and_the_first_current_context_wins(tmp_path):
    with FakeApiServer() as one, FakeApiServer() as two:
        one.add(*read_objects(DATA / "shop.yaml"))
        two.add({"apiVersion": "networking.k8s.io/v1", "kind": "Ingress",
                 "metadata": {"name": "other-cluster", "namespace": "shop"},
                 "spec": {"defaultBackend": {"service": {"name": "elsewhere", "port": {"number": 80}}}}})
        first = one.write_kubeconfig(tmp_path / "first", context="one", namespace="shop")
        second = two.write_kubeconfig(tmp_path / "second", context="two", namespace="shop")
        env = {"KUBECONFIG": f"{first}:{tmp_path / 'missing'}:{second}", "HOME": str(tmp_path)}
        # no --context: the first file's current-context ("one"); kubectl ignores the missing file
        current = run_cli("route", "-A", SHOP, env=env)
        assert "→ shop/web:80" in current.stdout, current.stderr
        # a context defined only in the second file
        other = run_cli("route", "--context", "two", SHOP, env=env)
        assert "ingress: shop/other-cluster" in other.stdout, other.stderr
        assert one.requests and two.requests


def test_discovery_order(tmp_path):
    home = tmp_path / "home"
    (home / ".kube").mkdir(parents=True)
    default = home / ".kube" / "config"
    default.write_text("{}")
    listed = tmp_path / "listed"
    listed.write_text("{}")
    explicit = tmp_path / "explicit"
    explicit.write_text("{}")
    assert kubeconfig_paths(None, {"HOME": str(home)}) == [str(default)]
    assert kubeconfig_paths(None, {"HOME": str(home), "KUBECONFIG": f"{listed}:{listed}"}) == [str(listed)]
    assert kubeconfig_paths(str(explicit), {"HOME": str(home), "KUBECONFIG": str(listed)}) == [str(explicit)]
    assert kubeconfig_paths(None, {"HOME": str(tmp_path / "nobody")}) == []


def test_namespace_comes_from_the_flag_then_the_context_then_default(api, tmp_path):
    with_ns = api.write_kubeconfig(tmp_path / "with-ns", context="dev", namespace="shop")
    without = api.write_kubeconfig(tmp_path / "without", context="dev")
    cases = [
        (ClusterTarget(kubeconfig=str(with_ns)), "shop"),
        (ClusterTarget(kubeconfig=str(with_ns), namespace="other"), "other"),
        (ClusterTarget(kubeconfig=str(without)), "default"),
        (ClusterTarget(kubeconfig=str(with_ns), all_namespaces=True), None),
    ]
    for target, namespace in cases:
        connection = connect(target, {})
        assert (connection.context, connection.server, connection.namespace) == ("dev", api.url, namespace)
        connection.close()


def test_in_cluster_service_account_when_there_is_no_kubeconfig(tmp_path, monkeypatch):
    import explorer.live.kubeconfig as kubeconfig

    account = tmp_path / "serviceaccount"
    account.mkdir()
    (account / "token").write_text("pod-token")
    (account / "ca.crt").write_text("not used until a request is made")
    (account / "namespace").write_text("shop\n")
    monkeypatch.setattr(kubeconfig, "SERVICE_TOKEN_FILENAME", str(account / "token"))
    monkeypatch.setattr(kubeconfig, "SERVICE_CERT_FILENAME", str(account / "ca.crt"))
    monkeypatch.setattr(kubeconfig, "SERVICE_NAMESPACE_FILENAME", str(account / "namespace"))
    env = {"HOME": str(tmp_path), "KUBERNETES_SERVICE_HOST": "10.96.0.1", "KUBERNETES_SERVICE_PORT": "443"}
    connection = connect(ClusterTarget(), env)
    assert (connection.context, connection.server, connection.namespace) == ("in-cluster", "https://10.96.0.1:443",
                                                                           "shop")
    assert connection.api_client.configuration.api_key["BearerToken"].lower() == "bearer pod-token"
    connection.close()
    with pytest.raises(LiveError, match='context "dev" not found: there is no kubeconfig'):
        connect(ClusterTarget(context="dev"), env)


# ---------------------------------------------------------------- record and replay


def test_record_then_replay_answers_the_same_without_the_cluster(kubeconfig, api, tmp_path):
    out = tmp_path / "recording"
    recorded = run_cli("record", "--kubeconfig", str(kubeconfig), "-A", "-o", str(out))
    assert recorded.returncode == 0, recorded.stderr
    assert recorded.stdout.startswith(f"wrote 9 file(s) to {out}: ")
    files = sorted(str(p.relative_to(out)) for p in out.rglob("*.yaml"))
    assert files == ["_cluster/ingressclasses.yaml", "other/ingresses.yaml", "other/services.yaml",
                     "shop/deployments.yaml", "shop/endpointslices.yaml", "shop/ingresses.yaml", "shop/pods.yaml",
                     "shop/secrets.yaml", "shop/services.yaml"]
    everything = "".join(p.read_text() for p in out.rglob("*.yaml"))
    for value in SECRET_VALUES:
        assert value not in everything
    assert "managedFields" not in everything and "last-applied-configuration" not in everything
    assert "tls.crt: ''" in everything  # the key is kept, so TLS checks still work on the replay

    live = run_cli("route", "--kubeconfig", str(kubeconfig), "-A", "-o", "json", SHOP,
                   "https://blog.example.com/", "http://shop.example.com/")
    replay = run_cli("route", "-f", str(out), "-o", "json", SHOP, "https://blog.example.com/",
                     "http://shop.example.com/")
    assert replay.returncode == 0 and replay.stderr == "", replay.stderr

    def answers(result):
        return [(d["ingress"], d["rule"], d["backend"], d["status"], d["location"], d["reason"])
                for d in json.loads(result.stdout)]

    assert answers(replay) == answers(live)
    assert api.methods() == {"GET"}

    again = run_here("record", "--kubeconfig", str(kubeconfig), "-o", str(out))
    assert "exists and is not an empty directory: record never overwrites" in error_of(again)


# ---------------------------------------------------------------- the kubernetes client is imported lazily


def imports_kubernetes(*args: str) -> bool:
    """Run the command under `python -X importtime` and say whether the kubernetes package was imported."""
    result = subprocess.run([sys.executable, "-X", "importtime", "-m", "explorer", *args], capture_output=True,
                            text=True, cwd=ROOT, timeout=60, env={"NO_COLOR": "1", "PATH": ""})
    return re.search(r"\|\s+kubernetes(\.|$)", result.stderr, re.MULTILINE) is not None


def test_kubernetes_is_imported_only_for_a_live_cluster(kubeconfig):
    assert not imports_kubernetes("route", "--help")
    assert not imports_kubernetes("record", "--help")
    assert not imports_kubernetes("route", "-f", str(SAMPLES / "article-v1"), "http://foo-bar.com/")
    # the same measurement does see it when a cluster is read
    assert imports_kubernetes("route", "--kubeconfig", str(kubeconfig), SHOP)

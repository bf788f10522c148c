"""The Gateway API sample manifests answer as their comments say, through `route --controller gateway -o json`."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
SAMPLES = ROOT / "sample-manifests"


def _route(folder: str, *args: str) -> list[dict[str, Any]]:
    out = subprocess.run([sys.executable, "-m", "explorer", "route", "-f", str(SAMPLES / folder), "--controller",
                          "gateway", "-o", "json", *args], capture_output=True, text=True, timeout=60)
    assert out.returncode == 0, out.stderr
    return json.loads(out.stdout)


def test_the_articles_setup_as_gateway_and_httproute() -> None:
    foo, bar, prefix_only, other = _route("gateway-api", "http://foo-bar.com/foo", "http://foo-bar.com/bar/x",
                                          "http://foo-bar.com/foox", "http://example.com/foo")
    assert foo["gateway"] == "default/my-gateway" and foo["listener"] == "http"
    assert foo["route"]["name"] == "my-route" and foo["route"]["rule"] == 0
    assert foo["backend"] == {"namespace": "default", "service": "my-nodeport-01", "port": 8080}
    assert bar["backend"]["service"] == "my-nodeport-02" and bar["status"] is None
    assert prefix_only["status"] == 404 and prefix_only["backend"] is None  # PathPrefix is element-wise
    assert other["status"] == 404  # the route serves foo-bar.com only
    assert foo["implementation"] == "gke"  # gatewayClassName gke-l7-global-external-managed
    assert foo["requestHeaders"]["Host"] == "foo-bar.com"


def test_header_match_redirect_and_weighted_split() -> None:
    plain, = _route("gateway-api-traffic", "http://foo-bar.com/foo")
    assert [(b["service"], b["weight"]) for b in plain["backends"]] == [("my-nodeport-01", 90), ("my-nodeport-02", 10)]
    assert plain["backend"]["service"] == "my-nodeport-01"
    canary, = _route("gateway-api-traffic", "-H", "x-canary: always", "http://foo-bar.com/foo")
    assert canary["backend"]["service"] == "my-nodeport-02" and canary["route"]["rule"] == 0
    moved, served = _route("gateway-api-traffic", "http://foo-bar.com/old/page?q=1", "http://foo-bar.com/bar")
    assert moved["outcome"] == "redirect" and moved["status"] == 301
    assert moved["location"] == "http://foo-bar.com/bar/page?q=1"
    assert served["requestHeaders"]["x-served-by"] == "gateway"


def test_ambiguous_gateway_exits_2_with_what_to_do() -> None:
    conf = ROOT / "tests" / "data" / "gateway" / "conformance" / "base.yaml"
    out = subprocess.run([sys.executable, "-m", "explorer", "route", "-f", str(conf), "--controller", "gateway",
                          "http://example.com/"], capture_output=True, text=True, timeout=60)
    assert out.returncode == 2 and "Traceback" not in out.stderr
    assert "pass --gateway NAMESPACE/NAME" in out.stderr


def test_without_controller_the_manifests_choose() -> None:
    """Gateways and no Ingress: route and diagram answer as Gateway API and say why on stderr; with an
    Ingress among them, ingress-nginx as always."""
    def run(*args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run([sys.executable, "-m", "explorer", *args], capture_output=True, text=True, cwd=ROOT,
                              timeout=60)

    only = run("route", "-f", str(SAMPLES / "gateway-api-traffic"), "-o", "json", "http://foo-bar.com/bar/x")
    assert only.returncode == 0, only.stderr
    answer, = json.loads(only.stdout)
    assert answer["controller"] == "gateway" and answer["route"]["name"] == "shop" and answer["status"] is None
    assert "no Ingress: answering as a Gateway API implementation (--controller gateway" in only.stderr
    drawn = run("diagram", "-f", str(SAMPLES / "gateway-api-traffic"))
    assert drawn.returncode == 0 and "HTTPRoute" in drawn.stdout, drawn.stderr
    both = run("route", "-f", str(SAMPLES / "article-v1"), "-f", str(SAMPLES / "gateway-api-traffic"), "-o", "json",
               "http://foo-bar.com/foo")
    assert both.returncode == 0 and json.loads(both.stdout)[0]["controller"] == "nginx"
    assert "Gateway API implementation" not in both.stderr

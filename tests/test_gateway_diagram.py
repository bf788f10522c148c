"""`diagram --controller gateway`: client → Gateway (listener) → HTTPRoute rule → Service → Pods, per rule."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
CONF = ROOT / "tests" / "data" / "gateway" / "conformance"


def _diagram(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "explorer", "diagram", "--controller", "gateway", *args],
                          capture_output=True, text=True, timeout=60)


def test_text_draws_each_rule_as_the_evaluator_answers_it() -> None:
    out = _diagram("-f", str(ROOT / "sample-manifests" / "gateway-api-traffic"), "--width", "200")
    assert out.returncode == 0, out.stderr
    text = out.stdout.replace("\u00a0", " ")  # boxes keep a name and its value together
    assert text.startswith("Gateway default/my-gateway (Gateway API)")
    captions = [line for line in text.splitlines() if line.startswith("GET ")]
    assert captions == [
        "GET http://foo-bar.com/foo → default/my-nodeport-02:8081",  # the header match, drawn with its header
        "GET http://foo-bar.com/foo → default/my-nodeport-01:8080",  # the 90/10 split's larger share
        "GET http://foo-bar.com/old → 301 http://foo-bar.com/bar",
        "GET http://foo-bar.com/bar → default/my-nodeport-02:8081",
    ]
    for box in ("client", "Gateway default/my-gateway", "HTTPRoute rule", "Service", "Pods", "the Gateway answers"):
        assert box in text
    assert "x-canary: always" in text and "90/100" in text and "health not simulated" in text


def test_mermaid_shares_the_gateway_box() -> None:
    out = _diagram("-f", str(ROOT / "sample-manifests" / "gateway-api"), "--format", "mermaid")
    assert out.returncode == 0, out.stderr
    assert out.stdout.count("<b>Gateway default/my-gateway</b>") == 1
    assert out.stdout.count("<b>HTTPRoute rule</b>") == 2


def test_a_listener_nothing_can_attach_to_is_drawn_broken_with_why() -> None:
    out = _diagram("-f", str(CONF / "base.yaml"), "-f", str(CONF / "disallowed-kind.yaml"), "--gateway",
                   "gateway-conformance-infra/tlsroutes-only")
    assert out.returncode == 0, out.stderr
    assert "✘ client → Gateway gateway-conformance-infra/tlsroutes-only: protocol TLS is not simulated" in out.stdout


def test_no_gateway_exits_2() -> None:
    out = _diagram("-f", str(ROOT / "sample-manifests" / "article-v1"))
    assert out.returncode == 2 and "no Gateway" in out.stderr and "Traceback" not in out.stderr


def test_one_requests_way_is_drawn_as_the_evaluator_answers_it() -> None:
    """request_diagram (the lesson screen's goal and now): the header, the rule it matched, what answered."""
    from explorer.export.gatewayboxes import request_diagram
    from explorer.model import load
    from explorer.routing import Request
    from explorer.routing.gateway import routing_for

    state = load([ROOT / "sample-manifests" / "gateway-api-traffic"])
    routing = routing_for(state)
    canary = request_diagram(state, routing, Request.from_url("http://foo-bar.com/foo/x",
                                                             headers=(("x-canary", "always"),)))
    titles = [box.title for box in canary.boxes]
    assert titles == ["client", "Gateway default/my-gateway", "HTTPRoute rule", "Service", "Pods"]
    assert "x-canary:\u00a0always" in canary.boxes[0].lines
    assert any("x-canary: always" in line for line in canary.boxes[2].lines)
    assert canary.boxes[3].lines == ("default/my-nodeport-02:8081",)
    moved = request_diagram(state, routing, Request.from_url("http://foo-bar.com/old/x"))
    assert moved.boxes[-1].title == "the Gateway answers" and "to http://foo-bar.com/bar/x" in moved.boxes[-1].lines
    assert any("filter RequestRedirect" in line for line in moved.boxes[2].lines)
    nowhere = request_diagram(state, routing, Request.from_url("http://other.example.com/"))
    assert nowhere.boxes[-1].title == "the Gateway answers" and nowhere.boxes[-1].state == "broken"
    refused = request_diagram(state, routing, Request.from_url("http://foo-bar.com:8080/foo"))
    assert refused.boxes[-1].state == "broken" and "no listener on port 8080" in refused.boxes[-1].lines[0]

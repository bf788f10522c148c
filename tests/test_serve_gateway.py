"""`ingress-explorer serve --controller gateway` as a user runs it: a process, its banner, curl, Ctrl-C."""

from __future__ import annotations

import os
import re
import shlex
import signal
import subprocess
import sys

from test_proxy_serve import ROOT, SAMPLES, curl, pytestmark, read_until  # noqa: F401 (pytestmark: needs curl)


def test_serve_gateway_banner_maps_listener_ports_and_its_curl_lines_work():
    proc = subprocess.Popen(
        [sys.executable, "-m", "explorer", "serve", "-f", str(SAMPLES / "gateway-api-traffic"), "--controller",
         "gateway", "--http-port", "0", "--status-port", "0"],
        cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE, env={**os.environ, "NO_COLOR": "1"},
    )
    try:
        _, banner = read_until(proc, r"status \(JSON\): http://127\.0\.0\.1:\d+/")
        assert "Gateway default/my-gateway" in banner, banner
        port_line = re.search(r"listener port 80 \('http' HTTP\): (http://127\.0\.0\.1:\d+)", banner)
        assert port_line, banner
        base = port_line.group(1)
        lines = [line.strip() for line in banner.splitlines() if line.strip().startswith("curl ")]
        assert f"curl -i -H 'Host: foo-bar.com' {base}/old" in lines, banner
        bar = next(line for line in lines if line.endswith("/bar"))
        answer = curl(*shlex.split(bar)[1:])
        assert answer.stdout.startswith("HTTP/1.1 200"), answer.stdout
        assert "X-Ingress-Explorer-Pod: site02-" in answer.stdout
        assert '"x-served-by": "gateway"' in answer.stdout  # the RequestHeaderModifier reached the Pod
        moved = curl("-i", "-H", "Host: foo-bar.com", base + "/old/page")
        assert moved.stdout.startswith("HTTP/1.1 301"), moved.stdout
        assert "Location: http://foo-bar.com/bar/page" in moved.stdout
        read_until(proc, r"GET foo-bar.com/bar 200 -> default/my-nodeport-02:8081 pod site02-")
    finally:
        proc.send_signal(signal.SIGINT)
        try:
            code = proc.wait(timeout=15)
        except subprocess.TimeoutExpired:
            proc.kill()
            raise
        proc.stdout.close()
        stderr = proc.stderr.read().decode()
        proc.stderr.close()
    assert code == 0, stderr
    assert "Traceback" not in stderr


def test_serve_gateway_without_a_gateway_says_so_and_exits_2():
    result = subprocess.run(
        [sys.executable, "-m", "explorer", "serve", "-f", str(SAMPLES / "article-v1"), "--controller", "gateway",
         "--http-port", "0", "--status-port", "0"],
        cwd=ROOT, capture_output=True, text=True, timeout=30, env={**os.environ, "NO_COLOR": "1"},
    )
    assert result.returncode == 2
    assert "no Gateway in the manifests" in result.stderr
    assert "Traceback" not in result.stderr


async def test_banner_names_the_https_listener_its_certificate_and_a_curl_line_that_works():
    import asyncio

    from explorer.commands.common import Style
    from explorer.commands.serve import banner
    from explorer.routing.gateway.compile import GATEWAY_PROFILE
    from proxy_support import PROXY_DATA, load_clean, running

    state = load_clean(PROXY_DATA / "gateway-tls")
    async with running(GATEWAY_PROFILE, PROXY_DATA / "gateway-tls", https_port=0) as proxy:
        text = banner(proxy, state, GATEWAY_PROFILE, Style(False))
        port = proxy.listeners["default/edge:443"].https_port
        assert f"listener port 443 ('https' HTTPS): https://127.0.0.1:{port}" in text, text
        assert "certificate secure.example: self-signed (Secret default/secure-tls not found in the manifests)" in text
        line = next(ln.strip() for ln in text.splitlines() if ln.strip().startswith("curl -k"))
        assert line == f"curl -k --resolve secure.example:{port}:127.0.0.1 https://secure.example:{port}/"
        answer = await asyncio.to_thread(curl, "-i", *shlex.split(line)[1:])
    assert answer.stdout.startswith("HTTP/1.1 200"), answer.stdout + answer.stderr
    assert "X-Ingress-Explorer-Backend: default/web:80" in answer.stdout

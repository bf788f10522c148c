"""`ingress-explorer serve` as a user runs it: a process, curl, Ctrl-C."""

from __future__ import annotations

import json
import os
import re
import selectors
import shutil
import signal
import subprocess
import sys
import time

import pytest

from proxy_support import SAMPLES

ROOT = SAMPLES.parent
pytestmark = pytest.mark.skipif(shutil.which("curl") is None, reason="needs curl")


def read_until(proc: subprocess.Popen, pattern: str, timeout: float = 20) -> tuple[re.Match, str]:
    """Read the process's stdout until a line matches; fail with what was read on timeout.

    Reads the raw pipe (os.read), so no line waits in a Python buffer while select() sees an empty pipe.
    """
    pending = getattr(proc, "pending", "")
    seen = ""
    deadline = time.monotonic() + timeout
    with selectors.DefaultSelector() as selector:
        selector.register(proc.stdout, selectors.EVENT_READ)
        while True:
            while "\n" in pending:
                line, pending = pending.split("\n", 1)
                seen += line + "\n"
                match = re.search(pattern, line)
                if match:
                    proc.pending = pending  # type: ignore[attr-defined]
                    return match, seen
            left = deadline - time.monotonic()
            if left <= 0 or not selector.select(left):
                break
            chunk = os.read(proc.stdout.fileno(), 65536)
            if not chunk:
                break
            pending += chunk.decode()
    raise AssertionError(f"no line matching {pattern!r} in:\n{seen}{pending}")


def curl(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run(["curl", "-s", "--max-time", "10", *args], capture_output=True, text=True, timeout=20)


def test_serve_answers_curl_and_stops_cleanly_on_ctrl_c():
    proc = subprocess.Popen(
        [sys.executable, "-m", "explorer", "serve", "-f", str(SAMPLES / "article-v1"), "--http-port", "0",
         "--https-port", "0", "--status-port", "0", "--time-scale", "0.05"],
        cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE, env={**os.environ, "NO_COLOR": "1"},
    )
    try:
        status_match, banner = read_until(proc, r"status \(JSON\): (http://127\.0\.0\.1:\d+/)")
        curl_line = re.search(r"curl -i -H 'Host: foo-bar.com' (http://127\.0\.0\.1:\d+)/foo", banner)
        assert curl_line, banner
        status = json.loads(curl(status_match.group(1)).stdout)
        assert status["controller"] == "nginx"
        assert status["listeners"][0]["http"] == curl_line.group(1)

        answer = curl("-i", "-H", "Host: foo-bar.com", curl_line.group(1) + "/foo")
        assert answer.stdout.startswith("HTTP/1.1 200")
        assert "X-Ingress-Explorer-Backend: default/my-nodeport-01:8080" in answer.stdout
        https = status["listeners"][0]["https"]
        port = https.rsplit(":", 1)[1]
        secure = curl("-k", "-i", "--resolve", f"foo-bar.com:{port}:127.0.0.1", f"https://foo-bar.com:{port}/bar")
        assert secure.stdout.startswith("HTTP/1.1 200"), secure.stdout + secure.stderr
        assert "X-Ingress-Explorer-Pod: site02-" in secure.stdout
        read_until(proc, r"GET foo-bar.com/foo 200 -> default/my-nodeport-01:8080 pod site01-")
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
    assert "stopping: closing listeners and simulated Pods" in stderr
    assert "Traceback" not in stderr
    gone = curl(curl_line.group(1) + "/foo")
    assert gone.returncode != 0  # nothing listens any more


def test_serve_refuses_a_busy_port_with_a_clear_message():
    import socket

    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen()
        port = busy.getsockname()[1]
        result = subprocess.run(
            [sys.executable, "-m", "explorer", "serve", "-f", str(SAMPLES / "article-v1"), "--http-port",
             str(port), "--https-port", "0", "--status-port", "0"],
            cwd=ROOT, capture_output=True, text=True, timeout=30, env={**os.environ, "NO_COLOR": "1"},
        )
    assert result.returncode == 2
    assert f"cannot listen on 127.0.0.1:{port} for HTTP" in result.stderr
    assert "Traceback" not in result.stderr


async def test_banner_curl_lines_are_shell_safe_and_reach_their_rules():
    import shlex

    from explorer.commands.common import Style
    from explorer.commands.serve import banner
    from explorer.routing import NGINX
    from proxy_support import PROXY_DATA, load_clean, running

    state = load_clean(PROXY_DATA / "site")
    async with running(NGINX, PROXY_DATA / "site") as proxy:
        text = banner(proxy, state, NGINX, Style(False))
        lines = [line.strip() for line in text.splitlines() if line.strip().startswith("curl ")]
        rewrite = next(line for line in lines if "rw.example.com" in line)
        argv = shlex.split(rewrite)
        summary = await proxy.send("GET", argv[-1], headers={"Host": "rw.example.com"})
    assert all(shlex.split(line)[0] == "curl" for line in lines)
    assert rewrite.endswith("/api")  # the literal start of the regex path, quoted for the shell
    assert summary.status == 200 and summary.ingress == "default/rewrite"
    assert "certificate secure.example.com: self-signed (Secret default/secure-tls not in the manifests)" in text

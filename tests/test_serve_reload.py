"""`serve` through a bad edit: it keeps the last good state, says so, and reloads once the file is fixed.

Issue 19: an edit that hit a loader crash stopped reloading for good, silently.
Here the user saves a half-written file (a YAML error), then one that used to
crash the loader (a merge key before an explicit key), then the fixed file.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import signal
import subprocess
import sys

import pytest

from proxy_support import SAMPLES
from test_proxy_serve import curl, read_until

ROOT = SAMPLES.parent
pytestmark = pytest.mark.skipif(shutil.which("curl") is None, reason="needs curl")


def test_a_bad_edit_keeps_the_last_good_state_and_a_fix_reloads(tmp_path):
    for source in (SAMPLES / "article-v1").iterdir():
        shutil.copy(source, tmp_path / source.name)
    ingress = tmp_path / "ingress.yaml"
    good = ingress.read_text()
    proc = subprocess.Popen(
        [sys.executable, "-m", "explorer", "serve", "-f", str(tmp_path), "--http-port", "0", "--https-port", "0",
         "--status-port", "0", "--time-scale", "0.05"],
        cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE, env={**os.environ, "NO_COLOR": "1"},
    )
    try:
        status_match, banner = read_until(proc, r"status \(JSON\): (http://127\.0\.0\.1:\d+/)")
        found = re.search(r"curl -i -H 'Host: foo-bar.com' (http://127\.0\.0\.1:\d+)/foo", banner)
        assert found, banner
        base = found.group(1)

        def answer(path: str = "/foo") -> str:
            return curl("-i", "-H", "Host: foo-bar.com", base + path).stdout

        assert answer().startswith("HTTP/1.1 200")

        ingress.write_text(good + "\n  broken: [unclosed\n")  # saved half-way through an edit
        line, _ = read_until(proc, r"reload failed, still serving the last good state: (.*)")
        assert "ingress.yaml:" in line.group(1) and "YAML" in line.group(1)
        assert answer().startswith("HTTP/1.1 200")  # the routes of the last good state still answer
        status = json.loads(curl(status_match.group(1)).stdout)
        assert status["reload"]["ok"] is False and "ingress.yaml:" in status["reload"]["error"]

        ingress.write_text(good.replace("metadata:", "base: &b {x: 1}\nmetadata:", 1).replace(
            "  name:", "  <<: {name: merged}\n  name:", 1))  # crashed every command before issue 19
        read_until(proc, r"reloaded: ")

        ingress.write_text(good.replace("/foo", "/moved"))  # fixed, and changed: the change is live
        read_until(proc, r"reloaded: ")
        assert answer("/moved").startswith("HTTP/1.1 200")
        assert json.loads(curl(status_match.group(1)).stdout)["reload"]["ok"] is True
    finally:
        proc.send_signal(signal.SIGINT)
        try:
            proc.wait(timeout=15)
        except subprocess.TimeoutExpired:
            proc.kill()
            raise
        proc.stdout.close()
        stderr = proc.stderr.read().decode()
        proc.stderr.close()
    assert "Traceback" not in stderr and "this is a bug" not in stderr

"""Terminal escape sequences from manifests and clients are printed escaped, never run.

A window-title OSC, a clipboard write (OSC 52), clear-screen, concealed text
and a carriage return, planted in an annotation, a host, a path and a
Service name; and a client whose Host header carries an escape, in serve's
access log.
"""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys

import pytest

from explorer.cli import main
from explorer.printable import printable, printable_keeping_colour
from proxy_support import SAMPLES
from test_proxy_serve import read_until

EVIL = """\
apiVersion: networking.k8s.io/v1
kind: Ingress
metadata:
  name: evil
  annotations: {nginx.ingress.kubernetes.io/rewrite-target: "\\e]0;pwned\\a\\e[2J"}
spec:
  ingressClassName: nginx
  rules:
  - host: "a.com\\e]52;c;SGVsbG8=\\a"
    http:
      paths:
      - {path: "/x\\e[8mhidden", pathType: Prefix, backend: {service: {name: "s\\r\\e[31m", port: {number: 80}}}}
      - {path: "/y\\u202eevil", pathType: Prefix, backend: {service: {name: "t\\x9b2J", port: {number: 80}}}}
"""
RAW = ("\x1b", "\x07", "\r", "\x9b", "\u202e")


def test_printable_escapes_controls_and_keeps_lines():
    assert printable("a\x1b]0;t\x07b\tc\nd\re\x9b\u202e") == "a\\x1b]0;t\\x07b\tc\nd\\re\\x9b\\u202e"
    assert printable_keeping_colour("\x1b[31mred\x1b[0m \x1b[2J \x1b[8mhidden") == \
        "\x1b[31mred\x1b[0m \\x1b[2J \\x1b[8mhidden"
    assert printable_keeping_colour("\x1b[38;5;8mgrey\x1b[0m") == "\x1b[38;5;8mgrey\x1b[0m"  # colour 8 is a colour


def test_every_control_character_is_escaped_alone_or_among_printable_text():
    """Each code point is escaped exactly when it is a control (C0 but newline and tab, DEL, C1, the
    line/paragraph separators, the bidi overrides and isolates, a surrogate), alone or inside a line."""
    controls = {*range(0x00, 0x09), *range(0x0b, 0x20), *range(0x7f, 0xa0), 0x2028, 0x2029,
                *range(0x202a, 0x202f), *range(0x2066, 0x206a), *range(0xd800, 0xe000)}
    for code in (*range(0x10000), *range(0x10000, sys.maxunicode + 1, 97), sys.maxunicode):
        char = chr(code)
        for text in (char, f"route → {char}\n"):
            escaped = printable(text) != text
            assert escaped == (code in controls), hex(code)
            if escaped:
                assert char not in printable(text)


@pytest.mark.parametrize("argv", [
    ["lint"], ["lint", "--controller", "gce"], ["route", "http://a.com/x"], ["route", "--trace", "http://a.com/y"],
    ["diagram"], ["diagram", "--format", "mermaid"], ["diagram", "--format", "dot"],
], ids=" ".join)
def test_commands_print_manifest_escapes_escaped(tmp_path, argv, capsys):
    (tmp_path / "evil.yaml").write_text(EVIL)
    main([*argv, "-f", str(tmp_path / "evil.yaml")])
    out = capsys.readouterr()
    shown = out.out + out.err
    assert not [c for c in RAW if c in shown], repr(shown[:500])
    if argv[0] != "route":  # route prints the request, not the manifest's strings
        assert "\\x1b" in shown  # shown, escaped: the user sees something is there


def test_with_colour_on_only_our_colour_passes(tmp_path, capsys, monkeypatch):
    (tmp_path / "evil.yaml").write_text(EVIL)
    monkeypatch.setenv("FORCE_COLOR", "1")
    monkeypatch.delenv("NO_COLOR", raising=False)
    main(["lint", "-f", str(tmp_path / "evil.yaml")])
    shown = capsys.readouterr().out
    assert "\x1b[" in shown  # lint's own colour
    assert "\x1b]" not in shown and "\x1b[2J" not in shown and "\x1b[8m" not in shown and "\x07" not in shown
    assert "\\x1b]52;c;SGVsbG8=\\x07" in shown


def test_serve_access_log_escapes_the_clients_host():
    proc = subprocess.Popen(
        [sys.executable, "-m", "explorer", "serve", "-f", str(SAMPLES / "article-v1"), "--http-port", "0",
         "--https-port", "0", "--status-port", "0", "--time-scale", "0.05"],
        cwd=SAMPLES.parent, stdout=subprocess.PIPE, stderr=subprocess.PIPE, env={**os.environ, "NO_COLOR": "1"},
    )
    try:
        match, _ = read_until(proc, r"curl -i -H 'Host: foo-bar.com' http://127\.0\.0\.1:(\d+)/foo")
        with socket.create_connection(("127.0.0.1", int(match.group(1))), timeout=10) as conn:
            # aiohttp refuses C0 in a header; a C1 CSI (0x9b) and raw bytes it passes on, as clients send them
            conn.sendall(b"GET /foo HTTP/1.1\r\nHost: foo-bar.com\x9b2J\xc2\x9b2J\r\nConnection: close\r\n\r\n")
            while conn.recv(65536):
                pass
        line, _ = read_until(proc, r"GET foo-bar\.com.*/foo")
        assert "foo-bar.com\\x9b2J\\x9b2J/foo" in line.group(0), repr(line.group(0))
    finally:
        proc.send_signal(signal.SIGINT)
        proc.wait(timeout=15)
        proc.stdout.close()
        proc.stderr.close()

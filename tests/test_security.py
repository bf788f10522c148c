"""Security: loopback unless asked, nothing forwarded outside the loaded state, no Secret data in any output.

Live mode's "only get, list and watch" is tested where the live code is, over
a fake API server that accepts any method and logs it: see
tests/test_live_source.py (lists, watches, port-forward: `api.methods() ==
{"GET"}`) and tests/test_live_cli.py (route, lint and record against it, with
Secret values grepped out of the recording).
"""

from __future__ import annotations

import asyncio
import base64
import ipaddress
import json
import logging
import os
import signal
import socket
import ssl
import subprocess
import sys
import urllib.request

import aiohttp
import pytest
import yaml

from explorer.cli import main
from explorer.proxy import Proxy, ProxyOptions, start_proxy
from explorer.routing import GCE, NGINX
from proxy_support import PROXY_DATA, load_clean, raw_http, running

SECURITY = PROXY_DATA.parent / "security"
ROOT = PROXY_DATA.parent.parent.parent


def secret_fragments() -> set[str]:
    """Every piece of Secret data in the fixture an output could leak: as written, decoded, and each PEM line."""
    found: set[str] = set()
    for doc in yaml.safe_load_all((SECURITY / "secrets.yaml").read_text()):
        for encoded in (doc.get("data") or {}).values():
            found.add(encoded)
            decoded = base64.b64decode(encoded).decode()
            found.add(decoded)
            found.update(line for line in decoded.splitlines() if len(line) >= 16 and "-----" not in line)
        found.update((doc.get("stringData") or {}).values())
    return found


FRAGMENTS = secret_fragments()


def leaks(text: str) -> list[str]:
    return sorted(f[:24] + "..." for f in FRAGMENTS if f in text) + (["SEKRIT"] if "SEKRIT" in text else [])


def test_the_fixture_really_holds_distinctive_secret_data():
    text = (SECURITY / "secrets.yaml").read_text()
    assert leaks(text)  # the grep finds the data where it is
    assert any("SEKRIT-OPAQUE-PASSWORD" in f for f in FRAGMENTS) and "SEKRIT-STRINGDATA-TOKEN-51d7" in FRAGMENTS
    assert sum("PRIVATE KEY" in f for f in FRAGMENTS) == 1  # the decoded key, whose lines are in FRAGMENTS too


# ------------------------------------------------------------------ listeners bind loopback


@pytest.fixture
def binds(monkeypatch) -> list[tuple]:
    """Every address a socket of this process binds (servers bind; clients here do not)."""
    seen: list[tuple] = []
    real = socket.socket.bind

    def bind(sock: socket.socket, address) -> None:
        seen.append(address)
        return real(sock, address)

    monkeypatch.setattr(socket.socket, "bind", bind)
    return seen


def loopback(address: tuple) -> bool:
    return ipaddress.ip_address(address[0]).is_loopback


async def test_the_proxy_its_pods_and_its_status_page_bind_loopback_by_default(binds):
    proxy = await start_proxy(load_clean(SECURITY), NGINX, ProxyOptions(status_port=0, time_scale=0.05))
    try:
        listeners = proxy.listeners
        pods = list(proxy.sims.pods.values())
    finally:
        await proxy.stop()
    assert ProxyOptions().listen == "127.0.0.1"
    assert len(binds) == 2 + len(pods) + 1  # HTTP, HTTPS, every simulated Pod, the status page
    assert all(loopback(address) for address in binds), binds
    assert [info.host for info in listeners.values()] == ["127.0.0.1"]


async def test_listen_moves_the_listeners_but_never_the_pods(binds):
    async with running(NGINX, SECURITY, listen="127.0.0.2", status_port=0) as proxy:
        pods = {sim.host for sim in proxy.sims.pods.values()}
        info = proxy.listeners["shared"]
    assert info.host == "127.0.0.2"
    assert pods == {"127.0.0.1"}  # the Pods are only ever reached by the proxy
    assert {address[0] for address in binds} == {"127.0.0.1", "127.0.0.2"}


def test_serve_warns_before_listening_anywhere_but_loopback(capsys):
    # 192.0.2.1 (TEST-NET-1) is no address of this machine: the warning comes, then binding fails,
    # so nothing is ever reachable from outside during the test.
    code = main(["serve", "-f", str(SECURITY), "--listen", "192.0.2.1", "--http-port", "0", "--https-port", "0",
                 "--status-port", "0"])
    err = capsys.readouterr().err
    assert code == 2
    assert "warning: --listen 192.0.2.1 is not a loopback address: other machines can reach this proxy" in err
    assert "cannot listen on 192.0.2.1:0" in err and "Traceback" not in err


async def test_the_tui_proxy_binds_loopback_and_its_screens_show_no_secret_data(binds):
    from textual.widgets import Input

    from explorer.tui.screens.requests import RequestsScreen
    from tui_helpers import SIZE, loaded, make_app, screen_text, until

    app = make_app(SECURITY, start_proxy=True, traffic_factory=lambda: Proxy(ProxyOptions(time_scale=0.05)))
    shots: dict[str, str] = {}
    async with app.run_test(size=SIZE) as pilot:
        await loaded(pilot)
        await until(pilot, lambda: app.traffic is not None, what="the embedded proxy to listen")
        shots["explore"] = app.export_screenshot() + screen_text(app)
        for key in ("m", "x", "v"):  # the manifest, findings and events tabs of the selected row
            await pilot.press(key)
            await pilot.pause()
            shots[key] = app.export_screenshot() + screen_text(app)  # the picture, and its text unsplit
        await pilot.press("r")
        await until(pilot, lambda: isinstance(app.screen, RequestsScreen), what="the flow mode")
        app.screen.query_one("#request-url", Input).value = "https://shop.example.com/"  # served with the Secret
        await pilot.press("enter")
        await until(pilot, lambda: "via https://127.0.0.1:" in screen_text(app), what="the response")
        shots["request"] = app.export_screenshot() + screen_text(app)
        events = "\n".join(str(event) for event in app.events)
    assert binds and all(loopback(address) for address in binds), binds
    assert "200 OK" in shots["request"] and "shop.example.com: Secret default/shop-tls" in shots["request"]
    for name, svg in {**shots, "events": events}.items():
        assert not leaks(svg), f"{name}: {leaks(svg)}"


async def test_opening_a_finding_on_a_secret_shows_no_secret_data(tmp_path):
    from explorer.tui.widgets.findings import FindingsTable
    from tui_helpers import SIZE, loaded, make_app, screen_text

    for name in ("app.yaml", "secrets.yaml"):
        (tmp_path / name).write_text((SECURITY / name).read_text())
    # the Opaque Secret `db` named as a TLS Secret: IE3103 points at its data
    (tmp_path / "ingress.yaml").write_text((SECURITY / "ingress.yaml").read_text().replace("broken-tls", "db"))
    app = make_app(tmp_path)
    async with app.run_test(size=SIZE) as pilot:
        await loaded(pilot)
        await pilot.press("x")
        await pilot.pause()
        table = app.screen.query_one(FindingsTable)
        table.focus()
        table.move_cursor(row=next(i for i in range(table.row_count) if str(table.get_row_at(i)[1]) == "IE3103"))
        await pilot.press("enter")
        await pilot.pause()
        shown = app.export_screenshot() + screen_text(app)
    assert "secrets.yaml:17" in shown  # the finding's line is on screen...
    assert not leaks(shown)  # ...but not the values around it


# ------------------------------------------------------------------ nothing leaves the loaded state


@pytest.fixture
async def canary():
    """A loopback server no request may reach: it counts connections."""
    hits: list[bytes] = []

    async def record(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        hits.append(await reader.read(200))
        writer.write(b"HTTP/1.1 200 OK\r\nContent-Length: 6\r\nConnection: close\r\n\r\nLEAKED")
        writer.close()

    server = await asyncio.start_server(record, "127.0.0.1", 0)
    try:
        yield server.sockets[0].getsockname()[1], hits
    finally:
        server.close()
        await server.wait_closed()


@pytest.mark.parametrize("profile", [NGINX, GCE], ids=["nginx", "gce"])
async def test_requests_naming_other_hosts_and_ports_reach_only_simulated_pods(profile, canary):
    port, hits = canary
    here = f"127.0.0.1:{port}"
    attempts = {
        "absolute-form": f"GET http://{here}/x HTTP/1.1\r\nHost: shop.example.com",
        "absolute-form with userinfo": f"GET http://shop.example.com@{here}/x HTTP/1.1\r\nHost: shop.example.com",
        "Host names the port": f"GET /x HTTP/1.1\r\nHost: {here}",
        "scheme-relative path": f"GET //{here}/x HTTP/1.1\r\nHost: shop.example.com",
        "X-Forwarded-Host": f"GET /x HTTP/1.1\r\nHost: {here}\r\nX-Forwarded-Host: {here}\r\nForwarded: host={here}",
        "CONNECT to the port": f"CONNECT {here} HTTP/1.1\r\nHost: {here}",
        "CONNECT to a routed host": "CONNECT shop.example.com:80 HTTP/1.1\r\nHost: shop.example.com",
    }
    answers = {}
    async with running(profile, SECURITY) as proxy:
        listener = proxy.listeners["default/shop" if profile.load_balancer_per_ingress else "shared"]
        pods = {sim.name for sim in proxy.sims.pods.values()}
        for name, head in attempts.items():
            answers[name] = await raw_http(listener.http_port, f"{head}\r\nConnection: close\r\n\r\n".encode())
        sent = await proxy.send("GET", f"http://{here}/x")  # the TUI's request bar, given another address
    assert hits == []
    for name, answer in answers.items():
        assert b"LEAKED" not in answer, name
        status = int(answer.split(b" ", 2)[1])
        pod = next(line.split(b": ", 1)[1].decode() for line in answer.split(b"\r\n")
                   if line.startswith(b"X-Ingress-Explorer-Pod: "))
        assert pod == "-" or pod in pods, name  # answered by the controller, or by a simulated Pod
        if name.startswith("CONNECT"):
            assert status == 400, name  # as nginx: no tunnel
    assert sent.status == 404 and sent.sent_to.startswith(listener.base_url())


async def test_a_redirect_to_another_port_is_passed_on_never_followed(tmp_path, canary):
    port, hits = canary
    app = (SECURITY / "app.yaml").read_text().replace(
        "    metadata:\n      labels: {app: shop}\n",
        "    metadata:\n      labels: {app: shop}\n      annotations:\n        ingress-explorer/app: "
        f"'{{\"/go\": {{\"status\": 302, \"headers\": {{\"Location\": \"http://127.0.0.1:{port}/x\"}}}}}}'\n")
    (tmp_path / "app.yaml").write_text(app)
    (tmp_path / "ingress.yaml").write_text((SECURITY / "ingress.yaml").read_text())
    async with running(NGINX, tmp_path) as proxy:
        sent = await proxy.send("GET", "https://shop.example.com/go")
    assert sent.status == 302 and dict(sent.headers)["Location"] == f"http://127.0.0.1:{port}/x"
    assert hits == []


# ------------------------------------------------------------------ no Secret data in any output


@pytest.mark.parametrize("argv", [
    ["route", "http://shop.example.com/", "https://broken.example.com/x"],
    ["route", "--trace", "http://shop.example.com/", "https://broken.example.com/x"],
    ["route", "-o", "json", "https://shop.example.com/", "http://nothing.example.com/"],
    ["route", "--controller", "gce", "-o", "json", "https://shop.example.com/"],
    ["lint"],
    ["lint", "-o", "json"],
    ["lint", "--controller", "gce"],
    ["diagram"],
    ["diagram", "--format", "mermaid"],
    ["diagram", "--format", "dot"],
    ["diagram", "--format", "svg", "--controller", "gce"],
], ids=lambda argv: " ".join(argv[:4]))
def test_command_outputs_hold_no_secret_data(argv, capsys):
    code = main([*argv, "-f", str(SECURITY)])
    out = capsys.readouterr()
    assert code in (0, 1), out.err
    assert out.out.strip()
    assert not leaks(out.out + out.err)


async def test_the_proxy_answers_events_status_and_logs_hold_no_secret_data(caplog):
    caplog.set_level(logging.DEBUG)
    async with running(NGINX, SECURITY, status_port=0) as proxy:
        events = proxy.subscribe()
        listener = proxy.listeners["shared"]
        answers = []
        for host in ("shop.example.com", "broken.example.com"):
            answers.append(await proxy.send("GET", f"https://{host}/"))
            answers.append(await proxy.send("GET", f"http://{host}/", headers={"Cookie": "x"}))
        answers.append(await proxy.send("GET", "http://nothing.example.com/"))
        async with aiohttp.ClientSession() as session:
            async with session.get(f"http://127.0.0.1:{proxy.status_port}/") as response:
                status = await response.text()
        events.close()
        seen = [repr(event) async for event in events]
    certificates = {dict(a.headers).get("X-Ingress-Explorer-Certificate") for a in answers}
    assert "shop.example.com: Secret default/shop-tls" in certificates  # the real pair was served...
    assert any(c and c.startswith("broken.example.com: self-signed") for c in certificates)
    assert json.loads(status)["listeners"][0]["https"] == listener.base_url("https")
    text = "\n".join([status, caplog.text, *seen, *(repr(a) for a in answers)])
    assert not leaks(text)  # ...and its data is nowhere else


def test_serve_banner_logs_and_status_page_hold_no_secret_data():
    proc = subprocess.Popen(
        [sys.executable, "-m", "explorer", "serve", "-f", str(SECURITY), "--http-port", "0", "--https-port", "0",
         "--status-port", "0", "--time-scale", "0.05", "--no-watch"],
        cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE, env={**os.environ, "NO_COLOR": "1"},
    )
    try:
        from test_proxy_serve import read_until

        match, banner = read_until(proc, r"status \(JSON\): (http://127\.0\.0\.1:\d+/)")
        no_proxy = urllib.request.build_opener(urllib.request.ProxyHandler({}))  # whatever http_proxy says
        with no_proxy.open(match.group(1), timeout=10) as response:
            status = json.loads(response.read())
        listener = status["listeners"][0]
        https_port = int(listener["https"].rsplit(":", 1)[1])
        for host in ("shop.example.com", "broken.example.com"):
            head = raw_get(https_port, host, tls=True)
            assert head.startswith("HTTP/1.1 200"), head
        plain = raw_get(int(listener["http"].rsplit(":", 1)[1]), "shop.example.com")
        assert plain.startswith("HTTP/1.1 308")  # to HTTPS, which is never followed
        _, logged = read_until(proc, r"GET shop.example.com/ 308")
    finally:
        proc.send_signal(signal.SIGINT)
        try:
            proc.wait(timeout=15)
        except subprocess.TimeoutExpired:
            proc.kill()
            raise
        rest = proc.stdout.read().decode() + getattr(proc, "pending", "")
        stderr = proc.stderr.read().decode()
        proc.stdout.close()
        proc.stderr.close()
    assert "certificate shop.example.com: Secret default/shop-tls" in banner
    assert not leaks(banner + logged + rest + stderr + json.dumps(status))


def raw_get(port: int, host: str, tls: bool = False) -> str:
    """GET / to 127.0.0.1:port with this Host (and SNI, no certificate check); the status line and headers.

    Raw sockets, so nothing follows a redirect or looks a name up in DNS.
    """
    context = ssl.create_default_context()
    context.check_hostname = False
    context.verify_mode = ssl.CERT_NONE
    with socket.create_connection(("127.0.0.1", port), timeout=10) as raw:
        with context.wrap_socket(raw, server_hostname=host) if tls else raw as conn:
            conn.sendall(f"GET / HTTP/1.1\r\nHost: {host}\r\nConnection: close\r\n\r\n".encode())
            data = b""
            while chunk := conn.recv(65536):
                data += chunk
    return data.split(b"\r\n\r\n", 1)[0].decode()

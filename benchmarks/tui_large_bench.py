"""The TUI on a cluster-sized dump: time to the first frame, time until the Ingress rows are on screen, scrolling.

    .venv/bin/python benchmarks/tui_large_bench.py [--scale 1.0] [--runs 1] [--size 120x40] [--no-scroll]

At `--scale 1.0` the dump is benchmarks/dump.py's full size: 2,000 Ingresses
(10,000 rows), 5,000 Services, 20,000 Pods, about 36 MiB of YAML.

Part one starts `ingress-explorer -f dump.yaml --no-proxy` on a pseudo-terminal
(as startup_bench.py does) and reads what it draws: the first frame is the one
with the Ingress list's title, the rows are on screen when the first Ingress's
host is. A minimal Textual app's first frame is measured in the same run as the
baseline.

Part two runs the app in-process (Textual's Pilot, no terminal) once the rows
are in, and times what a user does next: moving the cursor a row and a page
at a time (each move redraws the flow and manifest of the highlighted row),
jumping to the end and back, and typing a filter on all the rows. The same
keys on a bare DataTable of as many rows, in a minimal app, are the baseline.

Part three (in-process) measures the event loop with the embedded proxy on,
against the same app with it off, in the same run: from the moment the rows are
in, a ticker on the app's loop records its longest stall while the proxy starts
(on demand above 500 Pods), its first probed health redraw lands, keys move the
cursor, and one request goes through the proxy to a Pod.
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path[:0] = [str(HERE), str(HERE.parent)]

from textual.pilot import Pilot  # noqa: E402

from dump import write_dump  # noqa: E402
from startup_bench import MINIMAL_APP, MINIMAL_READY, time_to_text  # noqa: E402

#: The Ingress list's title (drawn in the first frame, before the rows) and the first row's host.
FIRST_FRAME = b"Ingresses"
ROWS_READY = b"h0.example.com"
FILTERED, CLEARED = "filter typed to rows narrowed", "filter cleared to all rows back"


def make_dump(directory: Path, scale: float) -> Path:
    path = directory / "dump.yaml"
    write_dump(path, ingresses=round(2000 * scale), services=round(5000 * scale), pods=round(20000 * scale))
    return path


def time_in_terminal(argv: list[str], size: tuple[int, int], timeout: float) -> tuple[float, float]:
    """(first frame, rows on screen), in seconds from process start, from one run."""
    marks: dict[bytes, float | None] = {FIRST_FRAME: None}
    rows = time_to_text(argv, ROWS_READY, size, timeout=timeout, marks=marks)
    first = marks[FIRST_FRAME]
    assert first is not None, "the rows came without a first frame"
    return first, rows


async def per_key(pilot: Pilot, key: str, times: int) -> float:
    """Seconds per press of `key`, each press handled and drawn before the next (Pilot's own pace)."""
    began = time.perf_counter()
    for _ in range(times):
        await pilot.press(key)
    await pilot.pause()
    return (time.perf_counter() - began) / times


KEYS = (("down", 50), ("pagedown", 20), ("ctrl+end", 1), ("ctrl+home", 1))


async def plain_table_keys(rows: int, size: tuple[int, int]) -> dict[str, float]:
    """The baseline: the same keys on a bare DataTable of as many short rows, in a minimal app."""
    from textual.app import App
    from textual.widgets import DataTable

    class Plain(App[None]):
        def compose(self):
            yield DataTable(cursor_type="row")

        def on_mount(self) -> None:
            table = self.query_one(DataTable)
            table.add_columns(*(f"C{i}" for i in range(9)))
            table.add_rows([f"h{n}.example.com", "/p0", "Prefix", f"app{n}:http", "30000", "4/4", "ok",
                            f"ns{n % 50}/ing{n}", ""] for n in range(rows))

    app = Plain()
    async with app.run_test(size=size) as pilot:
        await pilot.pause(0.5)
        return {key: await per_key(pilot, key, times) for key, times in KEYS}


async def interact(dump: Path, size: tuple[int, int]) -> dict[str, float]:
    """Seconds per cursor move, page, end and filter keystroke on the loaded dump (in-process)."""
    from explorer.tui import create_app

    app = create_app([str(dump)], start_proxy=False, keymap_file=Path("/nonexistent/keymap.toml"))
    out: dict[str, float] = {}
    async with app.run_test(size=size) as pilot:
        started = time.perf_counter()
        while app.view is None:
            await pilot.pause(0.05)
        await pilot.pause()
        out["in-process load to rows"] = time.perf_counter() - started
        table = app.explore.table  # type: ignore[union-attr]
        out["rows"] = table.row_count
        for key, times in KEYS:
            out[key] = await per_key(pilot, key, times)
        await pilot.press("slash")
        began = time.perf_counter()
        await pilot.press(*"h1.example")
        while app.explore.table.row_count == out["rows"]:  # type: ignore[union-attr]
            await pilot.pause(0.02)
        await pilot.pause()
        out[FILTERED] = time.perf_counter() - began
        out["rows after filter"] = app.explore.table.row_count  # type: ignore[union-attr]
        began = time.perf_counter()
        await pilot.press("escape")
        while app.explore.table.row_count != out["rows"]:  # type: ignore[union-attr]
            await pilot.pause(0.02)
        out[CLEARED] = time.perf_counter() - began
    return out


async def loop_with_proxy(dump: Path, size: tuple[int, int], proxy: bool, window: float = 8.0) -> dict[str, float]:
    """Longest event-loop stall and ms per cursor key from the rows on, with the embedded proxy on or off."""
    from explorer.tui import create_app

    app = create_app([str(dump)], start_proxy=proxy, keymap_file=Path("/nonexistent/keymap.toml"))
    out: dict[str, float] = {}
    async with app.run_test(size=size) as pilot:
        while app.view is None:
            await pilot.pause(0.05)
        stalls: list[float] = []
        stop = asyncio.Event()

        async def ticker() -> None:
            last = time.perf_counter()
            while not stop.is_set():
                await asyncio.sleep(0.005)
                now = time.perf_counter()
                stalls.append(now - last - 0.005)
                last = now

        began = time.perf_counter()
        tick = asyncio.create_task(ticker())
        if proxy:
            while app.traffic is None or not app.view.probed or app._health_redrawing:  # type: ignore[union-attr]
                await pilot.pause(0.05)
            out["proxy up and health drawn (s)"] = time.perf_counter() - began
        out["down"] = await per_key(pilot, "down", 30)
        if proxy:
            sent = time.perf_counter()
            summary = await app.traffic.send("GET", "http://h1.example.com/p0")  # type: ignore[union-attr]
            out["first request (ms)"] = (time.perf_counter() - sent) * 1000
            out["status"] = summary.status
            sent = time.perf_counter()
            await app.traffic.send("GET", "http://h1.example.com/p0")  # type: ignore[union-attr]
            out["second request (ms)"] = (time.perf_counter() - sent) * 1000
            sims = getattr(app.traffic, "sims", None)
            out["servers"] = sims.servers_started if sims is not None else 0
        await asyncio.sleep(max(window - (time.perf_counter() - began), 0))
        stop.set()
        await tick
        out["longest stall (ms)"] = max(stalls) * 1000
        out["stalls over 100 ms"] = sum(1 for s in stalls if s > 0.1)
    return out


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--scale", type=float, default=1.0, help="1.0 = 2,000 Ingresses / 10,000 rows")
    parser.add_argument("--runs", type=int, default=1)
    parser.add_argument("--size", default="120x40", help="terminal COLUMNSxROWS (default 120x40)")
    parser.add_argument("--timeout", type=float, default=600.0, help="seconds to wait for the rows")
    parser.add_argument("--no-scroll", action="store_true", help="skip the in-process scrolling part")
    parser.add_argument("--no-terminal", action="store_true", help="skip the pseudo-terminal part")
    parser.add_argument("--no-proxy-part", action="store_true", help="skip the proxy on / off part")
    args = parser.parse_args()
    size = tuple(int(n) for n in args.size.split("x"))
    with tempfile.TemporaryDirectory(prefix="tui-large-") as tmp:
        dump = make_dump(Path(tmp), args.scale)
        print(f"dump: {dump.stat().st_size / 2**20:.1f} MiB, scale {args.scale}")
        minimal = [sys.executable, "-c", MINIMAL_APP]
        explorer = [sys.executable, "-m", "explorer", "-f", str(dump), "--no-proxy"]
        time_to_text(minimal, MINIMAL_READY, size)  # warm the file cache once
        baseline, first, rows = [], [], []
        for _ in range(0 if args.no_terminal else args.runs):
            baseline.append(time_to_text(minimal, MINIMAL_READY, size))
            a, b = time_in_terminal(explorer, size, args.timeout)
            first.append(a)
            rows.append(b)
        if not args.no_terminal:
            base = statistics.median(baseline)
            print(f"minimal Textual app, first frame : {base * 1000:7.0f} ms")
            print(f"explorer, first frame (loading)   : {statistics.median(first) * 1000:7.0f} ms  "
                  f"({statistics.median(first) / base:.2f}x the minimal app)")
            print(f"explorer, Ingress rows on screen  : {statistics.median(rows) * 1000:7.0f} ms  "
                  f"({statistics.median(rows) / base:.1f}x the minimal app)  [{args.runs} run(s), {args.size}]")
        if not args.no_proxy_part:
            off = asyncio.run(loop_with_proxy(dump, size, proxy=False))
            on = asyncio.run(loop_with_proxy(dump, size, proxy=True))
            print("event loop from the rows on (8 s window), embedded proxy off / on:")
            print(f"  longest stall     : {off['longest stall (ms)']:7.0f} ms / {on['longest stall (ms)']:7.0f} ms  "
                  f"({on['longest stall (ms)'] / max(off['longest stall (ms)'], 1):.2f}x)")
            print(f"  stalls over 100 ms: {off['stalls over 100 ms']:7.0f}    / {on['stalls over 100 ms']:7.0f}")
            print(f"  cursor down, per key: {off['down'] * 1000:5.0f} ms / {on['down'] * 1000:5.0f} ms  "
                  f"({on['down'] / off['down']:.2f}x)")
            print(f"  proxy up and health drawn {on['proxy up and health drawn (s)']:.1f} s after the rows; "
                  f"GET h1.example.com/p0 -> {on['status']:.0f} in {on['first request (ms)']:.0f} ms "
                  f"(Pods started, first checks), again in {on['second request (ms)']:.0f} ms; "
                  f"{on['servers']:.0f} Pod servers started")
        if not args.no_scroll:
            ours = asyncio.run(interact(dump, size))
            plain = asyncio.run(plain_table_keys(int(ours["rows"]), size))
            print(f"in-process, load to rows: {ours['in-process load to rows']:.1f} s; "
                  f"keys on {ours['rows']:,.0f} rows (ms per key, the next key after the screen is drawn):")
            print(f"  {'key':10s} {'explorer':>9s} {'bare DataTable':>15s}  ratio")
            for key, _ in KEYS:
                print(f"  {key:10s} {ours[key] * 1000:9.1f} {plain[key] * 1000:15.1f}  {ours[key] / plain[key]:5.2f}x")
            print(f"  filter 'h1.example' typed (10 keys) until {ours['rows after filter']:.0f} rows are left: "
                  f"{ours[FILTERED] * 1000:.0f} ms; esc until all rows are back: {ours[CLEARED] * 1000:.0f} ms")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

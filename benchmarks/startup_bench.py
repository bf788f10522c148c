"""Time to the first complete frame: `ingress-explorer` on the bundled scenario against a minimal Textual app.

    .venv/bin/python benchmarks/startup_bench.py [--runs 5] [--size 120x40]

Each run starts a real process on a pseudo-terminal of the given size and
reads what it draws; the clock stops when the screen shows the bundled
scenario's Ingress rows (for the explorer) or the minimal app's one line.
Both are measured in the same run, so the ratio is the figure that matters
(machines differ). The explorer starts its proxy as it always does: after
the first frame, in a worker.
"""

from __future__ import annotations

import argparse
import fcntl
import os
import pty
import select
import signal
import statistics
import struct
import subprocess
import sys
import termios
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent

#: Text that appears only once the scenario's rows are drawn (the second rule's backend).
EXPLORER_READY = b"my-nodeport-02"
MINIMAL_READY = b"minimal-app-ready"

MINIMAL_APP = """
from textual.app import App
from textual.widgets import Footer, Header, Static

class Minimal(App):
    BINDINGS = [("q", "quit", "Quit")]

    def compose(self):
        yield Header()
        yield Static("minimal-app-ready")
        yield Footer()

Minimal().run()
"""


def time_to_text(argv: list[str], ready: bytes, size: tuple[int, int], timeout: float = 30.0,
                 marks: dict[bytes, float | None] | None = None, cwd: Path = ROOT) -> float:
    """Seconds from process start until `ready` has been written to the terminal.

    `marks` names texts that show up earlier (a loading message): each None is
    replaced by the seconds until that text was first written.
    """
    marks = marks if marks is not None else {}
    master, slave = pty.openpty()
    columns, rows = size
    fcntl.ioctl(slave, termios.TIOCSWINSZ, struct.pack("HHHH", rows, columns, 0, 0))
    env = {**os.environ, "TERM": "xterm-256color", "COLUMNS": str(columns), "LINES": str(rows)}
    env.pop("NO_COLOR", None)
    # byte-code written (by the warm-up run) and read, as an installed package has its .pyc files; with
    # PYTHONDONTWRITEBYTECODE every run would compile the explorer's sources again (textual's came from pip)
    env.pop("PYTHONDONTWRITEBYTECODE", None)
    started = time.perf_counter()
    process = subprocess.Popen(argv, stdin=slave, stdout=slave, stderr=slave, cwd=cwd, env=env,
                               start_new_session=True)
    os.close(slave)
    seen = b""
    try:
        while True:
            left = timeout - (time.perf_counter() - started)
            if left <= 0:
                raise TimeoutError(f"{' '.join(argv)} drew no {ready!r} in {timeout} s; last output: {seen[-300:]!r}")
            readable, _, _ = select.select([master], [], [], left)
            if not readable:
                continue
            try:
                chunk = os.read(master, 65536)
            except OSError:  # the process ended
                raise RuntimeError(f"{' '.join(argv)} ended before drawing {ready!r}: {seen[-300:]!r}") from None
            seen = (seen + chunk)[-200_000:]
            now = time.perf_counter() - started
            for text in [t for t, at in marks.items() if at is None and t in seen]:
                marks[text] = now
            if ready in seen:
                return time.perf_counter() - started
    finally:
        os.killpg(process.pid, signal.SIGTERM)
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait()
        os.close(master)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--size", default="120x40", help="terminal COLUMNSxROWS (default 120x40)")
    parser.add_argument("--against", metavar="DIR",
                        help="also time another checkout (e.g. `git archive main | tar -x -C DIR`) in the same runs")
    args = parser.parse_args()
    size = tuple(int(n) for n in args.size.split("x"))
    explorer = [sys.executable, "-m", "explorer"]  # from its checkout: sys.path[0] is the working directory
    minimal = [sys.executable, "-c", MINIMAL_APP]
    other = Path(args.against).resolve() if args.against else None
    time_to_text(minimal, MINIMAL_READY, size)  # warm the file cache once for both, and write byte-code
    time_to_text(explorer, EXPLORER_READY, size)
    if other:
        time_to_text(explorer, EXPLORER_READY, size, cwd=other)
    ours, theirs, others = [], [], []
    for _ in range(args.runs):
        theirs.append(time_to_text(minimal, MINIMAL_READY, size))
        ours.append(time_to_text(explorer, EXPLORER_READY, size))
        if other:
            others.append(time_to_text(explorer, EXPLORER_READY, size, cwd=other))
    ours_median, theirs_median = statistics.median(ours), statistics.median(theirs)
    if other:
        print(f"{other.name}, bundled scenario on screen: median {statistics.median(others) * 1000:6.0f} ms  "
              f"(min {min(others) * 1000:.0f}, max {max(others) * 1000:.0f}): "
              f"{statistics.median(others) / theirs_median:.2f}x the minimal app")
    print(f"minimal Textual app, first frame:           median {theirs_median * 1000:6.0f} ms  "
          f"(min {min(theirs) * 1000:.0f}, max {max(theirs) * 1000:.0f})")
    print(f"ingress-explorer, bundled scenario on screen: median {ours_median * 1000:6.0f} ms  "
          f"(min {min(ours) * 1000:.0f}, max {max(ours) * 1000:.0f})")
    print(f"ratio: {ours_median / theirs_median:.2f}x the minimal app ({args.runs} runs, {args.size})")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

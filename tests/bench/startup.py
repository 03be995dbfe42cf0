"""Benchmark: start-up times, measured from outside as a user sees them.

- `ordertui --help`: wall time of the whole process (median of N runs).
- `ordertui` (demo, simulator included): time from spawning the process in a pseudo-terminal
  (80x24) until the first frame is drawn (the header's name appears on the terminal), and until
  the demo orders are on screen (the footer's "40 orders").

Prints one JSON line and a human table. Not collected by pytest.

    python tests/bench/startup.py [--runs 7]
"""

from __future__ import annotations

import argparse
import fcntl
import json
import os
import pty
import re
import select
import signal
import statistics
import struct
import subprocess
import sys
import tempfile
import termios
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
ANSI = re.compile(rb"\x1b\[[0-9;?]*[ -/]*[@-~]|\x1b\][^\x07]*\x07|\x1b[()][0-9A-Za-z]|\x1b.")


def ordertui() -> list[str]:
    return [sys.executable, "-m", "tui"]


def help_time(runs: int) -> list[float]:
    times = []
    for _ in range(runs):
        started = time.perf_counter()
        subprocess.run(ordertui() + ["--help"], cwd=ROOT, capture_output=True, check=True)
        times.append(time.perf_counter() - started)
    return times


def tui_times(home: str, timeout: float = 20.0) -> tuple[float, float]:
    pid, fd = pty.fork()
    if pid == 0:  # child: the app in an 80x24 terminal, fresh home, no config
        os.chdir(ROOT)
        env = dict(
            os.environ,
            HOME=home,
            TERM="xterm-256color",
            XDG_CONFIG_HOME=f"{home}/.config",
            XDG_DATA_HOME=f"{home}/.local/share",
            XDG_STATE_HOME=f"{home}/.local/state",
        )
        for key in list(env):
            if key.startswith(("UPBIT_", "B2TRADER_")):
                env.pop(key)
        os.execvpe(ordertui()[0], ordertui(), env)
    fcntl.ioctl(fd, termios.TIOCSWINSZ, struct.pack("HHHH", 24, 80, 0, 0))
    started = time.perf_counter()
    first = loaded = None
    seen = b""
    try:
        while time.perf_counter() - started < timeout and loaded is None:
            ready, _, _ = select.select([fd], [], [], 0.05)
            if not ready:
                continue
            try:
                chunk = os.read(fd, 65536)
            except OSError:
                break
            seen += ANSI.sub(b"", chunk)
            if first is None and b"ordertui" in seen:
                first = time.perf_counter() - started
            if re.search(rb"\b40\s+orders", seen):
                loaded = time.perf_counter() - started
    finally:
        os.kill(pid, signal.SIGTERM)
        try:
            os.waitpid(pid, 0)
        except ChildProcessError:
            pass
        os.close(fd)
    return first if first is not None else float("nan"), loaded if loaded is not None else float(
        "nan"
    )


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=7)
    args = parser.parse_args()
    helps = help_time(args.runs)
    firsts, loads = [], []
    for _ in range(args.runs):
        with tempfile.TemporaryDirectory() as home:
            first, loaded = tui_times(home)
        firsts.append(first)
        loads.append(loaded)
    result = {
        "bench": "startup",
        "runs": args.runs,
        "help_s_median": round(statistics.median(helps), 3),
        "help_s_max": round(max(helps), 3),
        "first_frame_s_median": round(statistics.median(firsts), 3),
        "first_frame_s_max": round(max(firsts), 3),
        "orders_shown_s_median": round(statistics.median(loads), 3),
        "orders_shown_s_max": round(max(loads), 3),
    }
    print(json.dumps(result))
    print()
    print(f"{'measure':<40} {'median':>8} {'max':>8} {'target':>8}")
    print(
        f"{'ordertui --help':<40} {result['help_s_median']:>8.3f} {result['help_s_max']:>8.3f} {0.3:>8.3f}"
    )
    print(
        f"{'ordertui (demo): first frame':<40} {result['first_frame_s_median']:>8.3f} "
        f"{result['first_frame_s_max']:>8.3f} {0.6:>8.3f}"
    )
    print(
        f"{'ordertui (demo): orders on screen':<40} {result['orders_shown_s_median']:>8.3f} "
        f"{result['orders_shown_s_max']:>8.3f} {'-':>8}"
    )
    misses = []
    if result["help_s_median"] > 0.3:
        misses.append(f"ordertui --help median {result['help_s_median']} s > 0.3")
    if result["first_frame_s_median"] > 0.6:
        misses.append(f"first frame median {result['first_frame_s_median']} s > 0.6")
    if misses:
        print("MISSED: " + "; ".join(misses))
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())

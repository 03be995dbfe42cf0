"""Benchmark: `ordertui cancel --all` on a 10,000-order simulator book at 30 req/s, nothing
listed first, in exact mode and in panic mode (--server-side). Not collected by pytest.

The list-then-batch floor: (N/100 list + N/20 cancel + N/100 look-up requests) / 30 req/s,
23.3 s for 10,000 orders. Targets (issue 12): exact mode <= 1.1 x floor with 0 x 429; panic
mode <= 0.8 x floor, 0 x 418, at most 2 x 429. Each run is the real command line (a
subprocess, journal fsyncs included) against a fresh simulator; the time is the command's
whole wall time, Python's start-up included. Exits 1 when a target is missed.

    python tests/bench/cancel_by_rule.py [--orders 10000] [--modes exact,panic]
"""

from __future__ import annotations

import argparse
import json
import math
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

from tui.simulator.config import SimConfig  # noqa: E402
from tui.simulator.server import SimulatorServer  # noqa: E402


def floor_s(n: int, rps: int = 30) -> tuple[int, float]:
    requests = math.ceil(n / 100) + math.ceil(n / 20) + math.ceil(n / 100)
    return requests, requests / rps


def run_mode(mode: str, n: int, seed: int) -> dict:
    with (
        SimulatorServer(SimConfig(orders=n, b2_orders=0, seed=seed)) as server,
        tempfile.TemporaryDirectory() as home,
    ):
        creds = server.credentials["upbit"]
        env = {k: v for k, v in os.environ.items() if not k.startswith(("UPBIT_", "ORDERTUI_"))}
        env.update(
            HOME=home,
            XDG_CONFIG_HOME=f"{home}/.config",
            XDG_DATA_HOME=f"{home}/.local/share",
            XDG_STATE_HOME=f"{home}/.local/state",
            UPBIT_OPEN_API_ACCESS_KEY=creds["access_key"],
            UPBIT_OPEN_API_SECRET_KEY=creds["secret_key"],
            UPBIT_OPEN_API_SERVER_URL=server.base_url,
            PYTHONWARNINGS="ignore",
        )
        argv = [sys.executable, "-m", "tui", "cancel", "--all", "--yes", "--json"]
        if mode == "panic":
            argv.append("--server-side")
        started = time.perf_counter()
        done = subprocess.run(argv, env=env, capture_output=True, text=True, cwd=ROOT)
        wall = time.perf_counter() - started
        stats = server.state.stats
        open_left = len(server.state.upbit_open_orders())
        http_429, http_418 = stats.rate_limited, stats.banned
    if done.returncode != 0:
        sys.stderr.write(done.stderr[-2000:])
    body = json.loads(done.stdout) if done.stdout.strip() else {}
    requests, limit = floor_s(n)
    out = {
        "bench": "cancel_by_rule",
        "mode": mode,
        "orders": n,
        "exit": done.returncode,
        "wall_s": round(wall, 3),
        "floor_s": round(limit, 3),
        "ratio": round(wall / limit, 3),
        "http_429": http_429,
        "http_418": http_418,
        "cancelled": len(body.get("cancelled", [])),
        "failed": len(body.get("failed", [])),
        "open_left": open_left,
        "requests": body.get("requests"),
        "floor_requests": requests,
    }
    if "paths" in body:
        out["paths"] = body["paths"]
    target = 1.1 if mode == "exact" else 0.8
    out["target_ratio"] = target
    out["ok"] = bool(
        done.returncode == 0
        and out["ratio"] <= target
        and open_left == 0
        and http_418 == 0
        and http_429 <= (0 if mode == "exact" else 2)
    )
    return out


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--orders", type=int, default=10_000)
    parser.add_argument("--modes", default="exact,panic")
    parser.add_argument("--seed", type=int, default=7)
    args = parser.parse_args()
    results = [run_mode(m, args.orders, args.seed) for m in args.modes.split(",")]
    for r in results:
        print(json.dumps(r))
    print(
        f"\n{'mode':<7}{'wall s':>9}{'floor s':>9}{'ratio':>7}{'target':>8}{'429':>5}"
        f"{'418':>5}{'cancelled':>11}  ok"
    )
    for r in results:
        print(
            f"{r['mode']:<7}{r['wall_s']:>9.2f}{r['floor_s']:>9.2f}{r['ratio']:>7.2f}"
            f"{r['target_ratio']:>8.2f}{r['http_429']:>5}{r['http_418']:>5}{r['cancelled']:>11}"
            f"  {'yes' if r['ok'] else 'NO'}"
        )
        if "paths" in r:
            p = r["paths"]
            print(
                f"         server side: {p['server_side']['cancelled']} cancelled in "
                f"{p['server_side']['requests']} requests; by id: {p['by_id']['cancelled']} "
                f"cancelled in {p['by_id']['requests']} requests "
                f"({p['by_id']['list_requests']} list pages)"
            )
    return 0 if all(r["ok"] for r in results) else 1


if __name__ == "__main__":
    sys.exit(main())

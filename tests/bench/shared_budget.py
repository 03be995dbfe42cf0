"""Benchmark: sharing the account's rate budget (issue 13). Not collected by pytest.

Against the simulator at its 30 requests/s, each `ordertui cancel` a real subprocess (as two
terminals would run it), in one run side by side:
- single:      one process, N orders (the reference);
- two:         two processes x N orders on one key (the shared budget file);
- two-off:     the same with ORDERTUI_SHARED_BUDGET=off (each process alone, only the server's
               Remaining-Req to go by), for comparison;
- background:  one process, N orders, while the simulator spends --background-rps R of the
               account's budget as another client would.
The floor of a run is its requests at the rate left to it (30/s, or 30 - R). `wall` is the time
at the exchange from the first request's arrival to the last one's; `proc` adds the processes'
start-up. Targets: two <= 1.2 x the 2N floor, <= 3 x 429, 0 x 418; background <= 1.2 x the floor
at the rate left, <= 3 x 429. Exit 1 on a miss.

    python tests/bench/shared_budget.py [--orders 1000] [--background-rps 10] [--repeat 1]
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

REPO = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(REPO))

from tui.simulator.config import SimConfig  # noqa: E402
from tui.simulator.server import SimulatorServer  # noqa: E402


def requests_for(n: int) -> int:
    return math.ceil(n / 20) + math.ceil(n / 100)  # batch cancels of 20, look-ups of 100


def _env(server: SimulatorServer, home: Path, **extra: str) -> dict[str, str]:
    creds = server.credentials["upbit"]
    env = {k: v for k, v in os.environ.items() if not k.startswith(("UPBIT_", "ORDERTUI_"))}
    env.update(
        HOME=str(home),
        XDG_CONFIG_HOME=str(home / "config"),
        XDG_DATA_HOME=str(home / "data"),
        XDG_STATE_HOME=str(home / "state"),
        UPBIT_OPEN_API_ACCESS_KEY=creds["access_key"],
        UPBIT_OPEN_API_SECRET_KEY=creds["secret_key"],
        UPBIT_OPEN_API_SERVER_URL=server.base_url,
        PYTHONPATH=str(REPO),
        PYTHONWARNINGS="ignore",
        **extra,
    )
    return env


def run(name: str, processes: int, n: int, *, background: float = 0.0, **env_extra: str) -> dict:
    extra = {"background_rps": background} if background else {}
    config = SimConfig(orders=processes * n, b2_orders=0, seed=13, **extra)
    with SimulatorServer(config) as server, tempfile.TemporaryDirectory() as tmp:
        home = Path(tmp)
        arrivals: list[float] = []
        server.state.arrival_hook = lambda info: arrivals.append(info["arrived"])
        uuids = [o["uuid"] for o in server.state.upbit_open_orders()]
        env = _env(server, home, **env_extra)
        procs = []
        started = time.monotonic()
        for i in range(processes):
            path = home / f"part{i}.txt"
            path.write_text("\n".join(uuids[i * n : (i + 1) * n]) + "\n")
            procs.append(
                subprocess.Popen(
                    [sys.executable, "-m", "tui", "cancel", "--from-file", str(path), "--yes"]
                    + ["--json"],
                    env=env,
                    cwd=home,
                    stdout=subprocess.PIPE,
                    stderr=subprocess.PIPE,
                    stdin=subprocess.DEVNULL,
                    text=True,
                )
            )
        outs = [p.communicate(timeout=600) for p in procs]
        proc_wall = time.monotonic() - started
        cancelled = 0
        for p, (out, err) in zip(procs, outs, strict=True):
            if p.returncode != 0:
                print(f"{name}: exit {p.returncode}: {err.strip()[-500:]}", file=sys.stderr)
            try:
                cancelled += len(json.loads(out.strip().splitlines()[-1])["cancelled"])
            except (ValueError, IndexError, KeyError):
                pass
        stats = server.state.stats
        left = config.rps - background
        requests = processes * requests_for(n)
        floor = requests / left
        wall = arrivals[-1] - arrivals[0] if arrivals else float("nan")
        return {
            "bench": "shared_budget",
            "run": name,
            "processes": processes,
            "orders": processes * n,
            "cancelled": cancelled,
            "requests": len(arrivals),
            "floor_requests": requests,
            "rate_left": left,
            "floor_s": round(floor, 3),
            "wall_s": round(wall, 3),
            "ratio": round(wall / floor, 3),
            "proc_s": round(proc_wall, 3),
            "http_429": stats.rate_limited,
            "http_418": stats.banned,
            "background_requests": getattr(stats, "background_requests", 0),
            "background_429": getattr(stats, "background_429", 0),  # (older simulators)
        }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--orders", type=int, default=1000, help="orders per process")
    parser.add_argument("--background-rps", type=float, default=10.0)
    parser.add_argument("--repeat", type=int, default=1)
    parser.add_argument("--runs", default="single,two,two-off,background")
    args = parser.parse_args()
    n = args.orders
    plans = {
        "single": lambda: run("single", 1, n),
        "two": lambda: run("two", 2, n),
        "two-off": lambda: run("two-off", 2, n, ORDERTUI_SHARED_BUDGET="off"),
        "background": lambda: run("background", 1, n, background=args.background_rps),
    }
    results = []
    for _ in range(args.repeat):
        for name in args.runs.split(","):
            result = plans[name]()
            results.append(result)
            print(json.dumps(result), flush=True)
    print()
    print(
        f"{'run':<11} {'orders':>6} {'req':>5} {'left/s':>6} {'floor s':>8} {'wall s':>7} "
        f"{'ratio':>6} {'proc s':>7} {'429':>4} {'418':>4} {'bg 429':>6}"
    )
    for r in results:
        print(
            f"{r['run']:<11} {r['orders']:>6} {r['requests']:>5} {r['rate_left']:>6g} "
            f"{r['floor_s']:>8.2f} {r['wall_s']:>7.2f} {r['ratio']:>6.2f} {r['proc_s']:>7.2f} "
            f"{r['http_429']:>4} {r['http_418']:>4} {r['background_429']:>6}"
        )
    misses = []
    for r in results:
        if r["cancelled"] != r["orders"]:
            misses.append(f"{r['run']}: {r['cancelled']} of {r['orders']} cancelled")
        if r["run"] in ("two", "background"):
            if r["ratio"] > 1.2:
                misses.append(f"{r['run']}: {r['ratio']} x the floor (target <= 1.2)")
            if r["http_429"] > 3:
                misses.append(f"{r['run']}: {r['http_429']} x 429 (target <= 3)")
            if r["http_418"]:
                misses.append(f"{r['run']}: {r['http_418']} x 418 (target 0)")
    print("targets:", "met" if not misses else "NOT met: " + "; ".join(misses))
    return 1 if misses else 0


if __name__ == "__main__":
    sys.exit(main())

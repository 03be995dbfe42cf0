"""Benchmark: three profiles x N orders in one `ordertui cancel --all-profiles` run.

Profiles p and q share one key (one account, one 30 req/s budget) on simulator 1; profile r
has its own account on simulator 2. The floor of N orders is ceil(N/20) + ceil(N/100)
requests at 30/s (as in cancel_throughput.py): r should finish at its own floor, p and q,
whose requests the exchange counts together, within 1.2 x the floor of 2N orders. The same N
on one profile alone (one `--profile`) is run first, side by side.

    python tests/bench/multi_profile.py [--orders 1000] [--rps 30]

Prints one JSON line and a table; exits 1 when a target is missed.
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

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

from tests.conftest import home_env  # noqa: E402
from tui.simulator.config import SimConfig  # noqa: E402
from tui.simulator.server import SimulatorServer  # noqa: E402

TARGET_ALONE = 1.2  # the separate profile: at its own floor (the one-process figure is 0.97-1.08)
TARGET_SHARED = 1.2


def floor_s(n: int, rps: int) -> float:
    return (math.ceil(n / 20) + math.ceil(n / 100)) / rps


def profile_toml(name: str, server: SimulatorServer) -> str:
    creds = server.credentials["upbit"]
    return (
        f'[profiles.{name}]\nexchange = "upbit"\nbase_url = "{server.base_url}"\n'
        f'access_key = "{creds["access_key"]}"\nsecret_key = "{creds["secret_key"]}"\n'
    )


def tagged(name: str, orders: list[dict]) -> str:
    return json.dumps({"profile": name, "orders": orders}) + "\n"


CPU: dict[str, float] = {}  # the last cancel process's CPU time (user + system), seconds


def cancel(home: Path, config: Path, orders: Path, *profiles: str) -> tuple[float, list[dict]]:
    selection = (
        ["--all-profiles"] if not profiles else [a for p in profiles for a in ("--profile", p)]
    )
    env = home_env(home, ORDERTUI_JOURNAL_DIR=str(home / "journal"), PYTHONWARNINGS="ignore")
    argv = [sys.executable, "-m", "tui", "cancel", *selection, "--from-file", str(orders)]
    started = time.perf_counter()
    before = os.times()
    done = subprocess.run(
        [*argv, "--yes", "--json", "--config", str(config)],
        env=env,
        capture_output=True,
        text=True,
        stdin=subprocess.DEVNULL,
        timeout=600,
    )
    wall = time.perf_counter() - started
    after = os.times()
    CPU["last"] = (after.children_user - before.children_user) + (
        after.children_system - before.children_system
    )
    if done.returncode != 0:
        sys.exit(f"cancel exited {done.returncode}: {done.stderr.strip()[:500]}")
    return wall, [json.loads(line) for line in done.stdout.splitlines() if line.strip()]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--orders", type=int, default=1000, help="orders per profile")
    parser.add_argument("--rps", type=int, default=30)
    parser.add_argument("--seed", type=int, default=13)
    args = parser.parse_args()
    n, rps = args.orders, args.rps
    home = Path(tempfile.mkdtemp(prefix="ordertui-bench-"))
    config = home / "config.toml"

    # Side by side: one profile alone, the same N on its own simulator.
    with SimulatorServer(SimConfig(orders=n, b2_orders=0, seed=args.seed, rps=rps)) as alone:
        config.write_text(profile_toml("solo", alone))
        config.chmod(0o600)
        path = home / "solo.jsonl"
        # One --profile: today's single-profile path; its file is the JSON of `orders --json`.
        path.write_text(json.dumps({"orders": alone.state.upbit_open_orders()}))
        _, (solo,) = cancel(home, config, path, "solo")
        solo_429 = alone.state.stats.rate_limited

    shared = SimulatorServer(SimConfig(orders=2 * n, b2_orders=0, seed=args.seed + 1, rps=rps))
    separate = SimulatorServer(SimConfig(orders=n, b2_orders=0, seed=args.seed + 2, rps=rps))
    with shared, separate:
        config.write_text(
            profile_toml("p", shared) + profile_toml("q", shared) + profile_toml("r", separate)
        )
        both = shared.state.upbit_open_orders()
        path = home / "three.jsonl"
        path.write_text(
            tagged("p", both[:n])
            + tagged("q", both[n:])
            + tagged("r", separate.state.upbit_open_orders())
        )
        wall, reports = cancel(home, config, path)
        shared_429 = shared.state.stats.rate_limited
        separate_429 = separate.state.stats.rate_limited
        left = len(shared.state.upbit_open_orders()) + len(separate.state.upbit_open_orders())

    by = {r["profile"]: r for r in reports}
    one, two = floor_s(n, rps), floor_s(2 * n, rps)
    pair_s = max(by["p"]["elapsed_s"], by["q"]["elapsed_s"])
    result = {
        "bench": "multi_profile",
        "orders_per_profile": n,
        "rps": rps,
        "solo_s": solo["elapsed_s"],
        "solo_ratio": round(solo["elapsed_s"] / one, 3),
        "solo_429": solo_429,
        "separate_s": by["r"]["elapsed_s"],
        "separate_floor_s": round(one, 3),
        "separate_ratio": round(by["r"]["elapsed_s"] / one, 3),
        "separate_vs_solo": round(by["r"]["elapsed_s"] / solo["elapsed_s"], 3),
        "pair_s": pair_s,
        "pair_floor_s": round(two, 3),
        "pair_ratio": round(pair_s / two, 3),
        "p_s": by["p"]["elapsed_s"],
        "q_s": by["q"]["elapsed_s"],
        "process_wall_s": round(wall, 3),
        "process_cpu_s": round(CPU["last"], 3),
        "load_avg_1m": round(os.getloadavg()[0], 2),
        "http_429_shared": shared_429,
        "http_429_separate": separate_429,
        "cancelled": sum(len(r["cancelled"]) for r in reports),
        "left_open": left,
    }
    print(json.dumps(result), flush=True)
    print()
    print(f"{'':<28} {'wall s':>7} {'floor s':>8} {'ratio':>6} {'429s':>5}")
    print(
        f"{'one profile alone':<28} {solo['elapsed_s']:>7.2f} {one:>8.2f} "
        f"{result['solo_ratio']:>6.2f} {solo_429:>5}"
    )
    print(
        f"{'r (own account)':<28} {by['r']['elapsed_s']:>7.2f} {one:>8.2f} "
        f"{result['separate_ratio']:>6.2f} {separate_429:>5}"
    )
    print(
        f"{'p + q (one key, together)':<28} {pair_s:>7.2f} {two:>8.2f} "
        f"{result['pair_ratio']:>6.2f} {shared_429:>5}"
    )
    print(
        f"(p {by['p']['elapsed_s']:.2f} s, q {by['q']['elapsed_s']:.2f} s; r "
        f"{result['separate_vs_solo']:.2f} x the profile alone; process {wall:.2f} s wall, "
        f"{CPU['last']:.2f} s CPU; load {result['load_avg_1m']})"
    )
    misses = []
    if result["separate_ratio"] > TARGET_ALONE:
        misses.append(f"r took {result['separate_ratio']} x its floor (target {TARGET_ALONE})")
    if result["pair_ratio"] > TARGET_SHARED:
        misses.append(
            f"p+q took {result['pair_ratio']} x their shared floor (target {TARGET_SHARED})"
        )
    if shared_429 + separate_429 > 3:
        misses.append(f"{shared_429 + separate_429} x 429 (target <= 3)")
    if result["cancelled"] != 3 * n or left:
        misses.append(f"{result['cancelled']} cancelled of {3 * n}, {left} left open")
    for miss in misses:
        print("MISSED:", miss)
    print("targets", "met" if not misses else "NOT met")
    return 1 if misses else 0


if __name__ == "__main__":
    sys.exit(main())

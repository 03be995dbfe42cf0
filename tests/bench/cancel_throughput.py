"""Benchmark: cancelling N Upbit orders against the simulator at its default 30 req/s.

Prints one JSON line per N and a human table. Not collected by pytest.

The physical limit: 30 requests/s in the default group, 20 ids per batch cancel, 100 per
batch look-up, so N orders need ceil(N/20) + ceil(N/100) requests: (that)/30 seconds.
The baseline cancels one order per request (what ccxt and pyupbit do), same simulator
settings, same process, no look-ups.

    python tests/bench/cancel_throughput.py [--sizes 100,1000,10000] [--baseline-max 1000]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import math
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

from tui.core.engine import CancelEngine  # noqa: E402
from tui.core.ports import Endpoints  # noqa: E402
from tui.core.refs import OrderRef  # noqa: E402
from tui.exchanges.upbit import UpbitClient  # noqa: E402
from tui.simulator.config import SimConfig  # noqa: E402
from tui.simulator.server import SimulatorServer  # noqa: E402


def physical_limit(n: int, rps: int = 30) -> tuple[int, float]:
    requests = math.ceil(n / 20) + math.ceil(n / 100)
    return requests, requests / rps


async def _cancel(server: SimulatorServer, *, one_by_one: bool) -> dict:
    creds = server.credentials["upbit"]
    client = UpbitClient(creds["access_key"], creds["secret_key"], base_url=server.base_url)
    if one_by_one:
        client.batch_cancel_max = 1
        client.endpoints = Endpoints(
            cancel_one=client.endpoints.cancel_one, cancel_batch=None, lookup=None
        )
    refs = [OrderRef.uuid(o["uuid"]) for o in server.state.upbit_open_orders()]
    engine = CancelEngine(client)
    engine.options.confirm = not one_by_one
    started = time.perf_counter()
    report = await engine.run(refs)
    wall = time.perf_counter() - started
    await client.aclose()
    return {
        "wall_s": wall,
        "requests": report.requests,
        "counts": report.counts,
        "client_429": client.rate_limited,
        "server_429": server.state.stats.rate_limited,
    }


def measure(n: int, *, baseline: bool, seed: int) -> dict:
    config = SimConfig(orders=n, b2_orders=0, seed=seed)
    with SimulatorServer(config) as server:
        run = asyncio.run(_cancel(server, one_by_one=False))
    requests, limit = physical_limit(n)
    out = {
        "bench": "cancel_throughput",
        "n": n,
        "requests": run["requests"],
        "limit_requests": requests,
        "wall_s": round(run["wall_s"], 3),
        "limit_s": round(limit, 3),
        "ratio": round(run["wall_s"] / limit, 3),
        "http_429": run["server_429"],
        "cancelled": run["counts"]["cancelled"],
    }
    if baseline:
        with SimulatorServer(SimConfig(orders=n, b2_orders=0, seed=seed)) as server:
            base = asyncio.run(_cancel(server, one_by_one=True))
        out.update(
            baseline_requests=base["requests"],
            baseline_wall_s=round(base["wall_s"], 3),
            baseline_429=base["server_429"],
            speedup=round(base["wall_s"] / run["wall_s"], 1),
        )
    return out


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="100,1000,10000")
    parser.add_argument(
        "--baseline-max", type=int, default=1000, help="run the one-by-one baseline up to this N"
    )
    parser.add_argument("--seed", type=int, default=11)
    args = parser.parse_args()
    results = []
    for n in (int(s) for s in args.sizes.split(",")):
        result = measure(n, baseline=n <= args.baseline_max, seed=args.seed)
        results.append(result)
        print(json.dumps(result), flush=True)
    print()
    print(
        f"{'N':>6} {'requests':>9} {'wall s':>8} {'limit s':>8} {'ratio':>6} {'429s':>5} "
        f"{'1-by-1 req':>10} {'1-by-1 s':>9} {'speedup':>8}"
    )
    for r in results:
        print(
            f"{r['n']:>6} {r['requests']:>9} {r['wall_s']:>8.2f} {r['limit_s']:>8.2f} {r['ratio']:>6.2f} "
            f"{r['http_429']:>5} {r.get('baseline_requests', '-'):>10} {r.get('baseline_wall_s', '-'):>9} "
            f"{r.get('speedup', '-'):>8}"
        )
    # The ratio is judged from 1,000 orders up: a smaller run fits in the limiter's first burst
    # of 30 requests, so its "limit" is no floor. Zero 429s holds for every size.
    misses = [
        f"N={r['n']}: {r['ratio']:.2f} x the limit > 1.15"
        for r in results
        if r["n"] >= 1000 and r["ratio"] > 1.15
    ]
    misses += [f"N={r['n']}: {r['http_429']} x 429" for r in results if r["http_429"]]
    print("target (<= 1.15 x limit for N >= 1000, zero 429s):", "NOT met" if misses else "met")
    if misses:
        print("MISSED: " + "; ".join(misses))
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())

"""Benchmark: order-stream latency and throughput against the in-process simulator.

Run:  python tests/bench/stream_events.py [--orders 2000] [--samples 300] [--burst 1000]

1. Latency: one fill at a time through `POST /_sim/fill/{id}` (real HTTP), measured from
   just before the request to the moment the product's stream iterator yields the `done`
   event (Upbit myOrder) / the OpenOrders snapshot without the order (B2TRADER).
2. Throughput: `burst` orders filled back to back inside the simulator (no HTTP), time until
   the client has yielded every `done` event (Upbit; two events per fill: trade + done).
Prints one JSON line and a small table. Figures depend on the machine's load.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import statistics
import sys
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

import httpx  # noqa: E402

from tui.core.models.stream import OpenOrdersSnapshot, OrderEvent  # noqa: E402
from tui.exchanges.b2trader_stream import B2TraderOrderStream  # noqa: E402
from tui.exchanges.upbit_stream import UpbitOrderStream  # noqa: E402
from tui.simulator.config import SimConfig  # noqa: E402
from tui.simulator.server import SimulatorServer  # noqa: E402


def pct(values: list[float], p: float) -> float:
    values = sorted(values)
    return values[min(len(values) - 1, int(round(p / 100 * (len(values) - 1))))]


async def upbit_latency(sim: SimulatorServer, samples: int) -> dict:
    creds = sim.credentials["upbit"]
    stream = UpbitOrderStream(creds["access_key"], creds["secret_key"], base_url=sim.base_url)
    events = stream.watch_orders().__aiter__()
    while not (await events.__anext__()).kind == "resync":
        pass
    ids = [o["uuid"] for o in sim.state.upbit_open_orders()[:samples]]
    lat: list[float] = []
    async with httpx.AsyncClient(base_url=sim.base_url) as http:
        for uuid in ids:
            t = time.perf_counter()
            await http.post(f"/_sim/fill/{uuid}")
            while True:
                e = await events.__anext__()
                if isinstance(e, OrderEvent) and e.id == uuid and e.event_state == "done":
                    break
            lat.append((time.perf_counter() - t) * 1000)
    await stream.aclose()
    await events.aclose()
    return {"n": len(lat), "p50_ms": statistics.median(lat), "p95_ms": pct(lat, 95)}


async def upbit_burst(sim: SimulatorServer, burst: int) -> dict:
    creds = sim.credentials["upbit"]
    stream = UpbitOrderStream(creds["access_key"], creds["secret_key"], base_url=sim.base_url)
    events = stream.watch_orders().__aiter__()
    while not (await events.__anext__()).kind == "resync":
        pass
    ids = [o["uuid"] for o in sim.state.upbit_open_orders()[:burst]]
    t = time.perf_counter()
    threading.Thread(target=lambda: [sim.state.fill(u) for u in ids], daemon=True).start()
    left = set(ids)
    received = 0
    while left:
        e = await events.__anext__()
        if isinstance(e, OrderEvent):
            received += 1
            if e.event_state == "done":
                left.discard(e.id)
    seconds = time.perf_counter() - t
    await stream.aclose()
    await events.aclose()
    return {"fills": len(ids), "events": received, "s": seconds, "events_per_s": received / seconds}


async def b2_latency(sim: SimulatorServer, samples: int) -> dict:
    creds = sim.credentials["b2trader"]
    stream = B2TraderOrderStream(sim.base_url, creds["token"], creds["account_id"])
    events = stream.watch_orders().__aiter__()
    snap = None
    while not isinstance(snap, OpenOrdersSnapshot):
        snap = await events.__anext__()
    ids = [o.orderId for o in snap.orders][:samples]
    lat: list[float] = []
    async with httpx.AsyncClient(base_url=sim.base_url) as http:
        for order_id in ids:
            t = time.perf_counter()
            await http.post(f"/_sim/fill/{order_id}")
            while True:
                e = await events.__anext__()
                if isinstance(e, OpenOrdersSnapshot) and all(
                    o.orderId != order_id for o in e.orders
                ):
                    break
            lat.append((time.perf_counter() - t) * 1000)
    await stream.aclose()
    await events.aclose()
    return {
        "n": len(lat),
        "open_set": len(snap.orders),
        "p50_ms": statistics.median(lat),
        "p95_ms": pct(lat, 95),
    }


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--orders", type=int, default=2000)
    ap.add_argument("--b2-orders", type=int, default=200)
    ap.add_argument("--samples", type=int, default=300)
    ap.add_argument("--burst", type=int, default=1000)
    a = ap.parse_args()
    out = {}
    with SimulatorServer(SimConfig(orders=a.orders, b2_orders=a.b2_orders, seed=3)) as sim:
        out["upbit_fill_to_event"] = asyncio.run(upbit_latency(sim, a.samples))
        out["upbit_burst"] = asyncio.run(upbit_burst(sim, a.burst))
        out["b2trader_fill_to_snapshot"] = asyncio.run(b2_latency(sim, min(a.samples, 50)))
    rounded = {k: {f: round(v, 2) for f, v in d.items()} for k, d in out.items()}
    print(json.dumps(rounded))
    for name, figures in out.items():
        print(
            f"{name:28} "
            + "  ".join(
                f"{k}={v:.2f}" if isinstance(v, float) else f"{k}={v}" for k, v in figures.items()
            )
        )


if __name__ == "__main__":
    main()

"""Benchmark: live orders (issue 11). Exits non-zero on a missed target.

Run:  python tests/bench/live_table.py [--rows 100000] [--rate 200] [--seconds 12] [--cancel 1000]

1. event -> repaint: the real app on the in-process demo simulator with `--rows` orders in the
   table (the simulator's own book, handed to the table as a listing would) and the book
   trickling `--rate` stream events per second (seeded trades and new orders, through the
   real Upbit myOrder WebSocket). Meanwhile an order on screen gets a partial fill
   (`POST /_sim/trade/{id}`) every 0.1 s; each sample runs from the moment that POST is
   sent to the first frame painted after the row changed in the table. Target p95 <= 100 ms.
2. keypress -> repaint under the same load (down/up on the table, as tests/bench/ui_latency.py
   measures it). Target p95 <= 50 ms.
3. Cancel `--cancel` Upbit orders with the stream live, and as many without it, on one
   simulator: requests (cancels and look-ups) and wall time side by side. Target: fewer
   look-ups with the stream.

Headless: frames are rendered but not written to a terminal. Prints one JSON line, then a table.
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

from tests.bench.ui_latency import (  # noqa: E402
    demo_app,
    isolate_home,
    pct,
    record_frames,
    wait_until,
)


async def live_latency(rows: int, rate: float, seconds: float, size: tuple[int, int]) -> dict:
    import httpx
    from textual import events

    from tui.core.models.row import OrderRow
    from tui.core.models.upbit import UpbitOrder

    # Trades are 1 event (2 when one fills in full: trade + done), new orders 1.
    options = {"seed": 7, "orders": rows, "trade_rate": rate * 0.7, "new_order_rate": rate * 0.2}
    session, app = demo_app(options, auto_load=False)
    out: dict = {}
    try:
        async with app.run_test(size=size) as pilot:
            frames = record_frames(app)
            await wait_until(lambda: session.client is not None, timeout=60)
            server = session.demo_session.server
            book = [UpbitOrder.from_wire(w) for w in server.state.upbit_open_orders()]
            table = app.main.table
            table.set_rows(OrderRow.many(book))
            app.main.live.listed = True  # as after a listing: new orders are added
            loaded = len(book)  # the trickle has closed a few since the start
            del book
            await wait_until(lambda: table.row_count >= loaded, timeout=60)
            await pilot.pause(0.5)

            pushed = [0]
            inbox = session.live.inbox
            push = inbox.push

            def counting_push(item):
                pushed[0] += 1
                push(item)

            inbox.push = counting_push  # type: ignore[method-assign]
            base = session.demo_session.base_url
            http = httpx.Client(timeout=5)
            stop = threading.Event()
            event_samples: list[float] = []

            async def one_event(row_index: int) -> float | None:
                row = table.visible_rows()[row_index]
                before = table.get_row(row.key)
                if before is None or table.is_closed(row.key) or not before.remaining:
                    return None
                started = time.perf_counter()
                await asyncio.to_thread(http.post, f"{base}/_sim/trade/{row.id}")
                changed = None
                while time.perf_counter() - started < 5:
                    now = table.get_row(row.key)
                    if changed is None and now is not None and now.remaining != before.remaining:
                        changed = time.perf_counter()
                    if changed is not None:
                        painted = [f for f in frames if f >= changed]
                        if painted:
                            return painted[0] - started
                    await asyncio.sleep(0.0005)
                return None

            moved: list[float] = []
            original_move = table.move_cursor

            def move_cursor(index: int) -> None:
                original_move(index)
                moved.append(time.perf_counter())

            table.move_cursor = move_cursor  # type: ignore[method-assign]

            async def one_key(step: str) -> float | None:
                moved.clear()
                started = time.perf_counter()
                app.post_message(events.Key(step, None))
                while time.perf_counter() - started < 5:
                    await asyncio.sleep(0.0005)
                    if moved:
                        painted = [f for f in frames if f >= moved[0]]
                        if painted:
                            return painted[0] - started
                return None

            key_samples: list[float] = []

            async def keys() -> None:
                step = "down"
                while not stop.is_set():
                    got = await one_key(step)
                    if got is not None:
                        key_samples.append(got)
                    step = "up" if step == "down" else "down"
                    await asyncio.sleep(0.07)

            keys_task = asyncio.ensure_future(keys())
            counted_from, t_from = pushed[0], time.perf_counter()
            deadline = time.perf_counter() + seconds
            i = 0
            while time.perf_counter() < deadline:
                got = await one_event(2 + i % 8)  # rows on screen
                i += 1
                if got is not None:
                    event_samples.append(got)
                await asyncio.sleep(0.1)
            stop.set()
            await keys_task
            out["events_per_s"] = (pushed[0] - counted_from) / (time.perf_counter() - t_from)
            out["rows"] = table.row_count
            out["event_ms"] = [round(v * 1000, 2) for v in event_samples]
            out["key_ms"] = [round(v * 1000, 2) for v in key_samples]
            out["applied"] = app.main.live.events
            http.close()
    finally:
        session.close()
    return out


async def cancel_compare(count: int) -> dict:
    from tui.core.engine import CancelEngine
    from tui.core.refs import OrderRef
    from tui.core.stream_confirm import StreamConfirmations
    from tui.exchanges.upbit import UpbitClient
    from tui.exchanges.upbit_stream import UpbitOrderStream
    from tui.simulator.config import SimConfig
    from tui.simulator.server import SimulatorServer

    server = SimulatorServer(SimConfig(seed=7, orders=2 * count, b2_orders=0)).start()
    creds = server.credentials["upbit"]
    ids = [o["uuid"] for o in server.state.upbit_open_orders()]
    out: dict = {}

    async def cancel(uuids: list[str], conf: StreamConfirmations | None) -> dict:
        client = UpbitClient(creds["access_key"], creds["secret_key"], base_url=server.base_url)

        def seen() -> dict:  # the simulator's own count of what reached it
            with server.state.lock:
                return dict(server.state.stats.by_endpoint), server.state.stats.rate_limited

        (before, limited) = seen()
        started = time.perf_counter()
        try:
            report = await CancelEngine(client, confirmations=conf).run(
                [OrderRef.uuid(u) for u in uuids]
            )
        finally:
            await client.aclose()
        wall = time.perf_counter() - started
        (after, limited_after) = seen()
        grew = {k: v - before.get(k, 0) for k, v in after.items() if v != before.get(k, 0)}
        lookups = grew.get("GET /v1/orders/uuids", 0)
        return {
            "wall_s": round(wall, 3),
            "requests": report.requests,
            "lookups": lookups,
            "by_endpoint": grew,
            "rate_limited": limited_after - limited,
            "cancelled": report.counts["cancelled"],
            "stream_confirmed": report.stream_confirmed,
            "lookups_saved": report.lookups_saved,
        }

    try:
        stream = UpbitOrderStream(
            creds["access_key"], creds["secret_key"], base_url=server.base_url
        )
        conf = StreamConfirmations()

        async def consume() -> None:
            async for e in stream.watch_orders():
                conf.feed(e)

        task = asyncio.ensure_future(consume())
        await wait_until(lambda: conf.live, timeout=30)
        out["with_stream"] = await cancel(ids[:count], conf)
        await stream.aclose()
        await asyncio.wait_for(task, 10)
        await asyncio.sleep(2.0)  # the per-second request budget is full again
        out["without_stream"] = await cancel(ids[count : 2 * count], None)
    finally:
        server.stop()
    return out


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=100_000)
    parser.add_argument("--rate", type=float, default=200.0, help="stream events per second")
    parser.add_argument("--seconds", type=float, default=12.0)
    parser.add_argument("--cancel", type=int, default=1000)
    parser.add_argument("--size", default="120x40")
    args = parser.parse_args()
    width, height = (int(v) for v in args.size.split("x"))
    isolate_home()
    live = asyncio.run(live_latency(args.rows, args.rate, args.seconds, (width, height)))
    cancels = asyncio.run(cancel_compare(args.cancel))
    ev, keys = live["event_ms"], live["key_ms"]
    summary = {
        "bench": "live_table",
        "rows": live["rows"],
        "events_per_s": round(live["events_per_s"], 1),
        "event_samples": len(ev),
        "event_p50_ms": round(statistics.median(ev), 2) if ev else None,
        "event_p95_ms": round(pct(ev, 95), 2) if ev else None,
        "event_max_ms": round(max(ev), 2) if ev else None,
        "key_samples": len(keys),
        "key_p50_ms": round(statistics.median(keys), 2) if keys else None,
        "key_p95_ms": round(pct(keys, 95), 2) if keys else None,
        "key_max_ms": round(max(keys), 2) if keys else None,
        "cancel": cancels,
        "targets": {"event_p95_ms": 100, "key_p95_ms": 50},
    }
    print(json.dumps(summary))
    print()
    print(
        f"live table: {summary['rows']:,} rows, {summary['events_per_s']} stream events/s "
        f"(demo simulator in-process, {args.size})"
    )
    print(f"{'':<28}{'p50 ms':>10}{'p95 ms':>10}{'max ms':>10}{'samples':>10}")
    for name, key in (("event -> row repainted", "event"), ("keypress -> repaint", "key")):
        print(
            f"{name:<28}{summary[f'{key}_p50_ms']:>10}{summary[f'{key}_p95_ms']:>10}"
            f"{summary[f'{key}_max_ms']:>10}{summary[f'{key}_samples']:>10}"
        )
    w, wo = cancels["with_stream"], cancels["without_stream"]
    print()
    print(
        f"cancel {args.cancel:,} Upbit orders{'':<8}{'requests':>10}{'look-ups':>10}{'wall s':>10}"
    )
    print(f"{'  with the stream live':<32}{w['requests']:>10}{w['lookups']:>10}{w['wall_s']:>10}")
    print(f"{'  without':<32}{wo['requests']:>10}{wo['lookups']:>10}{wo['wall_s']:>10}")
    misses = []
    if not ev or summary["event_p95_ms"] > 100:
        misses.append("event -> repaint p95 > 100 ms")
    if not keys or summary["key_p95_ms"] > 50:
        misses.append("keypress -> repaint p95 > 50 ms")
    if not w["lookups"] < wo["lookups"]:
        misses.append("no fewer look-ups with the stream")
    if w["cancelled"] != args.cancel or wo["cancelled"] != args.cancel:
        misses.append("not every order cancelled")
    print()
    print("targets: " + ("all met" if not misses else "MISSED: " + "; ".join(misses)))
    return 1 if misses else 0


if __name__ == "__main__":
    sys.exit(main())

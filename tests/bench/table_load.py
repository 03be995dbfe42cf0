"""Benchmark: 100,000 orders in the order table versus Textual's stock DataTable.

Run:  python tests/bench/table_load.py [--rows 100000] [--stock-rows 10000] [--size 200x60]

Prints one JSON line, then a human table. Figures, all in one process:
- build_s: making the OrderRow objects (from a 100k-line file of uuids through the import parser,
  and from Upbit order models a page of 100 at a time, as a listing hands them over: the
  simulator's realistic book). Not part of load_s.
- load_s: `set_rows(rows)` until the first painted frame that shows the rows and the count.
- rss_mb: resident memory after loading (whole process: Python, Textual, the rows, the table);
  table_mb is the growth caused by loading the table itself.
- sort_s / filter_s / scroll_s: the operation until its frame is painted.
- update_200_s: 200 rows changed in place (a live update) in the sorted, filtered 100k table,
  until the frame is painted; update_200_model_s: the model's part alone.
- stock_*: the same load with textual.widgets.DataTable (default 10k rows, because 100k
  takes ~15 s; pass --stock-rows 100000 to measure it).

"Painted" is headless: the compositor has rendered the frame (every visible line of every
dirty widget) and handed it to the driver, which in a real terminal would write it out.
"""

from __future__ import annotations

import argparse
import asyncio
import gc
import json
import random
import resource
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from tui.core.models.row import OrderRow  # noqa: E402
from tui.core.models.upbit import UpbitOrder  # noqa: E402
from tui.core.refs import OrderRef  # noqa: E402

REPEATS = 5


def rss_mb() -> float:
    with open("/proc/self/status") as fh:
        for line in fh:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    return 0.0


def peak_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def wire_pages(n: int, seed: int = 7) -> list[str]:
    """A realistic book: the simulator's seeded generator (varied prices, volumes, fees,
    locked amounts, identifiers, partial fills, market orders without a price), as the JSON
    text of 100-order pages, the way GET /v1/orders/open delivers it.

    Generated in a child process, so the generator's own memory does not count in this
    process's RSS."""
    code = (
        "import json, sys\n"
        "from tui.simulator.config import SimConfig\n"
        "from tui.simulator.state import SimState\n"
        f"book = SimState(SimConfig(orders={n}, b2_orders=0, seed={seed})).upbit_open_orders()\n"
        "for i in range(0, len(book), 100):\n"
        "    sys.stdout.write(json.dumps(book[i:i + 100]) + '\\n')\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, check=True
    )
    return done.stdout.splitlines()


def rows_from_import(n: int, seed: int = 7) -> tuple[list[OrderRow], float, str]:
    """A 100k-line file of uuids through the import parser (tui.core.parsing when present)."""
    rnd = random.Random(seed)
    with tempfile.NamedTemporaryFile("w", suffix=".txt", delete=False) as fh:
        for _ in range(n):
            fh.write(str(uuid.UUID(int=rnd.getrandbits(128), version=4)) + "\n")
        path = Path(fh.name)
    started = time.perf_counter()
    try:
        from tui.core.parsing import parse_file  # type: ignore[import-not-found]

        result = parse_file(path)
        rows = list(result.rows)
        how = "tui.core.parsing.parse_file"
    except ImportError:
        text = path.read_text()
        rows = [OrderRow.from_ref(OrderRef.uuid(line)) for line in text.split()]
        how = "OrderRef.uuid per line (tui.core.parsing not available yet)"
    elapsed = time.perf_counter() - started
    path.unlink()
    return rows, elapsed, how


def rows_from_models(orders: list[UpbitOrder]) -> tuple[list[OrderRow], float]:
    started = time.perf_counter()
    rows = OrderRow.many(orders)  # what the app does with a listing
    return rows, time.perf_counter() - started


# ---- the apps -------------------------------------------------------------------------------------
def make_table_app():
    from textual.app import App, ComposeResult
    from textual.widgets import Static

    from tui.ui.widgets.order_table import OrderTable

    class TableApp(App):
        CSS = "Static { height: 1; }"

        def compose(self) -> ComposeResult:
            yield Static("", id="count")
            yield OrderTable()

        def on_order_table_view_changed(self, message: OrderTable.ViewChanged) -> None:
            self.query_one("#count", Static).update(
                f"{message.visible:,} of {message.total:,} orders", layout=False
            )

    return TableApp()


def make_stock_app():
    from textual.app import App, ComposeResult
    from textual.widgets import DataTable, Static

    class StockApp(App):
        CSS = "Static { height: 1; }"

        def compose(self) -> ComposeResult:
            yield Static("", id="count")
            yield DataTable(cursor_type="row")

    return StockApp()


class FrameClock:
    """Timestamps of frames the compositor hands to the driver (works headless)."""

    def __init__(self, app) -> None:
        self.frames: list[float] = []
        original = app._display

        def display(screen, renderable):
            if renderable is not None:
                self.frames.append(time.perf_counter())
            return original(screen, renderable)

        app._display = display


async def wait_frame(clock: FrameClock, started: float, check, timeout: float = 20.0) -> float:
    """Poll until a frame painted after `started` satisfies `check`, return its delay."""
    deadline = time.perf_counter() + timeout
    seen = 0
    while time.perf_counter() < deadline:
        await asyncio.sleep(0.0005)
        frames = [f for f in clock.frames if f > started]
        if len(frames) > seen:
            seen = len(frames)
            if check():
                return frames[-1] - started
    raise TimeoutError("no painted frame satisfied the check")


async def bench_ours(rows: list[OrderRow], size: tuple[int, int]) -> dict:
    from textual.widgets import Static

    from tui.ui.widgets.order_table import OrderTable

    app = make_table_app()
    out: dict = {}
    async with app.run_test(size=size) as pilot:
        clock = FrameClock(app)
        table = app.query_one(OrderTable)
        count = app.query_one("#count", Static)
        table.focus()
        await pilot.pause()
        gc.collect()
        before = rss_mb()
        n = len(rows)
        painted_rows: list[str] = []
        original_render_line = table.render_line

        def render_line(y):
            strip = original_render_line(y)
            if y == 1:
                painted_rows.append(strip.text)
            return strip

        table.render_line = render_line  # type: ignore[method-assign]

        def shows(text: str):
            return lambda: (
                str(count.render()).startswith(text)
                and any(table.visible_rows()[0].id[:8] in t for t in painted_rows[-3:])
            )

        started = time.perf_counter()
        table.set_rows(rows)
        out["load_s"] = await wait_frame(clock, started, shows(f"{n:,} of {n:,}"))
        # What the app does after every big load (OrderTuiApp.after_big_load): move what is alive
        # now out of the cyclic GC's way, so a full collection over 100k rows never pauses the UI.
        from tui.ui.app import OrderTuiApp

        OrderTuiApp.after_big_load(n)
        out["rss_mb"] = rss_mb()
        out["table_mb"] = out["rss_mb"] - before

        def top_painted():
            """The row now at the top of the table was painted in a frame."""
            view = table.visible_rows()
            if not view:
                return lambda: any("No order" in t for t in painted_rows[-3:])
            top = view[int(table.scroll_offset.y)]
            return lambda: any(top.id[:8] in t for t in painted_rows[-3:])

        known = rows[0].market is not None
        cold_column, warm_column = ("price", "volume") if known else ("id", "created")

        async def timed(action, check=None) -> float:
            started = time.perf_counter()
            result = action()
            if asyncio.iscoroutine(result):
                await result
            return await wait_frame(clock, started, check or top_painted())

        model = table.model

        def forget() -> None:
            """Drop what the table prepared, so the next operation starts cold."""
            model.keys.clear()
            model._hay.clear()

        async def repeat(action, times: int = REPEATS, cold: bool = False) -> list[float]:
            out_ = []
            for _ in range(times):
                if cold:
                    forget()
                out_.append(await timed(action))
                table.sort_by(None)
                table.set_filter("")
                await pilot.pause()
            return out_

        # Cold: nothing prepared (as right after a load). Each figure is the median of REPEATS runs.
        table._schedule_warm = lambda: None  # type: ignore[method-assign]
        filter_cold = "krw-btc" if known else rows[n // 2].id[:3]
        out["sort_cold_runs"] = await repeat(lambda: table.sort_by(cold_column), cold=True)
        out["filter_cold_runs"] = await repeat(lambda: table.set_filter(filter_cold), cold=True)
        table.set_filter(filter_cold)
        await pilot.pause()
        out["filter_matches"] = table.visible_count
        out["filter_again_s"] = await timed(
            lambda: table.set_filter("bot-4" if known else rows[n // 3].id[:6])
        )
        out["filter_clear_s"] = await timed(lambda: table.set_filter(""))
        table.sort_by(cold_column)
        await pilot.pause()
        out["sort_reverse_s"] = await timed(lambda: table.sort_by(cold_column))

        # As a user would: the table has just been loaded and painted; a quarter of a second later
        # (about the quickest a person reacts to what they see) they sort by an amount column.
        del table._schedule_warm
        forget()
        warm_started = time.perf_counter()
        table._schedule_warm()
        await asyncio.sleep(0.25)
        out["sort_at_250ms_s"] = await timed(
            lambda: (model.keys.forget_orders(), table.sort_by(cold_column))
        )
        table.sort_by(None)
        await pilot.pause()

        # Warm: after the table used idle time to prepare search text and float sort keys.
        deadline = time.perf_counter() + 60
        while table._warming:
            if time.perf_counter() > deadline or app._exit_renderables or not app.is_running:
                raise RuntimeError("the table's idle warm-up did not finish")
            await asyncio.sleep(0.01)
        out["warm_up_s"] = time.perf_counter() - warm_started  # includes the sort and pause above

        def sort_warm():
            model.keys.forget_orders()  # the sort is not cached: only the prepared keys are used
            table.sort_by(warm_column)

        out["sort_warm_runs"] = await repeat(sort_warm)
        out["filter_warm_runs"] = await repeat(lambda: table.set_filter(filter_cold))
        for name in ("sort_cold", "filter_cold", "sort_warm", "filter_warm"):
            out[f"{name}_s"] = statistics.median(out[f"{name}_runs"])
        out["sort_s"] = max(
            out["sort_cold_s"], out["sort_warm_s"], out["sort_reverse_s"], out["sort_at_250ms_s"]
        )
        out["filter_s"] = max(out["filter_cold_s"], out["filter_again_s"], out["filter_clear_s"])

        # scroll: end key (cursor to the last row), then a page up, then scroll to the middle
        started = time.perf_counter()
        await pilot.press("end")
        out["scroll_end_s"] = await wait_frame(clock, started, top_painted())
        started = time.perf_counter()
        await pilot.press("pageup")
        out["scroll_pageup_s"] = await wait_frame(clock, started, top_painted())
        started = time.perf_counter()
        table.move_cursor(n // 2)
        out["scroll_middle_s"] = await wait_frame(clock, started, top_painted())
        out["scroll_s"] = max(out["scroll_end_s"], out["scroll_pageup_s"], out["scroll_middle_s"])

        # select all visible
        started = time.perf_counter()
        await pilot.press("a")
        out["select_all_s"] = await wait_frame(clock, started, lambda: table.selected_count == n)

        # A live update: 200 rows change in place (the sort column among their fields) in the
        # sorted, filtered table; each moves to its new place. Model call alone, and to the frame.
        table.sort_by(cold_column)
        table.set_filter(filter_cold)
        await pilot.pause()
        rnd = random.Random(11)
        runs, model_runs = [], []
        for _ in range(REPEATS):
            chosen = rnd.sample(rows, 200)
            if known:
                changes = {  # every other one also moves into the filter
                    r.key: {"price": (r.price or 1) * 2, "market": r.market if i % 2 else "KRW-BTC"}
                    for i, r in enumerate(chosen)
                }
            else:
                changes = {r.key: {"state": "done"} for r in chosen}
            before = model.rebuilds
            started = time.perf_counter()
            table.update_fields(changes)
            model_runs.append(time.perf_counter() - started)
            runs.append(await wait_frame(clock, started, top_painted()))
            assert model.rebuilds == before, "the update sorted the whole table again"
            await pilot.pause()
        out["update_200_model_s"] = statistics.median(model_runs)
        out["update_200_s"] = statistics.median(runs)
        out["update_200_runs"] = runs
    return out


async def bench_stock(rows: list[OrderRow], size: tuple[int, int]) -> dict:
    from textual.widgets import DataTable, Static

    from tui.ui.formatting import fmt_amount, fmt_time

    app = make_stock_app()
    out: dict = {}
    async with app.run_test(size=size) as pilot:
        clock = FrameClock(app)
        table = app.query_one(DataTable)
        count = app.query_one("#count", Static)
        await pilot.pause()
        gc.collect()
        before = rss_mb()
        started = time.perf_counter()
        for label in (
            "",
            "ID",
            "Identifier",
            "Market",
            "Side",
            "Type",
            "Price",
            "Volume",
            "Remaining",
            "State",
            "Created",
        ):
            table.add_column(label, key=label.lower() or "check")
        table.add_rows(
            [
                "[ ]",
                r.id,
                r.identifier or "",
                r.market or "",
                r.side or "",
                r.ord_type or "",
                fmt_amount(r.price),
                fmt_amount(r.volume),
                fmt_amount(r.remaining),
                r.state or "",
                fmt_time(r.created_at),
            ]
            for r in rows
        )
        count.update(f"{len(rows):,} orders")
        out["load_s"] = await wait_frame(clock, started, lambda: table.row_count == len(rows))
        gc.collect()
        out["table_mb"] = rss_mb() - before
        started = time.perf_counter()
        table.sort("price")  # by the cell text
        out["sort_s"] = await wait_frame(clock, started, lambda: True)
        started = time.perf_counter()
        await pilot.press("end")
        out["scroll_end_s"] = await wait_frame(clock, started, lambda: True)
    return out


def run_part(part: str, rows_n: int, stock_n: int, size: tuple[int, int]) -> dict:
    """One measurement in this process (the parent runs each part in a fresh process for clean RSS)."""
    out: dict = {"part": part, "rss_start_mb": rss_mb()}
    if part == "import":
        rows, parse_s, how = rows_from_import(rows_n)
        out.update(build_s=parse_s, parser=how)
    else:
        pages = wire_pages(rows_n if part == "models" else stock_n)
        out["rss_pages_mb"] = rss_mb()
        # As the app loads a listing: the exchange's models arrive a page (100) at a time and
        # each page becomes rows (which keep the wire object; the model is parsed again on
        # demand for the detail view), so all the models never live at once.
        from tui.core import decimal_json

        rows, parse_s, build_s = [], 0.0, 0.0
        while pages:
            text = pages.pop()
            started = time.perf_counter()
            orders = [UpbitOrder.from_wire(w) for w in decimal_json.loads(text)]
            parse_s += time.perf_counter() - started
            page_rows, page_build = rows_from_models(orders)
            rows.extend(page_rows)
            build_s += page_build
        del orders, text
        out["models_parse_s"], out["build_s"] = parse_s, build_s
    gc.collect()
    out["rss_rows_mb"] = rss_mb()
    if part == "stock":
        out.update(asyncio.run(bench_stock(rows, size)))
    else:
        out.update(asyncio.run(bench_ours(rows, size)))
    out["peak_rss_mb"] = peak_mb()
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=100_000)
    parser.add_argument(
        "--stock-rows", type=int, default=10_000, help="rows for the stock DataTable (0 skips it)"
    )
    parser.add_argument("--size", default="200x60", help="terminal size WxH")
    parser.add_argument("--part", choices=("import", "models", "stock"), help=argparse.SUPPRESS)
    args = parser.parse_args()
    width, height = (int(v) for v in args.size.split("x"))
    size = (width, height)

    if args.part:
        print(json.dumps(run_part(args.part, args.rows, args.stock_rows, size)))
        return

    import platform

    parts = {}
    for part in ("import", "models", "stock"):
        if part == "stock" and not args.stock_rows:
            continue
        proc = subprocess.run(
            [
                sys.executable,
                __file__,
                "--part",
                part,
                "--rows",
                str(args.rows),
                "--stock-rows",
                str(args.stock_rows),
                "--size",
                args.size,
            ],
            capture_output=True,
            text=True,
            check=True,
        )
        parts[part] = json.loads(proc.stdout.strip().splitlines()[-1])

    imp, mod, stock = parts["import"], parts["models"], parts.get("stock")

    def r(v, n=4):
        return None if v is None else round(v, n)

    result = {
        "bench": "table_load",
        "rows": args.rows,
        "size": args.size,
        "python": platform.python_version(),
        "machine": f"{platform.machine()} {platform.processor() or ''} cpus={__import__('os').cpu_count()}".strip(),
        # import of a 100k-line uuid file
        "import_parse_s": r(imp["build_s"]),
        "import_load_s": r(imp["load_s"]),
        "import_to_frame_s": r(imp["build_s"] + imp["load_s"]),
        "import_rss_mb": r(imp["rss_mb"], 1),
        # the engine's model objects (Upbit orders with every field)
        "models_parse_s": r(mod["models_parse_s"]),
        "models_to_rows_s": r(mod["build_s"]),
        "models_load_s": r(mod["load_s"]),
        "models_to_frame_s": r(mod["build_s"] + mod["load_s"]),
        "models_rss_rows_mb": r(mod["rss_rows_mb"], 1),
        "models_rss_mb": r(mod["rss_mb"], 1),
        "table_mb": r(mod["table_mb"], 1),
        "load_s": r(max(imp["load_s"], mod["load_s"])),
        "sort_s": r(max(mod["sort_s"], imp["sort_s"])),
        "filter_cold_s": r(max(mod["filter_cold_s"], imp["filter_cold_s"])),
        "filter_warm_s": r(max(mod["filter_warm_s"], imp["filter_warm_s"])),
        "sort_cold_s": r(max(mod["sort_cold_s"], imp["sort_cold_s"])),
        "sort_warm_s": r(max(mod["sort_warm_s"], imp["sort_warm_s"])),
        "sort_at_250ms_s": r(max(mod["sort_at_250ms_s"], imp["sort_at_250ms_s"])),
        "warm_up_s": r(max(mod["warm_up_s"], imp["warm_up_s"])),
        "filter_s": r(max(mod["filter_s"], imp["filter_s"])),
        "scroll_s": r(max(mod["scroll_s"], imp["scroll_s"])),
        "select_all_s": r(max(mod["select_all_s"], imp["select_all_s"])),
        "update_200_model_s": r(max(mod["update_200_model_s"], imp["update_200_model_s"])),
        "update_200_s": r(max(mod["update_200_s"], imp["update_200_s"])),
        "detail": {
            "import": {
                k: (
                    r(v)
                    if isinstance(v, float)
                    else [r(x) for x in v]
                    if isinstance(v, list)
                    else v
                )
                for k, v in imp.items()
            },
            "models": {
                k: (
                    r(v)
                    if isinstance(v, float)
                    else [r(x) for x in v]
                    if isinstance(v, list)
                    else v
                )
                for k, v in mod.items()
            },
        },
        "stock_rows": args.stock_rows,
        "stock_load_s": r(stock["load_s"]) if stock else None,
        "stock_table_mb": r(stock["table_mb"], 1) if stock else None,
        "stock_sort_s": r(stock["sort_s"]) if stock else None,
        "stock_scroll_s": r(stock["scroll_end_s"]) if stock else None,
    }
    print(json.dumps(result))
    print()
    print(
        f"order table: {args.rows:,} rows at {args.size}; stock DataTable: {args.stock_rows:,} rows; {result['machine']}"
    )
    print(f"{'figure':<30}{'ordertui':>12}{'target':>10}{'stock':>12}")
    rows_ = [
        ("load_s (set_rows -> frame)", result["load_s"], 0.5, result["stock_load_s"]),
        ("import_to_frame_s", result["import_to_frame_s"], 0.5, None),
        ("models_to_frame_s", result["models_to_frame_s"], 0.5, None),
        ("import_rss_mb", result["import_rss_mb"], 250, None),
        ("models_rss_mb", result["models_rss_mb"], 250, None),
        ("table_mb (table itself)", result["table_mb"], None, result["stock_table_mb"]),
        ("sort_s (worst)", result["sort_s"], 0.1, result["stock_sort_s"]),
        ("sort_cold_s (right after load)", result["sort_cold_s"], 0.1, None),
        ("sort_at_250ms_s (0.25 s after)", result["sort_at_250ms_s"], 0.1, None),
        ("sort_warm_s (after warm-up)", result["sort_warm_s"], 0.1, None),
        ("warm_up_s (idle preparation)", result["warm_up_s"], None, None),
        ("filter_s (worst)", result["filter_s"], 0.1, None),
        ("filter_cold_s", result["filter_cold_s"], 0.1, None),
        ("filter_warm_s", result["filter_warm_s"], 0.1, None),
        ("scroll_s", result["scroll_s"], 0.1, result["stock_scroll_s"]),
        ("select_all_s", result["select_all_s"], 0.1, None),
        ("update_200_model_s (in place)", result["update_200_model_s"], None, None),
        ("update_200_s (to the frame)", result["update_200_s"], 0.1, None),
        ("models_parse_s (pydantic)", result["models_parse_s"], None, None),
    ]
    for name, value, target, stock_value in rows_:
        verdict = "" if target is None else ("  ok" if value <= target else "  MISS")
        print(
            f"{name:<30}{value:>12}{'' if target is None else target:>10}{'' if stock_value is None else stock_value:>12}{verdict}"
        )


if __name__ == "__main__":
    main()

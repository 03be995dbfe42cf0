"""Benchmark: 100,000 orders in the order table versus Textual's stock DataTable.

Run:  python tests/bench/table_load.py [--rows 100000] [--stock-rows 10000] [--size 200x60]

Prints one JSON line, then a human table; exits 1 when a target is missed (naming it). Figures:
- listed_to_painted_cpu_s (the target figure for a listing): CPU time (time.process_time, so
  not the network's waiting) from the pages of exchange JSON to the painted table: every page
  through the client's own code as the app runs it (`decode`, then the page parse: the
  pydantic models, or the rows' fast path where the code has one, and the rows), plus the
  cyclic garbage collector's time while listing (listing_gc_cpu_s: the parse pauses it, so the
  collections its objects cause run later, in the requests' code), plus `set_rows` until the
  first painted frame that shows the rows and the count. The pages are the
  simulator's realistic book (100 orders a page), written to a file by a child process and
  served one page per request through httpx.MockTransport, so a page's text exists only while
  it is read, as on a network. listing_cpu_s adds what the requests themselves cost (httpx,
  signing) for information.
- peak_rss_mb: the peak resident memory of the process that listed and loaded the 100k orders
  (resource.getrusage(RUSAGE_SELF).ru_maxrss: the whole process, Python and Textual included,
  over the whole part, the sorts and filters after the load included). rss_mb is the
  resident memory right after the load, table_mb the growth the table itself caused.
- build_s / import_*: a 100k-line file of uuids through the import parser, then the table.
- load_s: `set_rows(rows)` until the first painted frame that shows the rows and the count.
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
import contextlib
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


def wire_pages_file(n: int, seed: int = 7) -> Path:
    """The simulator's book as 100-order pages of JSON, one a line, in a file (made by a child
    process: the generator's memory is not this process's)."""
    path = Path(tempfile.mkdtemp(prefix="ordertui-bench-")) / "pages.jsonl"
    code = (
        "import json, sys\n"
        "from tui.simulator.config import SimConfig\n"
        "from tui.simulator.state import SimState\n"
        f"book = SimState(SimConfig(orders={n}, b2_orders=0, seed={seed})).upbit_open_orders()\n"
        f"with open({str(path)!r}, 'w') as fh:\n"
        "    for i in range(0, len(book), 100):\n"
        "        fh.write(json.dumps(book[i:i + 100]) + '\\n')\n"
    )
    subprocess.run([sys.executable, "-c", code], cwd=ROOT, check=True)
    return path


async def list_through_client(n: int) -> tuple[list[OrderRow], dict]:
    """GET /v1/orders/open page by page through the real UpbitClient (its decode and page
    parse, as Session.list_open uses them), each page read from the file when requested.
    The limiter is opened up (the real 30 requests/s is the network's time, not CPU)."""
    import httpx

    import tui.exchanges.upbit as upbit_module
    from tui.core.ratelimit import RateLimits
    from tui.exchanges.upbit import UpbitClient

    path = wire_pages_file(n)
    offsets = [0]
    with path.open("rb") as fh:
        for line in fh:
            offsets.append(offsets[-1] + len(line))
    pages = path.open("rb")

    def serve(request: httpx.Request) -> httpx.Response:
        page = int(request.url.params["page"])
        body = b"[]"
        if page < len(offsets):
            pages.seek(offsets[page - 1])
            body = pages.readline().rstrip(b"\n")
        return httpx.Response(200, content=body, headers={"Content-Type": "application/json"})

    limits = RateLimits({"default": (1_000_000, 0.001), "order": (1_000_000, 0.001)}, margin=0.0)
    client = UpbitClient(
        "bench-access-key",
        "bench-secret-key",
        base_url="https://bench.invalid",
        transport=httpx.MockTransport(serve),
        limits=limits,
    )
    # CPU inside the page parse: decode, then whichever parse this code's listing uses.
    spent = [0.0]
    collecting = [0.0, 0.0]  # the collector's time while listing, and when a collection began

    def timed(fn):
        def wrapper(*args, **kwargs):
            started, collected = time.process_time(), collecting[0]
            try:
                return fn(*args, **kwargs)
            finally:  # a collection inside counts once, as the collector's
                spent[0] += time.process_time() - started - (collecting[0] - collected)

        return wrapper

    client.decode = timed(client.decode)  # type: ignore[method-assign]
    fast = hasattr(client, "iter_open_rows")
    name = "parse_rows" if fast else "_parse_orders"
    setattr(upbit_module, name, timed(getattr(upbit_module, name)))
    many = timed(OrderRow.many)
    rows: list[OrderRow] = []
    # The collector's time while listing: the parse pauses it per page, so the collections its
    # new objects cause (the full ones walk every row listed so far) run after, in the requests'
    # code. Counted into the target figure: the user waits for them all the same.

    def collector(phase: str, info: dict) -> None:
        if phase == "start":
            collecting[1] = time.process_time()
        else:
            collecting[0] += time.process_time() - collecting[1]

    gc.collect()
    gc.callbacks.append(collector)
    wall, cpu = time.perf_counter(), time.process_time()
    try:
        if fast:  # what Session.list_open does with this client
            try:
                from tui.core.bulk import kept_out_of_full_collections as settling
            except ImportError:  # older code: the collector walks every row listed so far

                def settling():
                    return contextlib.nullcontext(lambda: None)

            with settling() as settled:
                async for rows_batch in client.iter_open_rows():
                    rows.extend(rows_batch)
                    settled()
        else:
            async for batch in client.iter_open():
                rows.extend(many(batch))
        cpu_all, wall_all = time.process_time() - cpu, time.perf_counter() - wall
    finally:
        gc.callbacks.remove(collector)
        await client.aclose()
        pages.close()
        path.unlink()
        path.parent.rmdir()
    return rows, {
        "parse_path": "rows fast path (parse_rows)" if fast else "pydantic models + OrderRow.many",
        "parse_cpu_s": spent[0],
        "gc_cpu_s": collecting[0],
        "listing_cpu_s": cpu_all,
        "listing_wall_s": wall_all,
        "pages": len(offsets) - 1,
    }


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
    """Timestamps (wall and CPU) of frames the compositor hands to the driver (works headless)."""

    def __init__(self, app) -> None:
        self.frames: list[float] = []
        self.cpu: list[float] = []
        original = app._display

        def display(screen, renderable):
            if renderable is not None:
                self.frames.append(time.perf_counter())
                self.cpu.append(time.process_time())
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

        started, cpu_started = time.perf_counter(), time.process_time()
        table.set_rows(rows)
        out["load_s"] = await wait_frame(clock, started, shows(f"{n:,} of {n:,}"))
        # CPU up to the frame that showed the rows (the frame's own CPU stamp, not the poll's)
        out["load_cpu_s"] = clock.cpu[clock.frames.index(started + out["load_s"])] - cpu_started
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
    elif part == "models":
        rows, listing = asyncio.run(list_through_client(rows_n))
        out.update(listing)
        out["build_s"] = listing["parse_cpu_s"]
    else:
        pages = wire_pages(stock_n)
        from tui.core import decimal_json

        rows = []
        for text in pages:
            rows.extend(OrderRow.many(UpbitOrder.from_wire(w) for w in decimal_json.loads(text)))
        del pages
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
        # the listing: pages of exchange JSON -> rows -> painted (CPU), and the peak memory
        "listing_parse_path": mod["parse_path"],
        "listing_pages": mod["pages"],
        "listing_parse_cpu_s": r(mod["parse_cpu_s"]),
        "listing_gc_cpu_s": r(mod["gc_cpu_s"]),
        "listing_requests_cpu_s": r(mod["listing_cpu_s"] - mod["parse_cpu_s"] - mod["gc_cpu_s"]),
        "listing_wall_s": r(mod["listing_wall_s"]),
        "models_load_s": r(mod["load_s"]),
        "models_load_cpu_s": r(mod["load_cpu_s"]),
        "listed_to_painted_cpu_s": r(mod["parse_cpu_s"] + mod["gc_cpu_s"] + mod["load_cpu_s"]),
        "listed_to_painted_with_requests_cpu_s": r(mod["listing_cpu_s"] + mod["load_cpu_s"]),
        "models_rss_rows_mb": r(mod["rss_rows_mb"], 1),
        "models_rss_mb": r(mod["rss_mb"], 1),
        "peak_rss_mb": r(mod["peak_rss_mb"], 1),
        "import_peak_rss_mb": r(imp["peak_rss_mb"], 1),
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
    print(f"{'figure':<34}{'ordertui':>10}{'target':>10}{'stock':>12}")
    rows_ = [
        ("listed_to_painted_cpu_s", result["listed_to_painted_cpu_s"], 0.5, None),
        ("  listing_parse_cpu_s", result["listing_parse_cpu_s"], None, None),
        ("  models_load_cpu_s", result["models_load_cpu_s"], None, None),
        ("  (+ requests: httpx, signing)", result["listing_requests_cpu_s"], None, None),
        ("peak_rss_mb (listing process)", result["peak_rss_mb"], 250, None),
        ("load_s (set_rows -> frame)", result["load_s"], 0.5, result["stock_load_s"]),
        ("import_to_frame_s", result["import_to_frame_s"], 0.5, None),
        ("import_peak_rss_mb", result["import_peak_rss_mb"], 250, None),
        ("models_rss_mb (after load)", result["models_rss_mb"], None, None),
        ("table_mb (table itself)", result["table_mb"], None, result["stock_table_mb"]),
        ("sort_s (worst)", result["sort_s"], 0.1, result["stock_sort_s"]),
        ("sort_cold_s (right after load)", result["sort_cold_s"], 0.1, None),
        ("sort_at_250ms_s (0.25 s after)", result["sort_at_250ms_s"], 0.1, None),
        ("sort_warm_s (after warm-up)", result["sort_warm_s"], 0.1, None),
        ("warm_up_s (idle preparation)", result["warm_up_s"], None, None),
        ("filter_s (table, worst)", result["filter_s"], 0.1, None),
        ("filter_cold_s", result["filter_cold_s"], None, None),
        ("filter_warm_s", result["filter_warm_s"], None, None),
        ("scroll_s", result["scroll_s"], 0.1, result["stock_scroll_s"]),
        ("select_all_s (table only)", result["select_all_s"], None, None),
        ("update_200_model_s (in place)", result["update_200_model_s"], None, None),
        ("update_200_s (to the frame)", result["update_200_s"], 0.1, None),
    ]
    misses = []
    for name, value, target, stock_value in rows_:
        verdict = "" if target is None else ("  ok" if value <= target else "  MISS")
        if target is not None and value > target:
            misses.append(f"{name.strip()} = {value} > {target}")
        print(
            f"{name:<34}{value:>10}{'' if target is None else target:>10}{'' if stock_value is None else stock_value:>12}{verdict}"
        )
    print("(filter and select all through the main screen: tests/bench/screen_ops.py)")
    if misses:
        print("MISSED: " + "; ".join(misses))
        sys.exit(1)


if __name__ == "__main__":
    main()

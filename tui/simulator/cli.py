"""`ordertui simulate`: run the exchange simulator in the foreground.

The first stdout line is one JSON object (base_url and credentials); then one
log line per request (time, method, path, status, ids, latency; never secrets).
Ctrl+C (SIGINT) or SIGTERM stops it with exit code 0; --exit-after stops it by itself.
"""

from __future__ import annotations

import argparse
import json
import os
import queue
import signal
import sys
import threading
from typing import NoReturn

from .config import REGIONS, SimConfig

PROG = "ordertui simulate"


class _ArgumentError(Exception):
    pass


class _Parser(argparse.ArgumentParser):
    def error(self, message: str) -> NoReturn:  # one line, no usage block
        raise _ArgumentError(message)


def _rate(text: str) -> float:
    value = float(text)
    if not 0.0 <= value <= 1.0:
        raise argparse.ArgumentTypeError(f"must be between 0 and 1, not {text}")
    return value


def _non_negative(kind):
    def parse(text: str):
        value = kind(text)
        if value < 0:
            raise argparse.ArgumentTypeError(f"must not be negative, not {text}")
        return value

    parse.__name__ = kind.__name__
    return parse


def _positive_int(text: str) -> int:
    value = int(text)
    if value < 1:
        raise argparse.ArgumentTypeError(f"must be at least 1, not {text}")
    return value


def build_parser() -> argparse.ArgumentParser:
    p = _Parser(prog=PROG, description="Run the Upbit / B2TRADER exchange simulator on loopback.")
    p.add_argument(
        "--host", default="127.0.0.1", help="loopback address to listen on (default 127.0.0.1)"
    )
    p.add_argument(
        "--port", type=_non_negative(int), default=0, help="port (default 0: a free one)"
    )
    p.add_argument(
        "--orders", type=_non_negative(int), default=40, help="Upbit open orders in the book"
    )
    p.add_argument(
        "--b2-orders", type=_non_negative(int), default=12, help="B2TRADER open orders in the book"
    )
    p.add_argument("--seed", type=int, default=7, help="book seed (same seed, same book)")
    p.add_argument("--region", choices=REGIONS, default="kr", help="Upbit region (quote currency)")
    p.add_argument(
        "--rps", type=_positive_int, default=30, help="Upbit requests per second per account"
    )
    p.add_argument(
        "--b2-rps", type=_positive_int, default=20, help="B2TRADER requests per second per token"
    )
    p.add_argument(
        "--latency-ms", type=_non_negative(float), default=0.0, help="mean added latency (jittered)"
    )
    p.add_argument(
        "--fail-rate", type=_rate, default=0.0, help="share of requests answered 503 before acting"
    )
    p.add_argument(
        "--drop-rate", type=_rate, default=0.0, help="share of requests acted on, then dropped"
    )
    p.add_argument(
        "--fill-rate", type=_rate, default=0.0, help="share of orders filled before a cancel lands"
    )
    p.add_argument(
        "--new-order-rate",
        type=_non_negative(float),
        default=0.0,
        metavar="N",
        help="new open orders per second on each exchange (seeded), streamed as they arrive",
    )
    p.add_argument(
        "--trade-rate",
        type=_non_negative(float),
        default=0.0,
        metavar="N",
        help="trades per second on each exchange (seeded partial or full fills), streamed",
    )
    p.add_argument(
        "--stream-drop-rate",
        type=_rate,
        default=0.0,
        help="share of stream messages lost with their connection dropped (clients reconnect)",
    )
    p.add_argument(
        "--stream-idle-timeout",
        type=float,
        default=120.0,
        metavar="SECONDS",
        help="Upbit stream: close a connection silent this long (default 120)",
    )
    p.add_argument(
        "--background-rps",
        type=_non_negative(float),
        default=0.0,
        metavar="N",
        help="another client on the Upbit account's pocket spends N requests/s of its budget",
    )
    p.add_argument(
        "--exit-after",
        type=_non_negative(float),
        default=None,
        metavar="SECONDS",
        help="stop by itself after this many seconds",
    )
    p.add_argument("--quiet", action="store_true", help="no per-request log lines")
    return p


def main(argv: list[str] | None = None) -> int:
    try:
        args = build_parser().parse_args(argv)
    except _ArgumentError as err:
        print(f"{PROG}: {err}", file=sys.stderr)
        return 2
    except SystemExit as done:  # --help
        return int(done.code or 0)

    from .server import SimulatorServer, check_loopback

    try:
        check_loopback(args.host)
        config = SimConfig(
            orders=args.orders,
            b2_orders=args.b2_orders,
            seed=args.seed,
            region=args.region,
            rps=args.rps,
            b2_rps=args.b2_rps,
            latency_ms=args.latency_ms,
            fail_rate=args.fail_rate,
            drop_rate=args.drop_rate,
            fill_rate=args.fill_rate,
            new_order_rate=args.new_order_rate,
            trade_rate=args.trade_rate,
            stream_drop_rate=args.stream_drop_rate,
            stream_idle_timeout=args.stream_idle_timeout,
            background_rps=args.background_rps,
        ).validate()
        server = SimulatorServer(config, host=args.host, port=args.port)
    except ValueError as err:
        print(f"{PROG}: {err}", file=sys.stderr)
        return 2

    stop = threading.Event()
    previous = {}
    in_main = threading.current_thread() is threading.main_thread()
    if in_main:
        for sig in (signal.SIGINT, signal.SIGTERM):
            previous[sig] = signal.signal(sig, lambda *_: stop.set())
    try:
        try:
            server.start()
        except (OSError, RuntimeError, TimeoutError) as err:
            print(f"{PROG}: cannot listen on {args.host}:{args.port}: {err}", file=sys.stderr)
            return 1
        creds = server.credentials
        first = {
            "base_url": server.base_url,
            "upbit": dict(creds["upbit"]),
            "b2trader": dict(creds["b2trader"]),
        }
        print(json.dumps(first), flush=True)
        if not args.quiet:
            pump = LogPump()
            server.state.log_hook = pump.put
        deadline = args.exit_after
        waited = 0.0
        while not stop.is_set():
            step = 0.2 if deadline is None else min(0.2, max(0.0, deadline - waited))
            if deadline is not None and step <= 0:
                break
            stop.wait(step)
            waited += step
        return 0
    except KeyboardInterrupt:
        return 0
    finally:
        server.state.log_hook = None
        server.stop()
        for sig, handler in previous.items():
            signal.signal(sig, handler)


class LogPump:
    """Writes log lines from a thread of its own, so a reader that stops reading
    stdout (a full pipe) never stalls the exchange: lines beyond the queue are dropped.
    """

    def __init__(self, maxsize: int = 10_000) -> None:
        self.queue: queue.Queue[str] = queue.Queue(maxsize)
        self.dropped = 0
        try:
            self._fd: int | None = sys.stdout.fileno()
        except (AttributeError, OSError, ValueError):
            self._fd = None
        threading.Thread(target=self._run, name="ordertui-simulator-log", daemon=True).start()

    def put(self, line: str) -> None:
        try:
            self.queue.put_nowait(line)
        except queue.Full:
            self.dropped += 1

    def _run(self) -> None:
        while True:
            line = self.queue.get()
            try:
                if self._fd is not None:
                    # os.write holds no Python-level lock: a blocked pipe cannot
                    # deadlock interpreter shutdown the way a stuck print() would.
                    os.write(self._fd, (line + "\n").encode("utf-8", "replace"))
                else:
                    print(line, flush=True)
            except OSError:  # reader gone
                return


if __name__ == "__main__":
    raise SystemExit(main())

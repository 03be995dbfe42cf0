"""`ordertui cancel --all --server-side` (panic mode) end to end against the simulator."""

from __future__ import annotations

import json
import time
from collections import Counter

from tests.cli.test_cancel_cli import run
from tests.conftest import sim_env

MARKETS = ("KRW-BTC", "KRW-ETH", "KRW-SOL", "KRW-XRP", "KRW-ADA")


def fill_book(book, n: int, *, protected_in: tuple[str, ...] = (), every: int = 10) -> dict:
    """n orders over five markets: a WATCH order in every 7, a protected `hedge-` identifier in
    every `every`-th order of the `protected_in` markets, the rest WAIT bids and asks."""
    now = int(time.time())
    kinds: dict[str, list[str]] = {"wait": [], "watch": [], "protected": []}
    for i in range(n):
        market = MARKETS[i % len(MARKETS)]
        protected = market in protected_in and (i // len(MARKETS)) % every == 0
        state = "watch" if i % 7 == 3 and not protected else "wait"
        order = book.state.add_upbit_order(
            market=market,
            side="bid" if i % 2 else "ask",
            state=state,
            identifier=f"hedge-{i}" if protected else f"bot-{i}",
            created_ts=now - 10_000 + i,
        )
        kinds["protected" if protected else state].append(order["uuid"])
    return kinds


def test_panic_with_watch_and_protected_orders_cancels_every_match_once(make_sim, isolated_home):
    book = make_sim(orders=0, b2_orders=0)
    env = sim_env(book, isolated_home)
    kinds = fill_book(book, 1000, protected_in=("KRW-XRP",))
    assert len(kinds["protected"]) == 20 and len(kinds["watch"]) > 100
    done = run(
        [
            "cancel",
            "--all",
            "--server-side",
            "--keep-identifier-prefix",
            "hedge-",
            "--yes",
            "--json",
        ],
        env,
        timeout=120,
    )
    assert done.returncode == 0, done.stderr
    result = json.loads(done.stdout)
    truth = book.state.truth()["upbit"]
    assert all(truth[u] == "cancel" for u in kinds["wait"] + kinds["watch"])
    assert all(truth[u] == "wait" for u in kinds["protected"])
    cancelled = [o["uuid"] for o in result["cancelled"]]
    assert len(cancelled) == len(set(cancelled)) == len(kinds["wait"]) + len(kinds["watch"])
    assert result["failed"] == [] and result["unknown"] == [] and result["not_sent"] == []
    paths = result["paths"]
    assert paths["server_side"]["cancelled"] > 0 and paths["by_id"]["cancelled"] > 0
    assert paths["server_side"]["cancelled"] + paths["by_id"]["cancelled"] == len(cancelled)
    assert book.state.stats.rate_limited == 0 and book.state.stats.banned == 0
    # The journal holds both paths as runs that read back, and nothing is left unresolved.
    runs = run(["journal", "--json"], env)
    assert runs.returncode == 0, runs.stderr
    listed = json.loads(runs.stdout)
    text = json.dumps(listed)
    assert result["run_id"] in text and result["run_id"] + "-server" in text
    unresolved = run(["journal", "--unresolved", "--json"], env)
    assert unresolved.returncode == 0, unresolved.stderr
    assert not any(uuid in unresolved.stdout for uuid in kinds["wait"] + kinds["watch"])


def test_panic_exact_rule_runs_both_paths_and_never_takes_20_at_a_time(make_sim, isolated_home):
    book = make_sim(orders=0, b2_orders=0, latency_ms=5)
    env = sim_env(book, isolated_home)
    kinds = fill_book(book, 4000)
    asks = {u for u, s in book.state.truth()["upbit"].items()}  # every order, by side below
    sides = {o["uuid"]: o["side"] for o in book.state.upbit_open_orders()}
    bids = {u for u in asks if sides[u] == "bid"}
    done = run(
        ["cancel", "--all", "--server-side", "--side", "bid", "--yes", "--json"], env, timeout=120
    )
    assert done.returncode == 0, done.stderr
    result = json.loads(done.stdout)
    truth = book.state.truth()["upbit"]
    assert Counter(truth[u] for u in bids) == Counter({"cancel": len(bids)})
    assert all(truth[u] == "wait" or truth[u] == "watch" for u in asks - bids)
    watch_bids = bids & set(kinds["watch"])
    assert watch_bids and all(truth[u] == "cancel" for u in watch_bids)  # by id: never server-side
    cancelled = [o["uuid"] for o in result["cancelled"]]
    assert sorted(cancelled) == sorted(bids)
    server = result["paths"]["server_side"]
    # The 20-newest trap: without count=300 every call would take at most 20.
    assert server["cancelled"] >= 300  # its first call took 300, not 20
    assert server["requests"] >= 2  # a full answer is followed by another call
    assert book.state.stats.rate_limited == 0 and book.state.stats.banned == 0


def test_panic_dry_run_shows_the_server_filters_and_sends_no_cancel(make_sim, isolated_home):
    book = make_sim(orders=0, b2_orders=0)
    env = sim_env(book, isolated_home)
    fill_book(book, 50, protected_in=("KRW-XRP",))
    done = run(
        [
            "cancel",
            "--all",
            "--server-side",
            "--quote",
            "KRW",
            "--keep-identifier-prefix",
            "hedge-",
            "--dry-run",
            "--json",
        ],
        env,
    )
    assert done.returncode == 0, done.stderr
    plan = json.loads(done.stdout)
    assert plan["server_side"] == {
        "cancel_side": "all",
        "pairs": [],
        "excluded_pairs": ["KRW-XRP"],  # where the protected orders are
        "quote_currencies": ["KRW"],
        "count": 300,
        "order_by": "desc",
    }
    assert all(not o["identifier"].startswith("hedge-") for o in plan["matched"])
    assert set(book.state.truth()["upbit"].values()) <= {"wait", "watch"}


def test_panic_confirmation_without_terminal_refuses(make_sim, isolated_home):
    book = make_sim(orders=0, b2_orders=0)
    env = sim_env(book, isolated_home)
    fill_book(book, 30)
    done = run(["cancel", "--all", "--server-side"], env)
    assert done.returncode == 2 and "--yes" in done.stderr
    assert set(book.state.truth()["upbit"].values()) <= {"wait", "watch"}


def ask_on_a_terminal(argv: list[str], env: dict[str, str], answer: str) -> tuple[int, str]:
    """Run the command with a pseudo-terminal as stdin/stderr; type `answer` once asked."""
    import os
    import subprocess
    import sys

    main, child = os.openpty()
    proc = subprocess.Popen(
        [sys.executable, "-m", "tui", *argv],
        env=env,
        stdin=child,
        stdout=subprocess.PIPE,
        stderr=child,
        text=True,
    )
    os.close(child)
    seen = ""
    while "confirm:" not in seen:
        chunk = os.read(main, 4096).decode(errors="replace")
        assert chunk, f"no question asked: {seen!r}"
        seen += chunk
    os.write(main, (answer + "\n").encode())
    proc.wait(timeout=60)
    try:
        while True:
            chunk = os.read(main, 4096).decode(errors="replace")
            if not chunk:
                break
            seen += chunk
    except OSError:
        pass  # the child closed the terminal
    os.close(main)
    return proc.returncode, " ".join(seen.split())


def test_panic_confirmation_says_later_orders_go_too_and_wants_the_count(make_sim, isolated_home):
    book = make_sim(orders=0, b2_orders=0)
    env = sim_env(book, isolated_home)
    kinds = fill_book(book, 30)
    count = len(kinds["wait"]) + len(kinds["watch"])
    code, screen = ask_on_a_terminal(["cancel", "--all", "--server-side"], env, "yes")
    assert code == 2 and "created after this confirmation will be cancelled too" in screen
    assert f"Type {count} to confirm" in screen
    assert set(book.state.truth()["upbit"].values()) <= {"wait", "watch"}  # "yes" is not the count
    code, screen = ask_on_a_terminal(["cancel", "--all", "--server-side"], env, str(count))
    assert code == 0, screen
    assert set(book.state.truth()["upbit"].values()) == {"cancel"}

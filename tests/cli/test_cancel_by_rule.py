"""`ordertui cancel --all` (cancel by rule) end to end: a subprocess against the simulator."""

from __future__ import annotations

import json
import threading
import time

import pytest

from tests.cli.test_cancel_cli import run
from tests.conftest import sim_env


@pytest.fixture
def book(make_sim):
    """An empty simulator, filled by each test with orders it knows."""
    return make_sim(orders=0, b2_orders=0)


@pytest.fixture
def env(book, isolated_home) -> dict[str, str]:
    return sim_env(book, isolated_home)


def add(book, n: int = 1, *, age_s: int = 3600, **fields) -> list[str]:
    now = int(time.time())
    return [book.state.add_upbit_order(created_ts=now - age_s, **fields)["uuid"] for _ in range(n)]


def states(book) -> dict[str, str]:
    return book.state.truth()["upbit"]


@pytest.mark.parametrize(
    ("flags", "word"),
    [
        (["--all", "--older-than", "5x"], "duration"),
        (["--all", "--market", "KRW-BTC", "--quote", "KRW"], "cannot be combined"),
        (["--all", "--market", "btc/krw"], "market format"),
        (["--all", "--side", "long"], "side"),
        (["--side", "bid"], "add --all"),
        (["--all", "--uuid", "00000000-0000-4000-8000-000000000000"], "--uuid"),
        (["--all", "--rule", "nope"], "no rule named"),
    ],
)
def test_bad_rules_exit_2_with_one_line(book, env, flags, word):
    before = book.state.stats.requests
    done = run(["cancel", *flags, "--yes"], env)
    assert done.returncode == 2, done.stderr
    lines = [line for line in done.stderr.splitlines() if line.strip()]
    assert len(lines) == 1 and word in lines[0] and "Traceback" not in done.stderr
    assert book.state.stats.requests == before  # nothing was asked of the exchange


def test_dry_run_json_lists_exactly_the_matches_and_sends_no_cancel(book, env):
    hit = add(book, 3, market="KRW-BTC", side="bid", identifier=None, age_s=7200)
    add(book, 2, market="KRW-BTC", side="ask", age_s=7200)  # other side
    add(book, 2, market="KRW-ETH", side="bid", age_s=7200)  # other market
    add(book, 2, market="KRW-BTC", side="bid", age_s=60)  # too new
    done = run(
        [
            "cancel",
            "--all",
            "--market",
            "KRW-BTC",
            "--side",
            "bid",
            "--older-than",
            "1h",
            "--dry-run",
            "--json",
        ],
        env,
    )
    assert done.returncode == 0, done.stderr
    plan = json.loads(done.stdout)
    assert {o["uuid"] for o in plan["matched"]} == set(hit)
    assert plan["orders"] == 3 and plan["listed"] == 7  # one market: listed by the exchange
    assert [len(r["ids"]) for r in plan["requests"]] == [3]
    assert all(o["side"] == "bid" and "locked" in o for o in plan["matched"])  # full objects
    assert set(states(book).values()) == {"wait"}


def test_protected_prefixes_and_watch_orders(book, env):
    plain = add(book, 25, side="bid")
    watch = add(book, 5, side="bid", state="watch")
    keep = [book.state.add_upbit_order(identifier=f"hedge-{i}")["uuid"] for i in range(5)]
    done = run(["cancel", "--all", "--keep-identifier-prefix", "hedge-", "--yes", "--json"], env)
    assert done.returncode == 0, done.stderr
    result = json.loads(done.stdout)
    assert {o["uuid"] for o in result["cancelled"]} == set(plain + watch)
    truth = states(book)
    assert all(truth[u] == "cancel" for u in plain + watch)
    assert all(truth[u] == "wait" for u in keep)
    assert result["requests"] == 2 and result["list_requests"] == 1  # batches (the stream confirms)


def test_all_without_yes_and_without_terminal_refuses(book, env):
    ids = add(book, 3)
    done = run(["cancel", "--all"], env)
    assert done.returncode == 2 and "--yes" in done.stderr
    assert all(states(book)[u] == "wait" for u in ids)


def test_named_rule_from_the_config(book, env, isolated_home):
    old = add(book, 4, side="ask", age_s=3 * 86400)
    young = add(book, 3, side="ask", age_s=60)
    bids = add(book, 3, side="bid", age_s=3 * 86400)
    config = isolated_home / "ordertui.toml"
    config.write_text('[rules.stale-asks]\nside = "ask"\nolder_than = "2d"\n')
    done = run(
        ["cancel", "--config", str(config), "--all", "--rule", "stale-asks", "--yes", "--json"], env
    )
    assert done.returncode == 0, done.stderr
    truth = states(book)
    assert [truth[u] for u in old] == ["cancel"] * 4
    assert all(truth[u] == "wait" for u in young + bids)
    # a flag narrows the named rule; a broken rule in the file is one line naming it
    config.write_text('[rules.bad]\nolder_than = "2 days"\n')
    done = run(["cancel", "--config", str(config), "--all", "--rule", "bad", "--yes"], env)
    assert done.returncode == 2
    assert "rules.bad.older_than" in done.stderr and "line 2" in done.stderr


def test_preview_equals_the_cancelled_set_while_orders_arrive_and_fill(make_sim, isolated_home):
    book = make_sim(orders=0, b2_orders=0, latency_ms=15)
    env = sim_env(book, isolated_home)
    first = add(book, 300, side="bid")
    stop = threading.Event()
    arrived: list[str] = []
    filled: list[str] = []

    def churn() -> None:
        i = 0
        while not stop.is_set():
            arrived.append(book.state.add_upbit_order(side="bid")["uuid"])
            if i < len(first) and i % 7 == 0:
                try:
                    book.state.fill(first[i])
                    filled.append(first[i])
                except ValueError:
                    pass  # already cancelled by the run
            i += 1
            stop.wait(0.01)

    worker = threading.Thread(target=churn)
    worker.start()
    try:
        done = run(["cancel", "--all", "--side", "bid", "--yes", "--json"], env)
    finally:
        stop.set()
        worker.join()
    assert done.returncode in (0, 1), done.stderr
    result = json.loads(done.stdout)
    previewed = {o["uuid"] for o in result["cancelled"]} | {
        o["uuid"] for o in result["failed"] + result["unknown"]
    }
    assert len(previewed) == result["requested"] == result["matched_count"]
    truth = states(book)
    cancelled_now = {u for u, s in truth.items() if s == "cancel"}
    assert cancelled_now == {o["uuid"] for o in result["cancelled"]}  # exactly what it said
    assert cancelled_now <= previewed
    after = [u for u in arrived if u not in previewed]
    assert after and all(truth[u] == "wait" for u in after)  # arrived after: never touched
    assert all(o["error"]["name"] in ("order_filled", "done_order") for o in result["failed"])
    assert result["unknown"] == []


def test_all_asks_for_the_typed_count_on_a_terminal(book, env):
    from tests.cli.test_cancel_panic import ask_on_a_terminal

    ids = add(book, 7)
    code, screen = ask_on_a_terminal(["cancel", "--all"], env, "y")
    assert code == 2 and "Cancel 7 of 7 open order(s)" in screen and "Type 7 to confirm" in screen
    assert all(states(book)[u] == "wait" for u in ids)
    code, screen = ask_on_a_terminal(["cancel", "--all"], env, "7")
    assert code == 0, screen
    assert all(states(book)[u] == "cancel" for u in ids)


def test_help_documents_every_rule_flag_and_an_example():
    from tui.cli import build_parser
    from tui.cli.cancel_rule_args import RULE_FLAGS

    sub = build_parser()._subparsers._group_actions[0].choices["cancel"]  # type: ignore[union-attr]
    text = sub.format_help()
    for flag in ("all", *RULE_FLAGS):
        assert "--" + flag.replace("_", "-") in text, flag
    assert "ordertui cancel --all --server-side" in text and "[rules.NAME]" in text


def _b2_env(book, env) -> dict[str, str]:
    creds = book.credentials["b2trader"]
    return dict(
        env,
        B2TRADER_TOKEN=creds["token"],
        B2TRADER_ACCOUNT_ID=creds["account_id"],
        B2TRADER_BASE_URL=book.base_url,
    )


def test_b2trader_exact_mode_cancels_the_matches_of_its_open_orders_stream(book, env):
    env = _b2_env(book, env)
    buys = [
        book.state.add_b2_order(market_id="spot.btc_usdt", side="Buy")["orderId"] for _ in range(3)
    ]
    sells = [
        book.state.add_b2_order(market_id="spot.btc_usdt", side="Sell")["orderId"] for _ in range(2)
    ]
    other = [book.state.add_b2_order(market_id="spot.eth_usdt", side="Buy")["orderId"]]
    done = run(
        [
            "cancel",
            "--exchange",
            "b2trader",
            "--all",
            "--market",
            "spot.btc_usdt",
            "--side",
            "buy",
            "--yes",
            "--json",
        ],
        env,
    )
    assert done.returncode == 0, done.stderr
    out = json.loads(done.stdout.splitlines()[-1])
    assert sorted(o["orderId"] for o in out["cancelled"]) == sorted(buys)
    assert out["listed"] == 6 and out["matched_count"] == 3
    truth = book.state.truth()["b2trader"]
    assert all(truth[i] == "Cancelled" for i in buys)
    assert all(truth[i] == "Working" for i in sells + other)
    assert book.credentials["b2trader"]["token"] not in done.stdout + done.stderr


def test_b2trader_refuses_server_side_with_one_line(book, env):
    done = run(
        ["cancel", "--exchange", "b2trader", "--all", "--server-side", "--yes"], _b2_env(book, env)
    )
    lines = [line for line in done.stderr.splitlines() if line.strip()]
    assert done.returncode == 2 and len(lines) == 1 and "B2TRADER" in lines[0], done.stderr
    assert book.state.stats.b2_cancels == 0

"""`ordertui orders`: a list cut short prints what it got, says so on stderr, exits 1; the demo
B2TRADER book is listed (as in the TUI) and labelled."""

from __future__ import annotations

import io
import json
import subprocess
import sys

import httpx
import pytest

from tests.conftest import sim_env
from tests.exchanges.test_listing_faults import FAST, FAST_PAGES, Watch, page_of
from tui.core.redact import Redactor


def run_in_process(argv: list[str], monkeypatch) -> tuple[int, str, str]:
    """main(argv) here, so that a test can reach the client it builds; stdout/stderr captured."""
    from tui.cli import logs, main

    out, err = io.StringIO(), io.StringIO()
    monkeypatch.setattr(sys, "stdout", out)
    monkeypatch.setattr(sys, "stderr", err)
    monkeypatch.setattr(logs, "setup_logging", Redactor)  # no log file handler left behind
    code = main(argv)
    return code, out.getvalue(), err.getvalue()


@pytest.fixture
def faulty_client(monkeypatch):
    """make_client builds the real client, fast retries, and the simulator fails for good
    from page `state["page"]` on (a 503 when state["fault"] is fail_rate, a drop for
    drop_rate)."""
    import tui.exchanges.factory as factory
    from tui.exchanges.upbit import UpbitClient

    state: dict = {"page": 3, "fault": "fail_rate", "server": None}

    def make_client(profile, **kw):
        server = state["server"]

        def before(request: httpx.Request) -> None:
            page = page_of(request)
            if page is not None and page >= state["page"]:
                setattr(server.config, state["fault"], 1.0)

        return UpbitClient(
            profile.access_key.get_secret_value(),
            profile.secret_key.get_secret_value(),
            base_url=profile.base_url,
            transport=Watch(before),
            retry=FAST,
            page_retry=FAST_PAGES,
        )

    monkeypatch.setattr(factory, "make_client", make_client)
    return state


@pytest.mark.parametrize("as_json", [False, True])
def test_a_list_cut_short_prints_what_came_says_partial_and_exits_1(
    make_sim, isolated_home, monkeypatch, faulty_client, as_json
):
    server = make_sim(orders=350, seed=3, rps=10_000)
    faulty_client["server"] = server
    for key, value in sim_env(server, isolated_home).items():
        monkeypatch.setenv(key, value)
    code, out, err = run_in_process(["orders", *(["--json"] if as_json else [])], monkeypatch)
    assert code == 1
    open_now = {o["uuid"] for o in server.state.upbit_open_orders()}
    if as_json:
        body = json.loads(out)
        uuids = [o["uuid"] for o in body["orders"]]
        assert body["partial"]["page"] == 3 and "503" in body["partial"]["reason"]
    else:
        lines = out.strip().splitlines()
        assert lines[-1].startswith("200 open order(s) on Upbit") and "(partial list)" in lines[-1]
        uuids = [line.split()[0] for line in lines[1:-1]]
    assert len(uuids) == len(set(uuids)) == 200 and set(uuids) <= open_now
    assert "ordertui: partial list: 200 orders loaded, page 3 failed: 503" in err
    assert "Traceback" not in err


def test_a_whole_list_says_nothing_of_partial(make_sim, isolated_home, monkeypatch, faulty_client):
    server = make_sim(orders=150, seed=3, rps=10_000)
    faulty_client.update(server=server, page=99)
    for key, value in sim_env(server, isolated_home).items():
        monkeypatch.setenv(key, value)
    code, out, err = run_in_process(["orders", "--json"], monkeypatch)
    assert code == 0, err
    body = json.loads(out)
    assert len(body["orders"]) == 150 and body["partial"] is None and body["unreadable"] == []
    assert "partial" not in err


def run_cli(args: list[str], env: dict[str, str]) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "tui", *args],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        stdin=subprocess.DEVNULL,
    )


def test_demo_b2trader_lists_the_demo_book_as_the_tui_does(sim, isolated_home):
    env = sim_env(sim, isolated_home)
    done = run_cli(["orders", "--demo", "--exchange", "b2trader", "--json"], env)
    assert done.returncode == 0, done.stderr
    body = json.loads(done.stdout)
    assert body["exchange"] == "b2trader" and len(body["orders"]) == 12
    assert all(o["status"] in ("Started", "Pending", "Working") for o in body["orders"])
    assert "demo: the simulator's B2TRADER book" in done.stderr
    assert "lists its open orders from the account's OpenOrders stream" in done.stderr

    text = run_cli(["orders", "--demo", "--exchange", "b2trader"], env)
    assert text.returncode == 0, text.stderr
    assert text.stdout.splitlines()[0].startswith("order id")
    assert "12 open order(s) on B2TRADER" in text.stdout


def test_a_real_b2trader_lists_from_its_open_orders_stream(sim, isolated_home):
    """B2TRADER has no REST list: `orders` takes the stream's first OpenOrders snapshot."""
    env = sim_env(sim, isolated_home)
    token = sim.credentials["b2trader"]["token"]
    account = sim.credentials["b2trader"]["account_id"]
    env.update(
        {
            "B2TRADER_TOKEN": token,
            "B2TRADER_ACCOUNT_ID": account,
            "B2TRADER_BASE_URL": sim.base_url,
        }
    )
    for key in ("UPBIT_OPEN_API_ACCESS_KEY", "UPBIT_OPEN_API_SECRET_KEY"):
        env.pop(key)
    expected = [
        o.order_id for o in sim.state.b2.ordered() if o.account_id == account and o.cancellable
    ]
    done = run_cli(["orders", "--exchange", "b2trader", "--json"], env)
    assert done.returncode == 0, done.stderr
    body = json.loads(done.stdout)
    assert [o["orderId"] for o in body["orders"]] == expected
    text = run_cli(["orders", "--exchange", "b2trader"], env)
    assert text.returncode == 0, text.stderr
    assert f"{len(expected)} open order(s) on B2TRADER" in text.stdout
    assert token not in done.stdout + done.stderr + text.stdout + text.stderr

    env["B2TRADER_TOKEN"] = "not-the-token"
    refused = run_cli(["orders", "--exchange", "b2trader"], env)
    assert refused.returncode == 3 and "401" in refused.stderr

"""Reconciliation: unresolved orders are looked up 100 at a time (by uuid when known, else by
identifier), their real state is appended to their run's journal, failures leave them
unresolved, a 418 stops it, and B2TRADER orders are marked for a manual check."""

from __future__ import annotations

import asyncio
import json
import uuid as uuidlib
from pathlib import Path

import httpx

from tui.core.journal import list_runs, read_run
from tui.core.reconcile import matching_runs, reconcile
from tui.exchanges.http import RetryPolicy
from tui.exchanges.upbit import UpbitClient

from .fake_upbit import FakeUpbit
from .helpers import last_json_line, records, run_cli

ACCESS = "AccessKeyAccessKeyAccessKeyAccessKey0001"
SECRET = "SecretKeySecretKeySecretKeySecretKey0001"


def crashed_run(
    directory: Path,
    name: str,
    refs: list[str],
    *,
    exchange: str = "upbit",
    profile=None,
    sent: list[str] | None = None,
    extra: list[dict] | None = None,
) -> Path:
    """A run file as a kill -9 leaves it: started, some intents, no finish."""
    directory.mkdir(parents=True, exist_ok=True)
    path = directory / f"{name}.jsonl"
    lines = [
        {
            "type": "run",
            "run_id": name,
            "exchange": exchange,
            "target": "x",
            "profile": profile,
            "demo": False,
            "refs": refs,
        }
    ]
    lines += [
        {
            "type": "intent",
            "request_id": f"{name}/1",
            "endpoint": "DELETE /v1/orders/uuids",
            "refs": sent if sent is not None else refs,
        }
    ]
    lines += extra or []
    path.write_text("".join(json.dumps(x) + "\n" for x in lines))
    path.chmod(0o600)
    return path


def run_reconcile(fake: FakeUpbit, runs):
    async def go():
        client = UpbitClient(
            ACCESS,
            SECRET,
            base_url="https://upbit.test",
            transport=fake.transport(),
            retry=RetryPolicy(base_delay=0.001, max_delay=0.01),
        )
        try:
            return await reconcile(client, runs)
        finally:
            await client.aclose()

    return asyncio.run(go())


def test_looks_up_in_batches_of_100_and_records_the_real_state(tmp_path):
    fake = FakeUpbit(250)
    states = ["cancel", "done", "wait", "watch"]
    for i, uid in enumerate(fake.uuids):
        fake.states[uid] = states[i % 4]
    gone = str(uuidlib.uuid4())  # not on this account at all
    path = crashed_run(tmp_path, "20250101T000000-aaaa", [f"uuid:{u}" for u in [*fake.uuids, gone]])
    report = run_reconcile(fake, list_runs(tmp_path))
    gets = [r for r in fake.requests if r.method == "GET"]
    assert [len(r.url.params.get_list("uuids[]")) for r in gets] == [100, 100, 51]
    assert report.requests == 3 and report.error is None
    run = read_run(path)
    assert run.unresolved() == []
    want = {"cancel": "cancelled", "done": "failed", "wait": "open", "watch": "open"}
    for uid in fake.uuids:
        order = run.orders[f"uuid:{uid}"]
        assert (
            order.outcome == want[fake.states[uid]]
            and order.reconciled
            and order.state == fake.states[uid]
        )
    assert run.orders[f"uuid:{gone}"].outcome == "failed"
    assert run.orders[f"uuid:{gone}"].error["name"] == "order_not_found"
    assert run.orders[f"uuid:{fake.uuids[1]}"].error["name"] == "order_filled"
    assert all(r["type"] != "reconcile" or r["confirmed"] for r in records(path))


def test_identifiers_are_looked_up_by_uuid_when_known_else_by_identifier(tmp_path):
    known, unknown = str(uuidlib.uuid4()), str(uuidlib.uuid4())
    fake = FakeUpbit(states={known: "cancel", unknown: "done"})
    idents = {"my-known": known, "my-unknown": unknown}

    def by_identifier(request: httpx.Request):
        wanted = request.url.params.get_list("identifiers[]")
        if request.method == "GET" and wanted:
            from .fake_upbit import order

            return httpx.Response(
                200, json=[order(idents[i], fake.states[idents[i]], identifier=i) for i in wanted]
            )
        return None

    fake.before = by_identifier
    path = crashed_run(
        tmp_path,
        "20250101T000000-bbbb",
        ["identifier:my-known", "identifier:my-unknown"],
        extra=[
            {"type": "outcome", "ref": "identifier:my-known", "outcome": "unknown", "id": known}
        ],
    )
    run_reconcile(fake, list_runs(tmp_path))
    gets = [r for r in fake.requests if r.method == "GET"]
    assert sorted(
        (tuple(r.url.params.get_list("uuids[]")), tuple(r.url.params.get_list("identifiers[]")))
        for r in gets
    ) == sorted([((known,), ()), ((), ("my-unknown",))])
    run = read_run(path)
    assert run.orders["identifier:my-known"].outcome == "cancelled"
    assert run.orders["identifier:my-unknown"].outcome == "failed"


def test_a_failed_look_up_leaves_orders_unresolved_and_records_nothing(tmp_path):
    fake = FakeUpbit(5)
    fake.before = lambda request: httpx.Response(
        500, json={"error": {"name": "server_error", "message": "x"}}
    )
    path = crashed_run(tmp_path, "20250101T000000-cccc", [f"uuid:{u}" for u in fake.uuids])
    size = path.stat().st_size
    report = run_reconcile(fake, list_runs(tmp_path))
    assert len(fake.requests) == RetryPolicy().max_attempts  # a look-up is retried, then given up
    assert report.error and report.counts == {"unknown": 5}
    assert path.stat().st_size == size
    assert len(read_run(path).unresolved()) == 5


def test_a_418_stops_reconciling_and_says_how_long(tmp_path):
    fake = FakeUpbit(250)
    fake.before = lambda request: httpx.Response(418, headers={"Retry-After": "60"}, text="blocked")
    crashed_run(
        tmp_path,
        "20250101T000000-dddd",
        [f"uuid:{u}" for u in fake.uuids[:200]] + ["identifier:abc"],
    )
    report = run_reconcile(fake, list_runs(tmp_path))
    assert len(fake.requests) == 1, "looked up more after a 418"
    assert report.error and "60 s" in report.error
    assert report.counts == {"unknown": 201}


def test_runs_of_another_exchange_or_profile_are_skipped_with_the_reason(tmp_path):
    crashed_run(
        tmp_path, "20250101T000000-eeee", ["uuid:" + str(uuidlib.uuid4())], exchange="b2trader"
    )
    crashed_run(tmp_path, "20250101T000001-ffff", ["uuid:" + str(uuidlib.uuid4())], profile="work")
    crashed_run(tmp_path, "20250101T000002-gggg", ["uuid:" + str(uuidlib.uuid4())])
    usable, skipped = matching_runs(list_runs(tmp_path), "upbit", None)
    assert [r.run_id for r in usable] == ["20250101T000002-gggg"]
    why = dict(skipped)
    assert "b2trader" in why["20250101T000000-eeee"] and "--profile" in why["20250101T000001-ffff"]


def test_b2trader_orders_are_marked_for_a_manual_check(env):
    ulids = ["01J00000000000000000000001", "01J00000000000000000000002"]
    path = crashed_run(
        env.journal_dir,
        "20250101T000000-b2b2",
        [f"order_id:{u}" for u in ulids],
        exchange="b2trader",
    )
    b2 = {
        **env.vars,
        "B2TRADER_TOKEN": "token-token-token",
        "B2TRADER_BASE_URL": "https://broker.example",
        "B2TRADER_ACCOUNT_ID": "acc-1",
    }
    proc = run_cli(["reconcile", "--exchange", "b2trader", "--yes", "--json"], b2)
    assert proc.returncode == 1, proc.stderr  # not settled: a person must check
    out = last_json_line(proc.stdout)
    assert out["counts"] == {"needs_manual_check": 2} and out["requests"] == 0
    assert all("trading terminal" in s["note"] for s in out["settled"])
    run = read_run(path)
    assert {o.outcome for o in run.orders.values()} == {"needs_manual_check"}
    listed = json.loads(run_cli(["journal", "--unresolved", "--json"], env.vars).stdout)[
        "unresolved"
    ]
    assert {i["outcome"] for i in listed} == {"needs_manual_check"} and len(listed) == 2


def test_reconcile_without_a_terminal_asks_for_yes(make_sim, env):
    sim = make_sim(orders=3)
    crashed_run(
        env.journal_dir,
        "20250101T000000-hhhh",
        ["uuid:" + o["uuid"] for o in sim.state.upbit_open_orders()],
    )
    proc = run_cli(["reconcile"], env.with_sim(sim))
    assert proc.returncode == 2 and "--yes" in proc.stderr
    proc = run_cli(["reconcile", "--yes"], env.with_sim(sim))
    assert proc.returncode == 0 and "3 open" in proc.stdout, proc.stdout + proc.stderr

"""One order given by its uuid and by its identifier is one order: one outcome, counted once
in the summary, in `--json` and in the journal. Upbit takes a uuid or an identifier in a
request, never both, so both cancels go and the later one is refused as already cancelled:
the order is still "cancelled", not failed. Against the simulator over loopback."""

from __future__ import annotations

import asyncio
import json
import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import sim_env
from tui.core.engine import CancelEngine, EngineOptions
from tui.core.events import Outcome
from tui.core.journal import Journal, read_run
from tui.core.refs import OrderRef
from tui.exchanges.upbit import UpbitClient


@pytest.fixture
def env(sim, isolated_home) -> dict[str, str]:
    return sim_env(sim, isolated_home)


def run(args: list[str], env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "tui", *args],
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
        stdin=subprocess.DEVNULL,
    )


def with_identifier(sim, n: int) -> list[dict]:
    orders = [o for o in sim.state.upbit_open_orders() if o.get("identifier")]
    assert len(orders) >= n, "the seeded book has too few orders with an identifier"
    return orders[:n]


def the_run(env: dict[str, str]):
    files = sorted(Path(env["XDG_DATA_HOME"]).rglob("*.jsonl"))
    assert len(files) == 1, files
    return read_run(files[0]), files[0]


def test_one_order_by_uuid_and_identifier_counts_once(sim, env):
    (order,) = with_identifier(sim, 1)
    args = ["cancel", "--uuid", order["uuid"], "--identifier", order["identifier"], "--yes"]
    proc = run([*args, "--json"], env)
    assert proc.returncode == 0, proc.stderr
    report = json.loads(proc.stdout)
    assert report["requested"] == 1
    assert [o["uuid"] for o in report["cancelled"]] == [order["uuid"]]
    assert report["cancelled"][0]["identifier"] == order["identifier"]
    assert report["failed"] == [] and report["unknown"] == [] and report["not_sent"] == []
    # both requests went (one by uuid, one by identifier); the exchange cancelled it once
    assert sim.state.stats.by_endpoint["DELETE /v1/order"] == 2
    assert sim.state.truth()["upbit"][order["uuid"]] == "cancel"

    run_record, path = the_run(env)
    assert run_record.finished
    assert run_record.counts == {"cancelled": 1}
    assert list(run_record.orders) == [f"uuid:{order['uuid']}"]
    assert run_record.aliases == {f"identifier:{order['identifier']}": f"uuid:{order['uuid']}"}
    assert run_record.unresolved() == []
    finish = [json.loads(x) for x in path.read_text().splitlines() if '"finish"' in x]
    assert finish[-1]["counts"] == {"cancelled": 1, "failed": 0, "unknown": 0, "not_sent": 0}

    listed = run(["journal", "--json"], env)
    assert listed.returncode == 0, listed.stderr
    (entry,) = json.loads(listed.stdout)["runs"]
    assert entry["counts"] == {"cancelled": 1} and entry["unresolved"] == 0


def test_the_summary_line_counts_the_order_once(sim, env):
    (order,) = with_identifier(sim, 1)
    proc = run(
        ["cancel", "--identifier", order["identifier"], "--uuid", order["uuid"], "--yes"], env
    )
    assert proc.returncode == 0, proc.stderr
    assert ": 1 cancelled, 0 failed, 0 unknown (" in proc.stdout.splitlines()[0]
    assert "failed " not in proc.stdout


def test_batches_by_uuid_and_by_identifier_name_the_same_orders(sim, env):
    """Five orders, each named twice: one batch by uuids[], one by identifiers[]."""
    orders = with_identifier(sim, 5)
    args = ["cancel", "--yes", "--json"]
    for o in orders:
        args += ["--uuid", o["uuid"], "--identifier", o["identifier"]]
    proc = run(args, env)
    assert proc.returncode == 0, proc.stderr
    report = json.loads(proc.stdout)
    assert report["requested"] == 5
    assert sorted(o["uuid"] for o in report["cancelled"]) == sorted(o["uuid"] for o in orders)
    assert report["failed"] == [] and report["unknown"] == []
    assert sim.state.stats.by_endpoint["DELETE /v1/orders/uuids"] == 2
    run_record, _ = the_run(env)
    assert run_record.counts == {"cancelled": 5} and len(run_record.aliases) == 5


def test_without_a_confirming_look_up_the_refusal_does_not_make_it_failed(sim, tmp_path):
    """No look-up after the cancels: what settles the merged order is only that the exchange
    accepted one of its two cancels; the other's "canceled_order" refusal must not win."""
    (order,) = with_identifier(sim, 1)
    creds = sim.credentials["upbit"]
    client = UpbitClient(creds["access_key"], creds["secret_key"], base_url=sim.base_url)
    journal = Journal(tmp_path / "journal")
    refs = [OrderRef.uuid(order["uuid"]), OrderRef.identifier(order["identifier"])]

    async def go():
        engine = CancelEngine(client, recorder=journal, options=EngineOptions(confirm=False))
        try:
            return await engine.run(refs)
        finally:
            await client.aclose()

    report = asyncio.run(go())
    statuses = sorted(e["status"] for e in sim.state.recent if e["method"] == "DELETE")
    assert statuses == [200, 400], "not one accepted and one refused: the case did not happen"
    assert report.counts == {"cancelled": 1, "failed": 0, "unknown": 0, "not_sent": 0}
    (result,) = report.results.values()
    assert result.outcome is Outcome.CANCELLED and result.error is None
    assert report.requested == 1 and len(report.aliases) == 1
    run_record = read_run(journal.path)
    assert run_record.counts == {"cancelled": 1}

"""The cancel engine against the simulator over loopback: outcomes, events, halts, abort, ambiguity."""

from __future__ import annotations

import asyncio

import pytest

from tui.core.engine import CancelEngine, EngineOptions
from tui.core.events import (
    Notice,
    OrderOutcome,
    Outcome,
    RequestDone,
    RequestSent,
    RunFinished,
    RunStarted,
)
from tui.core.refs import OrderRef
from tui.exchanges.b2trader import B2TraderClient
from tui.exchanges.http import RetryPolicy
from tui.exchanges.upbit import UpbitClient
from tui.simulator.config import SimConfig
from tui.simulator.server import SimulatorServer

FAST_RETRY = RetryPolicy(max_attempts=3, base_delay=0.01, max_delay=0.05)


def upbit(server, key="upbit", **kw) -> UpbitClient:
    creds = server.credentials[key]
    return UpbitClient(creds["access_key"], creds["secret_key"], base_url=server.base_url, **kw)


def cancel(client, refs, **kw):
    events = []

    async def go():
        engine = CancelEngine(client, on_event=events.append, **kw)
        try:
            return await engine.run(refs)
        finally:
            await client.aclose()

    return asyncio.run(go()), events


def uuids(server, n=None):
    orders = server.state.upbit_open_orders()
    return [OrderRef.uuid(o["uuid"]) for o in orders[:n]]


def test_event_stream_and_report(sim):
    refs = uuids(sim, 25)
    report, events = cancel(upbit(sim), refs)
    assert isinstance(events[0], RunStarted) and events[0].total == 25
    assert isinstance(events[-1], RunFinished) and events[-1].report is report
    sent = [e for e in events if isinstance(e, RequestSent)]
    assert [len(e.refs) for e in sent] == [20, 5]
    assert len([e for e in events if isinstance(e, RequestDone)]) == 2
    assert report.counts == {"cancelled": 25, "failed": 0, "unknown": 0, "not_sent": 0}
    assert report.requests == 3
    assert all(r.confirmed and r.row.state == "cancel" for r in report.results.values())
    final = {}
    for e in events:
        if isinstance(e, OrderOutcome):
            final[e.result.ref] = e.result.outcome
    assert set(final) == set(refs) and set(final.values()) == {Outcome.CANCELLED}


def test_identifiers_resolved_to_uuids(sim):
    orders = [o for o in sim.state.upbit_open_orders() if o.get("identifier")][:3]
    report, _ = cancel(upbit(sim), [OrderRef.identifier(o["identifier"]) for o in orders])
    assert report.counts["cancelled"] == 3
    assert {r.row.id for r in report.results.values()} == {o["uuid"] for o in orders}


def test_batch_refusals_explained_by_lookup(sim):
    refs = uuids(sim, 6)
    sim.state.fill(refs[0].value)
    first, _ = cancel(upbit(sim), [refs[1]])
    assert first.counts["cancelled"] == 1
    report, _ = cancel(upbit(sim), refs)
    errors = {r.ref: r.error.name for r in report.results.values() if r.error}
    assert errors == {refs[0]: "order_filled", refs[1]: "already_cancelled"}
    assert report.counts == {"cancelled": 4, "failed": 2, "unknown": 0, "not_sent": 0}
    filled = report.results[refs[0].key]
    assert filled.row.state == "done" and filled.error.hint


def test_mixed_uuid_and_identifier_runs(sim):
    orders = sim.state.upbit_open_orders()
    with_ident = [o for o in orders if o.get("identifier")][:2]
    plain = [o for o in orders if o not in with_ident][:3]
    refs = [OrderRef.uuid(o["uuid"]) for o in plain] + [
        OrderRef.identifier(o["identifier"]) for o in with_ident
    ]
    report, events = cancel(upbit(sim), refs)
    assert report.counts["cancelled"] == 5
    for e in events:
        if isinstance(e, RequestSent):
            assert len({r.kind for r in e.refs}) == 1


def test_auth_failure_halts_the_run(sim):
    refs = uuids(sim, 40)
    report, events = cancel(
        upbit(sim, "upbit_readonly"), refs, options=EngineOptions(max_in_flight=1)
    )
    assert report.halted and "out_of_scope" in report.halted
    assert report.counts["failed"] == 20 and report.counts["not_sent"] == 20
    failed = report.by_outcome(Outcome.FAILED)[0]
    assert failed.error.name == "out_of_scope" and "Make Orders" in failed.error.hint
    assert any(isinstance(e, Notice) and e.level == "error" for e in events)
    assert all(sim.state.truth()["upbit"][r.value] in ("wait", "watch") for r in refs)


def test_abort_before_start_sends_nothing(sim):
    refs = uuids(sim, 5)
    client = upbit(sim)

    async def go():
        engine = CancelEngine(client)
        engine.abort()
        try:
            return await engine.run(refs)
        finally:
            await client.aclose()

    report = asyncio.run(go())
    assert report.requests == 0 and report.counts["not_sent"] == 5 and report.aborted
    assert sim.state.stats.requests == 0


def test_abort_mid_run_stops_new_requests():
    with SimulatorServer(SimConfig(orders=400, latency_ms=60, seed=2)) as server:
        refs = uuids(server)
        client = upbit(server)

        async def go():
            engine = CancelEngine(client, options=EngineOptions(max_in_flight=2))

            def watch(event):
                if isinstance(event, RequestDone) and not engine.control.aborted:
                    engine.abort()

            engine.on_event = watch
            try:
                return await engine.run(refs)
            finally:
                await client.aclose()

        report = asyncio.run(go())
        sent = server.state.stats.by_endpoint["DELETE /v1/orders/uuids"]
        assert 1 <= sent <= 3  # the one answered plus those already on the wire
        assert report.counts["not_sent"] >= 400 - 20 * sent
        assert report.counts["cancelled"] == 20 * sent
        assert report.aborted and not report.halted
        truth = server.state.truth()["upbit"]
        for r in report.results.values():
            expected = "cancel" if r.outcome is Outcome.CANCELLED else "wait"
            assert truth[r.ref.value] in (
                (expected,) if expected == "cancel" else ("wait", "watch")
            )


def test_no_answers_at_all_means_unknown_never_a_guess():
    with SimulatorServer(SimConfig(orders=30, drop_rate=1.0, seed=4)) as server:
        refs = uuids(server)
        report, _ = cancel(
            upbit(server, retry=FAST_RETRY),
            refs,
            options=EngineOptions(max_rounds=1, settle_delays=(0.01,)),
        )
        # every cancel acted, but neither the cancels nor the look-ups were answered
        assert report.counts["unknown"] == 30, report.counts
        assert all(v == "cancel" for v in server.state.truth()["upbit"].values())


def test_dropped_answers_are_settled_by_lookup():
    with SimulatorServer(SimConfig(orders=200, drop_rate=0.3, seed=4)) as server:
        refs = uuids(server)
        report, _ = cancel(upbit(server, retry=FAST_RETRY), refs)
        truth = server.state.truth()["upbit"]
        assert server.state.stats.injected_drops > 0
        for r in report.results.values():
            assert r.outcome in (Outcome.CANCELLED, Outcome.UNKNOWN)
            if r.outcome is Outcome.CANCELLED:
                assert truth[r.ref.value] == "cancel"
        assert report.counts["cancelled"] >= 190, report.counts


def test_unavailable_exchange_ends_failed_or_unknown_never_cancelled():
    with SimulatorServer(SimConfig(orders=5, fail_rate=1.0, seed=4)) as server:
        refs = uuids(server)
        report, _ = cancel(
            upbit(server, retry=FAST_RETRY),
            refs,
            options=EngineOptions(max_rounds=1, settle_delays=(0.01,)),
        )
        assert report.counts["cancelled"] == 0
        assert report.counts["unknown"] + report.counts["failed"] == 5
        assert all(v in ("wait", "watch") for v in server.state.truth()["upbit"].values())


def test_b2trader_run(sim):
    creds = sim.credentials["b2trader"]
    ids = [o["orderId"] for o in sim.state.b2_orders() if o["status"] == "Working"][:4]
    client = B2TraderClient(sim.base_url, creds["token"], creds["account_id"])
    report, events = cancel(
        client,
        [OrderRef.order_id(i) for i in ids] + [OrderRef.order_id("01K2PF9XS29WN4JZRHMCTTQYJB")],
    )
    assert report.counts["cancelled"] == 4 and report.counts["failed"] == 1
    assert report.requests == 5
    assert all(r.confirmed for r in report.by_outcome(Outcome.CANCELLED))
    assert report.by_outcome(Outcome.FAILED)[0].error.name == "order_not_found"


def test_wrong_kind_for_exchange_fails_without_sending(sim):
    report, _ = cancel(upbit(sim), [OrderRef.order_id("01K2PF9XS29WN4JZRHMCTTQYJB")])
    assert report.counts["failed"] == 1 and report.requests == 0
    assert report.by_outcome(Outcome.FAILED)[0].error.name == "wrong_exchange"


@pytest.mark.parametrize("n", [1, 21])
def test_single_endpoint_used_for_lone_orders(sim, n):
    report, events = cancel(upbit(sim), uuids(sim, n))
    endpoints = [e.endpoint for e in events if isinstance(e, RequestSent)]
    assert endpoints[-1] == "DELETE /v1/order"
    assert report.counts["cancelled"] == n

"""Panic mode's pieces: the server filters, the id path's view of the client, the merge."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime

from tui.core.events import OrderResult, Outcome, RunReport
from tui.core.models.upbit import UpbitOrder
from tui.core.panic import ServerAwareClient, ServerFilters, ServerSideCancel, merge, server_filters
from tui.core.ports import BatchCancelResult, CancelAck
from tui.core.refs import IdKind, OrderRef
from tui.core.rules import Rule

NOW = datetime(2026, 12, 2, tzinfo=UTC)
A, B, C = (f"{c * 8}-0000-4000-8000-000000000000" for c in "abc")


def order(uuid: str, market: str, identifier: str | None = None, state: str = "wait"):
    return UpbitOrder.from_wire(
        {"uuid": uuid, "market": market, "side": "bid", "state": state, "identifier": identifier}
    )


def ack(uuid: str) -> CancelAck:
    ref = OrderRef(IdKind.UUID, uuid)
    return CancelAck(ref, uuid, "KRW-BTC", None)


def test_exact_rule_needs_no_listing_and_protected_markets_are_excluded():
    filters, _ = server_filters(Rule.build(side="bid", quotes=["KRW"]), None, NOW)
    assert filters == ServerFilters("bid", (), (), ("KRW",))
    rule = Rule.build(keep_identifier_prefixes=["hedge-"])
    assert server_filters(rule, None, NOW)[0] is None  # must look at the book first
    listed = [
        order(A, "KRW-BTC"),
        order(B, "KRW-ETH", "hedge-1"),
        order(C, "KRW-XRP", "hedge-2", "watch"),
    ]
    filters, _ = server_filters(rule, listed, NOW)
    # a WATCH order is never taken by cancel-all: its market needs no exclusion
    assert filters is not None and filters.excluded_pairs == ("KRW-ETH",)
    assert server_filters(Rule.build(state="watch"), None, NOW)[0] is None


class FakeUpbit:
    def __init__(self, refuse: set[str]) -> None:
        self.refuse = refuse
        self.sent: list[list[str]] = []
        self.looked: list[list[str]] = []

    async def cancel_batch(self, refs, *, control=None) -> BatchCancelResult:
        self.sent.append([r.value for r in refs])
        result = BatchCancelResult()
        for r in refs:
            (result.refused if r.value in self.refuse else result.accepted).append(ack(r.value))
        return result

    async def lookup(self, refs, *, control=None):
        self.looked.append([r.value for r in refs])
        return []


def test_what_the_server_took_is_not_sent_again_and_its_refusal_is_a_success():
    inner = FakeUpbit(refuse={B})
    taken = {A: ack(A)}
    client = ServerAwareClient(inner, taken)
    refs = [OrderRef.uuid(u) for u in (A, B, C)]

    async def go():
        first = await client.cancel_batch(refs)
        taken[B] = ack(B)  # the server path's answer named B meanwhile
        second = await client.cancel_batch([OrderRef.uuid(B)])
        looked = await client.lookup(refs)
        return first, second, looked

    first, second, looked = asyncio.run(go())
    assert inner.sent[0] == [B, C]  # A went by the server path
    assert {a.ref.value for a in first.accepted} == {A, C} and [
        a.ref.value for a in first.refused
    ] == [B]
    assert [a.ref.value for a in second.accepted] == [B] and second.refused == []
    assert inner.looked == [[C]] and looked == []


def test_merge_counts_each_order_once_and_credits_the_server():
    id_report = RunReport("r", "upbit", requested=2)
    for uuid, outcome in ((A, Outcome.CANCELLED), (B, Outcome.FAILED)):
        ref = OrderRef.uuid(uuid)
        id_report.results[ref.key] = OrderResult(ref, outcome)
    server = ServerSideCancel(
        client=None, filters=ServerFilters("all", (), (), ()), control=None, run_id="r-server"
    )
    server._took(ack(B))
    server._took(ack(C))
    out = merge(id_report, server, list_requests=1, listed=3, matched=3)
    assert out.report.counts["cancelled"] == 3 and out.report.counts["failed"] == 0
    assert len(out.report.results) == 3 and out.credited == [OrderRef.uuid(B).key]
    assert out.id_cancelled == 1 and out.server.cancelled == 2


def test_server_path_sends_nothing_it_cannot_journal():
    class Refusing:
        def start(self, *a): ...
        def intent(self, *a):
            raise OSError(28, "No space left on device")

        def outcome(self, *a): ...
        def finish(self, *a): ...

    class Client:
        sent = 0

        async def cancel_all_open(self, *, control=None, **params):
            control.check()  # as the real client does right before the send
            self.sent += 1
            return BatchCancelResult()

    from tui.core.ports import RunControl

    client = Client()
    server = ServerSideCancel(
        client,
        ServerFilters("all", (), (), ()),
        control=RunControl(),
        recorder=Refusing(),
        run_id="r",
    )
    asyncio.run(server.run())
    assert client.sent == 0 and "journal" in (server.stats.stopped or "")

"""Reconciliation: settle orders whose outcome the journal does not know, by looking them up."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

from tui.core.errors import Blocked, ErrorInfo, OrderTuiError, hint_for
from tui.core.events import Outcome, RunReport
from tui.core.journal import RunRecord, _now, append_records, clip_text, ref_from_key
from tui.core.lookup import look_up
from tui.core.models.row import OrderRow
from tui.core.models.states import CLOSED_CANCELLED, CLOSED_FILLED, CLOSED_OTHER
from tui.core.planner import chunks
from tui.core.ports import ExchangeClient, Order
from tui.core.redact import Redactor
from tui.core.refs import IdKind, OrderRef


@dataclass(slots=True)
class Settled:
    run_id: str
    ref: OrderRef
    outcome: str  # cancelled | failed | open | needs_manual_check | unknown
    state: str | None = None
    row: OrderRow | None = None
    note: str = ""

    def as_dict(self) -> dict[str, object]:
        out: dict[str, object] = {
            "run_id": self.run_id,
            self.ref.kind.value: self.ref.value,
            "outcome": self.outcome,
            "state": self.state,
        }
        if self.row is not None and self.row.market:
            out["market"] = self.row.market
        if self.note:
            out["note"] = self.note
        return out


@dataclass(slots=True)
class ReconcileReport:
    settled: list[Settled] = field(default_factory=list)
    skipped_runs: list[tuple[str, str]] = field(default_factory=list)  # (run_id, why)
    requests: int = 0
    error: str | None = None

    @property
    def counts(self) -> dict[str, int]:
        out: dict[str, int] = {}
        for item in self.settled:
            out[item.outcome] = out.get(item.outcome, 0) + 1
        return out


def matching_runs(
    runs: Sequence[RunRecord], exchange: str, profile: str | None, demo: bool = False
) -> tuple[list[RunRecord], list[tuple[str, str]]]:
    """Runs with unresolved orders that this exchange/profile can settle, and why others cannot."""
    usable: list[RunRecord] = []
    skipped: list[tuple[str, str]] = []
    for run in runs:
        if not run.unresolved():
            continue
        if run.exchange != exchange:
            skipped.append((run.run_id, f"it ran against {run.exchange or 'an unknown exchange'}"))
        elif run.profile != profile:
            skipped.append(
                (run.run_id, f"it ran with profile {run.profile or '(none)'}: use --profile")
            )
        elif run.demo and not demo:
            skipped.append(
                (run.run_id, "it ran in demo mode: the demo exchange is gone with that session")
            )
        else:
            usable.append(run)
    return usable, skipped


def state_outcome(state: str | None) -> str:
    if state in CLOSED_CANCELLED:
        return "cancelled"
    if state in CLOSED_FILLED or state in CLOSED_OTHER:
        return "failed"
    return "open"


def apply_to_report(report: RunReport, reconciled: ReconcileReport) -> int:
    """Write what a reconcile found into the run's report (the results screen shows it).

    An order found cancelled becomes cancelled; one found filled, gone or still open becomes
    failed, with why (still open: the cancel did not take effect, retry it); one the look-up
    could not settle stays as it was. Returns how many results changed."""
    changed = 0
    for item in reconciled.settled:
        result = report.results.get(item.ref.key)
        if result is None or item.outcome not in ("cancelled", "failed", "open"):
            continue
        result.outcome = Outcome.CANCELLED if item.outcome == "cancelled" else Outcome.FAILED
        if item.outcome == "open":
            result.error = ErrorInfo(
                None,
                "still_open",
                "the order is still open: the cancel did not take effect",
                "Cancel it again (R retries failed orders).",
            )
        elif item.outcome == "failed" and item.note:
            result.error = ErrorInfo(None, item.note, item.state or item.note, hint_for(item.note))
        if item.row is not None:
            result.row = item.row
        result.confirmed = True
        changed += 1
    return changed


async def reconcile(
    client: ExchangeClient,
    runs: Sequence[RunRecord],
    *,
    redactor: Redactor | None = None,
    on_progress: Callable[[int, int], None] | None = None,
) -> ReconcileReport:
    """Look up every unresolved order of `runs` and append what was found to each run's file."""
    report = ReconcileReport()
    wanted: list[tuple[RunRecord, OrderRef, OrderRef]] = []  # (run, journal ref, ref to look up)
    for run in runs:
        for pending in run.unresolved():
            ref = ref_from_key(pending.ref)
            lookup_ref = ref
            if ref.kind is IdKind.IDENTIFIER and pending.id:
                lookup_ref = OrderRef(IdKind.UUID, pending.id.lower())
            wanted.append((run, ref, lookup_ref))
    if client.lookup_max == 0:
        for run, ref, _ in wanted:
            report.settled.append(
                Settled(
                    run.run_id,
                    ref,
                    "needs_manual_check",
                    note="no look-up exists on this exchange: check it in the trading terminal",
                )
            )
        _record(report, runs, redactor)
        return report

    found: dict[OrderRef, Order] = {}
    looked: set[OrderRef] = set()
    blocked = False
    for kind in (IdKind.UUID, IdKind.IDENTIFIER):
        refs = list(dict.fromkeys(lr for _, _, lr in wanted if lr.kind is kind))
        for part in chunks(refs, client.lookup_max):
            if blocked:
                break  # a 418: nothing more is sent, of either kind
            try:
                answer = await look_up(client, part)
            except Blocked as exc:
                report.error = f"{exc.message} ({exc.hint})"
                blocked = True
                break
            except OrderTuiError as exc:
                report.error = exc.message
                continue
            report.requests += 1
            if answer.problem:  # readable ones settle; unreadable ones stay unknown
                report.error = answer.problem
            looked.update(answer.settled)
            orders = answer.orders
            for order in orders:
                uid = getattr(order, "uuid", "").lower()
                ident = getattr(order, "identifier", None)
                if kind is IdKind.UUID and uid:
                    found[OrderRef(IdKind.UUID, uid)] = order
                elif ident:
                    found[OrderRef(IdKind.IDENTIFIER, ident)] = order
            if on_progress is not None:
                on_progress(len(looked), len(refs))
    for run, ref, lookup_ref in wanted:
        if lookup_ref not in looked:
            report.settled.append(
                Settled(run.run_id, ref, "unknown", note="the look-up failed; try again")
            )
            continue
        seen = found.get(lookup_ref)
        if seen is None:
            report.settled.append(Settled(run.run_id, ref, "failed", note="order_not_found"))
            continue
        row = OrderRow.from_order(seen)
        report.settled.append(Settled(run.run_id, ref, state_outcome(row.state), row.state, row))
    _record(report, runs, redactor)
    return report


def _record(report: ReconcileReport, runs: Sequence[RunRecord], redactor: Redactor | None) -> None:
    paths = {run.run_id: run.path for run in runs}
    per_run: dict[str, list[dict[str, object]]] = {}
    for item in report.settled:
        if item.outcome == "unknown":
            continue  # nothing learnt: stays unresolved
        record: dict[str, object] = {
            "type": "reconcile",
            "t": _now(),
            "ref": item.ref.key,
            "outcome": item.outcome,
            "state": clip_text(item.state),  # what the exchange said: never a line too long
            "confirmed": True,
        }
        if item.row is not None:
            record["id"] = clip_text(item.row.id)
            record["market"] = clip_text(item.row.market)
        if item.outcome == "failed" and item.note == "order_not_found":
            record["error"] = {"status": 404, "name": "order_not_found", "message": "no such order"}
        elif item.outcome == "failed" and item.state:
            record["error"] = {
                "status": None,
                "name": "order_filled",
                "message": f"the order is {clip_text(item.state)}",
            }
        per_run.setdefault(item.run_id, []).append(record)
    for run_id, records in per_run.items():
        try:
            append_records(paths[run_id], records, redactor)
        except OSError as exc:  # what was found is printed; the run stays unresolved in the file
            why = exc.strerror or str(exc)
            report.error = f"could not record the results in {paths[run_id]}: {why}"

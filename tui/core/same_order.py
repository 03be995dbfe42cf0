"""One order named twice in a run: by its uuid and by its identifier (Upbit).

Before anything is sent nobody can tell that a uuid and an identifier name the same order,
and Upbit takes one or the other in a request, never both: so both cancels go, and the
later one is usually refused as already cancelled. Once the answers and look-ups have shown
which uuid an identifier belongs to, the results are merged: one order, one outcome, counted
once in the report (`--json`), the summary and the journal.
"""

from __future__ import annotations

from tui.core.events import OrderResult, Outcome, RunReport
from tui.core.models.row import OrderRow
from tui.core.refs import IdKind

# Which result speaks for a merged order when none of them was cancelled and none confirmed:
# an unknown outcome stays unknown (our other request may be why the order is gone), then a
# refusal, then not sent.
_UNSETTLED_ORDER = (Outcome.UNKNOWN, Outcome.FAILED, Outcome.NOT_SENT)


def merge_same_orders(report: RunReport) -> list[OrderResult]:
    """Merge the results in `report` that name one order; returns the results to re-record.

    The first result of each group (in request order) stays in `report.results` and takes
    the group's outcome; the others leave it, are listed in `report.aliases` (their key ->
    the first one's key), and come back with `same_as` set so that the journal knows them
    for the same order. `report.requested` counts orders, so it drops by one per alias.
    """
    results = list(report.results.values())
    parent = list(range(len(results)))

    def root(i: int) -> int:
        while parent[i] != i:
            parent[i] = parent[parent[i]]
            i = parent[i]
        return i

    seen: dict[str, int] = {}
    for index, result in enumerate(results):
        for name in _names(result):
            other = seen.setdefault(name, index)
            a, b = root(other), root(index)
            if a != b:
                parent[max(a, b)] = min(a, b)  # the earliest result speaks for the order
    groups: dict[int, list[OrderResult]] = {}
    for index, result in enumerate(results):
        groups.setdefault(root(index), []).append(result)

    changed: list[OrderResult] = []
    for members in groups.values():
        if len(members) < 2:
            continue
        first, *others = members
        best = _speaker(members)
        first.outcome, first.error, first.confirmed = best.outcome, best.error, best.confirmed
        first.row = _fullest_row(members, best) or first.row
        first.attempts = sum(r.attempts for r in members)
        changed.append(first)
        for alias in others:
            alias.outcome, alias.error, alias.confirmed = (
                first.outcome,
                first.error,
                first.confirmed,
            )
            alias.row = first.row
            alias.same_as = first.ref.key
            del report.results[alias.ref.key]
            report.aliases[alias.ref.key] = first.ref.key
            report.requested -= 1
            changed.append(alias)
    return changed


def _names(result: OrderResult) -> set[str]:
    """Every name the order is known by: `uuid:<lower>`, `identifier:<as given>`."""
    names: set[str] = set()
    ref, row = result.ref, result.row
    if ref.kind is IdKind.ORDER_ID:  # B2TRADER: one id per order, nothing to merge
        return names
    if ref.kind is IdKind.UUID:
        names.add(f"uuid:{ref.value.lower()}")
    elif ref.kind is IdKind.IDENTIFIER:
        names.add(f"identifier:{ref.value}")
    if row is not None:
        if row.id_kind is IdKind.UUID and row.id:
            names.add(f"uuid:{row.id.lower()}")
        if row.identifier:
            names.add(f"identifier:{row.identifier}")
    return names


def _speaker(members: list[OrderResult]) -> OrderResult:
    """The result whose outcome the merged order takes.

    The exchange accepted one of our cancels: cancelled (a refusal of the other request as
    "already cancelled" only echoes it). Else a look-up that saw the final state. Else the
    least settled outcome, so that nothing is called failed that may have been cancelled.
    """
    cancelled = [r for r in members if r.outcome is Outcome.CANCELLED]
    if cancelled:
        return next((r for r in cancelled if r.confirmed), cancelled[0])
    confirmed = [r for r in members if r.confirmed]
    if confirmed:
        return confirmed[0]
    for outcome in _UNSETTLED_ORDER:
        for result in members:
            if result.outcome is outcome:
                return result
    return members[0]


def _fullest_row(members: list[OrderResult], best: OrderResult) -> OrderRow | None:
    if best.row is not None and best.row.known:
        return best.row
    return next((r.row for r in members if r.row is not None and r.row.known), None)

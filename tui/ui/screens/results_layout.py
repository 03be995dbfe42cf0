"""The results screen's wording and sizing as plain functions (no Textual): the summary line,
the fullest row of a result, the rows each list gets, the unknown section's hint.
"""

from __future__ import annotations

from tui.core.events import OrderResult, Outcome, RunReport
from tui.core.models.row import OrderRow

NARROW = 100  # below: every section stacked
WIDE = 160  # from here: the detail beside the lists
DETAIL_MIN = 10  # rows the detail keeps below the lists (border + outcome, error, message, hint)
PANEL_MIN = 4  # a non-empty list: border, header and one row
PANEL_CHROME = 3  # border top and bottom, column header
SIDE_BY_SIDE_MIN = 72  # beside the detail: columns each list needs to stand beside the other


def result_row(result: OrderResult, known: dict[str, OrderRow]) -> OrderRow:
    """The fullest row we have for a result: the engine's (looked up) or the table's."""
    row = result.row
    if row is not None and row.known:
        return row
    return known.get(result.ref.key) or row or OrderRow.from_ref(result.ref)


def run_summary(report: RunReport) -> str:
    c = report.counts
    parts = [
        f"{report.requested:,} order{'s' if report.requested != 1 else ''}",
        f"{c['cancelled']:,} cancelled",
        f"{c['failed']:,} failed",
    ]
    if c["unknown"]:
        parts.append(f"{c['unknown']:,} unknown")
    if c["not_sent"]:
        parts.append(f"{c['not_sent']:,} not sent")
    elapsed = f"{report.elapsed_s:.2f}" if report.elapsed_s < 10 else f"{report.elapsed_s:.1f}"
    parts.append(f"{report.requests:,} request{'s' if report.requests != 1 else ''} in {elapsed} s")
    if report.stream_confirmed:  # settled by the live order stream, without a look-up
        parts.append(f"{report.stream_confirmed:,} confirmed by the order stream")
    if report.halted:
        parts.append(f"halted: {report.halted}")
    elif report.aborted:
        parts.append("aborted")
    return " · ".join(parts)


def detail_width(width: int) -> int:
    """The detail's width beside the lists (wide screens)."""
    return max(64, min(88, width * 2 // 5))


def share_rows(budget: int, wants: list[tuple[int, int]], *, fill: bool = False) -> list[int]:
    """Rows for each list: its minimum, then one row at a time to whichever still wants more
    (fair at any size). With `fill`, rows left once every list has what it wants go to the
    lists with rows (so a column beside the detail is filled)."""
    sizes = [least for _, least in wants]
    left = budget - sum(sizes)
    while left > 0:
        grew = False
        for i, (wanted, _) in enumerate(wants):
            if left and sizes[i] < wanted:
                sizes[i] += 1
                left -= 1
                grew = True
        if not grew:
            break
    growable = [i for i, (wanted, least) in enumerate(wants) if wanted > 1]
    while fill and left > 0 and growable:
        for i in growable:
            if left:
                sizes[i] += 1
                left -= 1
    return sizes


def unknown_hint(results: list[OrderResult], can_reconcile: bool) -> str:
    """What the unknown / not-sent section offers: reconcile only for unknown outcomes (orders
    never sent have nothing to look up: retrying sends them)."""
    unknown = sum(1 for r in results if r.outcome is Outcome.UNKNOWN)
    parts = []
    if unknown:
        parts.append(
            "u: reconcile (look them up)" if can_reconcile else "check them in the trading terminal"
        )
    if len(results) > unknown:
        parts.append("R retries the ones not sent")
    return "".join(f"  ·  {p}" for p in parts)

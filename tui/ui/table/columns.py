"""The table's columns: what they show, which ones fit a width and how wide each gets.

No Textual here (an import-linter contract enforces it): the layout and the text of a cell are
plain functions, tested at 80 and 120 columns without an app.

How the width is shared (`layout_columns`):
1. Columns are taken in order of `rank` (what a trader reads first: the state, side, market,
   then remaining and price) at the width that shows their content whole (`want`), for as long
   as they fit. The first that does not fit ends the list, so a column is never shown while a
   more important one is hidden. The checkbox and the id always show (at their minimum if
   need be).
2. What is left goes to the sort column's header (so its arrow shows), then, in `widen` order,
   to columns up to their full width (the whole uuid, the full time), then to the growing ones.
Display order is always the order of `COLUMNS`.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from tui.core.models.row import OrderRow
from tui.ui.formatting import UNKNOWN, fit, fmt_amount, fmt_time


@dataclass(frozen=True, slots=True)
class Column:
    key: str
    label: str
    min_width: int
    ideal: int
    priority: int  # 0 is always shown; higher numbers are hidden first when space runs out
    right: bool = False
    grow: int = 0  # share of the width left over once every column has its ideal width
    expand: int = 0  # order in which columns get spare width up to their ideal (numbers first)


COLUMNS: tuple[Column, ...] = (
    Column("check", "", 3, 3, 0, expand=0),
    Column("id", "ID", 9, 36, 0, expand=6),
    Column("identifier", "Identifier", 8, 20, 5, grow=4, expand=7),
    Column("market", "Market", 7, 10, 1, expand=4),
    Column("side", "Side", 4, 4, 1, expand=5),
    Column("type", "Type", 6, 6, 6, expand=8),
    Column("price", "Price", 10, 16, 2, right=True, grow=1, expand=1),
    Column("volume", "Volume", 10, 14, 2, right=True, grow=1, expand=2),
    Column("remaining", "Remaining", 10, 14, 4, right=True, grow=1, expand=3),
    Column("state", "State", 9, 9, 1, expand=4),
    Column("created", "Created", 11, 19, 7, expand=9),
)
COLUMN_KEYS: tuple[str, ...] = tuple(c.key for c in COLUMNS)
SORTABLE: tuple[str, ...] = tuple(k for k in COLUMN_KEYS if k != "check")
COLUMN_LABELS: dict[str, str] = {c.key: (c.label or "Selected") for c in COLUMNS}
SEP = 1
AMOUNT_COLUMNS = frozenset({"price", "volume", "remaining"})
AMOUNT_CAP = 24  # widest amount measured
OLD_AMOUNT_CAP = 16

ATTR: dict[str, str] = {
    "id": "id",
    "identifier": "identifier",
    "market": "market",
    "side": "side",
    "type": "ord_type",
    "price": "price",
    "volume": "volume",
    "remaining": "remaining",
    "state": "state",
    "created": "created_at",
}

# Exchange states and run marks -> style class of the state cell.
STATE_CLASS: dict[str, str] = {
    "wait": "open",
    "watch": "open",
    "Started": "open",
    "Pending": "open",
    "Working": "open",
    "cancel": "cancelled",
    "Cancelled": "cancelled",
    "Expired": "cancelled",
    "cancelled": "cancelled",
    "done": "done",
    "Completed": "done",
    "Rejected": "failed",
    "failed": "failed",
    "unknown": "unknown",
    "sending": "pending",
    "not_sent": "not-sent",
}
MARK_TEXT: dict[str, str] = {
    "sending": "sending…",
    "cancelled": "cancelled",
    "failed": "failed",
    "unknown": "unknown",
    "not_sent": "not sent",
}

Layout = list[tuple[Column, int]]


def layout_columns(
    width: int,
    *,
    has_identifier: bool = True,
    ideal: Mapping[str, int] | None = None,
    check: bool = True,
    sort_column: str | None = None,
) -> Layout:
    """Choose the columns that fit `width` cells and their widths.

    Columns are dropped from the highest priority number until the minimum widths fit; the
    spare width then brings columns up to their ideal width (amounts first, so numbers are
    not cut) and what is left goes to the growing columns. Display order is always the order of `COLUMNS`.
    """
    ideal = dict(ideal or {})
    cols = [
        c
        for c in COLUMNS
        if (has_identifier or c.key != "identifier") and (check or c.key != "check")
    ]

    def need(c: Column) -> int:
        # Amounts are never cut while a lower-priority column could make room for them.
        if c.right:
            return max(c.min_width, min(ideal.get(c.key, c.min_width), OLD_AMOUNT_CAP))
        return c.min_width

    for priority in sorted({c.priority for c in cols}, reverse=True):
        total = sum(need(c) for c in cols) + SEP * (len(cols) - 1)
        if total <= width or priority == 0:
            break
        cols = [c for c in cols if c.priority != priority]
    widths = {c.key: c.min_width for c in cols}
    if sum(need(c) for c in cols) + SEP * (len(cols) - 1) <= width:
        widths = {c.key: need(c) for c in cols}
    spare = width - sum(widths.values()) - SEP * (len(cols) - 1)
    for c in sorted(cols, key=lambda c: c.expand):
        if spare <= 0:
            break
        want = max(c.min_width, len(c.label), ideal.get(c.key, c.ideal))
        add = min(spare, want - widths[c.key])
        if add > 0:
            widths[c.key] += add
            spare -= add
    growers = [c for c in cols if c.grow]
    if spare > 0 and growers:
        weight = sum(c.grow for c in growers)
        share = spare // weight
        for c in growers:
            widths[c.key] += share * c.grow
        spare -= share * weight
        widths[growers[0].key] += max(0, spare)
    return [(c, widths[c.key]) for c in cols]


def header_label(column: Column, width: int, arrow: str | None) -> str:
    label = column.label if arrow is None else f"{column.label}{arrow}"
    return fit(label, width, right=column.right)


def measure_ideal(rows: Sequence[OrderRow]) -> dict[str, int]:
    """Ideal widths from a sample of at most ~2,000 rows (cheap at any row count)."""
    if not rows:
        return {}
    step = max(1, len(rows) // 2000)
    return widen_ideal({}, rows[::step])


def widen_ideal(ideal: Mapping[str, int], rows: Sequence[OrderRow]) -> dict[str, int]:
    """`ideal` grown to fit `rows` as well (O(len(rows)): what a live update costs)."""
    out = dict(ideal)
    if not rows:
        return out
    out["id"] = max(out.get("id", 0), max(len(r.id) for r in rows))
    out["market"] = max(out.get("market", 0), max(len(r.market or "") for r in rows) or 7)
    out["side"] = max(out.get("side", 0), max(len(r.side or "") for r in rows) or 3)
    idents = [len(r.identifier) for r in rows if r.identifier]
    if idents:
        out["identifier"] = max(out.get("identifier", 8), min(36, max(idents)))
    for key in AMOUNT_COLUMNS:
        lengths = [len(fmt_amount(v)) for v in (getattr(r, key) for r in rows) if v is not None]
        longest = max(10, min(AMOUNT_CAP, max(lengths))) if lengths else 10
        out[key] = max(out.get(key, 10), longest)
    return out


def _unknown(row: OrderRow, width: int, right: bool = False) -> tuple[str, str | None]:
    if row.known:
        return " " * width, None
    return fit(UNKNOWN if width >= len(UNKNOWN) else "?", width, right=right), "unknown"


def cell(
    row: OrderRow, key: str, width: int, selected: bool, mark: str | None
) -> tuple[str, str | None]:
    """Text (exactly `width` cells) and style class of one cell."""
    if key == "check":
        return ("[x]" if selected else "[ ]"), None
    if key == "id":
        return fit(row.id, width), None
    if key == "state":
        if mark is not None:
            return fit(MARK_TEXT.get(mark, mark), width), "state-" + STATE_CLASS.get(mark, "open")
        if row.state is None:
            return _unknown(row, width)
        return fit(row.state, width), "state-" + STATE_CLASS.get(row.state, "open")
    if key == "side":
        if row.side is None:
            return _unknown(row, width)
        buy = row.is_buy
        return fit(row.side, width), ("bid" if buy else "ask" if buy is False else None)
    if key in AMOUNT_COLUMNS:
        value = getattr(row, key)
        if value is None:
            return _unknown(row, width, right=True)
        text = fmt_amount(value)
        if len(text) > width:
            text = fmt_amount(value, group=False)
        return fit(text, width, right=True), None
    if key == "created":
        if row.created_at is None:
            return _unknown(row, width)
        return fit(fmt_time(row.created_at, width), width), None
    if key == "identifier":
        if row.identifier is None:
            if row.known or row.exchange.value != "upbit":
                return " " * width, None
            return _unknown(row, width)
        return fit(row.identifier, width), None
    value = getattr(row, ATTR[key])
    if value is None:
        return _unknown(row, width)
    return fit(value, width), None

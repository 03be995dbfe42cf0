"""The table's columns: what they show, which ones fit a width and how wide each gets.

No Textual here (an import-linter contract enforces it): the layout and the text of a cell are
plain functions, tested at 80 and 120 columns without an app.

How the width is shared (`layout_columns`):
1. Columns are taken in order of `rank` (what a trader reads first: the state, side, market,
   then remaining and price, before any more of the id) at the width that shows their content
   whole (`want`; an amount may give up its thousands separators to fit), for as long as they
   fit. The first that does not fit ends the list, so a column is never shown while a more
   important one is hidden. The checkbox and the id (its first 8 characters: uuids are told
   apart by them) always show.
   An identifier that does not fit whole shows cut (its start names the strategy: "grid-…").
2. What is left goes to the sort column's header (so its arrow shows), then, in `widen` order,
   to columns up to their full width (the identifier, the full time, the whole uuid), then to
   the growing ones.
Display order is always the order of `COLUMNS`.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from tui.core.models.row import Exchange, OrderRow
from tui.core.models.states import STATE_CLASS as EXCHANGE_STATE_CLASS
from tui.ui.formatting import UNKNOWN, fit, fmt_amount, fmt_time


@dataclass(frozen=True, slots=True)
class Column:
    key: str
    label: str
    min_width: int  # the least it is drawn at (the id: 8 characters and an ellipsis)
    ideal: int  # its full width when the data does not say otherwise
    rank: int  # order in which columns are given room (0 first); -1: always shown
    right: bool = False
    grow: int = 0  # share of the width left once every column has its full width
    widen: int = 0  # order in which shown columns get spare width up to their full width
    want_cap: int = 0  # when choosing the columns, count at most this much of its width (0: all)
    shrinks: bool = False  # shown cut to `min_width` rather than not at all (its start is useful)


COLUMNS: tuple[Column, ...] = (
    Column("check", "", 3, 3, -1),
    Column("id", "ID", 9, 36, -1, widen=3, want_cap=9),
    Column("identifier", "Identifier", 8, 20, 8, grow=4, widen=1, want_cap=24, shrinks=True),
    Column("market", "Market", 7, 10, 3),
    Column("side", "Side", 4, 4, 2),
    Column("type", "Type", 6, 6, 9),
    Column("price", "Price", 10, 16, 5, right=True, grow=1),
    Column("volume", "Volume", 10, 14, 6, right=True, grow=1),
    Column("remaining", "Remaining", 10, 14, 4, right=True, grow=1),
    Column("state", "State", 9, 9, 1),
    Column("created", "Created", 11, 19, 10, widen=2, want_cap=11),
)
COLUMN_KEYS: tuple[str, ...] = tuple(c.key for c in COLUMNS)
SORTABLE: tuple[str, ...] = tuple(k for k in COLUMN_KEYS if k != "check")
COLUMN_LABELS: dict[str, str] = {c.key: (c.label or "Selected") for c in COLUMNS}
SEP = 1
AMOUNT_COLUMNS = frozenset({"price", "volume", "remaining"})
AMOUNT_CAP = 24  # an amount wider than this is cut rather than given the whole line
PLAIN = ".plain"  # ideal[key + PLAIN]: the widest amount without thousands separators

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

# Exchange states (tui/core/models/states.py) and run marks -> style class of the state cell.
STATE_CLASS: dict[str, str] = {
    **EXCHANGE_STATE_CLASS,
    "cancelled": "cancelled",
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
    """The columns that fit `width` cells, with their widths (see the module's docstring)."""
    ideal = ideal or {}
    candidates = [
        c
        for c in COLUMNS
        if (has_identifier or c.key != "identifier") and (check or c.key != "check")
    ]

    def full(c: Column) -> int:
        size = max(c.min_width, ideal.get(c.key, c.ideal))
        return min(size, AMOUNT_CAP) if c.right else size

    def want(c: Column) -> int:
        if c.key not in ideal:  # nothing measured (no rows yet, or not measured): the least
            return c.min_width
        return max(c.min_width, min(full(c), c.want_cap or full(c)))

    def tight(c: Column) -> int:  # an amount without its thousands separators
        plain = ideal.get(c.key + PLAIN)
        return max(c.min_width, min(plain, AMOUNT_CAP)) if plain else want(c)

    widths: dict[str, int] = {}
    placed: list[Column] = []
    used = -SEP
    for c in sorted(candidates, key=lambda c: c.rank):
        size = want(c)
        if used + SEP + size > width:
            size = c.min_width if c.shrinks else tight(c)
            over = used + SEP + size - width
            if over > 0 and c.right and over <= sum(widths[p.key] - tight(p) for p in placed):
                # Another amount fits if those shown give up separators (least read first).
                for p in sorted(placed, key=lambda p: -p.rank):
                    cut = min(over, widths[p.key] - tight(p))
                    widths[p.key] -= cut
                    used -= cut
                    over -= cut
        if used + SEP + size <= width:
            widths[c.key] = size
            if c.right:
                placed.append(c)
        elif c.rank < 0:
            widths[c.key] = c.min_width
        else:
            break
        used += SEP + widths[c.key]
    cols = [c for c in candidates if c.key in widths]
    spare = width - used

    def give(c: Column, upto: int) -> None:
        nonlocal spare
        add = min(spare, upto - widths[c.key])
        if add > 0:
            widths[c.key] += add
            spare -= add

    for c in cols:  # the sort arrow after the label
        if c.key == sort_column:
            give(c, len(c.label) + 1)
    for c in sorted((c for c in cols if c.widen), key=lambda c: c.widen):
        give(c, full(c))
    for c in cols:  # every label whole
        give(c, max(len(c.label), full(c)))
    growers = [c for c in cols if c.grow]
    if spare > 0 and growers:
        weight = sum(c.grow for c in growers)
        share = spare // weight
        for c in growers:
            widths[c.key] += share * c.grow
        spare -= share * weight
        widths[growers[0].key] += spare
    return [(c, widths[c.key]) for c in cols]


def header_label(column: Column, width: int, arrow: str | None) -> str:
    """The header text of a column in exactly `width` cells; the sort arrow is never cut off
    (the label is, without an ellipsis: "Sid▲")."""
    if arrow is None:
        return fit(column.label, width, right=column.right)
    label = column.label[: max(0, width - 1)] + arrow
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
        values = [v for v in (getattr(r, key) for r in rows) if v is not None]
        grouped = max((len(fmt_amount(v)) for v in values), default=10)
        plain = max((len(fmt_amount(v, group=False)) for v in values), default=10)
        out[key] = max(out.get(key, 10), min(AMOUNT_CAP, grouped))
        out[key + PLAIN] = max(out.get(key + PLAIN, 10), min(AMOUNT_CAP, plain))
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
            if row.known or row.exchange is not Exchange.UPBIT:
                return " " * width, None
            return _unknown(row, width)
        return fit(row.identifier, width), None
    value = getattr(row, ATTR[key])
    if value is None:
        return _unknown(row, width)
    return fit(value, width), None

"""Counts under the table: total, shown, selected, and locked amounts of the selection per currency."""

from __future__ import annotations

from collections.abc import Iterable
from decimal import Decimal

from tui.core.models.row import OrderRow, split_market
from tui.ui.formatting import fmt_amount
from tui.ui.widgets.plain import Plain


def locked_by_currency(rows: Iterable[OrderRow]) -> dict[str, Decimal]:
    """Sum of `locked` per locked currency (bids lock the quote, asks the base).

    Rows without a known locked amount or currency are skipped. Markets are split once each.
    """
    totals: dict[str, Decimal] = {}
    split_cache: dict[tuple[str, str], tuple[str | None, str | None]] = {}
    for row in rows:
        locked = row.locked
        if locked is None or not row.market:
            continue
        buy = row.is_buy
        if buy is None:
            continue
        cache_key = (row.market, row.exchange)
        parts = split_cache.get(cache_key)
        if parts is None:
            parts = split_cache[cache_key] = split_market(row.market, row.exchange)
        currency = parts[1] if buy else parts[0]
        if currency is None:
            continue
        totals[currency] = totals.get(currency, Decimal(0)) + locked
    return totals


def locked_text(totals: dict[str, Decimal], most: int = 4, width: int | None = None) -> str:
    """ "locked BTC 0.1 · ETH 2 · +3 more": at most `most` currencies, and with `width` only as
    many as fit in it (never an amount cut in half). "" when not even one amount fits: a
    count of currencies without any amount tells nothing."""
    if not totals:
        return ""
    items = sorted(totals.items(), key=lambda kv: kv[0])
    shown = [f"{cur} {fmt_amount(amount)}" for cur, amount in items]
    for n in range(min(most, len(shown)), 0, -1):
        rest = len(items) - n
        text = "locked " + " · ".join(shown[:n] + ([f"+{rest} more"] if rest else []))
        if width is None or len(text) <= width:
            return text
    return ""


def status_line(
    width: int,
    *,
    total: int,
    shown: int,
    selected: int,
    hidden_selected: int = 0,
    filter_text: str = "",
    locked: dict[str, Decimal] | None = None,
    note: str = "",
) -> str:
    """The status bar's text in `width` cells: a note first, the counts, then as many locked
    amounts as fit. When not one amount fits, the filter's text (shown in its own box) goes
    first, then the "orders" count merges into "shown", so the selection's money still shows."""
    sel = f"{selected:,} selected" + (f" ({hidden_selected:,} hidden)" if hidden_selected else "")
    head = [note] if note else []
    variants = [
        head
        + [f"{total:,} orders"]
        + ([f"{shown:,} shown (/{filter_text})"] if filter_text else [])
        + [sel]
    ]
    if filter_text:
        variants.append(head + [f"{total:,} orders", f"{shown:,} shown", sel])
        variants.append(head + [f"{shown:,}/{total:,} shown", sel])
    if not (selected and locked):
        return " · ".join(variants[0])
    for parts in variants:
        base = " · ".join(parts)
        text = locked_text(locked, most=len(locked), width=width - len(base) - 3)
        if text:
            return f"{base} · {text}"
    count = len(locked)
    return " · ".join(variants[-1]) + f" · locked in {count} currenc{'y' if count == 1 else 'ies'}"


class StatusBar(Plain):  # not markup: it quotes the filter typed and the markets' currencies
    DEFAULT_CSS = """
    StatusBar { height: 1; background: $panel; color: $foreground; padding: 0 1;
                text-wrap: nowrap; text-overflow: ellipsis; }
    """

    def __init__(self, **kwargs) -> None:
        super().__init__("", **kwargs)
        self.total = 0
        self.shown = 0
        self.selected = 0
        self.hidden_selected = 0
        self.filter_text = ""
        self.locked: dict[str, Decimal] = {}
        self.note = ""

    def set_counts(
        self,
        *,
        total: int,
        visible: int,
        selected: int,
        hidden_selected: int = 0,
        filter_text: str = "",
        locked: dict[str, Decimal] | None = None,
    ) -> None:
        self.total, self.shown, self.selected = total, visible, selected
        self.hidden_selected = hidden_selected
        self.filter_text = filter_text
        if locked is not None:
            self.locked = locked
        self._show()

    def set_note(self, note: str) -> None:
        self.note = note
        self._show()

    def on_resize(self) -> None:
        self._show()

    def _show(self) -> None:
        """One line at any width, nothing important cut off (see `status_line`)."""
        width = (self.size.width or self.app.size.width) - 2  # padding
        text = status_line(
            width,
            total=self.total,
            shown=self.shown,
            selected=self.selected,
            hidden_selected=self.hidden_selected,
            filter_text=self.filter_text,
            locked=self.locked,
            note=self.note,
        )
        self.update(text, layout=False)

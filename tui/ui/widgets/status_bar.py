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
    many as fit in it (never an amount cut in half)."""
    if not totals:
        return ""
    items = sorted(totals.items(), key=lambda kv: kv[0])
    shown = [f"{cur} {fmt_amount(amount)}" for cur, amount in items]
    for n in range(min(most, len(shown)), -1, -1):
        rest = len(items) - n
        parts = shown[:n] + ([f"+{rest} more"] if rest else [])
        text = "locked " + " · ".join(parts)
        if width is None or len(text) <= width or n == 0:
            return text
    return ""


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
        """A note (loading…, looking up…) first, then the counts, then as many locked amounts as
        the line has room for: one line at any width, nothing important cut off."""
        parts = [self.note] if self.note else []
        parts.append(f"{self.total:,} orders")
        if self.filter_text:
            parts.append(f"{self.shown:,} shown (/{self.filter_text})")
        sel = f"{self.selected:,} selected"
        if self.hidden_selected:
            sel += f" ({self.hidden_selected:,} hidden)"
        parts.append(sel)
        if self.selected and self.locked:
            width = (self.size.width or self.app.size.width) - 2  # padding
            room = width - len(" · ".join(parts)) - 3
            text = locked_text(self.locked, most=len(self.locked), width=room)  # as many as fit
            if text and len(text) <= room:
                parts.append(text)
        self.update(" · ".join(parts), layout=False)

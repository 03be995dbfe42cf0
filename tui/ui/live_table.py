"""Live order events onto the order table: coalesced per batch, applied in place.

The app drains the stream's inbox (tui/ui/live_stream.py) every `LIVE_EVERY` s and hands the
batch to `LiveTable.apply`, so a burst of events costs one table update, not one per event:

- `OrderEvent` (Upbit myOrder): the newest event per order wins; a row in the table changes
  in place (state, remaining, executed, locked, fees: `update_rows`), a new open order is
  added at its sorted place (only when the table holds a listing: `listed`), and an order
  that closed (done = filled, cancel = cancelled elsewhere) is shown closed (`close_rows`:
  muted, unselectable), never removed. An event older than the row (less executed) is
  dropped, and a closed row stays closed.
- `OpenOrdersSnapshot` (B2TRADER): the full open set; rows change in place, new ones are
  added, and an order that left the set since the last snapshot is shown closed.
- `ResyncNeeded`: reported back (`Applied.resync`); the screen reloads as `r` does.
- `StreamStatus`: reported back; the app puts it in its `stream_status` reactive.

While a reload runs (`hold()` ... `release()`), order events wait and are applied after it,
so the listing never overwrites something newer. No Textual here beyond the table's API.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field, fields
from typing import Protocol

from tui.core.models.row import OrderRow
from tui.core.models.stream import (
    OpenOrdersSnapshot,
    OrderEvent,
    ResyncNeeded,
    StreamEvent,
    StreamStatus,
)

LIVE_EVERY = 0.05  # seconds between two batches of stream events applied to the table

# How a closed order is named in the selection note.
FILLED = "filled"
CANCELLED_ELSEWHERE = "cancelled elsewhere"
LEFT = "left the open set"
_CLOSED_AS = {"done": FILLED, "cancel": CANCELLED_ELSEWHERE}
_ROW_FIELDS = tuple(f.name for f in fields(OrderRow) if f.name not in ("exchange", "id", "id_kind"))


def merged(old: OrderRow, new: OrderRow) -> OrderRow:
    """`old` with what the event says: fields the event leaves out keep their value, and the
    creation time stays the listing's (the event's is the same instant, in UTC)."""
    values = {
        name: value
        for name in _ROW_FIELDS
        if (value := getattr(new, name)) is not None and name not in ("created_at", "raw")
    }
    if new.raw is not None:
        raw = dict(old.raw or {})
        raw.update({k: v for k, v in new.raw.items() if v is not None and k != "created_at"})
        values["raw"] = raw
    return old.replaced(**values)


class Table(Protocol):  # what is used of OrderTable (tests may pass the model's wrapper)
    def get_row(self, key: str) -> OrderRow | None: ...
    def is_closed(self, key: str) -> bool: ...
    def is_selected(self, key: str) -> bool: ...
    def update_rows(self, rows: Iterable[OrderRow]) -> int: ...
    def add_rows(self, rows: Iterable[OrderRow]) -> int: ...
    def close_rows(self, keys: Iterable[str], state: str | None = None) -> int: ...


@dataclass(slots=True)
class Applied:
    """What one batch did, for the screen to tell."""

    status: StreamStatus | None = None  # the newest status in the batch
    resync: ResyncNeeded | None = None
    snapshot: OpenOrdersSnapshot | None = None  # the newest B2TRADER open set
    changed: int = 0
    added: int = 0
    closed: int = 0
    # selected orders that closed (and left the selection), by how: filled / cancelled elsewhere
    closed_selected: Counter[str] = field(default_factory=Counter)
    closed_keys: dict[str, str] = field(default_factory=dict)  # key -> how


def closed_note(counts: Counter[str]) -> str:
    """ "2 selected orders closed: 1 filled, 1 cancelled elsewhere"."""
    total = sum(counts.values())
    parts = ", ".join(f"{n:,} {how}" for how, n in counts.most_common())
    return f"{total:,} selected order{'s' if total != 1 else ''} closed: {parts}"


class LiveTable:
    def __init__(self) -> None:
        self.listed = False  # the table holds a listing of open orders: new ones are added
        self.held: list[StreamEvent] | None = None
        self._b2_open: set[str] | None = None  # keys of the last B2TRADER open set
        self.events = 0  # order events applied (tests, the benchmark)

    # ---- reloads ---------------------------------------------------------------------------
    def hold(self) -> None:
        """A reload starts: order events wait until `release`."""
        if self.held is None:
            self.held = []

    def release(self, table: Table, *, listed: bool, skip: frozenset[str] = frozenset()) -> Applied:
        """The reload is in the table: apply what came meanwhile."""
        held, self.held = self.held or [], None
        self.listed = self.listed or listed
        return self.apply(table, held, skip=skip)

    def baseline(self, rows: Iterable[OrderRow]) -> None:
        """A B2TRADER listing (a snapshot) is the table's open set now."""
        self._b2_open = {r.key for r in rows}

    # ---- one batch -------------------------------------------------------------------------
    def apply(
        self, table: Table, events: Iterable[StreamEvent], *, skip: frozenset[str] = frozenset()
    ) -> Applied:
        """Apply a batch. `skip`: keys of a run in progress (their closing is the run's, not
        'closed elsewhere': they are not counted in the note)."""
        out = Applied()
        latest: dict[str, OrderEvent] = {}
        for event in events:
            if isinstance(event, StreamStatus):
                out.status = event
            elif isinstance(event, ResyncNeeded):
                out.resync = event
            elif self.held is not None:
                self.held.append(event)
            elif isinstance(event, OrderEvent):
                latest.pop(event.id, None)
                latest[event.id] = event
            elif isinstance(event, OpenOrdersSnapshot):
                out.snapshot = event
        if latest:
            self._orders(table, latest.values(), out, skip)
        if out.snapshot is not None and self.held is None and self._b2_open is not None:
            self._snapshot(table, out.snapshot, out, skip)
        return out

    def _orders(
        self, table: Table, events: Iterable[OrderEvent], out: Applied, skip: frozenset[str]
    ) -> None:
        update: list[OrderRow] = []
        new: list[OrderRow] = []
        closing: dict[str, str] = {}
        for event in events:
            row = OrderRow.from_order(event.order)
            key = row.key
            old = table.get_row(key)
            self.events += 1
            if old is None:
                if self.listed and not event.closed:
                    new.append(row)
                continue
            if table.is_closed(key):
                continue  # closed is final: a late or repeated event does not reopen it
            if (
                old.executed is not None
                and row.executed is not None
                and row.executed < old.executed
            ):
                continue  # older than what the row shows (it came before a reload)
            update.append(merged(old, row))
            if event.closed:
                closing[key] = _CLOSED_AS.get(event.event_state, event.event_state)
        if update:
            out.changed += table.update_rows(update)
        if new:
            out.added += table.add_rows(new)
        self._close(table, closing, out, skip)

    def _snapshot(
        self, table: Table, snap: OpenOrdersSnapshot, out: Applied, skip: frozenset[str]
    ) -> None:
        rows = OrderRow.many(snap.orders)
        keys = {r.key for r in rows}
        update = [
            r for r in rows if table.get_row(r.key) is not None and not table.is_closed(r.key)
        ]
        new = [r for r in rows if table.get_row(r.key) is None] if self.listed else []
        gone = (self._b2_open or set()) - keys
        self._b2_open = keys
        if update:
            out.changed += table.update_rows(update)
        if new:
            out.added += table.add_rows(new)
        closing = {k: LEFT for k in gone if table.get_row(k) is not None and not table.is_closed(k)}
        self._close(table, closing, out, skip)

    @staticmethod
    def _close(table: Table, closing: dict[str, str], out: Applied, skip: frozenset[str]) -> None:
        if not closing:
            return
        for key, how in closing.items():
            if table.is_selected(key) and key not in skip:
                out.closed_selected[how] += 1
        out.closed += table.close_rows(closing)
        out.closed_keys.update(closing)

"""The main screen's live half: stream events onto the table, re-syncs, the closed-orders note.

The app drains the connection's stream (tui/ui/live_stream.py) every LIVE_EVERY s and calls
`apply_live` with the batch; `LiveTable` (tui/ui/live_table.py) applies it in place.

- The first listing of an Upbit connection waits for the stream's first `ResyncNeeded` (it
  comes right after the stream is live), so events are never missed between the listing and
  the subscription and the book is listed once; if the stream is not live in
  FIRST_LOAD_WAIT_S (or goes off), the listing is made anyway.
- A later `ResyncNeeded` (a reconnect) lists again as `r` does; rows the stream showed closed
  stay. Events that arrive meanwhile are applied after the listing. During a cancel run the
  re-sync waits for the run's end (the rows carry the run's marks).
- Selected orders that close leave the selection with a one-line note; `closed_since_selected`
  counts them for the confirm modal until the selection is emptied.
"""

from __future__ import annotations

from collections import Counter

from tui.core.models.row import Exchange, OrderRow
from tui.core.models.stream import StreamEvent, StreamState
from tui.ui.live_table import Applied, LiveTable, closed_note
from tui.ui.screens.main_sources import OrderSourcesScreen
from tui.ui.widgets.status_bar import StatusBar

FIRST_LOAD_WAIT_S = 3.0


class LiveOrdersScreen(OrderSourcesScreen):
    def __init__(self) -> None:
        super().__init__()
        self.live = LiveTable()
        self.closed_since_selected: Counter[str] = Counter()  # how -> selected orders closed
        self.first_load_pending = False
        self.loading = False
        self._reload_again = False
        self._resync_after_run = False
        self.resyncs = 0  # listings the stream asked for (tests)

    # ---- the first listing -------------------------------------------------------------------
    def new_connection(self) -> None:
        """A (new) connection: nothing of it is listed yet."""
        self.live = LiveTable()
        self.closed_since_selected.clear()
        self.first_load_pending = False
        self._reload_again = self._resync_after_run = False

    def list_when_live(self) -> None:
        """List the open orders once the stream is live (its first ResyncNeeded)."""
        self.first_load_pending = True
        self.set_timer(FIRST_LOAD_WAIT_S, self._first_load_now)

    def _first_load_now(self) -> None:
        if self.first_load_pending:
            self.first_load_pending = False
            self.load_orders()

    # ---- loads hold the events ---------------------------------------------------------------
    def _load_started(self) -> None:
        self.first_load_pending = False
        self.loading = True
        self.live.hold()

    def _load_ended(self, rows: list[OrderRow] | None, resync: bool) -> None:
        self.loading = False
        profile = self.ordertui_app.session.profile
        if rows is not None and profile is not None and profile.exchange == Exchange.B2TRADER:
            self.live.baseline(rows)
        out = self.live.release(self.table, listed=rows is not None, skip=self._run_keys())
        self._told(out)
        if self._reload_again:
            self._reload_again = False
            self.resyncs += 1
            self.load_orders(resync=True)

    def _run_keys(self) -> frozenset[str]:
        run = self.ordertui_app.cancel_run
        return run.keys if run.running else frozenset()

    # ---- a batch from the stream -------------------------------------------------------------
    def apply_live(self, events: list[StreamEvent]) -> Applied:
        if self._torn_down():  # the app's drain timer can fire while it quits: nothing to show
            return Applied()
        out = self.live.apply(self.table, events, skip=self._run_keys())
        self._told(out)
        if out.resync is not None:
            self.resync()
        elif (
            out.status is not None
            and out.status.state is StreamState.OFF
            and self.first_load_pending
        ):
            self._first_load_now()  # no stream: list now, as before streams
        return out

    def resync(self) -> None:
        """The stream may have missed events: list again (after a load or run in progress)."""
        if self.first_load_pending:
            self._first_load_now()
        elif self.ordertui_app.cancel_run.running:
            self._resync_after_run = True
        elif self.loading:
            self._reload_again = True
        elif self.live.listed:
            self.resyncs += 1
            self.load_orders(resync=True)

    def run_ended(self) -> None:
        """A cancel run finished: a re-sync it held back happens now."""
        if self._resync_after_run:
            self._resync_after_run = False
            self.resync()

    def _told(self, out: Applied) -> None:
        if not out.closed_selected:
            return
        self.closed_since_selected.update(out.closed_selected)
        line = closed_note(out.closed_selected)
        self.query_one(StatusBar).set_note(line)
        self.notify(line, timeout=6)

    def still_open(self, rows: list[OrderRow]) -> list[OrderRow]:
        """`rows` without those the table shows closed (the stream said so): never sent."""
        table = self.table
        return [r for r in rows if not table.is_closed(r.key)]

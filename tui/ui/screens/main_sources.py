"""Where the main screen's orders come from: the exchange's open orders (r), a look-up of
orders known only by id (l), one added by hand (n), pasted text and imported files (i).

`MainScreen` (main.py) derives from `OrderSourcesScreen`; each source ends in the table's
model (`set_rows`, `add_rows`, `update_rows`).
"""

from __future__ import annotations

import asyncio
import time
from pathlib import Path

from textual import events, work
from textual.widgets import Input

from tui.core.models.row import Exchange, OrderRow
from tui.ui.app_access import OrderTuiScreen
from tui.ui.gc_freeze import after_big_load
from tui.ui.widgets.order_table import OrderTable
from tui.ui.widgets.status_bar import StatusBar


class OrderSourcesScreen(OrderTuiScreen[None]):
    """Loading, looking up, adding, pasting and importing orders into the table."""

    _page: tuple[int, int] | None = None  # the listing's progress, written on the exchange thread

    @property
    def table(self) -> OrderTable:
        return self.query_one(OrderTable)

    def _torn_down(self) -> bool:
        """After a worker's await: the app may have quit meanwhile (a stream's resync, a slow
        listing) and removed this screen's widgets; then there is nothing left to show."""
        return not self.is_attached or not self.query(OrderTable)

    def _load_started(self) -> None:
        """A listing starts (live updates wait until it is in: main_live.py)."""

    def _load_ended(self, rows: list[OrderRow] | None, resync: bool) -> None:
        """The listing is in the table (`rows`), or failed (None)."""

    @work(exclusive=True, group="load")
    async def load_orders(self, resync: bool = False) -> None:
        """List the open orders (r). `resync`: the stream asked (rows it showed closed stay)."""
        session = self.ordertui_app.session
        if session.client is None:
            self.notify("Not connected yet.", severity="warning")
            return
        status = self.query_one(StatusBar)
        status.set_note("loading open orders…")
        self._page = None
        self._load_started()

        def on_page(page: int, total: int) -> None:  # on the exchange thread: just remember it
            self._page = (page, total)

        ticker = self.set_interval(0.1, self._show_page)
        started = time.monotonic()
        try:
            loaded = await session.runner.run(session.list_open(on_page=on_page))
        except Exception as exc:
            status.set_note("")
            self._load_ended(None, resync)
            self.ordertui_app.report_error("Could not load open orders", exc)
            return
        finally:
            ticker.stop()
        if self._torn_down():
            return
        rows = loaded.rows
        table = self.table
        listed = {r.key for r in rows}
        # ids added by hand stay; on a re-sync, so do the rows the stream showed closed
        keep = [
            r
            for r in table.all_rows()
            if r.key not in listed and (not r.known or (resync and table.is_closed(r.key)))
        ]
        closed = [r.key for r in keep if table.is_closed(r.key)]
        table.set_rows(rows + keep)
        if closed:
            table.close_rows(closed)
        self._load_ended(rows, resync)
        after_big_load(len(rows))
        if loaded.partial is not None:
            stop = loaded.partial
            # The rows read stay, and the note stays until the next load: the list is not whole.
            head = f"partial list: {len(stop.orders):,} orders loaded, page {stop.page} failed: "
            status.set_note(f"{head}{stop.short_reason} (r to retry)")
            self.notify(
                f"{head}{stop.reason} (r to retry)",
                title="Open orders: partial list",
                severity="warning",
                timeout=10,
            )
            return
        status.set_note(loaded.label or "")
        if resync:  # the stream asked: the table is whole again, nothing to announce
            return
        self.notify(
            f"Loaded {len(rows):,} open order{'s' if len(rows) != 1 else ''} "
            f"in {time.monotonic() - started:.1f} s."
            + (f" ({loaded.note})" if loaded.note else ""),
            timeout=3,
        )

    def _show_page(self) -> None:
        if self._page is not None:
            page, total = self._page
            self.query_one(StatusBar).set_note(
                f"loading open orders… page {page} · {total:,} orders"
            )

    def action_lookup(self) -> None:
        self.lookup_unknown()

    @work(exclusive=True, group="lookup")
    async def lookup_unknown(self) -> None:
        session = self.ordertui_app.session
        client = session.client
        if client is None:
            self.notify("Not connected yet.", severity="warning")
            return
        table = self.table
        chosen = table.selected_rows() or table.all_rows()
        unknown = [r for r in chosen if not r.known]
        if not unknown:
            self.notify("Every order in the table is already known.")
            return
        if not client.lookup_max:
            self.notify(
                "This exchange has no order look-up: its orders stay known by id only.",
                severity="warning",
            )
            return
        self.query_one(StatusBar).set_note(f"looking up {len(unknown):,} orders…")
        try:
            found = await session.runner.run(session.lookup([r.ref for r in unknown]))
        except Exception as exc:
            self.query_one(StatusBar).set_note("")
            self.ordertui_app.report_error("Look-up failed", exc)
            return
        if self._torn_down():
            return
        self.query_one(StatusBar).set_note("")
        by_ident = {r.identifier: r for r in unknown if r.id_kind.value == "identifier"}
        direct: list[OrderRow] = []  # rows already in the table under their uuid: update
        added: list[OrderRow] = []  # rows new to the table (found by identifier)
        renamed: list[tuple[str, str]] = []  # identifier row key -> the uuid row that replaces it
        for row in found:
            old = by_ident.pop(row.identifier, None) if row.identifier else None
            present = table.get_row(row.key) is not None
            if old is not None:
                # The order was known by identifier: from now on it is its uuid row (one row
                # per order, so it can never be cancelled twice from two rows).
                renamed.append((old.key, row.key))
                (direct if present else added).append(row)
            else:
                direct.append(row)
        table.update_rows(direct)
        if renamed:
            was_selected = {new for old, new in renamed if table.is_selected(old)}
            table.remove_rows([old for old, _ in renamed])
            table.add_rows(added)
            table.select_keys([key for key in was_selected])
        missing = len(unknown) - len(found)
        text = f"Looked up {len(found):,} order{'s' if len(found) != 1 else ''}"
        if missing > 0:
            text += f"; {missing:,} not found on this account"
        self.notify(text + ".", timeout=5, severity="warning" if missing > 0 else "information")

    # ---- add, paste, import -----------------------------------------------------------------------
    def action_add(self) -> None:
        from tui.ui.screens.add_order import AddOrderScreen

        profile = self.ordertui_app.session.profile
        b2trader = profile is not None and profile.exchange == Exchange.B2TRADER
        self.app.push_screen(AddOrderScreen("order_id" if b2trader else "auto"), self._added)

    def _added(self, ref) -> None:
        if ref is None:
            return
        row = OrderRow.from_ref(ref)
        if self.table.add_rows([row]):
            self.table.move_cursor_to_key(row.key)
            self.notify(f"Added {ref.kind.value} {ref.value}. l looks it up.", timeout=4)
        else:
            self.notify("That order is already in the table.")

    async def on_paste(self, event: events.Paste) -> None:
        if isinstance(self.focused, Input):
            return
        event.stop()
        self.preview_text(event.text, "paste")

    @work(exclusive=True, group="parse")
    async def preview_text(self, text: str, source: str) -> None:
        from tui.core.parsing import parse_text

        if not text.strip():
            return
        try:
            result = await asyncio.to_thread(parse_text, text)
        except Exception as exc:
            self.ordertui_app.report_error("Could not read the pasted text", exc)
            return
        if not self._torn_down():
            self._show_preview(result, source)

    def _show_preview(self, result, source: str) -> None:
        from tui.ui.screens.paste_preview import PastePreviewScreen, preview_notes

        def add(ok: bool | None) -> None:
            if ok:
                self.add_parsed(result)

        profile = self.ordertui_app.session.profile
        exchange = profile.exchange if profile is not None else Exchange.UPBIT
        in_table = {r.key for r in self.table.all_rows()}
        notes = preview_notes(result, exchange=exchange, in_table=in_table)
        self.app.push_screen(PastePreviewScreen(result, source=source, notes=notes), add)

    def add_parsed(self, result) -> int:
        before = self.table.row_count
        self.table.add_rows(result.rows)
        after_big_load(len(result.rows))
        added = self.table.row_count - before
        already = len(result.rows) - added
        text = f"Added {added:,} order{'s' if added != 1 else ''}"
        if already:
            text += f" ({already:,} already in the table, updated)"
        unknown = sum(1 for r in result.rows if not r.known)
        if unknown:
            text += f"; {unknown:,} known by id only (l looks them up)"
        self.notify(text + ".", timeout=5)
        return added

    def action_import(self) -> None:
        from tui.ui.screens.prompt import PromptScreen

        def chosen(path: str | None) -> None:
            self.import_file(path)

        self.app.push_screen(
            PromptScreen(
                "Import orders from a file (text, CSV/TSV or JSON):",
                str(Path.cwd()) + "/",
                help_text="enter: read it (a preview follows) · escape: cancel",
            ),
            chosen,
        )

    @work(exclusive=True, group="parse")
    async def import_file(self, path: str | None) -> None:
        if not path:
            return
        from tui.core.parsing import parse_file

        try:
            result = await asyncio.to_thread(parse_file, Path(path).expanduser())
        except Exception as exc:
            self.ordertui_app.report_error(f"Could not import {path}", exc)
            return
        if not self._torn_down():
            self._show_preview(result, Path(path).name)

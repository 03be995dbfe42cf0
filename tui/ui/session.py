"""What the app is connected to: config, profile, demo simulator, client, journal.

Everything that touches the network runs on the `ExchangeRunner` loop; this object is the
UI's single handle on it. Nothing here imports Textual.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from pathlib import Path
from typing import TYPE_CHECKING, Any

from tui.connection import Connection, journal_dir
from tui.core.config import AppConfig, Overrides
from tui.core.errors import ListingIncomplete, OrderTuiError, PartialResponse
from tui.core.models.row import Exchange
from tui.core.redact import Redactor
from tui.core.refs import OrderRef
from tui.core.resolve import ResolvedProfile
from tui.ui.live_stream import LiveStream
from tui.ui.runner import ExchangeRunner, RateState

if TYPE_CHECKING:
    from tui.core.engine import CancelEngine
    from tui.core.journal import Journal, RunRecord
    from tui.core.reconcile import ReconcileReport
    from tui.demo import DemoSession

__all__ = ["Loaded", "ProfileInfo", "Session", "journal_dir"]  # journal_dir: the app's Settings


@dataclass(slots=True)
class ProfileInfo:
    """What the header and the confirm modal show about the connection (never secrets)."""

    name: str
    exchange: str  # an Exchange value
    region: str
    account_id: str | None
    target: str  # "Upbit kr" / "B2TRADER account 123"
    host: str | None
    demo: bool

    @property
    def where(self) -> str:
        if self.exchange == Exchange.B2TRADER:
            return f"B2TRADER · account {self.account_id or '—'}"
        return f"Upbit · {self.region}"


@dataclass(slots=True)
class Loaded:
    """What a load of open orders gave: the rows, and what the user must be told about them."""

    rows: list
    partial: ListingIncomplete | None = None  # a page failed: `rows` are the pages before it
    note: str | None = None  # e.g. the demo's B2TRADER book is the simulator's own
    label: str | None = None  # the note in a few words, for the status line


class Session:
    """One connection at a time; `switch_profile` replaces it. The config, the demo simulator,
    the secrets and the journal are the shared `tui.connection.Connection`'s."""

    def __init__(
        self,
        *,
        config_path: str | Path | None = None,
        overrides: Overrides | None = None,
        demo: bool | None = None,
        demo_options: dict[str, Any] | None = None,
        runner: ExchangeRunner | None = None,
        live_stream: bool = True,
    ) -> None:
        self.connection = Connection(
            config_path=config_path,
            overrides=overrides,
            force_demo=bool(demo),
            demo_options=demo_options,
            demo_wait=False,  # the simulator starts listening while the app draws itself
        )
        self.runner = runner or ExchangeRunner()
        self.rate = RateState()
        self.profile: ResolvedProfile | None = None
        self.client: Any = None
        self.live = LiveStream(
            enabled=live_stream
        )  # the connection's order stream (started by `connect`)
        self.exchange_choice: str = self.overrides.exchange or Exchange.UPBIT

    # ---- the shared connection's state ---------------------------------------------------------
    @property
    def overrides(self) -> Overrides:
        return self.connection.overrides

    @property
    def redactor(self) -> Redactor:
        return self.connection.redactor

    @property
    def config(self) -> AppConfig | None:
        return self.connection.config

    @property
    def config_error(self) -> str | None:
        return self.connection.config_error

    @property
    def demo_session(self) -> DemoSession | None:
        return self.connection.demo

    # ---- configuration (UI thread, fast: no network, no simulator) -----------------------
    def load_config(self) -> AppConfig:
        return self.connection.load_config_or_empty()

    def reload_config(self) -> str | None:
        """Read the config again (a profile added from another shell). On a problem the config
        read before stays and the problem (file and line) is returned. Blocking: call off the UI loop."""
        return self.connection.reload_config()

    @property
    def config_file(self) -> Path:
        return self.connection.config_file

    def wants_demo(self) -> bool:
        """Demo when asked, or when nothing is configured to connect to."""
        return self.connection.wants_demo()

    def info(self) -> ProfileInfo | None:
        p = self.profile
        if p is None:
            return None
        host = None
        if p.demo:
            host = "built-in simulator"
        elif p.base_url:
            host = p.base_url.split("://", 1)[-1].split("/", 1)[0]
        return ProfileInfo(
            name=p.name or ("demo" if p.demo else "default"),
            exchange=p.exchange,
            region=p.region,
            account_id=p.account_id,
            target=p.target(),
            host=host,
            demo=p.demo,
        )

    # ---- connecting (exchange thread) -----------------------------------------------------
    def connect(
        self,
        profile_name: str | None = None,
        *,
        demo: bool | None = None,
        exchange: str | None = None,
    ) -> ResolvedProfile:
        """Resolve and build the client. Blocking (starts the simulator in demo): run it on the
        exchange thread via `runner.call_blocking`."""
        conn = self.connection
        if conn.config is None:
            conn.load_config_or_empty()
        use_demo = conn.wants_demo() if demo is None else demo
        if exchange:
            self.exchange_choice = exchange
        self._close_client_sync()
        if use_demo:
            profile = conn.demo_profile(self.exchange_choice)
        else:
            profile = conn.resolve(
                replace(
                    self.overrides,
                    profile=profile_name or self.overrides.profile,
                    exchange=exchange or self.overrides.exchange,
                    demo=False,
                )
            )
        client = conn.make_client(profile)
        # A new budget per connection: late answers of the old client go to the old one.
        self.rate = RateState()
        client.on_rate(self.rate.update)
        self.profile = profile
        self.client = client
        self.live.start(profile)  # events flow to the table and to the engine's confirmations
        return profile

    def _close_client_sync(self) -> None:
        self.live.stop()
        client, self.client = self.client, None
        if client is not None:
            import asyncio

            try:
                loop = asyncio.get_running_loop()
            except RuntimeError:
                loop = None
            if loop is not None:
                loop.create_task(client.aclose())

    # ---- exchange calls (coroutines for the exchange loop) -------------------------------
    async def list_open(self, on_page: Callable[[int, int], None] | None = None) -> Loaded:
        """Open orders as table rows. B2TRADER has no REST listing: its open orders are the
        order stream's newest `OpenOrders` set (demo included)."""
        from tui.core.bulk import kept_out_of_full_collections
        from tui.core.models.row import OrderRow

        client = self._client()
        if self.profile is not None and self.profile.exchange == Exchange.B2TRADER:
            from tui.demo import B2_STREAM_LABEL, B2_STREAM_NOTE

            orders = await self.live.open_orders()
            return Loaded(OrderRow.many(orders), note=B2_STREAM_NOTE, label=B2_STREAM_LABEL)
        if not hasattr(client, "iter_open_rows"):
            return Loaded(OrderRow.many(await client.list_open(on_page=on_page)))
        rows: list[OrderRow] = []
        page = 0
        unreadable: list[dict[str, str | None]] = []
        partial: ListingIncomplete | None = None
        try:
            # Page by page, each page straight to rows (no model per order: `row.order` parses
            # one on demand), so a huge listing never holds every model at once.
            with kept_out_of_full_collections() as settled:
                async for batch in client.iter_open_rows():
                    rows.extend(batch)
                    settled()  # the rows so far: no full collection walks them again
                    page += 1
                    if on_page is not None:
                        on_page(page, len(rows))
        except PartialResponse as exc:
            unreadable = exc.unreadable
        except ListingIncomplete as exc:
            # The pages read stay: a failure at page 10 must not empty the table.
            unreadable = exc.unreadable
            partial = exc.with_orders(rows)
        # An unreadable order stays in the table as a bare id ("unknown" fields) rather
        # than silently missing from it.
        for item in unreadable:
            if uuid := item.get("uuid"):
                rows.append(OrderRow.from_ref(OrderRef.uuid(uuid), client.exchange))
        return Loaded(rows, partial=partial)

    async def lookup(
        self, refs: Sequence[OrderRef], on_progress: Callable[[int, int], None] | None = None
    ) -> list:
        from tui.core.models.row import OrderRow
        from tui.core.planner import chunks

        client = self._client()
        if not client.lookup_max:
            raise OrderTuiError(
                "this exchange has no order look-up: check these orders in the trading terminal"
            )
        rows = []
        done = 0
        by_kind: dict[str, list[OrderRef]] = {}
        for ref in refs:  # uuids and identifiers never share a look-up request
            by_kind.setdefault(ref.kind.value, []).append(ref)
        parts = [part for group in by_kind.values() for part in chunks(group, client.lookup_max)]
        for part in parts:
            try:
                orders = await client.lookup(part)
            except PartialResponse as exc:
                orders = exc.orders  # the unreadable ones keep their "unknown" fields
            rows.extend(OrderRow.many(orders))
            done += len(part)
            if on_progress is not None:
                on_progress(done, len(refs))
        return rows

    def new_engine(self, on_event: Callable[[Any], None]) -> tuple[CancelEngine, Journal]:
        """A cancel engine recording to the journal. Call on the exchange thread."""
        from tui.core.engine import CancelEngine

        client = self._client()
        journal = self.connection.open_journal(self.profile)
        # The live stream's closings confirm cancels without a look-up (tui/core/engine_stream.py).
        engine = CancelEngine(
            client, recorder=journal, on_event=on_event, confirmations=self.live.confirmations
        )
        return engine, journal

    async def reconcile(
        self, journal_path: Path, on_progress: Callable[[int, int], None] | None = None
    ) -> ReconcileReport:
        from tui.core.journal import read_run
        from tui.core.reconcile import reconcile

        run = read_run(journal_path)
        return await reconcile(
            self._client(), [run], redactor=self.redactor, on_progress=on_progress
        )

    def unresolved_runs(self) -> list:
        """Earlier runs of this profile whose outcome is unknown for some order (not in demo:
        the demo exchange of an earlier session is gone). Reads the journal: call off the UI loop."""
        from tui.core.journal import list_runs
        from tui.core.reconcile import matching_runs

        profile = self.profile
        if profile is None or profile.demo or self.client is None or not self.client.lookup_max:
            return []
        runs, _ = matching_runs(list_runs(journal_dir()), profile.exchange, profile.name)
        return runs

    async def reconcile_runs(
        self, runs: list[RunRecord], on_progress: Callable[[int, int], None] | None = None
    ) -> ReconcileReport:
        from tui.core.reconcile import reconcile

        return await reconcile(
            self._client(), runs, redactor=self.redactor, on_progress=on_progress
        )

    def _client(self) -> Any:  # an ExchangeClient (Any: the demo adds the B2TRADER book)
        if self.client is None:
            raise OrderTuiError("not connected yet")
        return self.client

    # ---- shutdown ------------------------------------------------------------------------------
    async def aclose(self) -> None:
        await self.live.aclose()
        client, self.client = self.client, None
        if client is not None:
            await client.aclose()

    def close(self) -> None:
        if self.runner.running:
            try:
                self.runner.submit(self.aclose()).result(timeout=2)
            except Exception:
                pass
        try:
            self.connection.close()
        except Exception:
            pass
        self.runner.stop()

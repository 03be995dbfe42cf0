"""What the app is connected to: config, profile, demo simulator, client, journal.

Everything that touches the network runs on the `ExchangeRunner` loop; this object is the
UI's single handle on it. Nothing here imports Textual.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from tui.core.config import AppConfig, Overrides, ResolvedProfile
from tui.core.errors import ConfigError, ListingIncomplete, OrderTuiError, PartialResponse
from tui.core.redact import Redactor
from tui.core.refs import OrderRef
from tui.ui.runner import ExchangeRunner, RateState


@dataclass(slots=True)
class ProfileInfo:
    """What the header and the confirm modal show about the connection (never secrets)."""

    name: str
    exchange: str  # "upbit" | "b2trader"
    region: str
    account_id: str | None
    target: str  # "Upbit kr" / "B2TRADER account 123"
    host: str | None
    demo: bool

    @property
    def where(self) -> str:
        if self.exchange == "b2trader":
            return f"B2TRADER · account {self.account_id or '—'}"
        return f"Upbit · {self.region}"


@dataclass(slots=True)
class Loaded:
    """What a load of open orders gave: the rows, and what the user must be told about them."""

    rows: list
    partial: ListingIncomplete | None = None  # a page failed: `rows` are the pages before it
    note: str | None = None  # e.g. the demo's B2TRADER book is the simulator's own
    label: str | None = None  # the note in a few words, for the status line


def journal_dir() -> Path:
    """Same place as the command line uses."""
    from tui.core.journal import default_dir

    return default_dir()


class Session:
    """One connection at a time; `switch_profile` replaces it."""

    def __init__(
        self,
        *,
        config_path: str | Path | None = None,
        overrides: Overrides | None = None,
        demo: bool | None = None,
        demo_options: dict[str, Any] | None = None,
        runner: ExchangeRunner | None = None,
    ) -> None:
        self.config_path = Path(config_path).expanduser() if config_path else None
        self.overrides = overrides or Overrides()
        self.force_demo = bool(demo) or self.overrides.demo
        self.demo_options = dict(demo_options or {})
        self.runner = runner or ExchangeRunner()
        self.rate = RateState()
        self.redactor = Redactor()
        self.config: AppConfig | None = None
        self.config_error: str | None = None
        self.profile: ResolvedProfile | None = None
        self.demo_session: Any = None
        self.client: Any = None
        self.exchange_choice: str = self.overrides.exchange or "upbit"
        self.last_journal: Path | None = None
        self.pending = None  # a connect started before the UI (see begin_connect)

    def begin_connect(self):
        """Start connecting (and, in demo, the simulator) on the exchange thread right away, so
        it overlaps with the UI starting up. The app awaits `pending` instead of connecting."""
        self.pending = self.runner.start().call_blocking(self.connect)
        return self.pending

    # ---- configuration (UI thread, fast: no network, no simulator) -----------------------
    def load_config(self) -> AppConfig:
        from tui.core.config import load_config

        try:
            self.config = load_config(self.config_path)
            self.config_error = None
        except ConfigError as exc:
            self.config = AppConfig(path=self.config_path)
            self.config_error = exc.message
        return self.config

    def reload_config(self) -> str | None:
        """Read the config again (a profile added from another shell). On a problem the config
        read before stays and the problem (file and line) is returned. Blocking: call off the UI loop."""
        from tui.core.config import load_config

        try:
            self.config = load_config(self.config_path)
        except ConfigError as exc:
            return exc.message
        self.config_error = None
        return None

    @property
    def config_file(self) -> Path:
        from tui.core.config import default_config_path

        if self.config is not None and self.config.path is not None:
            return self.config.path
        return self.config_path or default_config_path()

    def wants_demo(self) -> bool:
        """Demo when asked, or when nothing is configured to connect to."""
        if self.force_demo:
            return True
        config = self.load_config() if self.config is None else self.config
        if self.config_error and not self.overrides.profile:
            return True
        from tui.core.config import resolve

        try:
            resolved = resolve(config, self.overrides)
        except ConfigError:
            return not self.overrides.profile
        return not resolved.has_credentials and not self.overrides.profile

    def profile_names(self) -> list[str]:
        if self.config is None:
            self.load_config()
        return sorted(self.config.profiles) if self.config else []

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
        from tui.core.config import resolve

        if self.config is None:
            self.load_config()
        use_demo = self.wants_demo() if demo is None else demo
        if exchange:
            self.exchange_choice = exchange
        self._close_client_sync()
        if use_demo:
            if self.demo_session is None:
                from tui.demo import start_demo

                region = self.overrides.region or "kr"
                self.demo_session = start_demo(region=region, wait=False, **self.demo_options)
            session = self.demo_session
            profile = (
                session.b2trader_profile if self.exchange_choice == "b2trader" else session.profile
            )
        else:
            over = Overrides(
                profile=profile_name or self.overrides.profile,
                exchange=exchange or self.overrides.exchange,
                region=self.overrides.region,
                base_url=self.overrides.base_url,
                account_id=self.overrides.account_id,
                demo=False,
            )
            if self.config_error:
                raise ConfigError(self.config_error)
            config = self.load_config() if self.config is None else self.config
            profile = resolve(config, over)
        for secret in (profile.access_key, profile.secret_key, profile.token):
            if secret is not None:
                self.redactor.add(secret.get_secret_value())
        from tui.exchanges.factory import make_client

        client = make_client(profile)
        self.rate = (
            RateState()
        )  # a new budget per connection: late answers of the old client go to the old one
        client.on_rate(self.rate.update)
        self.profile = profile
        self.client = client
        return profile

    def _close_client_sync(self) -> None:
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
        """Open orders as table rows. B2TRADER has no listing: in demo the simulator's book is
        listed (as `ordertui orders --demo` does), labelled as such."""
        from tui.core.models.row import OrderRow

        client = self._client()
        if self.profile is not None and self.profile.exchange == "b2trader":
            if self.demo_session is not None and self.profile.demo:
                from tui.demo import DEMO_B2_BOOK_LABEL, DEMO_B2_BOOK_NOTE

                orders = await self.demo_session.b2trader_orders()
                return Loaded(
                    OrderRow.many(orders), note=DEMO_B2_BOOK_NOTE, label=DEMO_B2_BOOK_LABEL
                )
        if not hasattr(client, "iter_open_rows"):
            return Loaded(OrderRow.many(await client.list_open(on_page=on_page)))
        rows: list[OrderRow] = []
        page = 0
        unreadable: list[dict[str, str | None]] = []
        partial: ListingIncomplete | None = None
        try:
            # Page by page, each page straight to rows (no model per order: `row.order` parses
            # one on demand), so a huge listing never holds every model at once.
            async for batch in client.iter_open_rows():
                rows.extend(batch)
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
            uuid = item.get("uuid")
            if uuid:
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

    def new_engine(self, on_event: Callable[[Any], None]):
        """A cancel engine recording to the journal. Call on the exchange thread."""
        from tui.core.engine import CancelEngine
        from tui.core.journal import Journal

        client = self._client()
        settings = self.config.journal if self.config is not None else None
        profile = self.profile
        name, demo = (profile.name if profile else None), bool(profile and profile.demo)
        if settings is None:  # the journal's own limits
            journal = Journal(journal_dir(), profile=name, demo=demo, redactor=self.redactor)
        else:
            journal = Journal(
                journal_dir(),
                profile=name,
                demo=demo,
                redactor=self.redactor,
                max_mb=settings.max_mb,
                keep_runs=settings.keep_runs,
            )
        engine = CancelEngine(client, recorder=journal, on_event=on_event)
        return engine, journal

    async def reconcile(
        self, journal_path: Path, on_progress: Callable[[int, int], None] | None = None
    ):
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
        self, runs: list, on_progress: Callable[[int, int], None] | None = None
    ):
        from tui.core.reconcile import reconcile

        return await reconcile(
            self._client(), runs, redactor=self.redactor, on_progress=on_progress
        )

    def _client(self):
        if self.client is None:
            raise OrderTuiError("not connected yet")
        return self.client

    # ---- shutdown ------------------------------------------------------------------------------
    async def aclose(self) -> None:
        client, self.client = self.client, None
        if client is not None:
            await client.aclose()

    def close(self) -> None:
        if self.runner.running:
            try:
                self.runner.submit(self.aclose()).result(timeout=2)
            except Exception:
                pass
        if self.demo_session is not None:
            try:
                self.demo_session.stop()
            except Exception:
                pass
            self.demo_session = None
        self.runner.stop()

"""Select by rule (`m`): a small form whose rule marks the matching rows of the table.

The matching rows become the selection, a line says how many matched and what they lock, and
the normal `c` confirm does the rest. Named rules of the config (`[rules.NAME]`) are palette
entries that select at once.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

from textual import on
from textual.app import ComposeResult, SystemCommand
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.screen import ModalScreen
from textual.widgets import Input

from tui.core.rules import Rule, RuleError
from tui.ui.widgets.plain import Plain

if TYPE_CHECKING:
    from tui.ui.screens.main import MainScreen

# (field id, label, placeholder)
FIELDS = (
    ("markets", "Markets", "KRW-BTC, KRW-ETH (empty: all)"),
    ("side", "Side", "bid or ask (empty: both)"),
    ("state", "State", "wait or watch (empty: both)"),
    ("older_than", "Older than", "90s, 15m, 2h, 3d"),
    ("identifier_prefix", "Identifier prefix", "bot-"),
    ("keep", "Protected prefixes", "hedge-, manual- (never selected)"),
)


def _split(text: str) -> list[str]:
    return [part.strip() for part in text.replace(" ", ",").split(",") if part.strip()]


def rule_from_form(values: dict[str, str], exchange: str | None) -> Rule:
    """The rule the form says, checked for the exchange. RuleError: one line."""
    rule = Rule.build(
        markets=_split(values.get("markets", "")),
        side=values.get("side", "").strip() or None,
        state=values.get("state", "").strip() or None,
        older_than=values.get("older_than", "").strip() or None,
        identifier_prefix=values.get("identifier_prefix", "").strip() or None,
        keep_identifier_prefixes=_split(values.get("keep", "")),
    )
    return rule.for_exchange(exchange) if exchange else rule


class RuleSelectScreen(ModalScreen[Rule | None]):
    """The form. Enter in any field selects; a bad rule is shown on one line, the form stays."""

    BINDINGS = [Binding("escape", "cancel", "Cancel", id="rule_select.cancel")]
    DEFAULT_CSS = """
    RuleSelectScreen { align: center middle; }
    RuleSelectScreen > Vertical {
        width: 64; height: auto; max-height: 100%; padding: 0 1;
        border: round $accent; background: $surface;
    }
    RuleSelectScreen #title { margin-bottom: 1; }
    RuleSelectScreen Horizontal { height: 1; }
    RuleSelectScreen .label { width: 20; }
    RuleSelectScreen Input, RuleSelectScreen Input:focus {
        height: 1; border: none; padding: 0 1; width: 1fr; background: $boost;
    }
    RuleSelectScreen #error { color: $error; margin-top: 1; }
    """

    def __init__(self, exchange: str | None = None, title: str | None = None) -> None:
        super().__init__()
        self.exchange = exchange
        self.title_text = title or "Select by rule: matching rows are selected; c cancels them"

    def compose(self) -> ComposeResult:
        with Vertical():
            yield Plain(self.title_text, id="title")
            for field_id, label, placeholder in FIELDS:
                with Horizontal():
                    yield Plain(label, classes="label")
                    yield Input(placeholder=placeholder, id=field_id)
            yield Plain("", id="error")
            yield Plain("tab: next field · enter: select · escape: cancel", id="help")

    def on_mount(self) -> None:
        self.query_one(Input).focus()

    def values(self) -> dict[str, str]:
        return {field.id or "": field.value for field in self.query(Input)}

    @on(Input.Submitted)
    def submitted(self, event: Input.Submitted) -> None:
        try:
            rule = rule_from_form(self.values(), self.exchange)
        except RuleError as exc:
            self.query_one("#error", Plain).update(exc.message)
            return
        self.dismiss(rule)

    def action_cancel(self) -> None:
        self.dismiss(None)


def select_by_rule(main: MainScreen, rule: Rule, name: str | None = None) -> int:
    """Make the rows `rule` matches the selection (rows known only by id never match)."""
    from tui.ui.table.rowkeys import row_key
    from tui.ui.widgets.status_bar import locked_by_currency

    table = main.table
    now = datetime.now(UTC)
    matched = []
    for row in table.all_rows():  # row fields only: no order parse per row (100k rows)
        if row.known and row.is_open is not False and rule.matches_row(row, now):
            matched.append(row)
    table.clear_selection()
    table.select_keys(row_key(r) for r in matched)
    locked = locked_by_currency(matched)
    amounts = ", ".join(f"{amount.normalize():,f} {cur}" for cur, amount in sorted(locked.items()))
    label = f"rule {name}" if name else rule.describe()
    main.notify(
        f"{len(matched):,} order(s) match {label}"
        + (f"; locked {amounts}" if amounts else "")
        + ("; c cancels them" if matched else ""),
        severity="information" if matched else "warning",
    )
    return len(matched)


def open_rule_select(main: MainScreen) -> None:
    client = main.app.session.client  # type: ignore[attr-defined]
    exchange = client.exchange.value if client is not None else None

    def chosen(rule: Rule | None) -> None:
        if rule is not None:
            select_by_rule(main, rule)

    main.app.push_screen(RuleSelectScreen(exchange), chosen)


def rule_commands(main: Any) -> Iterable[SystemCommand]:
    """Palette entries: the form, and one per named rule of the config."""
    yield SystemCommand(
        "Select by rule",
        "Select the rows matching markets, side, state, age, identifier (m)",
        lambda: open_rule_select(main),
    )
    from tui.ui.screens.panic_cancel import start_panic

    yield SystemCommand(
        "Panic cancel (server-side)",
        "Upbit: cancel everything a rule matches, server-side and by id at once; typed count (X)",
        lambda: start_panic(main),
    )
    config = getattr(main.app.session, "config", None)
    for name, rule in sorted((config.rules if config is not None else {}).items()):
        yield SystemCommand(
            f"Select by rule: {name}",
            rule.describe(),
            lambda rule=rule, name=name: select_by_rule(main, rule, name),
        )

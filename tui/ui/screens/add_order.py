"""`n`: add one order by uuid, identifier or B2TRADER order id."""

from __future__ import annotations

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.widgets import Input, RadioButton, RadioSet, Static

from tui.core.refs import ULID_RE, UUID_RE, IdKind, OrderRef, RefError
from tui.ui.screens.dialog import DialogScreen
from tui.ui.widgets.plain import Plain

KINDS = (
    ("auto", "Detect"),
    (IdKind.UUID.value, "Upbit uuid"),
    (IdKind.IDENTIFIER.value, "Upbit identifier"),
    (IdKind.ORDER_ID.value, "B2TRADER order id"),
)


def parse_ref(text: str, kind: str = "auto") -> OrderRef:
    """One reference from what was typed; `auto` tells a uuid and a ULID apart, else identifier."""
    value = text.strip()
    if not value:
        raise RefError("type an id")
    if kind == "auto":
        if UUID_RE.fullmatch(value):
            return OrderRef.uuid(value)
        if ULID_RE.fullmatch(value):
            return OrderRef.order_id(value)
        return OrderRef.identifier(value)
    return OrderRef.parse(kind, value)


class AddOrderScreen(DialogScreen[OrderRef | None]):
    BINDINGS = [Binding("escape", "cancel", "Cancel", id="add.cancel")]

    def __init__(self, default_kind: str = "auto") -> None:
        super().__init__()
        self.default_kind = default_kind

    def compose(self) -> ComposeResult:
        with self.dialog_box():
            yield Plain("Add an order", id="title")
            yield Input(placeholder="uuid, identifier or order id", id="value")
            with RadioSet(id="kind"):
                for value, label in KINDS:
                    yield RadioButton(label, value=value == self.default_kind, name=value)
            yield Plain("", id="error")
            yield Plain("enter: add · tab: choose the kind · escape: cancel", id="help")

    def on_mount(self) -> None:
        self.query_one("#value", Input).focus()

    def _kind(self) -> str:
        pressed = self.query_one(RadioSet).pressed_button
        return pressed.name if pressed is not None and pressed.name else "auto"

    @on(Input.Submitted, "#value")
    def submitted(self, event: Input.Submitted) -> None:
        try:
            ref = parse_ref(event.value, self._kind())
        except RefError as exc:
            self.query_one("#error", Static).update(str(exc))
            return
        self.dismiss(ref)

    def action_cancel(self) -> None:
        self.dismiss(None)

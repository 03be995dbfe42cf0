"""Typed access to the ordertui app from screens and widgets.

`self.app` is typed as Textual's `App`: attributes of `OrderTuiApp` (the session, the cancel
run, the reactive state the header shows) are not declared on it. Screens that only run
inside ordertui derive from `OrderTuiScreen` and use `self.ordertui_app`; widgets and screens
that are also shown on their own (tests host the results screen and the dialogs in a plain
App) ask `ordertui_app_or_none(self)` and do without when it is None.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, TypeVar

from textual.message_pump import MessagePump
from textual.screen import Screen

if TYPE_CHECKING:
    from tui.ui.app import OrderTuiApp

ResultType = TypeVar("ResultType")


def ordertui_app_or_none(node: MessagePump) -> OrderTuiApp | None:
    """The running ordertui app, or None when `node` runs in another App."""
    from tui.ui.app import OrderTuiApp

    app = node.app
    return app if isinstance(app, OrderTuiApp) else None


def ordertui_app(node: MessagePump) -> OrderTuiApp:
    """The running ordertui app (a TypeError in any other App: a bug, not a condition)."""
    app = ordertui_app_or_none(node)
    if app is None:
        raise TypeError(f"{type(node).__name__} runs only inside OrderTuiApp")
    return app


class OrderTuiScreen(Screen[ResultType]):
    """A screen of the ordertui app, with the app typed as what it is."""

    @property
    def ordertui_app(self) -> OrderTuiApp:
        return ordertui_app(self)

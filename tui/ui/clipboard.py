"""Copy through the terminal (OSC 52): works over SSH, needs no local clipboard tool.

Textual's `App.copy_to_clipboard` writes `ESC ] 52 ; c ; <base64> BEL` to the terminal; most
terminals (and tmux with `set-clipboard on`) put it on the user's clipboard.
"""

from __future__ import annotations

from typing import Any

from tui.core import decimal_json

MAX_OSC52_BYTES = 100_000  # many terminals drop longer OSC 52 payloads


def order_json(row, result=None) -> str:
    data: dict[str, Any] = {}
    if row is not None:
        data = row.wire()
    if result is not None:
        data = {
            "order": data,
            "outcome": result.outcome.value,
            "attempts": result.attempts,
            "confirmed": result.confirmed,
        }
        if result.error is not None:
            data["error"] = {**result.error.as_dict(), "hint": result.error.hint}
    return decimal_json.dumps(data, indent=2)


def copy_text(app, text: str, what: str = "text") -> bool:
    if len(text.encode("utf-8")) > MAX_OSC52_BYTES:
        app.notify(
            f"Too long to copy through the terminal ({len(text):,} characters); export it instead.",
            severity="warning",
        )
        return False
    app.copy_to_clipboard(text)
    app.notify(f"Copied {what} to the clipboard (OSC 52).", timeout=3)
    return True


def copy_order_json(app, row, result=None) -> bool:
    if row is None and result is None:
        app.notify("No order to copy.", severity="warning")
        return False
    return copy_text(app, order_json(row, result), "the order's JSON")

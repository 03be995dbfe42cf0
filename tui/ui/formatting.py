"""Text for amounts, times and states as the UI shows them.

Amounts are `Decimal`s parsed from the exchange's strings; they are printed with `format(d, ",f")`,
which keeps every digit the exchange sent (no float, no rounding, trailing zeros kept).
"""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal

from rich.cells import cell_len, set_cell_size
from rich.text import Text

from tui.core.visible import visible

UNKNOWN = "unknown"
ELLIPSIS = "…"


def fmt_amount(value: Decimal | None, *, group: bool = True) -> str:
    """Exact decimal text: 140000000.0 -> "140,000,000.0"; 0.00012345 stays as is."""
    if value is None:
        return ""
    try:
        return format(value, ",f" if group else "f")
    except (TypeError, ValueError):
        return str(value)


def fmt_time(value: datetime | None, width: int = 19) -> str:
    """The time in the zone the exchange gave it: full at 19+ cells, "MM-DD HH:MM" below."""
    if value is None:
        return ""
    if width >= 19:
        return value.strftime("%Y-%m-%d %H:%M:%S")
    return value.strftime("%m-%d %H:%M")


def fit(text: str, width: int, *, right: bool = False) -> str:
    """Pad or cut `text` to exactly `width` cells; cut text ends in an ellipsis.

    Control, bidi and separator characters are shown as escapes (`visible`) before measuring:
    table cells are outside text, and the line-API table hands its text to the terminal as is.
    """
    if width <= 0:
        return ""
    if not text.isprintable():
        text = visible(text)
    if text.isascii():
        length = len(text)
        if length == width:
            return text
        if length < width:
            return text.rjust(width) if right else text.ljust(width)
        return text[: width - 1] + ELLIPSIS if width > 1 else text[:1]
    length = cell_len(text)
    if length <= width:
        pad = " " * (width - length)
        return pad + text if right else text + pad
    if width == 1:
        return set_cell_size(text, 1)
    return set_cell_size(text, width - 1) + ELLIPSIS


def short_id(value: str, width: int) -> str:
    """An order id cut to `width` cells, keeping its start (uuids are told apart by their first 8)."""
    return fit(value, width)


def short_path(path) -> str:
    """A path with the home directory written as ~ (shorter, and the same on every machine)."""
    from pathlib import Path

    text = str(path)
    try:
        home = str(Path.home())
    except RuntimeError:
        return text
    if home and home != "/" and (text == home or text.startswith(home + "/")):
        return "~" + text[len(home) :]
    return text


def safe_text(value: object, style: str = "") -> Text:
    """Outside text as a Rich `Text` for a table cell or a title: never read as markup (a
    plain `str` cell of a Rich table is), its control characters made visible."""
    return Text(visible(str(value)), style=style)

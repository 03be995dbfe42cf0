"""What keeps outside text from acting on the terminal, for the whole app.

Every place that shows outside text (ids, identifiers, markets, file lines, exchange messages)
makes it visible itself (`tui.core.visible.visible`, through `fit` for table cells and
`Plain` / `safe_text` elsewhere) and never reads it as markup. Two app-wide guards back that:

- `notify` shows every notification as plain text (never Textual markup, so `[@click=…]` in
  an exchange message is not an action) with its control characters made visible;
- `ControlCharFilter`, a line filter on every line of every widget, drops whatever control,
  bidi or separator character still reached a line (all measure zero cells, so the layout is
  unchanged): nothing the app draws can set the title, clear the screen or reorder a line.
"""

from __future__ import annotations

from collections.abc import Sequence

from rich.segment import Segment
from textual.color import Color
from textual.filter import LineFilter
from textual.notifications import SeverityLevel

from tui.core.visible import drop_unsafe, visible


class ControlCharFilter(LineFilter):
    """Drops control, bidi and separator characters from every segment of a line."""

    def apply(self, segments: list[Segment], background: Color) -> list[Segment]:
        if all(segment.text.isprintable() for segment in segments):
            return segments
        return [
            segment
            if segment.control or segment.text.isprintable()
            else Segment(drop_unsafe(segment.text), segment.style, segment.control)
            for segment in segments
        ]


CONTROL_CHAR_FILTER = ControlCharFilter()


class SafeOutput:
    """Mixed into the App (before `App`): the two guards above."""

    def get_line_filters(self) -> Sequence[LineFilter]:
        return [*super().get_line_filters(), CONTROL_CHAR_FILTER]  # type: ignore[misc]

    def notify(
        self,
        message: str,
        *,
        title: str = "",
        severity: SeverityLevel = "information",
        timeout: float | None = None,
        markup: bool = True,
    ) -> None:
        # `markup` is ignored on purpose: notifications quote paths, ids and exchange messages,
        # and Widget.notify passes markup=True for every one of them.
        super().notify(  # type: ignore[misc]
            visible(str(message), keep="\n"),
            title=visible(str(title)),
            severity=severity,
            timeout=timeout,
            markup=False,
        )

"""Painting the table's lines from the model.

Nothing here is emptied by hand. Every cached thing is keyed on what it shows:
- the layout on (width, identifiers present, the model's `ideal_version`, sort column);
- the styles on (the view's style generation, focus);
- a row's line, in a `textual.cache.LRUCache`, on (the row's stamp, selected, under the cursor,
  layout, styles). A row's stamp changes whenever its content, mark or closed flag does, so a
  line can never be shown stale, and old lines simply age out of the cache.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from rich.segment import Segment
from rich.style import Style
from textual.cache import LRUCache
from textual.strip import Strip

from tui.ui.formatting import fit
from tui.ui.table.columns import SEP, Layout, cell, header_label, layout_columns
from tui.ui.table.model import TableModel

LINE_CACHE = 2048  # lines: ~20 screens of a tall terminal, with and without cursor/selection


class Painter:
    def __init__(self, get_styles: Callable[[], dict[str, Style]], selectable: bool) -> None:
        self._get_styles = get_styles
        self.selectable = selectable
        self.style_generation = 0
        self._styles: dict[str, Style] = {}
        self._styles_key: tuple[int, bool] | None = None
        self.layout: Layout = []
        self._layout_key: tuple[Any, ...] | None = None
        self._lines: LRUCache[tuple[Any, ...], Strip] = LRUCache(LINE_CACHE)
        self._header: LRUCache[tuple[Any, ...], Strip] = LRUCache(16)

    @property
    def cached_lines(self) -> int:
        return len(self._lines)

    def styles(self, focused: bool) -> dict[str, Style]:
        key = (self.style_generation, focused)
        if key != self._styles_key:
            self._styles = self._get_styles()
            self._styles_key = key
        return self._styles

    def current_layout(self, model: TableModel, width: int) -> Layout:
        key = (width, model.has_identifier, model.ideal_version, model.sort_column)
        if key != self._layout_key:
            self.layout = layout_columns(
                width,
                has_identifier=model.has_identifier,
                ideal=model.ideal,
                check=self.selectable,
                sort_column=model.sort_column,
            )
            self._layout_key = key
        return self.layout

    def column_at(self, x: int) -> str | None:
        left = 0
        for column, width in self.layout:
            if left <= x < left + width + SEP:
                return column.key
            left += width + SEP
        return None

    def header(self, model: TableModel, width: int, focused: bool) -> Strip:
        all_selected = self.selectable and model.all_visible_selected()
        key = (self._layout_key, self._styles_key, model.sort_reverse, all_selected, width)
        strip = self._header.get(key)
        if strip is None:
            styles = self.styles(focused)
            parts = []
            for column, w in self.layout:
                if column.key == "check":
                    parts.append("[x]" if all_selected else "[ ]")
                else:
                    arrow = None
                    if column.key == model.sort_column:
                        arrow = "▼" if model.sort_reverse else "▲"
                    parts.append(header_label(column, w, arrow))
            text = fit((" " * SEP).join(parts), width)
            strip = Strip([Segment(text, styles["base"] + styles["header"])], width)
            self._header[key] = strip
        return strip

    def message(self, text: str, width: int, focused: bool) -> Strip:
        styles = self.styles(focused)
        return Strip([Segment(fit(" " + text, width), styles["base"] + styles["empty"])], width)

    def blank(self, width: int, focused: bool) -> Strip:
        return Strip.blank(width, self.styles(focused)["base"])

    def row(self, model: TableModel, pos: int, cursor: bool, width: int, focused: bool) -> Strip:
        selected = model.selected_at(pos)
        key = (model.stamp(pos), selected, cursor, self._layout_key, self._styles_key, width)
        strip = self._lines.get(key)
        if strip is None:
            strip = self._paint(model, pos, selected, cursor, width, self.styles(focused))
            self._lines[key] = strip
        return strip

    def _paint(
        self,
        model: TableModel,
        pos: int,
        selected: bool,
        cursor: bool,
        width: int,
        styles: dict[str, Style],
    ) -> Strip:
        row, mark = model.rows[pos], model.mark_at(pos)
        base = styles["base"]
        if model.closed_at(pos):
            base = base + styles["closed"]
        if selected:
            base = base + styles["selected"]
        if cursor:
            base = base + styles["cursor"]
        # Runs of cells in the same style become one segment: fewer segments make every later
        # step (compositor crops, filters, the driver) cheaper.
        segments: list[Segment] = []
        run: list[str] = []
        gap = " " * SEP
        used = 0
        for n, (column, w) in enumerate(self.layout):
            if n:
                run.append(gap)
                used += SEP
            text, cls = cell(row, column.key, w, selected, mark)
            used += w
            if cls is None:
                run.append(text)
                continue
            if run:
                segments.append(Segment("".join(run), base))
                run = []
            if cursor:
                # On the cursor row keep the cursor's colours; keep only the emphasis.
                style = base + Style(bold=styles[cls].bold, italic=styles[cls].italic)
            else:
                style = base + styles[cls]
            segments.append(Segment(text, style))
        if used < width:
            run.append(" " * (width - used))
        if run:
            segments.append(Segment("".join(run), base))
        return Strip(segments, width)

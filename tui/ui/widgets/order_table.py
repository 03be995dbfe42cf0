"""The order table's public names where the rest of the UI imports them from.

The table itself is in `tui.ui.table`: `model` (rows, selection, filter, sort, visible order;
no Textual), `columns` (layout and cell text), `view` (the widget).
"""

from tui.ui.table.columns import (
    COLUMN_KEYS,
    COLUMN_LABELS,
    COLUMNS,
    MARK_TEXT,
    SEP,
    SORTABLE,
    STATE_CLASS,
    Column,
    layout_columns,
)
from tui.ui.table.model import TableModel, row_key
from tui.ui.table.view import OrderTable

__all__ = [
    "COLUMNS",
    "COLUMN_KEYS",
    "COLUMN_LABELS",
    "MARK_TEXT",
    "SEP",
    "SORTABLE",
    "STATE_CLASS",
    "Column",
    "OrderTable",
    "TableModel",
    "layout_columns",
    "row_key",
]

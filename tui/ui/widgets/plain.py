"""Static text without markup: ids, paths, error messages and user input can contain `[`."""

from __future__ import annotations

from textual.widgets import Static


class Plain(Static):
    def __init__(self, content="", **kwargs) -> None:
        kwargs.setdefault("markup", False)
        super().__init__(content, **kwargs)

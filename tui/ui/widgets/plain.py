"""Static text without markup: ids, paths, error messages and user input can contain `[`.

A string shown here is outside text as often as not, so its control characters are made
visible too (newlines stay: messages and hints may have several lines). Rich renderables are
shown as they are: whoever builds one puts outside text in it through `safe_text`.
"""

from __future__ import annotations

from textual.visual import VisualType
from textual.widgets import Static

from tui.core.visible import visible


class Plain(Static):
    def __init__(self, content: VisualType = "", **kwargs) -> None:
        kwargs.setdefault("markup", False)
        if isinstance(content, str):
            content = visible(content, keep="\n")
        super().__init__(content, **kwargs)

    def update(self, content: VisualType = "", *, layout: bool = True) -> None:
        if isinstance(content, str):
            content = visible(content, keep="\n")
        super().update(content, layout=layout)

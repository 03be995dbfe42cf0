"""The one base of every dialog (modal screen) and the box its content sits in.

A dialog composes its content inside `self.dialog_box()`: a `Vertical` with the class
`dialog`, styled once in styles.tcss ("dialogs" section: centred, a thick border, the
surface colour, at most the screen's size). A widget with id `title` is the bold first
line and one with id `keys` the muted line of key hints. `VARIANT` picks the border:
"" ($primary), "-warning" (a question), "-error" (a destructive confirm); `-tall` takes
the whole height. Each dialog's own rule in styles.tcss sets only its width and what is
particular to it.

To add a dialog: derive from `DialogScreen[ResultType]` (or `GuardedModal` for a
destructive yes/no), compose inside `self.dialog_box()`, and add one width line to
styles.tcss.
"""

from __future__ import annotations

from typing import Any, ClassVar, TypeVar

from textual.containers import Vertical
from textual.screen import ModalScreen

ResultType = TypeVar("ResultType")


class DialogScreen(ModalScreen[ResultType]):
    """A modal dialog: content in one `.dialog` box."""

    VARIANT: ClassVar[str] = ""  # "", "-warning", "-error", plus "-tall" for the full height

    def dialog_box(self, **kwargs: Any) -> Vertical:
        classes = " ".join(c for c in ("dialog", self.VARIANT, kwargs.pop("classes", "")) if c)
        return Vertical(classes=classes, **kwargs)

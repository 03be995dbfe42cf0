"""A destructive question ignores keys for a moment after it appears.

A burst of input (a paste a terminal turned into keys, keys typed ahead, a key held down)
can press `c` and then `y` before anyone has read what `y` would do. As browsers do for
install prompts, the confirming actions of a `GuardedModal` refuse a key read earlier than
CONFIRM_GUARD_S after the screen became current (keys typed before it appeared included);
backing out works at once. A key counts from its own time stamp, taken when the terminal's
bytes were read, so a UI loop slow to process queued keys does not shorten the guard.
"""

from __future__ import annotations

from typing import ClassVar, Final

from textual._time import get_time

from tui.ui.app_access import ordertui_app_or_none
from tui.ui.screens.dialog import DialogScreen

CONFIRM_GUARD_S: Final = 0.5
"""How long a destructive question refuses its confirming keys after it appears (seconds)."""


def key_clock() -> float:
    """The clock Textual stamps every event with (`Message.time`)."""
    return get_time()


class GuardedModal(DialogScreen[bool]):
    """A yes/no modal whose confirming actions call `shown_long_enough` first."""

    guard_interval: ClassVar[float] = CONFIRM_GUARD_S

    _shown_at: float | None = None
    _told = False

    def on_screen_resume(self) -> None:
        # Again when the screen comes back from under another: it may have been hidden a while.
        self._shown_at = key_clock()
        self._told = False

    def on_screen_suspend(self) -> None:
        self._shown_at = None

    def too_soon(self, at: float) -> bool:
        """Did something at time `at` (on `key_clock`) come before the guard ended?"""
        if self.guard_interval <= 0:
            return False
        return self._shown_at is None or at - self._shown_at < self.guard_interval

    def shown_long_enough(self) -> bool:
        """Called by each confirming action before it acts: False (and a notice) if the key
        that runs it was read, or it runs, within the guard. The key's time stamp comes from
        the app (`key_read_at`, noted just before Textual runs a key's bindings), not from
        this screen: Textual runs the bindings of the screen current when a key has bubbled
        up, so a key sent to the screen below can confirm this one without passing here."""
        at = key_clock()
        app = ordertui_app_or_none(self)
        key_read_at = app.key_read_at if app is not None else None
        if key_read_at is not None:  # the key that runs this action, when it was read
            at = min(at, key_read_at)
        if not self.too_soon(at):
            return True
        self.refused()
        return False

    def refused(self) -> None:
        """A confirming key came too soon; say so, once while shown."""
        if not self._told:
            self._told = True
            self.notify(
                "Too soon: this question has just appeared. Read it, then press the key again.",
                severity="warning",
                timeout=4,
            )

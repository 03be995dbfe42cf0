"""Every exchange order state ordertui knows, in one place, grouped by what it means.

Upbit states are lower case (`wait`, `watch`, `cancel`, `done`); B2TRADER's are capitalised
(`Started` ... `Rejected`). The engine and reconcile settle outcomes by these groups; the
table styles a state cell by `STATE_CLASS`. A new exchange state is added here only.
"""

from __future__ import annotations

from typing import Final

from tui.core.models.b2trader import CANCELLABLE_STATUSES
from tui.core.models.upbit import OPEN_STATES

OPEN: Final = OPEN_STATES | CANCELLABLE_STATUSES  # still on the book: cancellable
CLOSED_CANCELLED: Final = frozenset({"cancel", "Cancelled", "Expired"})
CLOSED_FILLED: Final = frozenset({"done", "Completed"})
CLOSED_OTHER: Final = frozenset({"Rejected"})

# The style class (`state-<class>` in the table) of each group.
_GROUP_CLASS: Final = (
    (OPEN, "open"),
    (CLOSED_CANCELLED, "cancelled"),
    (CLOSED_FILLED, "done"),
    (CLOSED_OTHER, "failed"),
)
STATE_CLASS: Final[dict[str, str]] = {
    state: css for states, css in _GROUP_CLASS for state in sorted(states)
}


def state_class(state: str | None) -> str:
    """The style class of an exchange state ("open" for a state not listed)."""
    return STATE_CLASS.get(state or "", "open")

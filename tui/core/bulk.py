"""Helpers for building many small objects at once (imports of 100k orders)."""

from __future__ import annotations

import gc
from collections.abc import Iterator
from contextlib import contextmanager


@contextmanager
def gc_paused() -> Iterator[None]:
    """Pause the cyclic garbage collector while allocating many acyclic objects.

    Building 100k rows triggers hundreds of young-generation collections that find
    nothing to free; pausing them halves the time of a large import.
    """
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()

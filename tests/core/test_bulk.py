"""The collector helpers used while building 100k rows: they must leave the collector as found."""

from __future__ import annotations

import gc
import weakref

import pytest

from tui.core.bulk import gc_paused, kept_out_of_full_collections


class Cycle:
    def __init__(self) -> None:
        self.me = self


def test_gc_paused_restores_the_collector_even_on_an_error():
    assert gc.isenabled()
    with pytest.raises(RuntimeError), gc_paused():
        assert not gc.isenabled()
        raise RuntimeError
    assert gc.isenabled()


def test_settled_objects_leave_the_walks_and_come_back_on_exit_even_on_an_error():
    gc.collect()
    kept = [object() for _ in range(10)]
    with pytest.raises(RuntimeError), kept_out_of_full_collections() as settled:
        rows = [[i] for i in range(1000)]  # tracked, long-lived
        settled()
        assert gc.get_freeze_count() >= len(rows)  # out of every collection's walk
        frozen = gc.get_freeze_count()
        garbage = weakref.ref(Cycle())  # made meanwhile: it waits once settled
        settled()
        gc.collect()
        assert garbage() is not None and gc.get_freeze_count() > frozen
        raise RuntimeError
    assert gc.get_freeze_count() == 0  # back in the oldest generation
    gc.collect()
    assert garbage() is None  # and the cycle made in between is freed now
    assert kept and rows

"""Fixtures: an isolated home, and a simulator in its own process (in-process simulators come
from tests/conftest.py's make_sim)."""

from __future__ import annotations

from collections.abc import Callable, Iterator

import pytest

from .helpers import Env
from .sim_process import SimProcess


@pytest.fixture
def env(tmp_path, monkeypatch) -> Env:
    """An isolated HOME/XDG/journal/log, also applied to this process (for in-process runs)."""
    e = Env(tmp_path)
    for key in list(e.vars):
        monkeypatch.setenv(key, e.vars[key])
    import os

    for key in list(os.environ):
        if key not in e.vars:
            monkeypatch.delenv(key, raising=False)
    return e


@pytest.fixture
def make_sim_process() -> Iterator[Callable[..., SimProcess]]:
    """make(**`ordertui simulate` options) -> a simulator in its own process; all stopped after."""
    started: list[SimProcess] = []

    def make(**options: object) -> SimProcess:
        sim = SimProcess(**options)
        started.append(sim)
        return sim

    try:
        yield make
    finally:
        for sim in started:
            sim.stop()

"""Fixtures for the simulator suite: real servers on 127.0.0.1, signed the official way."""

from __future__ import annotations

import pytest

from tui.simulator.server import SimulatorServer

from .helpers import Upbit


@pytest.fixture
def make_server(make_sim):
    """The suite-wide simulator factory (tests/conftest.py), under this suite's name."""
    return make_sim


@pytest.fixture
def sim(make_server) -> SimulatorServer:
    return make_server()


@pytest.fixture
def upbit(sim):
    client = Upbit(sim)
    yield client
    client.close()


class SimClock:
    """The clock the simulator's rate limits read, moved by the test instead of by waiting."""

    def __init__(self) -> None:
        self.now = 1000.0

    def monotonic(self) -> float:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += seconds


@pytest.fixture
def sim_clock(monkeypatch) -> SimClock:
    """Freeze the time the Upbit and B2TRADER routes stamp arrivals with (their rate limits,
    429s and blocks): a burst is one instant however slow the machine, and a window slides
    only when the test says so."""
    import types

    from tui.simulator import b2trader_routes, upbit_routes

    clock = SimClock()
    fake = types.SimpleNamespace(monotonic=clock.monotonic)
    monkeypatch.setattr(upbit_routes, "time", fake)
    monkeypatch.setattr(b2trader_routes, "time", fake)
    return clock

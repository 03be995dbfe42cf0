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

"""Fixtures for the simulator suite: real servers on 127.0.0.1, signed the official way."""

from __future__ import annotations

import pytest

from tui.simulator.config import SimConfig
from tui.simulator.server import SimulatorServer

from .helpers import Upbit


@pytest.fixture
def make_server():
    servers: list[SimulatorServer] = []

    def make(**config) -> SimulatorServer:
        server = SimulatorServer(SimConfig(**config)).start()
        servers.append(server)
        return server

    yield make
    for server in servers:
        server.stop()


@pytest.fixture
def sim(make_server) -> SimulatorServer:
    return make_server()


@pytest.fixture
def upbit(sim):
    client = Upbit(sim)
    yield client
    client.close()

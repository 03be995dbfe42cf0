"""Fixtures: real simulators on 127.0.0.1 (stopped after each test) and an isolated home."""

from __future__ import annotations

import pytest

from tui.simulator.config import SimConfig
from tui.simulator.server import SimulatorServer

from .helpers import Env


@pytest.fixture
def make_sim():
    servers: list[SimulatorServer] = []

    def make(**config) -> SimulatorServer:
        server = SimulatorServer(SimConfig(**config)).start()
        servers.append(server)
        return server

    yield make
    for server in servers:
        server.stop()


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

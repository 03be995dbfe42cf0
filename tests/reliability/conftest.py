"""Fixtures: an isolated home (real simulators come from tests/conftest.py's make_sim)."""

from __future__ import annotations

import pytest

from .helpers import Env


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

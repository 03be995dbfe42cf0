"""Fixed, known credentials for the demo simulator in snapshot tests.

The simulator makes random keys per run; a settings snapshot needs the same masked key every
run, and the secrets check (tests/reliability/test_secrets.py) needs to know which keys to
look for in the committed SVGs: these. Made up, never valid anywhere."""

from __future__ import annotations

UPBIT_ACCESS = "AcKySnapshotDemoAccessKeyOnlyForTests0a1"
UPBIT_SECRET = "ScKySnapshotDemoSecretKeyOnlyForTests0s1"
UPBIT_READONLY_ACCESS = "RoAkSnapshotDemoReadOnlyAccessForTest0a2"
UPBIT_READONLY_SECRET = "RoSkSnapshotDemoReadOnlySecretForTest0s2"
# in the order the simulator draws them (full pair, then the read-only pair)
KEYS = (UPBIT_ACCESS, UPBIT_SECRET, UPBIT_READONLY_ACCESS, UPBIT_READONLY_SECRET)
B2_TOKEN_SIGNATURE = bytes(range(32))  # the random part of the B2TRADER demo token
SECRETS = KEYS  # what must never appear in a snapshot, not even in part


def install(monkeypatch) -> None:
    """Make every simulator started from now on use these keys (and a fixed B2TRADER token)."""
    import itertools
    import secrets
    import types

    from tui.simulator import state

    keys = itertools.cycle(KEYS)
    monkeypatch.setattr(state, "_key", lambda length=40: next(keys))
    monkeypatch.setattr(
        state,
        "secrets",
        types.SimpleNamespace(
            choice=secrets.choice,
            randbits=secrets.randbits,
            token_bytes=lambda n=32: B2_TOKEN_SIGNATURE[:n],
        ),
    )

"""`ordertui cancel --all --server-side` (panic mode): not built yet."""

from __future__ import annotations

from tui.core.errors import InputError


def run_panic(ctx, profile, rule) -> int:
    raise InputError("--server-side is not available yet: run without it (exact mode)")

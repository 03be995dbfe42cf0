"""Byte counts for people: limits are binary (64 * 1024 * 1024), so they are said in MiB.

`1e6` against a `1024 * 1024` limit made "the limit is 67 MB" of a 64 MiB limit."""

from __future__ import annotations

MIB = 1024 * 1024


def mib(size: int | float) -> str:
    """`64 MiB`, `66.8 MiB`, `0.5 MiB`: whole numbers without decimals, others with one."""
    value = size / MIB
    if value == int(value):
        return f"{int(value)} MiB"
    if value < 0.05:
        return f"{size:,} bytes"
    return f"{value:.1f} MiB"

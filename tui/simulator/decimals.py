"""Decimal helpers: amounts live as Decimal and leave as plain decimal strings."""

from __future__ import annotations

from decimal import ROUND_DOWN, Decimal

ZERO = Decimal(0)
SATOSHI = Decimal("0.00000001")


def dec(value: object) -> Decimal:
    if isinstance(value, Decimal):
        return value
    if isinstance(value, float):
        raise TypeError("amounts must not be floats")
    return Decimal(str(value))


def fmt(value: Decimal | None) -> str | None:
    """Plain notation, no exponent, no trailing zeros: Decimal('1.2300') -> '1.23'."""
    if value is None:
        return None
    s = format(value, "f")
    if "." in s:
        s = s.rstrip("0").rstrip(".")
    return "0" if s in ("-0", "") else s


def q8(value: Decimal) -> Decimal:
    return value.quantize(SATOSHI, rounding=ROUND_DOWN)

"""Field types shared by the exchange models: exact decimals and zone-aware times."""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal, InvalidOperation
from functools import lru_cache
from typing import Annotated, Any, Self

from pydantic import AfterValidator, BaseModel, BeforeValidator, ConfigDict, PrivateAttr


def _to_decimal(value: Any) -> Any:
    """Exchange amounts arrive as strings; keep them exact and refuse what is not a number."""
    if type(value) is str:  # the hot path: 100k orders x 10 amounts
        return _decimal_text(value)
    if isinstance(value, bool):
        raise ValueError("expected a decimal string, got a boolean")
    if isinstance(value, Decimal):
        number = value
    elif isinstance(value, int):
        number = Decimal(value)
    elif isinstance(value, float):
        # Only reachable when a caller bypasses decimal_json.loads; repr is the shortest exact text.
        number = Decimal(repr(value))
    elif isinstance(value, str):
        return _decimal_text(str(value))
    else:
        raise ValueError(f"expected a decimal string, got {type(value).__name__}")
    if not number.is_finite():
        raise ValueError("not a finite number")
    return number


@lru_cache(maxsize=65536)
def _decimal_text(text: str) -> Decimal:
    """Decimal from text, shared for repeated values ("0", a market's price levels): Decimals
    are immutable, and 100k orders repeat many of their amounts."""
    try:
        number = Decimal(text.strip())
    except InvalidOperation:
        raise ValueError(f"not a decimal number: {text[:40]!r}") from None
    if not number.is_finite():
        raise ValueError("not a finite number")
    return number


def _assume_utc(value: datetime) -> datetime:
    """Global Upbit docs show zone-less times, which are UTC."""
    return value.replace(tzinfo=UTC) if value.tzinfo is None else value


ExactDecimal = Annotated[Decimal, BeforeValidator(_to_decimal)]
ZonedDatetime = Annotated[datetime, AfterValidator(_assume_utc)]


_FIELD_SETS: dict[frozenset[str], frozenset[str]] = {}


class WireOrder(BaseModel):
    """An exchange order that remembers the exact object it was parsed from (extras kept).

    Frozen: an answer from the exchange is a record of what it said, never edited.
    """

    model_config = ConfigDict(extra="allow", frozen=True)

    _raw: dict[str, Any] = PrivateAttr(default_factory=dict)

    @classmethod
    def _adopt(cls, data: Any, fields: dict[str, Any] | None = None) -> Self:
        """Validate `fields` (default: `data`) and keep `data` unchanged as the wire object."""
        if not isinstance(data, dict):
            raise ValueError(f"expected an order object, got {type(data).__name__}")
        order = cls.model_validate(data if fields is None else fields)
        order._raw = data  # kept as is, not copied: nothing changes a parsed answer
        # pydantic keeps a set of the fields given, per instance (~0.7 kB). Orders are frozen,
        # so the set never changes: share one frozen copy per distinct set of fields.
        given = order.__pydantic_fields_set__
        object.__setattr__(
            order,
            "__pydantic_fields_set__",
            _FIELD_SETS.setdefault(frozenset(given), frozenset(given)),
        )
        return order

    @property
    def raw(self) -> dict[str, Any]:
        # Read the private slot directly: pydantic's __getattr__ for `_raw` costs 2 us, which
        # 100k rows feel.
        private = self.__pydantic_private__
        raw = private.get("_raw") if private else None
        return raw or self.model_dump(mode="json", exclude_none=True)

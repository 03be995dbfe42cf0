"""Order references: what the user gives before anything is known about an order."""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from enum import StrEnum


class IdKind(StrEnum):
    """How an order is named: an Upbit uuid, an Upbit client identifier, a B2TRADER order id."""

    UUID = "uuid"
    IDENTIFIER = "identifier"
    ORDER_ID = "order_id"


UUID_RE = re.compile(r"[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}")
# ULID: 26 characters of Crockford base32; the first character is at most 7 (48-bit time).
ULID_RE = re.compile(r"[0-7][0-9A-HJKMNP-TV-Za-hjkmnp-tv-z]{25}")
IDENTIFIER_MAX = 256


class RefError(ValueError):
    """The text does not name an order of the requested kind."""


@dataclass(frozen=True, slots=True)
class OrderRef:
    """A reference to one order, before anything else about it is known.

    Upbit uuids are normalised to lower case, B2TRADER ULIDs to upper case, so
    the same order given twice in different case is one reference.
    """

    kind: IdKind
    value: str

    @classmethod
    def uuid(cls, value: str) -> OrderRef:
        text = value.strip()
        if not UUID_RE.fullmatch(text):
            raise RefError(f"not an Upbit uuid: {_show(text)}")
        return cls(IdKind.UUID, text.lower())

    @classmethod
    def identifier(cls, value: str) -> OrderRef:
        text = value.strip()
        if not text:
            raise RefError("an identifier cannot be empty")
        if len(text) > IDENTIFIER_MAX:
            raise RefError(f"identifier longer than {IDENTIFIER_MAX} characters")
        if any(ord(ch) < 32 or ord(ch) == 127 for ch in text):
            raise RefError(f"identifier contains control characters: {_show(text)}")
        return cls(IdKind.IDENTIFIER, text)

    @classmethod
    def order_id(cls, value: str) -> OrderRef:
        text = value.strip()
        if not ULID_RE.fullmatch(text):
            raise RefError(f"not a B2TRADER order id (26-character ULID): {_show(text)}")
        return cls(IdKind.ORDER_ID, text.upper())

    @classmethod
    def parse(cls, kind: IdKind | str, value: str) -> OrderRef:
        kind = IdKind(kind)
        if kind is IdKind.UUID:
            return cls.uuid(value)
        if kind is IdKind.IDENTIFIER:
            return cls.identifier(value)
        return cls.order_id(value)

    @property
    def key(self) -> str:
        return f"{self.kind.value}:{self.value}"

    def __str__(self) -> str:
        return self.key


def _show(text: str, limit: int = 60) -> str:
    shown = text if len(text) <= limit else text[: limit - 1] + "…"
    return repr(shown)


def dedupe(refs: Iterable[OrderRef]) -> list[OrderRef]:
    """Refs in first-seen order, each once."""
    return list(dict.fromkeys(refs))

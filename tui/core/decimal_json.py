"""JSON that keeps amounts exact: numbers become Decimal, Decimal prints as its string."""

from __future__ import annotations

import json
from datetime import datetime
from decimal import Decimal
from typing import Any

from tui.core.visible import visible


def loads(text: str | bytes) -> Any:
    """Parse JSON, turning every non-integer number into a Decimal (never a float)."""
    return json.loads(text, parse_float=Decimal)


def _default(value: Any) -> Any:
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, datetime):
        return value.isoformat()
    if isinstance(value, (set, frozenset, tuple)):
        return list(value)
    if hasattr(value, "model_dump"):
        return value.model_dump(mode="json")
    raise TypeError(f"cannot serialise {type(value).__name__}")


def dumps(value: Any, *, indent: int | None = None) -> str:
    """JSON text, non-ASCII letters as they are; but the characters JSON leaves raw that a
    terminal acts on (DEL, C1 controls, bidi overrides, line separators) and lone surrogates
    (which no UTF-8 file or pipe accepts) are written as \\uXXXX escapes: the same JSON, safe
    to `cat` (journal, exports, --json) and always encodable."""
    return visible(
        json.dumps(value, default=_default, ensure_ascii=False, indent=indent), keep="\n"
    )

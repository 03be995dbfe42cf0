"""What each journal record must look like, checked record by record when a run file is read.

A journal file is outside input like any other (an older version, a disk fault, a hand edit):
one record of the wrong shape must cost that record only, never the run or the other runs.
Unknown fields are kept (allowed); the fields the reader relies on are checked strictly.
"""

from __future__ import annotations

from typing import Annotated, Any, Literal

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, TypeAdapter, ValidationError

from tui.core.refs import IDENTIFIER_MAX, IdKind

OutcomeName = Literal["cancelled", "failed", "open", "unknown", "not_sent", "needs_manual_check"]
_KINDS = frozenset(kind.value for kind in IdKind)


def _ref_key(value: str) -> str:
    kind, sep, rest = value.partition(":")
    if not sep or kind not in _KINDS:
        raise ValueError("not an order reference (uuid:…, identifier:… or order_id:…)")
    if not rest or len(rest) > IDENTIFIER_MAX or any(ord(c) < 32 or ord(c) == 127 for c in rest):
        raise ValueError("not an order reference (empty, too long or control characters)")
    return value


RefKey = Annotated[str, AfterValidator(_ref_key)]


class _Record(BaseModel):
    model_config = ConfigDict(extra="allow", strict=True)

    t: str | None = None


class RunHeader(_Record):
    type: Literal["run"]
    run_id: str | None = None
    exchange: str | None = None
    target: str | None = None
    profile: str | None = None
    demo: bool = False
    refs: list[RefKey] = []


class PlanPart(_Record):
    """More planned references, when a run has too many for the header line alone."""

    type: Literal["plan"]
    refs: list[RefKey]


class Intent(_Record):
    type: Literal["intent"]
    exchange: str | None = None
    profile: str | None = None
    refs: list[RefKey]


class ErrorRecord(BaseModel):
    model_config = ConfigDict(extra="allow", strict=True)

    status: int | None = None
    name: str
    message: str = ""


class OutcomeRecord(_Record):
    type: Literal["outcome", "reconcile"]
    ref: RefKey
    outcome: OutcomeName
    state: str | None = None
    market: str | None = None
    id: str | None = None
    error: ErrorRecord | None = None
    same_as: RefKey | None = None  # the same order as that ref: its outcome counts there


class Finish(_Record):
    type: Literal["finish"]
    halted: str | None = None
    aborted: bool = False
    internal_errors: int = Field(default=0, ge=0)  # absent in journals older than the field


Record = RunHeader | PlanPart | Intent | OutcomeRecord | Finish
_TYPES = ("run", "plan", "intent", "outcome", "reconcile", "finish")
_ADAPTER: TypeAdapter[Record] = TypeAdapter(Annotated[Record, Field(discriminator="type")])


def check(value: Any) -> tuple[Record | None, str]:
    """(the record, "") when `value` is a well-formed record, else (None, why not)."""
    if not isinstance(value, dict):
        return None, "not a JSON object"
    kind = value.get("type")
    if kind not in _TYPES:
        shown = kind if isinstance(kind, str) and len(kind) <= 20 else "?"
        return None, f"unknown record type {shown!r}"
    try:
        return _ADAPTER.validate_python(value), ""
    except ValidationError as exc:
        first = exc.errors(include_url=False, include_input=False)[0]
        where = ".".join(str(part) for part in first["loc"][1:])  # [0] is the record type
        return None, f"{where or 'record'}: {first['msg']}"

"""Turning pasted or imported text into order references (and full rows when the text has them).

Accepted, tried in this order:
1. JSON: a list of order objects, or `{"orders": [...]}` (as `ordertui orders --json` prints),
   Upbit objects (`uuid`), B2TRADER objects (`orderId`, or `{"order": {...}}`) and ccxt
   orders (`id`, `clientOrderId`, the raw exchange object under `info`).
2. CSV/TSV (`,` `;` or tab) whose header names a `uuid`, `identifier` or `orderId` column
   (`id` is accepted too: each value is recognised as a uuid or a ULID).
3. Free text: every UUID found is an Upbit uuid, every ULID a B2TRADER order id, and a line
   `identifier:VALUE` names an Upbit identifier.
Every non-blank line (or JSON item) that yields nothing is reported with its line number.
A CSV/TSV table that cannot be read safely (a field past the csv module's 131,072-character
limit, i.e. an unclosed quote swallowing the rest) raises InputError: nothing is guessed.
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from tui.core import decimal_json
from tui.core.bulk import gc_paused
from tui.core.errors import InputError
from tui.core.models.b2trader import B2TraderOrder
from tui.core.models.row import Exchange, OrderRow
from tui.core.models.upbit import UpbitOrder
from tui.core.refs import UUID_RE, IdKind, OrderRef, RefError
from tui.core.safe_read import FileRefused, read_regular
from tui.core.sizes import mib
from tui.core.visible import visible

UPBIT = Exchange.UPBIT
MAX_INPUT_BYTES = 64 * 1024 * 1024
_UUID_SCAN = re.compile(r"(?<![0-9A-Fa-f-])" + UUID_RE.pattern + r"(?![0-9A-Fa-f-])")
_ULID_SCAN = re.compile(r"(?<![0-9A-Za-z])[0-7][0-9A-HJKMNP-TV-Za-hjkmnp-tv-z]{25}(?![0-9A-Za-z])")
_IDENT_LINE = re.compile(r"^\s*identifier\s*[:=]\s*(.+?)\s*$", re.IGNORECASE)
_HEADER_NAMES = {
    "uuid": IdKind.UUID,
    "uuids": IdKind.UUID,
    "upbit_uuid": IdKind.UUID,
    "identifier": IdKind.IDENTIFIER,
    "identifiers": IdKind.IDENTIFIER,
    "client_order_id": IdKind.IDENTIFIER,
    "clientorderid": IdKind.IDENTIFIER,
    "orderid": IdKind.ORDER_ID,
    "order_id": IdKind.ORDER_ID,
    "order-id": IdKind.ORDER_ID,
    "id": None,  # recognised per value
}


@dataclass(frozen=True, slots=True)
class IgnoredLine:
    line_no: int | None  # 1-based; None for a JSON item (see `text`)
    text: str  # the line (shortened), or "item N"
    reason: str


@dataclass(slots=True)
class ParseResult:
    refs: list[OrderRef] = field(default_factory=list)  # unique, first-seen order
    rows: list[OrderRow] = field(
        default_factory=list
    )  # one per ref; full when the input had the order
    ignored: list[IgnoredLine] = field(default_factory=list)
    duplicates: int = 0
    format: str = "text"
    lines: int = 0

    def summary(self) -> str:
        found = f"{len(self.refs)} order{'s' if len(self.refs) != 1 else ''} found"
        parts = [found]
        if self.ignored:
            parts.append(f"{len(self.ignored)} line{'s' if len(self.ignored) != 1 else ''} ignored")
        if self.duplicates:
            parts.append(
                f"{self.duplicates} duplicate{'s' if self.duplicates != 1 else ''} dropped"
            )
        return ", ".join(parts) + f" ({self.format})"

    def ignored_preview(self, most: int = 10) -> list[str]:
        """One line per ignored line, to print: the file's text with its control characters
        made visible (a line may hold `ESC ]0;…` or `ESC [2J`)."""
        out = []
        for item in self.ignored[:most]:
            where = f"line {item.line_no}" if item.line_no is not None else item.text
            shown = item.text if item.line_no is not None else ""
            out.append(visible(f"{where}: {item.reason}" + (f": {shown}" if shown else "")))
        if len(self.ignored) > most:
            out.append(f"... and {len(self.ignored) - most} more")
        return out


class _Collector:
    def __init__(self, fmt: str) -> None:
        self.result = ParseResult(format=fmt)
        self._seen: dict[IdKind, set[str]] = {kind: set() for kind in IdKind}

    def add(self, ref: OrderRef, row: OrderRow | None = None) -> None:
        seen = self._seen[ref.kind]
        if ref.value in seen:
            self.result.duplicates += 1
            return
        seen.add(ref.value)
        self.result.refs.append(ref)
        self.result.rows.append(row if row is not None else OrderRow.from_ref(ref))

    def add_uuid(self, value: str) -> None:
        """The hot path of a large import: one lower-case uuid, no further checks needed."""
        seen = self._seen[IdKind.UUID]
        if value in seen:
            self.result.duplicates += 1
            return
        seen.add(value)
        self.result.refs.append(OrderRef(IdKind.UUID, value))
        self.result.rows.append(OrderRow(UPBIT, value, IdKind.UUID))

    def ignore(self, line_no: int | None, text: str, reason: str) -> None:
        shown = text.strip()
        if len(shown) > 80:
            shown = shown[:79] + "…"
        self.result.ignored.append(IgnoredLine(line_no, shown, reason))


# ---- entry points ------------------------------------------------------------------------------
def parse_text(text: str) -> ParseResult:
    """Parse pasted or imported text; reports what it ignored. Raises only InputError, for a
    table it cannot read safely (see the module's docstring)."""
    with gc_paused():
        return _parse_text(text)


def _parse_text(text: str) -> ParseResult:
    text = text.replace("\r\n", "\n").replace("\r", "\n").lstrip("\ufeff")
    stripped = text.strip()
    if stripped[:1] in ("[", "{"):
        try:
            data = decimal_json.loads(stripped)
        except (ValueError, RecursionError):
            data = None
        if data is not None:
            return _finish(_parse_json(data), text)
    table = _parse_table(text)
    if table is not None:
        return _finish(table, text)
    return _finish(_parse_free_text(text), text)


def read_input_file(path: str | Path) -> str:
    """Read a file (or `-` for stdin) as text, refusing binary data with a clear message."""
    import sys

    if str(path) == "-":
        data = sys.stdin.buffer.read(MAX_INPUT_BYTES + 1)
        name = "standard input"
    else:
        name = str(Path(path).expanduser())
        try:
            data = read_regular(name, limit=MAX_INPUT_BYTES)
        except FileRefused as exc:  # a FIFO would block forever, /dev/zero never end
            raise InputError(exc.message) from None
    if len(data) > MAX_INPUT_BYTES:
        raise InputError(f"{name} is larger than the limit of {mib(MAX_INPUT_BYTES)}")
    return decode_text(data, name)


def decode_text(data: bytes, name: str = "input") -> str:
    if b"\x00" in data[:65536]:
        raise InputError(f"{name} looks like binary data, not text (it contains NUL bytes)")
    text = data.decode("utf-8", errors="replace")
    sample = text[:65536]
    if sample and sample.count("\ufffd") > max(8, len(sample) // 100):
        raise InputError(f"{name} is not UTF-8 text (it looks like binary data)")
    return text


def parse_file(path: str | Path) -> ParseResult:
    return parse_text(read_input_file(path))


# ---- formats -----------------------------------------------------------------------------------
def _finish(result: ParseResult, text: str) -> ParseResult:
    result.lines = text.count("\n") + (0 if text.endswith("\n") or not text else 1)
    return result


_LONE_UUID_LINE = re.compile(r"(?m)^[ \t]*(" + UUID_RE.pattern + r")[ \t]*$")
_CONTENT_LINE = re.compile(r"(?m)^[ \t]*\S")


def _parse_lone_uuids(text: str) -> ParseResult | None:
    """Fast path for the common large import: nothing but one uuid per line."""
    found = _LONE_UUID_LINE.findall(text)
    if not found or len(found) != len(_CONTENT_LINE.findall(text)):
        return None
    out = _Collector("text")
    values = [v.lower() for v in found]
    unique = list(dict.fromkeys(values))
    out.result.duplicates = len(values) - len(unique)
    out.result.refs = [OrderRef(IdKind.UUID, v) for v in unique]
    out.result.rows = [OrderRow(UPBIT, v, IdKind.UUID) for v in unique]
    return out.result


def _parse_free_text(text: str) -> ParseResult:
    fast = _parse_lone_uuids(text)
    if fast is not None:
        return fast
    out = _Collector("text")
    whole_uuid = UUID_RE.fullmatch
    for line_no, line in enumerate(text.split("\n"), start=1):
        bare = line.strip()
        if not bare:
            continue
        if len(bare) == 36 and whole_uuid(bare):
            out.add_uuid(bare.lower())
            continue
        ident = _IDENT_LINE.match(line)
        if ident:
            try:
                out.add(OrderRef.identifier(ident.group(1)))
            except RefError as exc:
                out.ignore(line_no, line, str(exc))
            continue
        found = False
        for match in _UUID_SCAN.finditer(line):
            out.add_uuid(match.group(0).lower())
            found = True
        for match in _ULID_SCAN.finditer(line):
            out.add(OrderRef(IdKind.ORDER_ID, match.group(0).upper()))
            found = True
        if not found:
            reason = "comment" if bare.startswith("#") else "no order id found"
            out.ignore(line_no, line, reason)
    return out.result


def _sniff_delimiter(header: str) -> str | None:
    for delim in ("\t", ",", ";"):
        if delim in header:
            return delim
    return None


def _parse_table(text: str) -> ParseResult | None:
    lines = text.split("\n")
    first = next((i for i, line in enumerate(lines) if line.strip()), None)
    if first is None:
        return None
    delim = _sniff_delimiter(lines[first])
    cells = [
        c.strip().strip('"').lower()
        for c in (lines[first].split(delim) if delim else [lines[first]])
    ]
    columns = {i: _HEADER_NAMES[c] for i, c in enumerate(cells) if c in _HEADER_NAMES}
    if not columns or (delim is None and len(cells) != 1):
        return None
    if delim is None and cells[0] not in _HEADER_NAMES:
        return None
    out = _Collector("tsv" if delim == "\t" else "csv")
    reader = csv.reader(io.StringIO("\n".join(lines[first + 1 :])), delimiter=delim or ",")
    for offset, record in enumerate(_records(reader, first + 2)):
        line_no = first + 2 + offset
        if not any(cell.strip() for cell in record):
            continue
        got = False
        reasons: list[str] = []
        for index, kind in columns.items():
            if index >= len(record) or not record[index].strip():
                continue
            value = record[index].strip()
            try:
                ref = _ref_for(kind, value)
            except RefError as exc:
                reasons.append(str(exc))
                continue
            out.add(ref)
            got = True
            break  # one order per row: the first usable id column wins
        if not got:
            out.ignore(
                line_no, (delim or ",").join(record), reasons[0] if reasons else "no id in this row"
            )
    return out.result


def _records(reader: Any, first_line: int) -> Iterator[list[str]]:
    """The CSV records; a field past the csv module's limit is an input error, not a crash.

    It almost always means an unclosed quote that swallowed the rest of the file: reading on
    would drop every order after it without a word, so the whole input is refused.
    """
    start = first_line
    while True:
        try:
            record = next(reader)
        except StopIteration:
            return
        except csv.Error as exc:
            limit = csv.field_size_limit()
            if "field larger than field limit" in str(exc):
                raise InputError(
                    f"line {start}: a CSV field is longer than {limit:,} characters "
                    "(an unclosed quote?); nothing was read"
                ) from None
            raise InputError(f"line {start}: unreadable CSV ({exc}); nothing was read") from None
        start = first_line + reader.line_num
        yield record


def _ref_for(kind: IdKind | None, value: str) -> OrderRef:
    if kind is None:
        if UUID_RE.fullmatch(value):
            return OrderRef.uuid(value)
        return OrderRef.order_id(value)
    return OrderRef.parse(kind, value)


def _parse_json(data: Any) -> ParseResult:
    out = _Collector("json")
    items: Any = data
    if isinstance(data, dict):
        for key in ("orders", "data", "result"):
            if isinstance(data.get(key), list):
                items = data[key]
                break
        else:
            items = [data]
    if not isinstance(items, list):
        out.ignore(None, "document", 'JSON that is neither a list of orders nor {"orders": [...]}')
        return out.result
    for number, item in enumerate(items, start=1):
        where = f"item {number}"
        try:
            ref, row = _json_item(item)
        except (RefError, ValueError) as exc:
            out.ignore(None, where, _short(str(exc)))
            continue
        if ref is None:
            out.ignore(None, where, "no uuid, identifier or orderId")
            continue
        out.add(ref, row)
    return out.result


def _json_item(item: Any) -> tuple[OrderRef | None, OrderRow | None]:
    if isinstance(item, str):
        value = item.strip()
        return (_ref_for(None, value), None) if value else (None, None)
    if not isinstance(item, dict):
        raise ValueError(f"expected an order object, got {type(item).__name__}")
    if isinstance(item.get("order"), dict):
        item = item["order"]
    if isinstance(item.get("info"), dict) and ("uuid" in item["info"] or "orderId" in item["info"]):
        return _json_item(item["info"])  # ccxt keeps the exchange's own object under "info"
    if item.get("uuid"):
        ref = OrderRef.uuid(str(item["uuid"]))
        return ref, _full_row(UpbitOrder.from_wire, item) if _looks_full(item) else None
    if item.get("orderId"):
        ref = OrderRef.order_id(str(item["orderId"]))
        return ref, _full_row(B2TraderOrder.from_wire, item) if _looks_full(item) else None
    if item.get("identifier"):
        return OrderRef.identifier(str(item["identifier"])), None
    if item.get("id"):  # ccxt without info
        return _ref_for(None, str(item["id"]).strip()), None
    if item.get("clientOrderId"):
        return OrderRef.identifier(str(item["clientOrderId"])), None
    return None, None


def _looks_full(item: dict[str, Any]) -> bool:
    return ("market" in item or "marketId" in item) and ("side" in item)


def _full_row(
    parse: Callable[[dict[str, Any]], UpbitOrder | B2TraderOrder], item: dict[str, Any]
) -> OrderRow | None:
    try:
        return OrderRow.from_order(parse(item))
    except ValueError:
        return None  # fields of the wrong type: keep the reference, look it up later


def _short(text: str, limit: int = 120) -> str:
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 1] + "…"

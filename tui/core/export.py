"""Results as data: the `--json` object of `ordertui cancel`, and CSV/JSON export files."""

from __future__ import annotations

import csv
import io
from pathlib import Path
from typing import Any

from tui.core import decimal_json
from tui.core.errors import InputError
from tui.core.events import OrderResult, Outcome, RunReport

CSV_COLUMNS = (
    "outcome",
    "id_kind",
    "id",
    "identifier",
    "market",
    "side",
    "ord_type",
    "price",
    "volume",
    "remaining",
    "executed",
    "state",
    "created_at",
    "error_status",
    "error_name",
    "error_message",
    "hint",
)


def report_to_dict(report: RunReport) -> dict[str, Any]:
    """`{"exchange", "requested", "cancelled": [full order objects], "failed": [...], "unknown": [...],
    "not_sent": [...], "requests", "elapsed_s", "run_id", "halted", "internal_errors"}`."""
    cancelled = []
    for result in report.by_outcome(Outcome.CANCELLED):
        if result.row is not None and result.row.known:
            cancelled.append(result.row.wire())
        else:
            cancelled.append(result.as_dict())
    return {
        "exchange": report.exchange,
        "run_id": report.run_id,
        "requested": report.requested,
        "cancelled": cancelled,
        "failed": [r.as_dict() for r in report.by_outcome(Outcome.FAILED)],
        "unknown": [r.as_dict() for r in report.by_outcome(Outcome.UNKNOWN)],
        "not_sent": [r.as_dict() for r in report.by_outcome(Outcome.NOT_SENT)],
        "requests": report.requests,
        "elapsed_s": round(report.elapsed_s, 3),
        "halted": report.halted,
        # Bugs of ours the engine caught and survived; each is in the log with its traceback.
        "internal_errors": report.internal_errors,
    }


def _csv_row(result: OrderResult) -> list[str]:
    row = result.row
    err = result.error

    def text(value: Any) -> str:
        if value is None:
            return ""
        if hasattr(value, "isoformat"):
            return str(value.isoformat())
        return str(value)

    return [
        result.outcome.value,
        row.id_kind.value if row else result.ref.kind.value,
        row.id if row else result.ref.value,
        text(row.identifier if row else None),
        text(row.market if row else None),
        text(row.side if row else None),
        text(row.ord_type if row else None),
        text(row.price if row else None),
        text(row.volume if row else None),
        text(row.remaining if row else None),
        text(row.executed if row else None),
        text(row.state if row else None),
        text(row.created_at if row else None),
        text(err.status if err else None),
        text(err.name if err else None),
        text(err.message if err else None),
        text(err.hint if err else None),
    ]


def report_to_csv(report: RunReport) -> str:
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(CSV_COLUMNS)
    for result in report.results.values():
        writer.writerow(_csv_row(result))
    return buffer.getvalue()


def export_results(report: RunReport, path: str | Path, fmt: str | None = None) -> Path:
    """Write results to `path` as CSV or JSON (by `fmt`, else by the file's suffix)."""
    target = Path(path).expanduser()
    kind = (fmt or target.suffix.lstrip(".") or "json").lower()
    if kind not in ("csv", "json"):
        raise InputError(f"cannot export as {kind!r}: choose csv or json")
    content = (
        report_to_csv(report)
        if kind == "csv"
        else decimal_json.dumps(report_to_dict(report), indent=2) + "\n"
    )
    try:
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(content, encoding="utf-8")
    except OSError as exc:
        raise InputError(f"cannot write {target}: {exc.strerror or exc}") from None
    return target


def default_export_dir() -> Path:
    """The user's documents folder when it exists, else home."""
    try:
        import platformdirs

        docs = Path(platformdirs.user_documents_dir())
        if docs.is_dir():
            return docs
    except Exception:  # platformdirs may not know one on a headless box
        pass
    return Path.home()

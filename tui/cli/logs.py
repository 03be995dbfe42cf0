"""Log file set-up: everything goes to a rotating file in the user state dir, scrubbed of secrets
and with control characters made visible (a log line quoting an answer stays one line, and
`cat`/`tail -f` of the log cannot drive the terminal)."""

from __future__ import annotations

import logging
import logging.handlers
import os
from io import TextIOWrapper
from pathlib import Path
from typing import Any, TextIO

from tui.core.redact import RedactingFilter, Redactor
from tui.core.visible import visible

_REDACTOR = Redactor()


class _PrivateRotatingHandler(logging.handlers.RotatingFileHandler):
    """Every log file it opens (the first, and each after a rotation) is readable by its owner only."""

    def _open(self) -> TextIOWrapper:
        stream = super()._open()
        try:
            os.chmod(self.baseFilename, 0o600)
        except OSError:
            pass
        return stream


class VisibleFilter(logging.Filter):
    """Control characters of a record's message become visible escapes (`visible`), so a
    message cannot forge a second log line; a traceback keeps its line breaks."""

    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        shown = visible(message)
        if shown != message:
            record.msg, record.args = shown, None
        if record.exc_text:
            record.exc_text = visible(record.exc_text, keep="\n")
        if record.stack_info:
            record.stack_info = visible(record.stack_info, keep="\n")
        return True


class ScrubbingStream:
    """Wraps stdout/stderr for the commands: whatever is printed passes the redactor first, and
    then has its control characters made visible (line breaks, carriage returns and tabs stay:
    the commands' own tables and progress line use them). JSON stays valid JSON: the escapes
    written for characters it leaves raw (DEL, C1, bidi) are JSON escapes of the same text."""

    def __init__(self, stream: TextIO, redactor: Redactor) -> None:
        self._stream = stream
        self._redactor = redactor

    def write(self, text: str) -> int:
        return self._stream.write(visible(self._redactor.scrub(text), keep="\n\r\t"))

    def __getattr__(self, name: str) -> Any:
        return getattr(self._stream, name)


def log_path() -> Path:
    from tui.core.paths import state_dir

    override = os.environ.get("ORDERTUI_LOG_FILE")
    return Path(override) if override else state_dir() / "ordertui.log"


def setup_logging() -> Redactor:
    """Attach a scrubbing file handler once; returns the redactor secrets are added to."""
    root = logging.getLogger()
    if any(getattr(h, "_ordertui", False) for h in root.handlers):
        return _REDACTOR
    path = log_path()
    try:
        path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
        handler: logging.Handler = _PrivateRotatingHandler(
            path, maxBytes=1_000_000, backupCount=3, encoding="utf-8"
        )
    except OSError:
        handler = logging.NullHandler()
    handler._ordertui = True  # type: ignore[attr-defined]
    handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
    handler.addFilter(RedactingFilter(_REDACTOR))
    handler.addFilter(VisibleFilter())  # after the redactor: it formats the traceback text
    root.addHandler(handler)
    level = os.environ.get("ORDERTUI_LOG_LEVEL", "INFO").upper()
    root.setLevel(getattr(logging, level, logging.INFO))
    return _REDACTOR

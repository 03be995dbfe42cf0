"""Log file set-up: everything goes to a rotating file in the user state dir, scrubbed of secrets."""

from __future__ import annotations

import logging
import logging.handlers
import os
from pathlib import Path

from tui.core.redact import RedactingFilter, Redactor

_REDACTOR = Redactor()


def log_path() -> Path:
    from tui.core.config import state_dir

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
        handler: logging.Handler = logging.handlers.RotatingFileHandler(
            path, maxBytes=1_000_000, backupCount=3, encoding="utf-8")
        os.chmod(path, 0o600)
    except OSError:
        handler = logging.NullHandler()
    handler._ordertui = True  # type: ignore[attr-defined]
    handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
    handler.addFilter(RedactingFilter(_REDACTOR))
    root.addHandler(handler)
    level = os.environ.get("ORDERTUI_LOG_LEVEL", "INFO").upper()
    root.setLevel(getattr(logging, level, logging.INFO))
    return _REDACTOR

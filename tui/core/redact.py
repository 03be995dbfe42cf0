"""Scrubbing secrets from anything that is shown, logged or stored (defence in depth)."""

from __future__ import annotations

import logging
import re
from collections.abc import Iterable

_JWT_RE = re.compile(r"eyJ[A-Za-z0-9_-]{4,}\.[A-Za-z0-9_-]{4,}\.[A-Za-z0-9_-]{4,}")
# The token is what RFC 6750 allows in one (b64token): stopping there keeps the text around it
# intact, e.g. the quote and comma after "Bearer token." inside a JSON document.
_BEARER_RE = re.compile(r"(?i)(bearer\s+)[A-Za-z0-9\-._~+/]+=*")
REDACTED = "[redacted]"


class Redactor:
    def __init__(self, secrets: Iterable[str | None] = ()) -> None:
        self._secrets = sorted({s for s in secrets if s and len(s) >= 6}, key=len, reverse=True)

    def add(self, secret: str | None) -> None:
        if secret and len(secret) >= 6 and secret not in self._secrets:
            self._secrets.append(secret)
            self._secrets.sort(key=len, reverse=True)

    def scrub(self, text: str) -> str:
        for secret in self._secrets:
            if secret in text:
                text = text.replace(secret, REDACTED)
        text = _BEARER_RE.sub(r"\1" + REDACTED, text)
        return _JWT_RE.sub(REDACTED, text)


class RedactingFilter(logging.Filter):
    """A logging filter that scrubs every record's final message."""

    def __init__(self, redactor: Redactor) -> None:
        super().__init__()
        self.redactor = redactor

    _formatter = logging.Formatter()

    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        scrubbed = self.redactor.scrub(message)
        if scrubbed != message:
            record.msg, record.args = scrubbed, None
        # A traceback carries exception messages (which may quote an answer or a header):
        # format it here, scrubbed; handlers then use this text instead of formatting their own.
        if record.exc_info and not record.exc_text:
            record.exc_text = self._formatter.formatException(record.exc_info)
        if record.exc_text:
            record.exc_text = self.redactor.scrub(record.exc_text)
        if record.stack_info:
            record.stack_info = self.redactor.scrub(record.stack_info)
        return True

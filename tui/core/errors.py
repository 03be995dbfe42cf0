"""Typed errors. Each carries a one-line hint for the user and never any secret."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from tui.core.exchange import Exchange

# Exit codes of the command line (README "Exit codes").
EXIT_OK = 0
EXIT_PARTIAL = 1
EXIT_USAGE = 2
EXIT_AUTH = 3

HINTS: dict[str, str] = {
    "out_of_scope": "This API key lacks the Make Orders permission: enable it in the exchange's API key settings.",
    "no_authorization_ip": "This machine's IP is not allowed for the key: add it to the key's allowed IP list.",
    "no_authorization_i_p": "This machine's IP is not allowed for the key: add it to the key's allowed IP list.",
    "NotAllowIP": "This machine's IP is not allowed for the key: add it to the key's allowed IP list.",
    "order_not_found": "No such order on this account: check the id, the account and the region.",
    "jwt_verification": "The request signature was refused: check the secret key (copy it again, no spaces).",
    "invalid_query_payload": "The signed query did not match: this is a client bug, please report it.",
    "expired_access_key": "The API key has expired: create a new key on the exchange.",
    "expired_jwt": "The token expired on the way: check this machine's clock.",
    "nonce_used": "A request nonce was reused: retry; if it persists, check for a second client using the key.",
    "invalid_access_key": "The access key is not known to the exchange: check the access key and the region.",
    "no_authorization_token": "No credentials were sent: configure an access key and secret key.",
    "validation_error": "The exchange rejected the request parameters.",
    "bad_request": "The exchange rejected the request.",
    "QUERY_PARAMETER_NOT_SUPPORTED": "Parameters must go in the query string: this is a client bug, please report it.",
    "done_order": "The order was already filled: nothing left to cancel.",
    "canceled_order": "The order was already cancelled.",
    "order_filled": "The order filled before the cancel reached it: nothing left to cancel.",
    "already_cancelled": "The order was already cancelled before this run.",
    "not_cancellable": "The order is not in a cancellable state.",
    "too_many_requests": "The exchange's rate limit was hit: ordertui slows down and retries by itself.",
    "blocked": "The exchange blocked this IP or account for sending after rate-limit warnings: wait, then retry.",
    "server_unavailable": "The exchange is unavailable right now: retry in a moment.",
    "unauthorized": "The exchange refused the credentials: check the token and account id.",
    "forbidden": "The exchange refused access: check the token's permissions and the account id.",
    "bad_response": "The exchange answered with something ordertui cannot read; the raw answer is kept.",
    "transport": "The network failed before the exchange answered.",
    "timeout": "No answer in time: the outcome is unknown until the order is looked up.",
    "aborted": "The run was aborted before this request was sent.",
    "not_sent": "Not sent: the run stopped before reaching this order.",
}


# Where B2TRADER's advice differs from Upbit's (same error name, no regions there).
B2TRADER_HINTS: dict[str, str] = {
    "order_not_found": "No such order on this account: check the order id and the account id.",
    # B2TRADER's API tokens expire: a 401 in the middle of a run is most likely that.
    "unauthorized": "The token was refused: B2TRADER tokens expire. Generate a new one in the "
    "trading terminal (API token management), set it, and run again: the orders not sent are "
    "listed as not_sent, the journal has the rest.",
}


def hint_for(name: str | None, status: int | None = None, *, exchange: str | None = None) -> str:
    if exchange == Exchange.B2TRADER and name in B2TRADER_HINTS:
        return B2TRADER_HINTS[name]
    if exchange == Exchange.B2TRADER and status == 404 and not name:
        return B2TRADER_HINTS["order_not_found"]
    if name and name in HINTS:
        return HINTS[name]
    if status == 401:
        return HINTS["unauthorized"]
    if status == 403:
        return HINTS["forbidden"]
    if status == 404:
        return HINTS["order_not_found"]
    if status == 429:
        return HINTS["too_many_requests"]
    if status == 418:
        return HINTS["blocked"]
    if status is not None and status >= 500:
        return HINTS["server_unavailable"]
    return "The exchange refused the request."


class OrderTuiError(Exception):
    """Base of every error ordertui reports to the user."""

    exit_code = EXIT_USAGE

    def __init__(self, message: str, *, hint: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.hint = hint

    def __str__(self) -> str:
        return self.message


class ConfigError(OrderTuiError):
    """Configuration is missing, unreadable or unsafe."""


class InputError(OrderTuiError):
    """User input (flags, files, pasted text) cannot be used."""


@dataclass(frozen=True, slots=True)
class ErrorInfo:
    """What the exchange said about one order or request: safe to show, store and print."""

    status: int | None
    name: str
    message: str
    hint: str

    def as_dict(self) -> dict[str, object]:
        return {"status": self.status, "name": self.name, "message": self.message}


class ExchangeError(OrderTuiError):
    """The exchange answered with an error."""

    exit_code = 1
    max_body = 500

    def __init__(
        self, status: int | None, name: str, message: str, *, body: str | None = None
    ) -> None:
        self.status = status
        self.name = name
        self.body = (body or "")[: self.max_body]
        super().__init__(f"{status or '-'} {name}: {message}", hint=hint_for(name, status))
        self.exchange_message = message

    @property
    def info(self) -> ErrorInfo:
        return ErrorInfo(self.status, self.name, self.exchange_message, self.hint or "")


class AuthError(ExchangeError):
    """401/403: credentials, IP or permissions refused. Halts a run: nothing else would succeed."""

    exit_code = EXIT_AUTH


class RateLimited(ExchangeError):
    """429: the server did not act; safe to retry after a wait."""

    def __init__(
        self,
        status: int,
        name: str,
        message: str,
        *,
        body: str | None = None,
        retry_after: float | None = None,
    ):
        super().__init__(status, name, message, body=body)
        self.retry_after = retry_after


class Blocked(ExchangeError):
    """418: the IP or account is blocked. Stop everything and tell the user how long."""

    exit_code = EXIT_AUTH

    def __init__(
        self,
        status: int,
        name: str,
        message: str,
        *,
        body: str | None = None,
        block_seconds: float | None = None,
    ):
        super().__init__(status, name, message, body=body)
        self.block_seconds = block_seconds
        if block_seconds:
            self.hint = f"The exchange blocked this IP/account for about {block_seconds:.0f} s: wait that long before retrying."


class ServerBusy(ExchangeError):
    """503 (and 502): the server did not act; safe to retry with backoff."""


class BadResponse(ExchangeError):
    """The answer could not be read (not JSON, wrong shape, wrong types)."""

    def __init__(self, status: int | None, message: str, *, body: str | None = None) -> None:
        super().__init__(status, "bad_response", message, body=body)


class PartialResponse(BadResponse):
    """A list answer in which some items could not be read.

    `orders` holds the readable ones; `unreadable` the ids (uuid / identifier / orderId, as far
    as they could be read) of the others. An order named in neither is not known to be absent.
    """

    def __init__(
        self, status: int | None, orders: list, unreadable: list[dict[str, str | None]]
    ) -> None:
        super().__init__(status, f"{len(unreadable)} order(s) in the answer could not be read")
        self.orders = orders
        self.unreadable = unreadable

    def unreadable_ids(self) -> set[str]:
        return {str(v).lower() for item in self.unreadable for v in item.values() if v}

    @property
    def anonymous(self) -> bool:
        """Some unreadable item carried no id at all: no missing order can be called absent."""
        return any(not any(item.values()) for item in self.unreadable)


class TransportError(OrderTuiError):
    """The network failed. `sent` is False when the request surely never reached the server."""

    exit_code = 1

    def __init__(self, message: str, *, sent: bool) -> None:
        super().__init__(message, hint=HINTS["timeout"] if sent else HINTS["transport"])
        self.sent = sent

    @property
    def info(self) -> ErrorInfo:
        name = "timeout" if self.sent else "transport"
        return ErrorInfo(None, name, self.message, self.hint or "")


class ListingIncomplete(OrderTuiError):
    """A listing stopped at a page that still failed after its retries.

    `orders` holds what the pages before it gave (set by whoever collected them), `page` the
    page that failed, `cause` why, `unreadable` the ids of unreadable items of the loaded pages.
    The list is partial: an order missing from it is not known to be absent.
    """

    exit_code = EXIT_PARTIAL

    def __init__(
        self,
        *,
        page: int,
        cause: OrderTuiError,
        orders: list | None = None,
        unreadable: list[dict[str, str | None]] | None = None,
    ) -> None:
        self.page = page
        self.cause = cause
        self.reason = cause.message
        self.orders = list(orders or [])
        self.unreadable = list(unreadable or [])
        super().__init__(
            f"partial list: {len(self.orders):,} orders loaded, page {page} failed: {self.reason}",
            hint=cause.hint,
        )
        if cause.exit_code == EXIT_AUTH:
            self.exit_code = EXIT_AUTH  # refused or blocked mid-way: say so, as any command would

    @property
    def short_reason(self) -> str:
        """A few words for a status line ("no answer", "503 service_unavailable")."""
        cause = self.cause
        if isinstance(cause, TransportError):
            return "no answer" if cause.sent else "could not connect"
        if isinstance(cause, ExchangeError):
            return f"{cause.status or '-'} {cause.name}"
        text = cause.message
        return text if len(text) <= 60 else text[:59] + "…"

    def with_orders(self, orders: list) -> ListingIncomplete:
        """The same stop, carrying the orders (or rows) collected before it."""
        return ListingIncomplete(
            page=self.page, cause=self.cause, orders=orders, unreadable=self.unreadable
        )


def validation_message(exc: Exception, *, what: str = "value") -> str:
    """One line for a pydantic ValidationError: `loc: message` of the first problem.

    A validator's own ValueError is shown as its message alone, without pydantic's
    "Value error, " (or "Assertion failed, ") prefix; other errors keep pydantic's wording.
    Anything that is not a ValidationError is shown as its text, cut to one line."""
    errors = getattr(exc, "errors", None)
    if not callable(errors):
        return " ".join(str(exc).split())[:200] or what
    try:
        items = errors()
    except Exception:  # not pydantic's after all
        items = []
    if not items:
        return " ".join(str(exc).split())[:200] or what
    first = items[0]
    loc = ".".join(str(p) for p in first.get("loc", ()))
    message = error_text(first)
    return f"{loc}: {message}" if loc else message


def error_text(error: Mapping[str, Any]) -> str:
    """The message of one pydantic error dict, without the "Value error, " prefix."""
    ctx = error.get("ctx") or {}
    cause = ctx.get("error") if isinstance(ctx, dict) else None
    if error.get("type") in ("value_error", "assertion_error") and cause is not None:
        text = str(cause)
        if text:
            return text
    message = str(error.get("msg", "invalid"))
    for prefix in ("Value error, ", "Assertion failed, "):
        if message.startswith(prefix):
            return message[len(prefix) :]
    return message


class Aborted(OrderTuiError):
    """The run was aborted; the request was not sent."""

    exit_code = 1

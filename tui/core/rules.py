"""Cancel rules: which open orders a bulk cancel takes (market, side, state, age, identifier, price).

One model for the CLI (`ordertui cancel --all`), the config (`[rules.NAME]`) and the TUI.
`matches(order, now)` decides locally; `server_part()` says what of a rule Upbit's
`DELETE /v1/orders/open` can express itself (side, pairs or quote currencies, excluded pairs).
Protected identifier prefixes win over everything: an order they name never matches.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import Decimal
from typing import Any

from pydantic import BaseModel, ConfigDict, ValidationError, field_validator, model_validator

from tui.core.errors import InputError

UNITS = {"s": 1, "m": 60, "h": 3600, "d": 86400}
_DURATION_RE = re.compile(r"(\d+)([smhd])")
MAX_DURATION = timedelta(days=3650)
UPBIT_MARKET_RE = re.compile(r"^[A-Z0-9]{2,10}-[A-Z0-9]{1,20}$")
B2_MARKET_RE = re.compile(r"^(spot|cfd|perp)\.[a-z0-9]+(_[a-z0-9]+)+$")
QUOTE_RE = re.compile(r"^[A-Z0-9]{2,10}$")
SERVER_LIST_MAX = 20  # pairs and excluded_pairs of DELETE /v1/orders/open take at most 20 each

SIDES = {"bid": "bid", "ask": "ask", "buy": "bid", "sell": "ask"}
UPBIT_STATES = ("wait", "watch")
B2_STATES = ("Started", "Pending", "Working")


class RuleError(InputError):
    """A rule that cannot be used: one line saying which part and why."""


def parse_duration(text: str) -> timedelta:
    """`90s`, `15m`, `2h`, `3d`, or several together (`1h30m`). Raises RuleError."""
    raw = text.strip().lower()
    if not raw or _DURATION_RE.sub("", raw):
        raise RuleError(
            f"bad duration {text!r}: use a number and a unit s, m, h or d (90s, 15m, 2h, 3d)"
        )
    seconds = sum(int(n) * UNITS[unit] for n, unit in _DURATION_RE.findall(raw))
    if seconds > MAX_DURATION.total_seconds():
        raise RuleError(f"bad duration {text!r}: longer than 10 years")
    return timedelta(seconds=seconds)


def format_duration(value: timedelta) -> str:
    seconds = int(value.total_seconds())
    for unit in ("d", "h", "m"):
        if seconds and seconds % UNITS[unit] == 0:
            return f"{seconds // UNITS[unit]}{unit}"
    return f"{seconds}s"


class Rule(BaseModel):
    """Which open orders to cancel. Empty fields do not filter; a rule with none matches all."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    markets: tuple[str, ...] = ()
    exclude_markets: tuple[str, ...] = ()
    quotes: tuple[str, ...] = ()
    side: str | None = None  # bid | ask (buy/sell accepted: B2TRADER's Buy/Sell)
    state: str | None = None  # wait | watch (Upbit); Started | Pending | Working (B2TRADER)
    older_than: timedelta | None = None
    newer_than: timedelta | None = None
    identifier_prefix: str | None = None
    keep_identifier_prefixes: tuple[str, ...] = ()
    min_price: Decimal | None = None
    max_price: Decimal | None = None

    @field_validator(
        "markets", "exclude_markets", "quotes", "keep_identifier_prefixes", mode="before"
    )
    @classmethod
    def _listed(cls, value: Any) -> Any:
        if isinstance(value, str):
            value = [value]
        if isinstance(value, list | tuple):
            return tuple(
                dict.fromkeys(v.strip() for v in value if isinstance(v, str) and v.strip())
            )
        return value

    @field_validator("side", mode="before")
    @classmethod
    def _side(cls, value: Any) -> Any:
        if value is None:
            return None
        side = SIDES.get(str(value).strip().lower())
        if side is None:
            raise ValueError(f"side must be bid or ask (buy or sell), not {value!r}")
        return side

    @field_validator("older_than", "newer_than", mode="before")
    @classmethod
    def _duration(cls, value: Any) -> Any:
        if isinstance(value, str):
            try:
                return parse_duration(value)
            except RuleError as exc:
                raise ValueError(exc.message) from None
        return value

    @field_validator("min_price", "max_price", mode="before")
    @classmethod
    def _price(cls, value: Any) -> Any:
        if isinstance(value, float):
            raise ValueError('write prices as strings ("0.1"), never as floats')
        if isinstance(value, int | str):
            try:
                price = Decimal(str(value).strip())
            except ArithmeticError:
                raise ValueError(f"not a price: {value!r}") from None
            if not price.is_finite() or price < 0:
                raise ValueError(f"not a price: {value!r}")
            return price
        return value

    @model_validator(mode="after")
    def _consistent(self) -> Rule:
        if self.older_than is not None and self.newer_than is not None:
            if self.newer_than <= self.older_than:
                raise ValueError(
                    f"newer than {format_duration(self.newer_than)} and older than "
                    f"{format_duration(self.older_than)} matches nothing"
                )
        if self.min_price is not None and self.max_price is not None:
            if self.min_price > self.max_price:
                raise ValueError("the minimum price is above the maximum price")
        for prefix in self.keep_identifier_prefixes:
            if self.identifier_prefix is not None and self.identifier_prefix.startswith(prefix):
                raise ValueError(
                    f"identifier prefix {self.identifier_prefix!r} is protected by {prefix!r}: "
                    "it matches nothing"
                )
        return self

    # ---- building ---------------------------------------------------------------------------
    @classmethod
    def build(cls, **fields: Any) -> Rule:
        """A Rule from user input, or RuleError with one line."""
        try:
            return cls.model_validate({k: v for k, v in fields.items() if v not in (None, [], ())})
        except ValidationError as exc:
            raise RuleError(rule_error_line(exc)) from None

    def merged(self, **fields: Any) -> Rule:
        """This rule with the given fields added (lists extend, single values replace)."""
        data = self.model_dump(exclude_defaults=True)
        for key, value in fields.items():
            if value in (None, [], ()):
                continue
            if key in ("markets", "exclude_markets", "quotes", "keep_identifier_prefixes"):
                data[key] = [*data.get(key, ()), *value]
            else:
                data[key] = value
        return Rule.build(**data)

    def for_exchange(self, exchange: str) -> Rule:
        """Check what depends on the exchange (market format, states, pairs with quotes)."""
        if exchange == "upbit":
            for market in (*self.markets, *self.exclude_markets):
                if not UPBIT_MARKET_RE.match(market):
                    raise RuleError(
                        f"unknown market format {market!r}: Upbit markets look like KRW-BTC"
                    )
            for quote in self.quotes:
                if not QUOTE_RE.match(quote):
                    raise RuleError(f"unknown quote currency {quote!r}: write it like KRW or USDT")
            if self.markets and self.quotes:
                raise RuleError(
                    "markets and quote currencies cannot be combined on Upbit: use one or the other"
                )
            if self.state is not None and self.state not in UPBIT_STATES:
                raise RuleError(f"state must be wait or watch on Upbit, not {self.state!r}")
        elif exchange == "b2trader":
            for market in (*self.markets, *self.exclude_markets):
                if not B2_MARKET_RE.match(market):
                    raise RuleError(
                        f"unknown market format {market!r}: B2TRADER markets look like spot.eth_usdt"
                    )
            if self.state is not None and self.state not in B2_STATES:
                raise RuleError(
                    f"state must be one of {', '.join(B2_STATES)} on B2TRADER, not {self.state!r}"
                )
        return self

    @property
    def empty(self) -> bool:
        """True when the rule filters nothing (every open order matches)."""
        return not self.model_dump(exclude_defaults=True)

    # ---- matching ---------------------------------------------------------------------------
    def matches(self, order: Any, now: datetime) -> bool:
        """Does this open order (an UpbitOrder or a B2TraderOrder) fall under the rule?"""
        if hasattr(order, "uuid"):
            return self._check(
                order.market,
                order.side,
                order.state,
                order.created_at,
                order.identifier,
                order.price,
                now,
                upbit=True,
            )
        side = SIDES.get((order.side or "").lower())
        return self._check(
            order.marketId,
            side,
            order.status,
            order.createdAt,
            None,
            order.requestedPrice,
            now,
            upbit=False,
        )

    def matches_row(self, row: Any, now: datetime) -> bool:
        """The same for a table row (OrderRow): its fields, no parse of the order object."""
        upbit = row.exchange.value == "upbit"
        side = row.side if upbit else SIDES.get((row.side or "").lower())
        return self._check(
            row.market,
            side,
            row.state,
            row.created_at,
            row.identifier,
            row.price,
            now,
            upbit=upbit,
        )

    def _check(
        self,
        market: str | None,
        side: str | None,
        state: str | None,
        created: datetime | None,
        identifier: str | None,
        price: Decimal | None,
        now: datetime,
        *,
        upbit: bool,
    ) -> bool:
        identifier = identifier or ""
        if identifier and any(identifier.startswith(p) for p in self.keep_identifier_prefixes):
            return False  # protected: whatever else matches
        market = market or ""
        if self.markets and market not in self.markets:
            return False
        if market in self.exclude_markets:
            return False
        if self.quotes and _quote_of(market, upbit) not in self.quotes:
            return False
        if self.side is not None and side != self.side:
            return False
        if self.state is not None and state != self.state:
            return False
        if self.older_than is not None or self.newer_than is not None:
            if created is None:
                return False
            age = now - created
            if self.older_than is not None and age <= self.older_than:
                return False
            if self.newer_than is not None and age >= self.newer_than:
                return False
        if self.identifier_prefix is not None and not identifier.startswith(self.identifier_prefix):
            return False
        if self.min_price is not None or self.max_price is not None:
            if price is None:
                return False
            if self.min_price is not None and price < self.min_price:
                return False
            if self.max_price is not None and price > self.max_price:
                return False
        return True

    # ---- what Upbit's cancel-all can do ------------------------------------------------------
    def server_part(self) -> ServerPart:
        """The filters of DELETE /v1/orders/open for this rule, and whether they are exact.

        `exact` is False when the rule says more than the endpoint can (age, identifier, price,
        protected prefixes): then the server would take orders the rule does not match, so the
        caller must narrow it (excluded pairs) or not use it. `usable` is False when it can
        take nothing (state watch: cancel-all takes WAIT orders only) or the lists are too long.
        """
        why: list[str] = []
        if self.older_than or self.newer_than:
            why.append("age")
        if self.identifier_prefix is not None:
            why.append("identifier prefix")
        if self.min_price is not None or self.max_price is not None:
            why.append("price")
        if self.keep_identifier_prefixes:
            why.append("protected identifiers")
        usable = self.state in (None, "wait")
        if len(self.markets) > SERVER_LIST_MAX or len(self.exclude_markets) > SERVER_LIST_MAX:
            usable = False
        return ServerPart(
            cancel_side=self.side or "all",
            pairs=self.markets,
            excluded_pairs=self.exclude_markets,
            quote_currencies=self.quotes,
            exact=not why,
            inexact=tuple(why),
            usable=usable,
        )

    def describe(self) -> str:
        """One line for confirmations: `side bid, markets KRW-BTC, older than 2h, keep bot-`."""
        parts: list[str] = []
        if self.markets:
            parts.append("markets " + ",".join(self.markets))
        if self.quotes:
            parts.append("quote " + ",".join(self.quotes))
        if self.exclude_markets:
            parts.append("except " + ",".join(self.exclude_markets))
        if self.side:
            parts.append(f"side {self.side}")
        if self.state:
            parts.append(f"state {self.state}")
        if self.older_than is not None:
            parts.append(f"older than {format_duration(self.older_than)}")
        if self.newer_than is not None:
            parts.append(f"newer than {format_duration(self.newer_than)}")
        if self.identifier_prefix is not None:
            parts.append(f"identifier {self.identifier_prefix}*")
        if self.min_price is not None or self.max_price is not None:
            parts.append(f"price {self.min_price or 0}..{self.max_price or '∞'}")
        if self.keep_identifier_prefixes:
            parts.append("keeping " + ",".join(f"{p}*" for p in self.keep_identifier_prefixes))
        return ", ".join(parts) or "every open order"


@dataclass(frozen=True, slots=True)
class ServerPart:
    cancel_side: str
    pairs: tuple[str, ...]
    excluded_pairs: tuple[str, ...]
    quote_currencies: tuple[str, ...]
    exact: bool
    inexact: tuple[str, ...]
    usable: bool


def _quote_of(market: str, upbit: bool) -> str:
    if upbit:
        return market.split("-", 1)[0]
    tail = market.rsplit("_", 1)
    return tail[-1].upper() if len(tail) == 2 else ""


def rule_error_line(exc: ValidationError) -> str:
    """The first problem of a ValidationError as one line: `older_than: bad duration '5x'...`."""
    err = exc.errors()[0]
    where = ".".join(str(p) for p in err.get("loc", ()) if not isinstance(p, int))
    message = str(err.get("msg", "invalid")).removeprefix("Value error, ")
    if err.get("type") == "extra_forbidden":
        message = "unknown key"
    return f"{where}: {message}" if where else message

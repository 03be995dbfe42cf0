"""SimState: the in-process truth of one simulator (accounts, books, limits, counters)."""

from __future__ import annotations

import base64
import gc
import json
import secrets
import string
import threading
import time
import uuid as uuidlib
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal

from .b2_book import B2Book, B2Order
from .background import Background
from .book import OPEN_STATES, UpbitBook, UpbitOrder
from .config import SimConfig
from .decimals import ZERO, dec, q8
from .demo_book import BASE_TS, build_b2_orders, build_upbit_orders, ulid
from .events import StreamHub
from .faults import Faults
from .ratelimit import RateLimiter
from .stats import SimStats

_KEY_ALPHABET = string.ascii_letters + string.digits


def _key(length: int = 40) -> str:
    return "".join(secrets.choice(_KEY_ALPHABET) for _ in range(length))


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


@dataclass(frozen=True)
class UpbitKey:
    access_key: str
    secret_key: str
    account_id: str
    can_trade: bool  # the "Make Orders" permission


class SimState:
    def __init__(self, config: SimConfig | None = None) -> None:
        self.config = (config or SimConfig()).validate()
        cfg = self.config
        self.lock = threading.RLock()
        self.stats = SimStats()
        self.faults = Faults(cfg)
        self.recent: deque[dict] = deque(maxlen=2000)  # last request records, newest last
        self.log_hook: Callable[[str], None] | None = None
        # Called with {"method", "path", "query", "arrived"} as each request arrives, before the
        # simulator acts on it (tests check what the client had done by then).
        self.arrival_hook: Callable[[dict], None] | None = None

        # Upbit: one account, a full key pair and a read-only one (no Make Orders).
        account = "upbit-account-1"
        full = UpbitKey(_key(), _key(), account, True)
        readonly = UpbitKey(_key(), _key(), account, False)
        self.upbit_keys = {full.access_key: full, readonly.access_key: readonly}
        self.nonces: dict[str, dict[str, None]] = {}  # access key -> used nonces, oldest first

        # B2TRADER: one token owning two accounts; the seeded orders live on the first.
        self.b2_account_id = str(uuidlib.uuid4())
        self.b2_second_account_id = str(uuidlib.uuid4())
        header = _b64(json.dumps({"alg": "HS256", "typ": "JWT"}).encode())
        claims = _b64(
            json.dumps(
                {"sub": self.b2_account_id, "iss": "b2trader-sim", "scope": "trading"}
            ).encode()
        )
        self.b2_token = f"{header}.{claims}.{_b64(secrets.token_bytes(32))}"
        self.b2_accounts = [
            {
                "accountId": self.b2_account_id,
                "accountName": "Main",
                "accountType": "Trading",
                "currency": "USDT",
            },
            {
                "accountId": self.b2_second_account_id,
                "accountName": "Second",
                "accountType": "Trading",
                "currency": "USD",
            },
        ]

        self.credentials = {
            "upbit": {"access_key": full.access_key, "secret_key": full.secret_key},
            "upbit_readonly": {
                "access_key": readonly.access_key,
                "secret_key": readonly.secret_key,
            },
            "b2trader": {"token": self.b2_token, "account_id": self.b2_account_id},
            "b2trader_second_account": {
                "token": self.b2_token,
                "account_id": self.b2_second_account_id,
            },
        }

        self.limiter = RateLimiter(
            {"default": (cfg.rps, 1.0), "order-cancel-all": (1, cfg.cancel_all_interval)},
            ban_after_429=cfg.ban_after_429,
            ban_window=cfg.ban_window,
            ban_seconds=cfg.ban_seconds,
            ban_max_seconds=cfg.ban_max_seconds,
        )
        self.b2_limiter = RateLimiter({"b2": (cfg.b2_rps, 1.0)})
        self.background = Background(f"account:{account}")  # upbit_routes: the bucket's name

        self.upbit = UpbitBook(korea=cfg.is_korea)
        self.b2 = B2Book()
        # Building 100k small objects trips the cyclic GC over and over; none of
        # them form cycles, so pause it for the build.
        gc_was_enabled = gc.isenabled()
        gc.disable()
        try:
            for order in build_upbit_orders(cfg.orders, cfg.seed, cfg.quote):
                self.upbit.add(order)
            for b2order in build_b2_orders(cfg.b2_orders, cfg.seed, self.b2_account_id):
                self.b2.add(b2order)
        finally:
            if gc_was_enabled:
                gc.enable()
        self._added = 0
        # Every change of either book from here on is published to the streams.
        self.events = StreamHub(cfg)
        self.upbit.listener = self.events.upbit_changed
        self.b2.listener = self.events.b2_changed

    # ---- truth queries (thread-safe; return copies) ---------------------------------

    def upbit_order(self, uuid: str) -> dict | None:
        with self.lock:
            o = self.upbit.by_uuid.get(uuid)
            return None if o is None else o.wire(self.upbit.korea)

    def upbit_order_by_identifier(self, identifier: str) -> dict | None:
        with self.lock:
            o = self.upbit.by_identifier.get(identifier)
            return None if o is None else o.wire(self.upbit.korea)

    def upbit_orders(self) -> list[dict]:
        """Every Upbit order (any state), oldest first."""
        with self.lock:
            return [o.wire(self.upbit.korea) for o in self.upbit.all]

    def upbit_open_orders(self) -> list[dict]:
        """wait and watch orders, oldest first."""
        with self.lock:
            return [o.wire(self.upbit.korea) for o in self.upbit.open]

    def b2_order(self, order_id: str) -> dict | None:
        with self.lock:
            o = self.b2.get(order_id)
            return None if o is None else o.wire()

    def b2_orders(self) -> list[dict]:
        """Every B2TRADER order (all accounts), oldest first."""
        with self.lock:
            return [o.wire() for o in self.b2.ordered()]

    def truth(self) -> dict:
        with self.lock:
            return {
                "upbit": {o.uuid: o.state for o in self.upbit.all},
                "b2trader": {o.order_id: o.status for o in self.b2.ordered()},
            }

    # ---- test hooks -----------------------------------------------------------------

    def expire_b2_token(self) -> None:
        """The B2TRADER token expires now: every later request with it is answered 401 (a new
        token, never shown, takes its place so nothing else changes)."""
        with self.lock:
            self.b2_token = f"expired-{secrets.token_urlsafe(24)}"

    def block_account(self, seconds: float | None = None) -> float:
        """The demo account's pocket is blocked (418) from now, as after another client's 429s
        (a bot on the same pocket): every authenticated Upbit call is refused until it ends."""
        import time

        with self.lock:
            return self.limiter.block(self.background.bucket, time.monotonic(), seconds)

    def fill(self, order_id: str) -> dict:
        """Force an order to done (Upbit uuid or identifier) / Completed (B2TRADER orderId).

        Idempotent on an order already filled; KeyError if unknown; ValueError if
        it was cancelled (or otherwise finished) already.
        """
        with self.lock:
            o = self.upbit.by_uuid.get(order_id) or self.upbit.by_identifier.get(order_id)
            if o is not None:
                if o.state == "done":
                    return o.wire(self.upbit.korea)
                if o.state not in OPEN_STATES:
                    raise ValueError(f"order {o.uuid} is {o.state}")
                self.upbit.close(o, "done")
                self.stats.fills += 1
                return o.wire(self.upbit.korea)
            b = self.b2.get(order_id)
            if b is None:
                raise KeyError(order_id)
            if b.status == "Completed":
                return b.wire()
            if not b.cancellable:
                raise ValueError(f"order {b.order_id} is {b.status}")
            b.mark_completed(_now_us())
            self.b2.changed(b)
            self.stats.fills += 1
            return b.wire()

    def add_upbit_order(
        self,
        *,
        market: str | None = None,
        side: str = "bid",
        ord_type: str = "limit",
        price: object = None,
        volume: object = "0.01",
        state: str = "wait",
        executed_volume: object = "0",
        identifier: str | None = None,
        uuid: str | None = None,
        created_ts: int | None = None,
        time_in_force: str | None = None,
        smp_type: str | None = None,
        trades_count: int | None = None,
    ) -> dict:
        """Add one order (limit by default) with consistent fees/locked; returns its wire object."""
        with self.lock:
            self._added += 1
            market = market or f"{self.config.quote}-BTC"
            quote = market.split("-")[0]
            fee_rate = Decimal("0.0005") if quote == "KRW" else Decimal("0.0025")
            p = dec(price) if price is not None else None
            if p is None and ord_type == "limit":
                p = Decimal("100000000") if quote == "KRW" else Decimal("100000")
            v = dec(volume) if volume is not None and ord_type != "price" else None
            ex = dec(executed_volume)
            o = UpbitOrder(
                uuid=uuid or str(uuidlib.uuid4()),
                side=side,
                ord_type=ord_type,
                price=p,
                state=state,
                market=market,
                created_ts=created_ts if created_ts is not None else BASE_TS + self._added,
                volume=v,
                remaining_volume=(v - ex) if v is not None else None,
                executed_volume=ex,
                reserved_fee=ZERO,
                remaining_fee=ZERO,
                paid_fee=ZERO,
                locked=ZERO,
                trades_count=trades_count if trades_count is not None else (1 if ex > 0 else 0),
                time_in_force=time_in_force,
                identifier=identifier,
                smp_type=smp_type,
                fee_rate=fee_rate,
                ref_price=p,
            )
            if v is None:  # buy by funds
                o.reserved_fee = o.remaining_fee = q8((p or ZERO) * fee_rate)
                o.locked = (p or ZERO) + o.remaining_fee
            elif side == "bid":
                unit = p or ZERO
                o.reserved_fee = q8(unit * v * fee_rate)
                o.paid_fee = q8(unit * ex * fee_rate)
                o.remaining_fee = o.reserved_fee - o.paid_fee
                o.locked = q8(unit * (v - ex)) + o.remaining_fee
            else:
                o.paid_fee = q8((p or ZERO) * ex * fee_rate)
                o.locked = v - ex
            if state == "done":
                o.state = "wait"
                o.mark_done()
            self.upbit.add(o)
            return o.wire(self.upbit.korea)

    def add_b2_order(
        self,
        *,
        market_id: str = "spot.btc_usdt",
        market_display_name: str | None = None,
        side: str = "Buy",
        status: str = "Working",
        price: object = "95000",
        amount: object = "0.01",
        order_type: str = "Limit",
        time_in_force: str = "Gtc",
        account_id: str | None = None,
        order_id: str | None = None,
    ) -> dict:
        with self.lock:
            self._added += 1
            created = (BASE_TS + self._added) * 1_000_000
            name = market_display_name or market_id.split(".")[0].upper() + " " + market_id.split(
                "."
            )[-1].upper().replace("_", "/")
            a = dec(amount)
            o = B2Order(
                order_id=order_id or ulid(created // 1000, secrets.randbits(80)),
                account_id=account_id or self.b2_account_id,
                market_id=market_id,
                market_display_name=name,
                order_type=order_type,
                side=side,
                status=status,
                source="Manual",
                time_in_force=time_in_force,
                requested_amount=a,
                remaining_amount=ZERO if status == "Completed" else a,
                requested_price=dec(price) if price is not None else None,
                execution_price=dec(price) if status == "Completed" and price is not None else ZERO,
                commission=ZERO,
                created_us=created,
                updated_us=created,
                cancelled_us=created + 1_000_000 if status in ("Cancelled", "Expired") else None,
            )
            self.b2.add(o)
            return o.wire()

    # ---- actions used by the routes (call with self.lock held) ----------------------

    def cancel_upbit(self, order: UpbitOrder) -> tuple[dict | None, str | None]:
        """Cancel an order: (wire object as accepted, None) or (None, error name).

        Error names for finished orders are *inferred* (Upbit does not document them):
        `done_order` for a filled order, `canceled_order` for an already cancelled one.
        """
        if order.state == "done":
            return None, "done_order"
        if order.state == "cancel":
            return None, "canceled_order"
        if self.faults.fills_first(order.uuid):
            self.upbit.close(order, "done")
            self.stats.fills += 1
            return None, "done_order"
        accepted = order.wire(self.upbit.korea)
        self.upbit.close(order, "cancel")
        self.stats.upbit_cancels += 1
        return accepted, None

    def cancel_b2(self, order: B2Order) -> str | None:
        """Cancel a B2TRADER order in place; returns None or the reason it cannot be."""
        if not order.cancellable:
            return order.status
        if self.faults.fills_first(order.order_id):
            order.mark_completed(_now_us())
            self.b2.changed(order)
            self.stats.fills += 1
            return order.status
        order.mark_cancelled(_now_us())
        self.b2.changed(order)
        self.stats.b2_cancels += 1
        return None

    def record(self, entry: dict, line: str) -> None:
        self.recent.append(entry)
        hook = self.log_hook
        if hook is not None:
            try:
                hook(line)
            except Exception:  # a broken log sink must not break the exchange
                self.log_hook = None


def _now_us() -> int:
    return time.time_ns() // 1000

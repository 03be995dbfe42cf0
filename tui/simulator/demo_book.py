"""The seeded demo book: same seed (and size, region) -> byte-identical orders.

Nothing here reads the clock: times count back from a fixed base, ids come from
a seeded RNG. Builds 100,000 Upbit orders in well under two seconds.
"""

from __future__ import annotations

import math
import random
from decimal import ROUND_DOWN, ROUND_UP, Decimal

from .b2_book import B2Order
from .book import UpbitOrder
from .decimals import SATOSHI, ZERO, q8

BASE_TS = 1_795_132_800  # 2026-11-20T00:00:00Z = 2026-11-20T09:00:00+09:00
SPAN = 30 * 86_400  # orders spread over the 30 days before BASE_TS

# (base, reference price in the region's quote currency, weight)
_FIAT_MARKETS = {
    "KRW": (
        ("BTC", 143_520_000, 25),
        ("ETH", 5_118_000, 20),
        ("XRP", 3_352, 15),
        ("SOL", 262_150, 12),
        ("DOGE", 412.7, 10),
    ),
    "SGD": (
        ("BTC", 132_010, 25),
        ("ETH", 4_702.5, 20),
        ("XRP", 3.052, 15),
        ("SOL", 241.37, 12),
        ("DOGE", 0.3781, 10),
    ),
    "IDR": (
        ("BTC", 1_621_400_000, 25),
        ("ETH", 58_034_000, 20),
        ("XRP", 38_120, 15),
        ("SOL", 2_981_500, 12),
        ("DOGE", 4_652, 10),
    ),
    "THB": (
        ("BTC", 3_351_200, 25),
        ("ETH", 119_040, 20),
        ("XRP", 77.52, 15),
        ("SOL", 6_104.5, 12),
        ("DOGE", 9.61, 10),
    ),
}
_CROSS_MARKETS = (("BTC-ETH", 0.03571, 8), ("USDT-BTC", 98_450.5, 10))
_MIN_TOTAL = {"KRW": 5_000, "SGD": 5, "IDR": 50_000, "THB": 100, "BTC": 0.00005, "USDT": 5}
_FEE = {"KRW": Decimal("0.0005")}
_DEFAULT_FEE = Decimal("0.0025")
_ID_PREFIXES = ("grid", "dca", "bot", "hedge", "manual")


def krw_tick(price: Decimal) -> Decimal:
    """Upbit KRW market price unit table."""
    for floor, tick in (
        (2_000_000, "1000"),
        (1_000_000, "500"),
        (500_000, "100"),
        (100_000, "50"),
        (10_000, "10"),
        (1_000, "1"),
        (100, "0.1"),
        (10, "0.01"),
        (1, "0.001"),
        (Decimal("0.1"), "0.0001"),
        (Decimal("0.01"), "0.00001"),
    ):
        if price >= floor:
            return Decimal(tick)
    return Decimal("0.000001")


def tick_for(quote: str, price: Decimal) -> Decimal:
    if quote == "KRW":
        return krw_tick(price)
    if quote == "BTC":
        return Decimal("0.00000001")
    # Other quotes: five significant digits (whole units at least for IDR).
    exp = math.floor(math.log10(float(price))) - 4
    if quote == "IDR":
        exp = max(exp, 0)
    return Decimal(1).scaleb(max(exp, -8))


def _markets(quote: str) -> list[tuple[str, str, Decimal, int]]:
    out = [
        (f"{quote}-{base}", quote, Decimal(str(ref)), w) for base, ref, w in _FIAT_MARKETS[quote]
    ]
    out += [(m, m.split("-")[0], Decimal(str(ref)), w) for m, ref, w in _CROSS_MARKETS]
    return out


def _uuid4(bits: int) -> str:
    bits = (bits & ~(0xF000 << 64) & ~(0xC000 << 48)) | (0x4000 << 64) | (0x8000 << 48)
    h = f"{bits:032x}"
    return f"{h[:8]}-{h[8:12]}-{h[12:16]}-{h[16:20]}-{h[20:]}"


def _frac(rng: random.Random, lo: float, hi: float, places: int) -> Decimal:
    """A seeded Decimal in [lo, hi) with `places` decimals (no float leaks into amounts)."""
    scale = 10**places
    return Decimal(int((lo + (hi - lo) * rng.random()) * scale)).scaleb(-places)


def build_upbit_orders(count: int, seed: int, quote: str) -> list[UpbitOrder]:
    rng = random.Random(f"ordertui-upbit-{seed}-{quote}")
    rand = rng.random
    bits = rng.getrandbits
    markets = []
    for market, mquote, ref, _weight in _markets(quote):
        # Prices stay within +-15% of the reference: no tick-table boundary is crossed.
        markets.append(
            (
                market,
                mquote,
                ref,
                tick_for(mquote, ref),
                _FEE.get(mquote, _DEFAULT_FEE),
                Decimal(str(_MIN_TOTAL[mquote])),
            )
        )
    picks = rng.choices(markets, weights=[m[3] for m in _markets(quote)], k=count)
    orders: list[UpbitOrder] = []
    append = orders.append
    one = Decimal(1)
    sat, down, up = SATOSHI, ROUND_DOWN, ROUND_UP
    for i in range(count):
        # Stratified times: increasing, spread over SPAN, never past BASE_TS.
        ts = BASE_TS - SPAN + int(SPAN * (i + rand()) / count)
        market, mquote, ref, tick, fee_rate, min_total = picks[i]
        side = "bid" if rand() < 0.5 else "ask"
        roll = rand()
        ord_type = "limit"
        tif = None
        state = "wait"
        if roll < 0.02:
            ord_type = "price" if side == "bid" else "market"  # in flight, not yet matched
        elif roll < 0.04:
            ord_type, tif = "best", ("ioc" if rand() < 0.5 else "fok")
        elif roll < 0.10:
            state = "watch"  # scheduled (reserved) limit order
        elif roll < 0.20:
            tif = "post_only"
        total = min_total * Decimal(int(10 ** (rand() * 3.3) * 1000)).scaleb(-3)
        away = Decimal(int((0.002 + 0.148 * rand()) * 100_000)).scaleb(-5)
        if side == "bid":
            price = (ref * (one - away) / tick).to_integral_value(down) * tick
        else:
            price = (ref * (one + away) / tick).to_integral_value(up) * tick
        uuid = _uuid4(bits(128))
        identifier = (
            f"{_ID_PREFIXES[int(rand() * 5)]}-{i:06d}-{bits(24):06x}" if rand() < 1 / 3 else None
        )
        smp = ("reduce", "cancel_maker", "cancel_taker")[int(rand() * 3)] if rand() < 0.1 else None
        volume: Decimal | None = None
        remaining: Decimal | None = None
        executed = paid = reserved = remaining_fee = ZERO
        trades = 0
        if side == "bid" and ord_type in ("price", "best"):
            # Buy by funds: price is the total to spend, no volume.
            price = (
                total.quantize(tick, rounding=down)
                if tick >= 1
                else total.quantize(sat, rounding=down)
            )
            reserved = remaining_fee = (price * fee_rate).quantize(sat, rounding=down)
            locked = price + remaining_fee
        else:
            volume = (total / price).quantize(sat, rounding=down) or sat
            if ord_type == "limit" and state == "wait" and rand() < 0.15:
                share = Decimal(int((0.05 + 0.85 * rand()) * 10_000)).scaleb(-4)
                executed = (volume * share).quantize(sat, rounding=down)
                if executed:
                    trades = 1 + int(rand() * 6)
            remaining = volume - executed
            if executed:
                paid = (price * executed * fee_rate).quantize(sat, rounding=down)
            if side == "bid":
                reserved = (price * volume * fee_rate).quantize(sat, rounding=down)
                remaining_fee = reserved - paid
                locked = (price * remaining).quantize(
                    sat, rounding=down
                ) + remaining_fee  # funds + their fee
            else:
                locked = remaining
        # A sell at market carries volume only.
        funds_order = side == "bid" and ord_type in ("price", "best")
        shown_price = None if ord_type in ("market", "best") and not funds_order else price
        append(
            UpbitOrder(
                uuid,
                side,
                ord_type,
                shown_price,
                state,
                market,
                ts,
                volume,
                remaining,
                executed,
                reserved,
                remaining_fee,
                paid,
                locked,
                trades,
                tif,
                identifier,
                smp,
                ZERO,
                ZERO,
                fee_rate,
                ref,
            )
        )
    return orders


# ---- B2TRADER -------------------------------------------------------------------

_CROCKFORD = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"
_B2_MARKETS = (
    # id, display name, reference price, price tick, amount step, min amount, max amount
    ("spot.btc_usdt", "SPOT BTC/USDT", "98450.50", "0.01", "0.00001", "0.0005", "0.5"),
    ("spot.eth_usdt", "SPOT ETH/USDT", "3571.20", "0.01", "0.0001", "0.01", "8"),
    ("spot.sol_usdt", "SPOT SOL/USDT", "184.35", "0.01", "0.001", "0.1", "120"),
    ("cfd.xauusd", "CFD XAUUSD", "2651.40", "0.01", "0.01", "0.01", "5"),
    ("cfd.eurusd", "CFD EURUSD", "1.08432", "0.00001", "0.01", "0.01", "10"),
    ("perp.btc_usdt", "PERP BTC/USDT", "98461.0", "0.1", "0.001", "0.001", "2"),
    ("perp.eth_usdt", "PERP ETH/USDT", "3572.45", "0.01", "0.01", "0.01", "40"),
)


def ulid(ms: int, rand80: int) -> str:
    """26-char Crockford base32 ULID from a 48-bit millisecond time and 80 random bits."""
    value = (ms << 80) | rand80
    return "".join(_CROCKFORD[(value >> (5 * i)) & 31] for i in range(25, -1, -1))


def build_b2_orders(count: int, seed: int, account_id: str) -> list[B2Order]:
    rng = random.Random(f"ordertui-b2-{seed}")
    out: list[B2Order] = []
    for i in range(count):
        t_us = (BASE_TS - SPAN) * 1_000_000 + int(SPAN * 1_000_000 * (i + rng.random()) / count)
        # Sub-millisecond precision like the page's example ("...06.2791048Z" has 7 digits).
        created = t_us - t_us % 10 if rng.random() < 0.5 else t_us - t_us % 10_000
        mid, name, ref, tick, step, lo, hi = rng.choice(_B2_MARKETS)
        ref_d, tick_d, step_d = Decimal(ref), Decimal(tick), Decimal(step)
        side = "Buy" if rng.random() < 0.5 else "Sell"
        away = Decimal(str(round(rng.uniform(0.003, 0.12), 5)))
        raw = ref_d * (1 - away) if side == "Buy" else ref_d * (1 + away)
        price = (raw / tick_d).to_integral_value(ROUND_DOWN) * tick_d
        lo_d, hi_d = Decimal(lo), Decimal(hi)
        steps = int((hi_d - lo_d) / step_d)
        amount = lo_d + step_d * rng.randint(0, steps)
        status = "Pending" if rng.random() < 0.15 else "Working"
        remaining = amount
        execution = ZERO
        commission = ZERO
        updated = created
        if status == "Working" and rng.random() < 0.25:
            filled = (
                amount * Decimal(str(round(rng.uniform(0.1, 0.8), 2))) / step_d
            ).to_integral_value(ROUND_DOWN) * step_d
            if 0 < filled < amount:
                remaining = amount - filled
                execution = price
                commission = q8(filled * price * Decimal("0.001"))
                updated = created + rng.randint(1_000_000, 3_600_000_000)
        order = B2Order(
            order_id=ulid(created // 1000, rng.getrandbits(80)),
            account_id=account_id,
            market_id=mid,
            market_display_name=name,
            order_type="Limit",
            side=side,
            status=status,
            source="FixApi" if rng.random() < 0.2 else "Manual",
            time_in_force=rng.choices(("Gtc", "Gtd", "Day"), weights=(8, 1, 1))[0],
            requested_amount=amount,
            remaining_amount=remaining,
            requested_price=price,
            execution_price=execution,
            commission=commission,
            created_us=created,
            updated_us=updated,
        )
        out.append(order)
    return out

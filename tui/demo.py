"""Demo mode: the built-in exchange simulator on loopback, and profiles that talk to it.

The app and the commands talk to it over HTTP and WebSockets exactly as to a real exchange.
B2TRADER offers no REST listing of open orders: the TUI lists them from the account's
`OpenOrders` stream (demo or not); `ordertui orders --demo --exchange b2trader` reads the
simulator's own `/_sim/` copy of the book, labelled so.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from pydantic import SecretStr

from tui.core.exchange import Exchange
from tui.core.models.b2trader import B2TraderOrder
from tui.core.resolve import ResolvedProfile

DEMO_PROFILE = "demo"
# Said where the demo lists B2TRADER orders from the simulator's own book (/_sim/).
DEMO_B2_BOOK_NOTE = (
    "demo: the simulator's B2TRADER book; a real B2TRADER lists its open orders"
    " from the account's OpenOrders stream (no REST list)"
)
DEMO_B2_BOOK_LABEL = "demo book (simulator only)"  # the same, where one line has little room
# Said where B2TRADER orders are listed from the stream (the TUI's r).
B2_STREAM_NOTE = "B2TRADER: the open orders the account's OpenOrders stream sent last"
B2_STREAM_LABEL = "from the OpenOrders stream"
# The TUI's demo book trickles, seeded and slow, so a demonstration looks alive (per second).
DEMO_TRICKLE: dict[str, Any] = {"new_order_rate": 0.2, "trade_rate": 0.5}


@dataclass(slots=True)
class DemoSession:
    server: object  # tui.simulator.server.SimulatorServer (imported lazily: keeps start-up light)
    profile: ResolvedProfile
    b2trader_profile: ResolvedProfile

    @property
    def base_url(self) -> str:
        return self.profile.base_url or ""

    async def b2trader_orders(self, timeout: float = 5.0) -> list[B2TraderOrder]:
        """The open orders of the simulator's B2TRADER book (demo only: see DEMO_B2_BOOK_NOTE).

        The TUI and `ordertui orders --demo --exchange b2trader` both list the demo book through
        this, so they give the same answer."""
        import httpx

        from tui.core import decimal_json

        async with httpx.AsyncClient(timeout=timeout) as client:
            response = await client.get(f"{self.base_url}/_sim/b2trader/orders")
        response.raise_for_status()
        body = decimal_json.loads(response.content)
        orders = [B2TraderOrder.from_wire(o) for o in body.get("orders", [])]
        return [o for o in orders if o.is_open]

    def stop(self) -> None:
        self.server.stop()  # type: ignore[attr-defined]


def start_demo(
    *,
    seed: int = 7,
    orders: int = 40,
    b2_orders: int = 12,
    region: str = "kr",
    wait: bool = True,
    **faults: Any,
) -> DemoSession:
    """Start the simulator on 127.0.0.1 (a free port) in a background thread."""
    from tui.simulator.config import SimConfig
    from tui.simulator.server import SimulatorServer

    config = SimConfig(
        orders=orders, b2_orders=b2_orders, seed=seed, region=region, **faults
    ).validate()
    server = SimulatorServer(config).start(wait=wait)
    creds = server.credentials
    upbit = ResolvedProfile(
        name=DEMO_PROFILE,
        exchange=Exchange.UPBIT.value,
        region=region,
        base_url=server.base_url,
        access_key=SecretStr(creds["upbit"]["access_key"]),
        secret_key=SecretStr(creds["upbit"]["secret_key"]),
        demo=True,
        sources={"base_url": "demo simulator"},
    )
    b2 = ResolvedProfile(
        name=DEMO_PROFILE,
        exchange=Exchange.B2TRADER.value,
        region=region,
        base_url=server.base_url,
        account_id=str(creds["b2trader"]["account_id"]),
        token=SecretStr(creds["b2trader"]["token"]),
        demo=True,
        sources={"base_url": "demo simulator"},
    )
    return DemoSession(server, upbit, b2)

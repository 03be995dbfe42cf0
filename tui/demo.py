"""Demo mode: the built-in exchange simulator on loopback, and profiles that talk to it.

The app and `ordertui cancel --demo` talk to it over HTTP exactly as to a real exchange;
only the B2TRADER book (which the real platform offers no REST listing of) is fetched from
the simulator's own `/_sim/` path.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from pydantic import SecretStr

from tui.core.config import ResolvedProfile
from tui.core.models.b2trader import B2TraderOrder
from tui.core.models.row import OrderRow

DEMO_PROFILE = "demo"


@dataclass(slots=True)
class DemoSession:
    server: object  # tui.simulator.server.SimulatorServer (imported lazily: keeps start-up light)
    profile: ResolvedProfile
    b2trader_profile: ResolvedProfile

    @property
    def base_url(self) -> str:
        return self.profile.base_url or ""

    def b2trader_rows(self, timeout: float = 5.0) -> list[OrderRow]:
        """The simulator's B2TRADER book, as the table's rows (demo only)."""
        import httpx

        from tui.core import decimal_json

        response = httpx.get(f"{self.base_url}/_sim/b2trader/orders", timeout=timeout)
        response.raise_for_status()
        body = decimal_json.loads(response.content)
        return [OrderRow.from_b2trader(B2TraderOrder.from_wire(o)) for o in body.get("orders", [])]

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
        exchange="upbit",
        region=region,
        base_url=server.base_url,
        access_key=SecretStr(creds["upbit"]["access_key"]),
        secret_key=SecretStr(creds["upbit"]["secret_key"]),
        demo=True,
        sources={"base_url": "demo simulator"},
    )
    b2 = ResolvedProfile(
        name=DEMO_PROFILE,
        exchange="b2trader",
        region=region,
        base_url=server.base_url,
        account_id=str(creds["b2trader"]["account_id"]),
        token=SecretStr(creds["b2trader"]["token"]),
        demo=True,
        sources={"base_url": "demo simulator"},
    )
    return DemoSession(server, upbit, b2)

"""The advice for an unknown order fits the exchange: B2TRADER has no regions (its hint said
"check the id, the account and the region"); Upbit's still names the region."""

from __future__ import annotations

import asyncio

import pytest

from tui.core.errors import ExchangeError
from tui.core.refs import OrderRef
from tui.exchanges.b2trader import B2TraderClient
from tui.exchanges.upbit import UpbitClient


def cancel_unknown(client, ref: OrderRef) -> ExchangeError:
    async def go():
        try:
            await client.cancel_one(ref)
        finally:
            await client.aclose()

    with pytest.raises(ExchangeError) as caught:
        asyncio.run(go())
    return caught.value


def test_b2trader_not_found_hint_names_the_order_and_account_not_a_region(sim):
    creds = sim.credentials["b2trader"]
    client = B2TraderClient(sim.base_url, creds["token"], creds["account_id"])
    error = cancel_unknown(client, OrderRef.order_id("01ARZ3NDEKTSV4RRFFQ69G5FAV"))
    assert error.status == 404 and error.name == "order_not_found"
    assert error.hint == "No such order on this account: check the order id and the account id."
    assert "region" not in error.hint and "region" not in error.info.hint


def test_upbit_not_found_hint_still_names_the_region(sim):
    creds = sim.credentials["upbit"]
    client = UpbitClient(creds["access_key"], creds["secret_key"], base_url=sim.base_url)
    error = cancel_unknown(client, OrderRef.uuid("00000000-0000-4000-8000-000000000000"))
    assert error.status == 404
    assert "region" in error.hint

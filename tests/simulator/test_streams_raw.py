"""The simulator's streams driven with plain `websockets` frames (not the product's client),
over real WebSockets on 127.0.0.1, so a misunderstanding shared by client and simulator
cannot pass unseen."""

from __future__ import annotations

import asyncio
import json
from decimal import Decimal

import httpx
import pytest
import websockets
from websockets.asyncio.client import connect

from .helpers import sample_token

TIMEOUT = 10.0  # bound on every wait; the waits end on a condition


def ws_url(sim, path: str) -> str:
    return sim.base_url.replace("http://", "ws://") + path


def upbit_headers(sim, key: str = "upbit") -> dict:
    creds = sim.credentials[key]
    return {"Authorization": f"Bearer {sample_token(creds['access_key'], creds['secret_key'])}"}


async def recv_json(ws) -> dict:
    raw = await asyncio.wait_for(ws.recv(), TIMEOUT)
    assert isinstance(raw, bytes), "Upbit sends binary frames"
    return json.loads(raw.decode("utf-8"), parse_float=Decimal, parse_int=Decimal)


async def upbit_subscribed(sim, codes: list[str] | None = None):
    ws = await connect(ws_url(sim, "/websocket/v1/private"), additional_headers=upbit_headers(sim))
    req: list[dict] = [{"ticket": "t-1"}, {"type": "myOrder"}, {"format": "DEFAULT"}]
    if codes is not None:
        req[1]["codes"] = codes
    await ws.send(json.dumps(req))
    await ws.send("PING")  # answered after the request: the subscription is in place
    assert await recv_json(ws) == {"status": "UP"}
    return ws


def post(sim, path: str, **kw) -> httpx.Response:
    return httpx.post(sim.base_url + path, timeout=TIMEOUT, **kw)


async def test_upbit_refuses_upgrade_without_valid_jwt(sim):
    url = ws_url(sim, "/websocket/v1/private")
    for headers in ({}, {"Authorization": "Bearer not.a.jwt"}):
        with pytest.raises(websockets.InvalidStatus) as err:
            await connect(url, additional_headers=headers)
        assert err.value.response.status_code == 401
        assert b'"error"' in err.value.response.body
    wrong = sample_token(sim.credentials["upbit"]["access_key"], "x" * 40)
    with pytest.raises(websockets.InvalidStatus) as err:
        await connect(url, additional_headers={"Authorization": f"Bearer {wrong}"})
    assert json.loads(err.value.response.body)["error"]["name"] == "jwt_verification"


@pytest.mark.parametrize(
    ("request_text", "name"),
    [
        ("not json", "WRONG_FORMAT"),
        ('{"ticket":"a"}', "WRONG_FORMAT"),
        ('[{"type":"myOrder"}]', "NO_TICKET"),
        ('[{"ticket":"a"},{"format":"DEFAULT"}]', "NO_TYPE"),
        ('[{"ticket":"a"},{"type":"myOrder","codes":"KRW-BTC"}]', "INVALID_PARAM"),
    ],
)
async def test_upbit_bad_requests_get_documented_errors(sim, request_text, name):
    async with connect(
        ws_url(sim, "/websocket/v1/private"), additional_headers=upbit_headers(sim)
    ) as ws:
        await ws.send(request_text)
        assert (await recv_json(ws))["error"]["name"] == name
        await ws.send("PING")  # the connection stays usable
        assert await recv_json(ws) == {"status": "UP"}


async def test_upbit_events_for_cancel_fill_trade_and_new_order(sim):
    from .helpers import Upbit

    opened = sim.state.upbit_open_orders()
    a, b, c = opened[0], opened[1], opened[2]
    ws = await upbit_subscribed(sim)
    try:
        rest = Upbit(sim)
        assert rest.call("DELETE", "/v1/order", {"uuid": a["uuid"]}).status_code == 200
        event = await recv_json(ws)
        assert (event["type"], event["uuid"], event["state"]) == ("myOrder", a["uuid"], "cancel")
        assert event["code"] == a["market"] and event["ask_bid"] == a["side"].upper()
        assert isinstance(event["volume"], Decimal)  # a JSON number, not a string
        rest.close()

        assert post(sim, f"/_sim/fill/{b['uuid']}").status_code == 200
        states = [(await recv_json(ws))["state"], (await recv_json(ws))["state"]]
        assert states == ["trade", "done"]

        half = Decimal(c["remaining_volume"]) / 2
        assert post(sim, f"/_sim/trade/{c['uuid']}", params={"volume": str(half)}).is_success
        event = await recv_json(ws)
        assert (event["uuid"], event["state"]) == (c["uuid"], "trade")
        assert event["executed_volume"] == Decimal(c["executed_volume"]) + half
        assert event["trade_fee"] is not None and event["trade_uuid"]

        added = post(sim, "/_sim/upbit/orders", json={"market": "KRW-ETH"}).json()["order"]
        event = await recv_json(ws)
        assert (event["uuid"], event["state"], event["code"]) == (added["uuid"], "wait", "KRW-ETH")
    finally:
        await ws.close()


async def test_upbit_codes_filter(sim):
    ws = await upbit_subscribed(sim, codes=["KRW-ETH"])
    try:
        post(sim, "/_sim/upbit/orders", json={"market": "KRW-BTC"})
        eth = post(sim, "/_sim/upbit/orders", json={"market": "KRW-ETH"}).json()["order"]
        event = await recv_json(ws)  # the BTC order's event was not sent
        assert (event["uuid"], event["code"]) == (eth["uuid"], "KRW-ETH")
    finally:
        await ws.close()


async def test_upbit_idle_connection_is_closed(make_sim):
    sim = make_sim(stream_idle_timeout=0.3)
    ws = await upbit_subscribed(sim)
    with pytest.raises(websockets.ConnectionClosed):
        await asyncio.wait_for(ws.recv(), TIMEOUT)
    assert ws.close_code == 1000


async def test_stream_drop_endpoint_closes_connections(sim):
    ws = await upbit_subscribed(sim)
    assert post(sim, "/_sim/drop-streams").json()["dropped"] == 1
    with pytest.raises(websockets.ConnectionClosedError):
        await asyncio.wait_for(ws.recv(), TIMEOUT)
    assert ws.close_code == 1011


# ---- B2TRADER (SignalR JSON) -------------------------------------------------------------

RS = "\x1e"


def b2_url(sim, token: str | None = None) -> str:
    token = sim.credentials["b2trader"]["token"] if token is None else token
    return ws_url(sim, f"/frontoffice/ws/v4/account?access_token={token}")


async def recv_records(ws) -> list[dict]:
    raw = await asyncio.wait_for(ws.recv(), TIMEOUT)
    assert isinstance(raw, str) and raw.endswith(RS)
    return [json.loads(r) for r in raw.split(RS)[:-1]]


async def recv_type(ws, kind: int) -> dict:
    while True:
        for record in await recv_records(ws):
            if record.get("type") == kind:
                return record


async def test_b2_refuses_bad_token(sim):
    for token in ("", "wrong"):
        with pytest.raises(websockets.InvalidStatus) as err:
            await connect(b2_url(sim, token))
        assert err.value.response.status_code == 401


async def test_b2_handshake_framing_snapshot_and_changes(sim):
    account = sim.credentials["b2trader"]["account_id"]
    open_ids = [
        o.order_id for o in sim.state.b2.ordered() if o.account_id == account and o.cancellable
    ]
    assert open_ids
    async with connect(b2_url(sim)) as ws:
        await ws.send(json.dumps({"protocol": "json", "version": 1}) + RS)
        assert await recv_records(ws) == [{}]
        sub = {"arguments": [account], "invocationId": "0", "target": "OpenOrders", "type": 4}
        await ws.send(json.dumps(sub) + RS)
        item = await recv_type(ws, 2)
        assert item["invocationId"] == "0"
        assert [o["orderId"] for o in item["item"]] == open_ids
        first = item["item"][0]
        assert first["marketType"] == "Spot" and isinstance(first["requestedAmount"], str)

        assert post(sim, f"/_sim/fill/{open_ids[0]}").status_code == 200
        item = await recv_type(ws, 2)
        assert [o["orderId"] for o in item["item"]] == open_ids[1:]

        added = post(sim, "/_sim/b2trader/orders").json()["order"]
        item = await recv_type(ws, 2)
        assert item["item"][-1]["orderId"] == added["orderId"]

        await ws.send(json.dumps({"type": 6}) + RS)
        await ws.send(json.dumps({"type": 7}) + RS)
        with pytest.raises(websockets.ConnectionClosed):
            while True:
                await asyncio.wait_for(ws.recv(), TIMEOUT)


async def test_b2_bad_handshake_and_foreign_account(sim):
    async with connect(b2_url(sim)) as ws:
        await ws.send('{"protocol":"messagepack","version":1}' + RS)
        assert "error" in (await recv_records(ws))[0]
    async with connect(b2_url(sim)) as ws:
        await ws.send('{"protocol":"json","version":1}' + RS)
        await recv_records(ws)
        sub = {"arguments": ["nope"], "invocationId": "0", "target": "OpenOrders", "type": 4}
        await ws.send(json.dumps(sub) + RS)
        done = await recv_type(ws, 3)
        assert done["invocationId"] == "0" and "error" in done


async def test_b2_server_pings(make_sim):
    sim = make_sim(signalr_ping_interval=0.05)
    async with connect(b2_url(sim)) as ws:
        await ws.send('{"protocol":"json","version":1}' + RS)
        await recv_records(ws)
        assert (await recv_type(ws, 6)) == {"type": 6}


async def test_trickle_streams_new_orders_and_trades(make_sim):
    sim = make_sim(new_order_rate=50, trade_rate=50)
    ws = await upbit_subscribed(sim)
    try:
        states: set[str] = set()
        while not {"wait", "trade"} <= states:
            states.add((await recv_json(ws))["state"])
    finally:
        await ws.close()
    sim.stop()  # the trickle thread stops with the server
    assert not sim.trickle._thread.is_alive()


def test_simulate_cli_accepts_the_stream_flags():
    from tui.simulator.cli import build_parser

    args = build_parser().parse_args(
        [
            "--new-order-rate",
            "2",
            "--trade-rate",
            "0.5",
            "--stream-drop-rate",
            "0.1",
            "--stream-idle-timeout",
            "5",
        ]
    )
    assert (args.new_order_rate, args.trade_rate, args.stream_drop_rate) == (2.0, 0.5, 0.1)
    assert args.stream_idle_timeout == 5.0

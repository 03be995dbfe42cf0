"""The client factory turns a resolved profile into a client: the region's host, the JWT
algorithm and B2TRADER's request rate must reach the wire, not stop at the config."""

from __future__ import annotations

import asyncio
import time

import httpx
import jwt
import pytest

from tui.core.config import Overrides
from tui.core.config_read import load_config
from tui.core.refs import OrderRef
from tui.core.resolve import resolve
from tui.exchanges.b2trader import DEFAULT_RPS
from tui.exchanges.factory import make_client

ACCESS = "file-access-key-000000000000000000000000"
SECRET = "file-secret-key-" + "0" * 49  # 64 bytes: long enough for HS512
U = "0b4b2f3e-1111-4222-8333-444455556666"


def _config(tmp_path, text: str):
    path = tmp_path / "config.toml"
    path.write_text(text)
    path.chmod(0o600)
    return load_config(path)


def _upbit_file(region: str, algorithm: str | None = None) -> str:
    return (
        f'[profiles.main]\nexchange = "upbit"\nregion = "{region}"\n'
        f'access_key = "{ACCESS}"\nsecret_key = "{SECRET}"\n'
        + (f'jwt_algorithm = "{algorithm}"\n' if algorithm else "")
    )


def _first_request(client_factory) -> httpx.Request:
    seen: list[httpx.Request] = []

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        return httpx.Response(200, json=[])

    async def go():
        client = client_factory(httpx.MockTransport(handler))
        try:
            await client.lookup([OrderRef.uuid(U)])
        finally:
            await client.aclose()

    asyncio.run(go())
    return seen[0]


@pytest.mark.parametrize(
    ("region", "host"),
    [
        ("kr", "api.upbit.com"),
        ("sg", "sg-api.upbit.com"),
        ("id", "id-api.upbit.com"),
        ("th", "th-api.upbit.com"),
    ],
)
def test_the_profile_region_picks_the_host(isolated_home, tmp_path, region, host):
    profile = resolve(_config(tmp_path, _upbit_file(region)), env={})
    request = _first_request(lambda transport: make_client(profile, transport=transport))
    assert request.url.scheme == "https" and request.url.host == host


def test_the_region_flag_beats_the_file(isolated_home, tmp_path):
    profile = resolve(_config(tmp_path, _upbit_file("kr")), Overrides(region="id"), env={})
    request = _first_request(lambda transport: make_client(profile, transport=transport))
    assert request.url.host == "id-api.upbit.com"


@pytest.mark.parametrize("algorithm", [None, "HS512", "HS256"])
def test_the_jwt_algorithm_reaches_the_signature(isolated_home, tmp_path, algorithm):
    profile = resolve(_config(tmp_path, _upbit_file("sg", algorithm)), env={})
    request = _first_request(lambda transport: make_client(profile, transport=transport))
    token = request.headers["Authorization"].removeprefix("Bearer ")
    assert jwt.get_unverified_header(token)["alg"] == (algorithm or "HS512")
    # signed with the profile's secret, by that algorithm
    claims = jwt.decode(token, SECRET, algorithms=[algorithm or "HS512"])
    assert claims["access_key"] == ACCESS


def _broker(tmp_path, rps: int | None):
    return resolve(
        _config(
            tmp_path,
            '[profiles.broker]\nexchange = "b2trader"\nbase_url = "https://broker.example"\n'
            'account_id = "acc-1"\ntoken = "file-token-0000000000"\n'
            + (f"rps = {rps}\n" if rps is not None else ""),
        ),
        env={},
    )


def test_b2trader_rps_from_the_profile_paces_the_requests(isolated_home, tmp_path):
    profile = _broker(tmp_path, rps=2)
    started: list[float] = []

    def handler(request: httpx.Request) -> httpx.Response:
        started.append(time.monotonic())
        oid = request.url.path.rsplit("/", 1)[-1]
        return httpx.Response(
            200,
            json={
                "orderId": oid,
                "marketId": "spot.btc_usdt",
                "side": "Buy",
                "status": "Cancelled",
                "requestedAmount": "1",
                "remainingAmount": "1",
                "createdAt": "2025-07-04T06:00:00Z",
            },
        )

    async def go():
        client = make_client(profile, transport=httpx.MockTransport(handler))
        try:
            ids = [f"01J{i:023d}" for i in range(3)]
            await asyncio.gather(*(client.cancel_one(OrderRef.order_id(i)) for i in ids))
        finally:
            await client.aclose()

    asyncio.run(go())
    assert len(started) == 3
    # two per second: the third waits for the first to leave its window (a lower bound only)
    assert started[2] - started[0] >= 1.0
    assert profile.rps == 2


def test_b2trader_rps_defaults_when_the_profile_has_none(isolated_home, tmp_path):
    profile = _broker(tmp_path, rps=None)
    client = make_client(profile)
    try:
        assert client.limits.window("b2trader").limit == DEFAULT_RPS
    finally:
        asyncio.run(client.aclose())
    client = make_client(_broker(tmp_path, rps=7))
    try:
        assert client.limits.window("b2trader").limit == 7
    finally:
        asyncio.run(client.aclose())

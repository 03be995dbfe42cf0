"""Korea's current error guide answers key-permission and security refusals (out_of_scope,
the IP error) with 403 as well as 401: ordertui branches on the name, so either status gives
the same error, the same hint, the same halt and exit code 3. Against the simulator over HTTP."""

from __future__ import annotations

import asyncio
import subprocess
import sys

import pytest

from tests.conftest import home_env
from tui.core.errors import HINTS, AuthError
from tui.core.refs import OrderRef
from tui.exchanges.upbit import UpbitClient


def _cancel_one(server, key: str) -> AuthError:
    creds = server.credentials[key]

    async def go() -> None:
        client = UpbitClient(creds["access_key"], creds["secret_key"], base_url=server.base_url)
        try:
            await client.cancel_one(OrderRef.uuid(server.state.upbit_open_orders()[0]["uuid"]))
        finally:
            await client.aclose()

    with pytest.raises(AuthError) as caught:
        asyncio.run(go())
    return caught.value


@pytest.mark.parametrize("status", [401, 403])
def test_out_of_scope_is_the_same_error_as_401_or_403(make_sim, status):
    server = make_sim(region="kr", scope_status=status)
    error = _cancel_one(server, "upbit_readonly")  # a key without the Make Orders permission
    assert (error.status, error.name) == (status, "out_of_scope")
    assert error.hint == HINTS["out_of_scope"]


@pytest.mark.parametrize("status", [401, 403])
def test_the_ip_error_is_the_same_error_as_401_or_403(make_sim, status):
    server = make_sim(region="kr", scope_status=status, refuse_ip=True)
    error = _cancel_one(server, "upbit")
    assert (error.status, error.name) == (status, "no_authorization_ip")
    assert error.hint == HINTS["no_authorization_ip"]


def test_the_cli_halts_with_the_permission_hint_and_exit_3_on_a_403(make_sim, tmp_path):
    server = make_sim(region="kr", scope_status=403, orders=5)
    creds = server.credentials["upbit_readonly"]
    uuids = [o["uuid"] for o in server.state.upbit_open_orders()]
    env = home_env(
        tmp_path,
        UPBIT_OPEN_API_ACCESS_KEY=creds["access_key"],
        UPBIT_OPEN_API_SECRET_KEY=creds["secret_key"],
        UPBIT_OPEN_API_SERVER_URL=server.base_url,
        PYTHONWARNINGS="ignore",
    )
    done = subprocess.run(
        [sys.executable, "-m", "tui", "cancel", *sum((["--uuid", u] for u in uuids), []), "--yes"],
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
        stdin=subprocess.DEVNULL,
    )
    assert done.returncode == 3, done.stdout + done.stderr
    assert "out_of_scope" in done.stdout and "Make Orders" in done.stdout
    assert all(o["state"] != "cancel" for o in server.state.upbit_orders())

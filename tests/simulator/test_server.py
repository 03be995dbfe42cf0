"""SimulatorServer lifecycle, the import-time budget and the no-shared-code rule."""

from __future__ import annotations

import ast
import pathlib
import subprocess
import sys
import time

import httpx
import pytest

from tui.simulator.config import SimConfig
from tui.simulator.server import SimulatorServer

SIM_DIR = pathlib.Path(__file__).resolve().parents[2] / "tui" / "simulator"


def test_context_manager_start_stop_idempotent():
    with SimulatorServer(SimConfig(orders=3)) as server:
        assert server.base_url.startswith("http://127.0.0.1:")
        assert httpx.get(f"{server.base_url}/_sim/stats").status_code == 200
        assert server.start() is server  # second start is a no-op
    assert not server.running
    started = time.perf_counter()
    server.stop()
    server.stop()
    assert time.perf_counter() - started < 0.1
    with pytest.raises(httpx.TransportError):
        httpx.get(f"{server.base_url}/_sim/stats", timeout=1)


def test_stop_is_bounded_with_open_keepalive_connection():
    server = SimulatorServer().start()
    client = httpx.Client(base_url=server.base_url)
    assert client.get("/_sim/stats").status_code == 200  # connection stays in the pool
    started = time.perf_counter()
    server.stop()
    assert time.perf_counter() - started < 3.0
    assert not server.running
    client.close()


def test_start_without_wait_queues_requests():
    server = SimulatorServer().start(wait=False)
    try:
        assert httpx.get(f"{server.base_url}/_sim/stats", timeout=10).status_code == 200
    finally:
        server.stop()


def test_stop_before_start_and_base_url_before_start():
    server = SimulatorServer()
    with pytest.raises(RuntimeError):
        _ = server.base_url
    server.stop()
    assert server.credentials["upbit"]["access_key"]
    assert len(server.state.upbit_orders()) == 40


@pytest.mark.parametrize("host", ["0.0.0.0", "192.168.1.10", "example.com", "::"])
def test_non_loopback_host_is_refused(host):
    with pytest.raises(ValueError, match="loopback"):
        SimulatorServer(host=host)


def test_ipv6_loopback_if_available():
    try:
        server = SimulatorServer(host="::1").start()
    except OSError:
        pytest.skip("no IPv6 loopback here")
    try:
        assert server.base_url.startswith("http://[::1]:")
        assert httpx.get(f"{server.base_url}/_sim/stats").status_code == 200
    finally:
        server.stop()


def test_credentials_shape(sim):
    creds = sim.credentials
    assert set(creds["upbit"]) == {"access_key", "secret_key"}
    assert len(creds["upbit"]["access_key"]) == 40 and len(creds["upbit"]["secret_key"]) == 40
    assert set(creds["b2trader"]) == {"token", "account_id"}


def test_import_is_light():
    code = (
        "import sys, time; t = time.perf_counter(); import tui.simulator.server; "
        "dt = time.perf_counter() - t; "
        "bad = [m for m in sys.modules if m.split('.')[0] in ('textual', 'starlette', 'uvicorn', 'httpx')]; "
        "print(dt, bad)"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    ).stdout.split(" ", 1)
    assert out[1].strip() == "[]"
    assert float(out[0]) < 0.3


def test_simulator_imports_nothing_from_the_clients():
    forbidden = ("tui.core", "tui.exchanges", "tui.ui", "tui.cli", "textual", "jwt")
    for path in SIM_DIR.glob("*.py"):
        tree = ast.parse(path.read_text(), str(path))
        for node in ast.walk(tree):
            names = []
            if isinstance(node, ast.Import):
                names = [a.name for a in node.names]
            elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
                names = [node.module]
            for name in names:
                assert not any(name == f or name.startswith(f + ".") for f in forbidden), (
                    path.name,
                    name,
                )


def test_each_request_is_handled_fast(make_server):
    from .helpers import Upbit

    sim = make_server(orders=10_000, rps=10_000)
    upbit = Upbit(sim)
    uuids = [o["uuid"] for o in sim.state.upbit_open_orders()]
    for i in range(0, 2000, 100):
        assert upbit.get("/v1/orders/uuids", {"uuids[]": uuids[i : i + 100]}).status_code == 200
    for i in range(0, 400, 20):
        assert upbit.delete("/v1/orders/uuids", {"uuids[]": uuids[i : i + 20]}).status_code == 200
    for page in (1, 50):
        assert upbit.get("/v1/orders/open", {"page": page, "limit": 100}).status_code == 200
    server_ms = sorted(entry["latency_ms"] for entry in sim.state.recent)
    assert server_ms[len(server_ms) // 2] < 5.0, server_ms[-5:]
    assert server_ms[int(len(server_ms) * 0.9)] < 10.0, server_ms[-5:]
    upbit.close()


def test_stopped_server_cannot_restart():
    server = SimulatorServer().start()
    server.stop()
    with pytest.raises(RuntimeError):
        server.start()

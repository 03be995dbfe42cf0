"""SimulatorServer lifecycle, the import-time budget and the no-shared-code rule."""

from __future__ import annotations

import ast
import pathlib
import subprocess
import sys
import threading

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
    server.stop()  # idempotent: stopping a stopped server is a no-op
    server.stop()
    assert not server.running
    with pytest.raises(httpx.TransportError):
        httpx.get(f"{server.base_url}/_sim/stats", timeout=1)


def test_stop_is_bounded_with_open_keepalive_connection():
    server = SimulatorServer().start()
    client = httpx.Client(base_url=server.base_url)
    assert client.get("/_sim/stats").status_code == 200  # connection stays in the pool
    # stop() bounds itself (5 s by default); a generous outer bound tells a hang from slowness
    stopper = threading.Thread(target=server.stop, daemon=True)
    stopper.start()
    stopper.join(30)
    assert not stopper.is_alive(), "stop() hung with a keep-alive connection open"
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
    """Importing the server pulls in no web framework, HTTP client or UI (what makes it cheap;
    the time itself is a figure for tests/bench/startup.py, not a test)."""
    code = (
        "import sys; import tui.simulator.server; "
        "print([m for m in sys.modules "
        "if m.split('.')[0] in ('textual', 'starlette', 'uvicorn', 'httpx')])"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"


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


def test_stopped_server_cannot_restart():
    server = SimulatorServer().start()
    server.stop()
    with pytest.raises(RuntimeError):
        server.start()

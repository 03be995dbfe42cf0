"""`ordertui watch` in a subprocess against the simulator's streams."""

from __future__ import annotations

import json
import queue
import signal
import subprocess
import sys
import threading

import httpx

from tests.conftest import sim_env

TIMEOUT = 30.0


class Proc:
    """An `ordertui` subprocess whose stdout/stderr lines are read by threads (bounded waits)."""

    def __init__(self, args: list[str], env: dict[str, str]) -> None:
        self.p = subprocess.Popen(
            [sys.executable, "-m", "tui", *args],
            env=env,
            stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        self.out: queue.Queue[str] = queue.Queue()
        self.err_lines: list[str] = []
        self.out_lines: list[str] = []
        threading.Thread(target=self._pump, args=(self.p.stdout, self.out), daemon=True).start()
        self._errq: queue.Queue[str] = queue.Queue()
        threading.Thread(target=self._pump, args=(self.p.stderr, self._errq), daemon=True).start()

    @staticmethod
    def _pump(stream, q) -> None:
        for line in stream:
            q.put(line)

    def line(self, want) -> str:
        while True:
            line = self.out.get(timeout=TIMEOUT)
            self.out_lines.append(line)
            if want(line):
                return line

    def finish(self) -> int:
        code = self.p.wait(timeout=TIMEOUT)
        while not self._errq.empty():
            self.err_lines.append(self._errq.get())
        return code

    def kill(self) -> None:
        if self.p.poll() is None:
            self.p.kill()
            self.p.wait(timeout=TIMEOUT)


def test_watch_json_prints_a_fill_then_exits_0_on_sigint(sim, isolated_home):
    proc = Proc(["watch", "--json"], sim_env(sim, isolated_home))
    try:
        first = json.loads(proc.line(lambda line: '"resync"' in line))
        assert first["type"] == "resync"
        uuid = sim.state.upbit_open_orders()[0]["uuid"]
        httpx.post(f"{sim.base_url}/_sim/fill/{uuid}", timeout=TIMEOUT).raise_for_status()
        done = json.loads(proc.line(lambda line: '"done"' in line))
        assert done["id"] == uuid and done["closed"] is True
        assert isinstance(done["event"]["volume"], str)  # Decimals as strings
        assert done["event"]["executed_volume"] == done["event"]["volume"]
        proc.p.send_signal(signal.SIGINT)
        assert proc.finish() == 0
        err = "".join(proc.err_lines)
        assert "stream upbit: live" in err and "Traceback" not in err
    finally:
        proc.kill()


def test_watch_b2trader_text_lines_and_sigterm(sim, isolated_home):
    env = sim_env(sim, isolated_home)
    token = sim.credentials["b2trader"]["token"]
    env.update(
        {
            "B2TRADER_TOKEN": token,
            "B2TRADER_ACCOUNT_ID": sim.credentials["b2trader"]["account_id"],
            "B2TRADER_BASE_URL": sim.base_url,
        }
    )
    proc = Proc(["watch", "--exchange", "b2trader"], env)
    try:
        opened = proc.line(lambda line: " open " in line)
        order_id = opened.split()[3]
        httpx.post(f"{sim.base_url}/_sim/fill/{order_id}", timeout=TIMEOUT).raise_for_status()
        closed = proc.line(lambda line: "closed" in line)
        assert order_id in closed
        proc.p.send_signal(signal.SIGTERM)
        assert proc.finish() == 0
        assert token not in "".join(proc.out_lines + proc.err_lines)
    finally:
        proc.kill()


def test_watch_demo_shows_the_trickle(isolated_home):
    from tests.conftest import home_env

    proc = Proc(["watch", "--demo", "--json"], home_env(isolated_home, PYTHONWARNINGS="ignore"))
    try:
        line = json.loads(proc.line(lambda line: '"type": "order"' in line))
        assert line["exchange"] == "upbit" and line["state"] in ("wait", "trade", "done")
        proc.p.send_signal(signal.SIGINT)
        assert proc.finish() == 0
    finally:
        proc.kill()

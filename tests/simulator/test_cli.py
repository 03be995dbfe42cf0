"""`ordertui simulate` as a subprocess: JSON line first, serves signed requests, stops cleanly."""

from __future__ import annotations

import json
import os
import queue
import signal
import subprocess
import sys
import threading

import httpx
import pytest

from tui.simulator.cli import main

from .helpers import sample_token

ENV = {**os.environ, "PYTHONUNBUFFERED": "1"}


class Running:
    def __init__(self, args: list[str]) -> None:
        self.proc = subprocess.Popen(
            args, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=ENV
        )
        self.lines: queue.Queue[str | None] = queue.Queue()
        threading.Thread(target=self._pump, daemon=True).start()

    def _pump(self) -> None:
        for line in self.proc.stdout:
            self.lines.put(line.rstrip("\n"))
        self.lines.put(None)

    def line(self, timeout: float = 15.0) -> str | None:
        return self.lines.get(timeout=timeout)

    def finish(self, timeout: float = 15.0) -> tuple[int, str]:
        rc = self.proc.wait(timeout=timeout)
        return rc, self.proc.stderr.read()


def exercise(args: list[str]) -> None:
    run = Running(args)
    try:
        first = json.loads(run.line())
        assert set(first) == {"base_url", "upbit", "b2trader"}
        assert first["base_url"].startswith("http://127.0.0.1:")
        assert set(first["upbit"]) == {"access_key", "secret_key"}
        assert set(first["b2trader"]) == {"token", "account_id"}
        params = {"states[]": ["wait", "watch"], "limit": 5}
        token = sample_token(first["upbit"]["access_key"], first["upbit"]["secret_key"], params)
        r = httpx.get(
            f"{first['base_url']}/v1/orders/open",
            params=params,
            headers={"Authorization": f"Bearer {token}"},
        )
        assert r.status_code == 200 and len(r.json()) == 5
        log = run.line()
        assert "GET" in log and "/v1/orders/open" in log and " 200 " in log and "ids=5" in log
        for secret in (
            first["upbit"]["secret_key"],
            first["upbit"]["access_key"],
            first["b2trader"]["token"],
        ):
            assert secret not in log
        run.proc.send_signal(signal.SIGINT)
        rc, stderr = run.finish()
        assert rc == 0
        assert "Traceback" not in stderr and "KeyboardInterrupt" not in stderr
    finally:
        if run.proc.poll() is None:
            run.proc.kill()
            run.proc.wait()


def test_module_subprocess_prints_json_first_serves_and_stops_on_sigint():
    exercise([sys.executable, "-m", "tui.simulator.cli", "--exit-after", "20", "--orders", "12"])


def test_main_function_subprocess():
    code = "import sys; from tui.simulator.cli import main; sys.exit(main(sys.argv[1:]))"
    exercise([sys.executable, "-c", code, "--exit-after", "20", "--seed", "3", "--region", "kr"])


def test_exit_after_stops_by_itself():
    run = Running([sys.executable, "-m", "tui.simulator.cli", "--exit-after", "0.5", "--quiet"])
    assert json.loads(run.line())["base_url"]
    rc, stderr = run.finish()
    assert rc == 0 and stderr == ""
    assert run.line() is None  # nothing after the JSON line with --quiet


@pytest.mark.parametrize(
    ("args", "fragment"),
    [
        (["--host", "0.0.0.0"], "loopback"),
        (["--host", "192.168.0.2"], "loopback"),
        (["--fail-rate", "2"], "--fail-rate"),
        (["--orders", "-1"], "--orders"),
        (["--region", "us"], "--region"),
        (["--port", "abc"], "--port"),
        (["--what"], "unrecognized"),
    ],
)
def test_bad_arguments_exit_2_with_one_line(args, fragment, capsys):
    assert main([*args, "--exit-after", "5"]) == 2
    captured = capsys.readouterr()
    assert captured.out == ""
    lines = captured.err.strip().splitlines()
    assert len(lines) == 1 and fragment in lines[0] and "Traceback" not in captured.err


def test_non_loopback_in_subprocess_exits_2():
    proc = subprocess.run(
        [sys.executable, "-m", "tui.simulator.cli", "--host", "0.0.0.0", "--exit-after", "5"],
        capture_output=True,
        text=True,
        timeout=30,
        env=ENV,
    )
    assert proc.returncode == 2
    assert proc.stdout == "" and len(proc.stderr.strip().splitlines()) == 1


def test_main_in_process_with_exit_after(capsys):
    assert main(["--exit-after", "0.2", "--orders", "3", "--quiet"]) == 0
    out = capsys.readouterr().out.strip().splitlines()
    assert len(out) == 1 and json.loads(out[0])["base_url"].startswith("http://127.0.0.1:")


def test_unread_stdout_never_stalls_the_server():
    """A parent that reads only the JSON line must not deadlock the simulator on a full pipe."""
    run = subprocess.Popen(
        [sys.executable, "-m", "tui.simulator.cli", "--exit-after", "20"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=ENV,
    )
    try:
        first = json.loads(run.stdout.readline())
        # nobody reads its stdout meanwhile: were it blocked on the full pipe, a request
        # would wait for an answer that never comes and time out
        with httpx.Client(base_url=first["base_url"], timeout=5) as client:
            for _ in range(1500):  # ~100 KB of log lines, more than a pipe buffer holds
                assert client.get("/v1/orders/open").status_code in (401, 429, 418)
        run.send_signal(signal.SIGINT)
        assert run.wait(timeout=15) == 0
    finally:
        if run.poll() is None:
            run.kill()
            run.wait()


def test_port_in_use_is_one_line_exit_1():
    import socket

    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen()
        port = busy.getsockname()[1]
        proc = subprocess.run(
            [sys.executable, "-m", "tui.simulator.cli", "--port", str(port), "--exit-after", "5"],
            capture_output=True,
            text=True,
            timeout=30,
            env=ENV,
        )
    assert proc.returncode == 1 and proc.stdout == ""
    assert len(proc.stderr.strip().splitlines()) == 1 and "cannot listen" in proc.stderr

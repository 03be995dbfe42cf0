"""The simulator in a process of its own (`ordertui simulate`), for runs whose rate must be judged
at the exchange: an in-process simulator shares the test's interpreter, and on a loaded machine
its arrival stamps bunch behind the GIL, so it can see a burst the client never sent. Out of
process, the simulator's clock is its own, as a real exchange's is, and a 429 is a real one."""

from __future__ import annotations

import json
import subprocess
import sys
import threading
from typing import Any

import httpx

from .helpers import REPO

START_TIMEOUT_S = 30.0
LIFETIME_S = 600  # `--exit-after`: the process stops by itself even if a test forgets it


class SimProcess:
    def __init__(self, **options: Any) -> None:
        args = [sys.executable, "-m", "tui", "simulate", "--quiet", "--port", "0"]
        args += ["--exit-after", str(LIFETIME_S)]
        for name, value in options.items():
            args += [f"--{name.replace('_', '-')}", str(value)]
        self.proc = subprocess.Popen(
            args,
            cwd=REPO,
            stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        first = self._first_line()
        self.base_url: str = first["base_url"]
        self.credentials: dict[str, dict[str, str]] = {
            "upbit": first["upbit"],
            "b2trader": first["b2trader"],
        }

    def _first_line(self) -> dict[str, Any]:
        lines: list[str] = []
        reader = threading.Thread(target=lambda: lines.append(self.proc.stdout.readline()))
        reader.daemon = True
        reader.start()
        reader.join(START_TIMEOUT_S)
        if not lines or not lines[0].strip():
            self.stop()
            raise RuntimeError(f"simulator did not start: {self.proc.stderr.read()[-2000:]}")
        return json.loads(lines[0])

    def _get(self, path: str) -> Any:
        response = httpx.get(f"{self.base_url}{path}", timeout=10)
        response.raise_for_status()
        return response.json()

    def stats(self) -> dict[str, Any]:
        return self._get("/_sim/stats")

    def truth(self) -> dict[str, dict[str, str]]:
        return self._get("/_sim/truth")

    def open_upbit_uuids(self) -> list[str]:
        orders = self._get("/_sim/upbit/orders")["orders"]
        return [o["uuid"] for o in orders if o["state"] in ("wait", "watch")]

    def stop(self) -> None:
        if self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(10)
        for stream in (self.proc.stdout, self.proc.stderr):
            if stream is not None:
                stream.close()

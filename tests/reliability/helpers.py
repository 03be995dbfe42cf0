"""Helpers for the reliability suite: an isolated environment, the CLI as a subprocess,
journal reading, and polling with a deadline (every loop here is bounded)."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[2]
CLI = [sys.executable, "-m", "tui"]

# Variables a developer's shell may carry that would leak into the CLI under test.
_SCRUB = (
    "UPBIT_OPEN_API_ACCESS_KEY",
    "UPBIT_OPEN_API_SECRET_KEY",
    "UPBIT_OPEN_API_SERVER_URL",
    "B2TRADER_TOKEN",
    "B2TRADER_ACCOUNT_ID",
    "B2TRADER_BASE_URL",
    "ORDERTUI_JOURNAL_DIR",
    "ORDERTUI_LOG_FILE",
    "ORDERTUI_LOG_LEVEL",
)


class Env:
    """HOME, XDG dirs, journal and log file all under one temporary directory."""

    def __init__(self, root: Path) -> None:
        self.root = root
        self.home = root / "home"
        self.journal_dir = root / "journal"
        self.log_file = root / "state" / "ordertui.log"
        self.vars: dict[str, str] = {k: v for k, v in os.environ.items() if k not in _SCRUB}
        self.vars.update(
            {
                "HOME": str(self.home),
                "XDG_CONFIG_HOME": str(root / "config"),
                "XDG_DATA_HOME": str(root / "data"),
                "XDG_STATE_HOME": str(root / "state"),
                "XDG_CACHE_HOME": str(root / "cache"),
                "ORDERTUI_JOURNAL_DIR": str(self.journal_dir),
                "ORDERTUI_LOG_FILE": str(self.log_file),
                "PYTHONPATH": str(REPO),
                "PYTHONUNBUFFERED": "1",
                "NO_COLOR": "1",
            }
        )
        self.home.mkdir(parents=True, exist_ok=True)

    def with_sim(self, sim: Any, key: str = "upbit") -> dict[str, str]:
        creds = sim.credentials[key]
        return {
            **self.vars,
            "UPBIT_OPEN_API_ACCESS_KEY": creds["access_key"],
            "UPBIT_OPEN_API_SECRET_KEY": creds["secret_key"],
            "UPBIT_OPEN_API_SERVER_URL": sim.base_url,
        }


def run_cli(
    args: Iterable[str], env: dict[str, str], *, stdin: str | None = None, timeout: float = 120
) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [*CLI, *args],
        env=env,
        input=stdin,
        capture_output=True,
        text=True,
        timeout=timeout,
        cwd=env.get("HOME"),
        stdin=None if stdin is not None else subprocess.DEVNULL,
    )


def start_cli(
    args: Iterable[str], env: dict[str, str], *, stdin: str | None = None
) -> subprocess.Popen[str]:
    """Start the CLI in its own session (so a signal reaches it alone); stdin from a file."""
    source = subprocess.DEVNULL
    if stdin is not None:
        path = Path(env["HOME"]) / f"stdin-{time.monotonic_ns()}.txt"
        path.write_text(stdin)
        source = open(path, encoding="utf-8")  # noqa: SIM115 - inherited by the child, closed below
    try:
        return subprocess.Popen(
            [*CLI, *args],
            env=env,
            stdin=source,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
            cwd=env.get("HOME"),
            start_new_session=True,
        )
    finally:
        if stdin is not None:
            source.close()


def stop(proc: subprocess.Popen[str]) -> None:
    """Make sure a CLI subprocess this test started is gone (by its own pid)."""
    if proc.poll() is None:
        proc.send_signal(signal.SIGKILL)
    try:
        proc.communicate(timeout=10)
    except (subprocess.TimeoutExpired, ValueError):
        pass


def wait_for(
    predicate: Callable[[], Any], timeout: float, step: float = 0.01, what: str = "condition"
) -> Any:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(step)
    raise AssertionError(f"timed out after {timeout} s waiting for {what}")


def records(path: Path) -> list[dict[str, Any]]:
    """Every readable record of a journal file (torn lines skipped, as the reader does)."""
    out = []
    for line in path.read_text(encoding="utf-8", errors="replace").split("\n"):
        if not line.strip():
            continue
        try:
            value = json.loads(line)
        except ValueError:
            continue
        if isinstance(value, dict):
            out.append(value)
    return out


def journal_files(directory: Path) -> list[Path]:
    return sorted(directory.glob("*.jsonl")) if directory.is_dir() else []


def intents_in(directory: Path) -> int:
    total = 0
    for path in journal_files(directory):
        try:
            text = path.read_text(encoding="utf-8", errors="replace")
        except OSError:
            continue
        total += text.count('"type": "intent"')
    return total


def expected_outcome(state: str) -> str:
    """What a cancel run must have recorded for an order the simulator now shows in `state`."""
    return {"cancel": "cancelled", "done": "failed"}.get(state, f"<open: {state}>")


def last_json_line(text: str) -> dict[str, Any]:
    lines = [line for line in text.strip().splitlines() if line.strip()]
    assert lines, "no output"
    return json.loads(lines[-1])

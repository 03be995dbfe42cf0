"""SIGTERM and SIGHUP of `ordertui cancel` mid-run take Ctrl+C's path: nothing is sent after
them, the requests in flight are waited for and recorded, the journal gets the run's end,
the summary is printed where it still can be, and the exit code is 1.

SIGHUP is tested twice: as a plain signal (stdout and stderr are pipes that stay open), and
as what an SSH drop really is: the process runs on a pseudo-terminal that hangs up, so every
write to it fails with EIO afterwards."""

from __future__ import annotations

import os
import pty
import signal
import threading
from collections import Counter
from datetime import datetime, timedelta
from pathlib import Path

import pytest

from tui.core.journal import read_run

from .helpers import CLI, journal_files, last_json_line, records, start_cli, stop, wait_for

pytestmark = pytest.mark.slow
LATENCY_MS = 300
ORDERS = 1000  # 50 batches: ~30 go in the first second, the rest wait for the rate limit


def _first_answers(directory: Path) -> bool:
    return any(
        '"outcome": "cancelled"' in p.read_text(errors="replace") for p in journal_files(directory)
    )


def _check_journal_against_truth(directory: Path, sim, signalled: datetime) -> dict:
    """The run's end is journaled, aborted; what was sent is recorded as the exchange has it;
    what was not sent is `not_sent` and still open; nothing reached the exchange later."""
    arrivals = [
        datetime.fromisoformat(e["time"]) - timedelta(milliseconds=e["latency_ms"])
        for e in list(sim.state.recent)
    ]
    assert [a for a in arrivals if a > signalled + timedelta(milliseconds=250)] == []
    (path,) = journal_files(directory)
    recs = records(path)
    intents = [r for r in recs if r["type"] == "intent"]
    cancels = sim.state.stats.by_endpoint["DELETE /v1/orders/uuids"]
    assert len(intents) == cancels, "a request went out without an intent"
    run = read_run(path)
    assert run.finished and run.aborted and not run.halted, "the run's end is not journaled"
    truth = sim.state.truth()["upbit"]
    sent = {ref for r in intents for ref in r["refs"]}
    assert sent, "nothing was sent before the signal"
    for key in sent:  # waited for and recorded as the exchange has it: none left unknown
        want = {"cancel": "cancelled", "done": "failed"}.get(truth[key.removeprefix("uuid:")])
        assert run.orders[key].outcome == want, key
    unsent = set(run.orders) - sent
    assert unsent, "the signal came too late to leave anything unsent"
    for key in unsent:
        assert run.orders[key].outcome == "not_sent"
        assert truth[key.removeprefix("uuid:")] in ("wait", "watch")
        assert "aborted" in (run.orders[key].error or {}).get("message", "")
    finish = next(r for r in recs if r["type"] == "finish")
    assert finish["counts"]["not_sent"] == len(unsent)
    return {"sent": sent, "unsent": unsent, "run": run}


@pytest.mark.parametrize(
    "signals",
    [
        (signal.SIGTERM,),
        (signal.SIGHUP,),
        # more signals while aborting (a supervisor repeating itself, a hang-up after a
        # Ctrl+C) neither kill the process nor stop it waiting for the answers in flight
        (signal.SIGINT, signal.SIGTERM, signal.SIGHUP),
    ],
    ids=["sigterm", "sighup", "sigint-then-sigterm-and-sighup"],
)
def test_signal_stops_sending_records_in_flight_and_exits_1(make_sim, env, signals):
    sim = make_sim(seed=9, orders=ORDERS, latency_ms=LATENCY_MS)
    uuids = [o["uuid"] for o in sim.state.upbit_open_orders()]
    proc = start_cli(
        ["cancel", "--from-file", "-", "--yes", "--json"], env.with_sim(sim), stdin="\n".join(uuids)
    )
    try:
        wait_for(
            lambda: _first_answers(env.journal_dir) or proc.poll() is not None,
            30,
            what="first answers",
        )
        assert proc.poll() is None, "the run ended before the signal"
        signalled = datetime.now()
        for signum in signals:
            proc.send_signal(signum)
        out, err = proc.communicate(timeout=60)
    finally:
        stop(proc)
    assert proc.returncode == 1, (proc.returncode, err)
    assert "aborting" in err and "Traceback" not in err
    if len(signals) > 1:
        assert "still waiting for requests in flight" in err
    seen = _check_journal_against_truth(env.journal_dir, sim, signalled)
    report = last_json_line(out)  # the summary, as --json asks
    assert Counter(i["uuid"] for i in report["not_sent"]) == Counter(
        k.removeprefix("uuid:") for k in seen["unsent"]
    )
    assert len(report["cancelled"]) + len(report["failed"]) == len(seen["sent"])
    assert report["unknown"] == []


def test_sigterm_prints_the_plain_summary(make_sim, env):
    sim = make_sim(seed=3, orders=ORDERS, latency_ms=LATENCY_MS)
    uuids = [o["uuid"] for o in sim.state.upbit_open_orders()]
    proc = start_cli(
        ["cancel", "--from-file", "-", "--yes"], env.with_sim(sim), stdin="\n".join(uuids)
    )
    try:
        wait_for(
            lambda: _first_answers(env.journal_dir) or proc.poll() is not None, 30, what="answers"
        )
        assert proc.poll() is None, "the run ended before the signal"
        signalled = datetime.now()
        proc.send_signal(signal.SIGTERM)
        out, err = proc.communicate(timeout=60)
    finally:
        stop(proc)
    assert proc.returncode == 1, err
    seen = _check_journal_against_truth(env.journal_dir, sim, signalled)
    counts = seen["run"].counts
    first = out.splitlines()[0]
    assert f"{counts['cancelled']} cancelled" in first
    assert f"{counts['not_sent']} not sent" in first
    assert out.count("\n  not sent ") == counts["not_sent"]


# ---- the terminal really hangs up ----------------------------------------------------------
class _Pty:
    """`ordertui` as the session leader of a pseudo-terminal, its controlling terminal; the
    master side is read all along (as a terminal would) until it is closed: a hang-up."""

    def __init__(self, args: list[str], env: dict[str, str]) -> None:
        pid, fd = pty.fork()
        if pid == 0:  # the child: nothing here may raise into the test runner's code
            try:
                os.chdir(env["HOME"])
                os.execve(CLI[0], [*CLI, *args], env)
            finally:
                os._exit(127)
        self.pid, self.fd = pid, fd
        self.output = bytearray()
        self.status: int | None = None
        self._lock = threading.Lock()
        self._reader = threading.Thread(target=self._read, daemon=True)
        self._reader.start()

    def _read(self) -> None:
        while True:
            try:
                data = os.read(self.fd, 65536)
            except OSError:
                return
            if not data:
                return
            with self._lock:
                self.output += data

    def text(self) -> str:
        with self._lock:
            return self.output.decode("utf-8", errors="replace")

    def write(self, data: str) -> None:
        os.write(self.fd, data.encode())

    def hang_up(self) -> None:
        os.close(self.fd)  # the kernel sends SIGHUP to the terminal's session

    def poll(self) -> int | None:
        if self.status is None:
            pid, status = os.waitpid(self.pid, os.WNOHANG)
            if pid == self.pid:
                self.status = status
        return self.status

    def wait(self, timeout: float) -> int:
        wait_for(lambda: self.poll() is not None, timeout, step=0.05, what="the process to end")
        assert self.status is not None
        return self.status

    def kill(self) -> None:
        if self.poll() is None:
            os.kill(self.pid, signal.SIGKILL)
            os.waitpid(self.pid, 0)
        try:
            os.close(self.fd)
        except OSError:
            pass


def test_ssh_drop_hangs_up_the_terminal_mid_run(make_sim, env, tmp_path):
    sim = make_sim(seed=11, orders=ORDERS, latency_ms=LATENCY_MS)
    ids = tmp_path / "ids.txt"
    ids.write_text("\n".join(o["uuid"] for o in sim.state.upbit_open_orders()))
    # Plain summary, progress line on: both go to the terminal that hangs up.
    term = _Pty(["cancel", "--from-file", str(ids), "--yes"], env.with_sim(sim))
    try:
        wait_for(
            lambda: _first_answers(env.journal_dir) or term.poll() is not None, 30, what="answers"
        )
        assert term.poll() is None, "the run ended before the hang-up: " + term.text()
        assert "cancelling:" in term.text(), "the progress line was not on the terminal"
        signalled = datetime.now()
        term.hang_up()
        status = term.wait(60)
    finally:
        term.kill()
    # exit 1: not killed by SIGHUP (129), not 120 (a failed flush at exit), not 70 (a crash)
    assert os.WIFEXITED(status), f"killed by signal {os.WTERMSIG(status)}"
    assert os.WEXITSTATUS(status) == 1
    _check_journal_against_truth(env.journal_dir, sim, signalled)
    log = env.log_file.read_text() if env.log_file.exists() else ""
    assert "Traceback" not in log and "internal error" not in log

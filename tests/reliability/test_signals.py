"""SIGTERM and SIGHUP of `ordertui cancel` mid-run take Ctrl+C's path: nothing is sent after
them, the requests in flight are waited for and recorded, the journal gets the run's end,
the summary is printed where it still can be, and the exit code is 1.

SIGHUP is tested twice: as a plain signal (stdout and stderr are pipes that stay open), and
as what an SSH drop really is: the process runs on a pseudo-terminal that hangs up, so every
write to it fails with EIO afterwards."""

from __future__ import annotations

import os
import signal
from collections import Counter

import pytest

from .aborted import check_aborted_run, first_answers, now
from .helpers import last_json_line, start_cli, stop, wait_for
from .ptys import Pty

pytestmark = pytest.mark.slow
LATENCY_MS = 300
ORDERS = 1000  # 50 batches: ~30 go in the first second, the rest wait for the rate limit


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
            lambda: first_answers(env.journal_dir) or proc.poll() is not None,
            30,
            what="first answers",
        )
        assert proc.poll() is None, "the run ended before the signal"
        signalled = now()
        for signum in signals:
            proc.send_signal(signum)
        out, err = proc.communicate(timeout=60)
    finally:
        stop(proc)
    assert proc.returncode == 1, (proc.returncode, err)
    assert "aborting" in err and "Traceback" not in err
    if len(signals) > 1:
        assert "still waiting for requests in flight" in err
    seen = check_aborted_run(env.journal_dir, sim, signalled)
    report = last_json_line(out)  # the summary, as --json asks
    assert Counter(i["uuid"] for i in report["not_sent"]) == Counter(
        k.removeprefix("uuid:") for k in seen["not_sent"]
    )
    assert len(report["cancelled"]) + len(report["failed"]) == len(seen["settled"])
    assert report["unknown"] == []


def test_sigterm_prints_the_plain_summary(make_sim, env):
    sim = make_sim(seed=3, orders=ORDERS, latency_ms=LATENCY_MS)
    uuids = [o["uuid"] for o in sim.state.upbit_open_orders()]
    proc = start_cli(
        ["cancel", "--from-file", "-", "--yes"], env.with_sim(sim), stdin="\n".join(uuids)
    )
    try:
        wait_for(
            lambda: first_answers(env.journal_dir) or proc.poll() is not None, 30, what="answers"
        )
        assert proc.poll() is None, "the run ended before the signal"
        signalled = now()
        proc.send_signal(signal.SIGTERM)
        out, err = proc.communicate(timeout=60)
    finally:
        stop(proc)
    assert proc.returncode == 1, err
    seen = check_aborted_run(env.journal_dir, sim, signalled)
    counts = seen["run"].counts
    first = out.splitlines()[0]
    assert f"{counts['cancelled']} cancelled" in first
    assert f"{counts['not_sent']} not sent" in first
    assert out.count("\n  not sent ") == counts["not_sent"]


def test_ssh_drop_hangs_up_the_terminal_mid_run(make_sim, env, tmp_path):
    sim = make_sim(seed=11, orders=ORDERS, latency_ms=LATENCY_MS)
    ids = tmp_path / "ids.txt"
    ids.write_text("\n".join(o["uuid"] for o in sim.state.upbit_open_orders()))
    # Plain summary, progress line on: both go to the terminal that hangs up.
    term = Pty(["cancel", "--from-file", str(ids), "--yes"], env.with_sim(sim))
    try:
        wait_for(
            lambda: first_answers(env.journal_dir) or term.poll() is not None, 30, what="answers"
        )
        assert term.poll() is None, "the run ended before the hang-up: " + term.text()
        assert "cancelling:" in term.text(), "the progress line was not on the terminal"
        signalled = now()
        term.hang_up()
        status = term.wait(60)
    finally:
        term.kill()
    # exit 1: not killed by SIGHUP (129), not 120 (a failed flush at exit), not 70 (a crash)
    assert os.WIFEXITED(status), f"killed by signal {os.WTERMSIG(status)}"
    assert os.WEXITSTATUS(status) == 1
    check_aborted_run(env.journal_dir, sim, signalled)
    log = env.log_file.read_text() if env.log_file.exists() else ""
    assert "Traceback" not in log and "internal error" not in log

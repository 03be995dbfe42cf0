"""The TUI on a real pseudo-terminal, mid-run: a hang-up (SIGHUP), a SIGTERM, and `q`
answered "abort". Each is quitting during a run with the abort answered yes: nothing is
sent after it, the requests in flight finish and are recorded, the journal gets the run's
end, and the process exits 1; where the terminal is still there, stderr says what was
cancelled and what was not sent."""

from __future__ import annotations

import os
import re
import signal
import time

import pytest

from tui.ui.screens.guard import CONFIRM_GUARD_S

from .aborted import check_aborted_run, first_answers, now
from .helpers import wait_for
from .ptys import Pty

pytestmark = pytest.mark.slow
ORDERS = 1000  # over 50: the confirm asks for the count to be typed
LATENCY_MS = 300


def _start_run(make_sim, env, seed: int):
    sim = make_sim(seed=seed, orders=ORDERS)
    variables = {**env.with_sim(sim), "TERM": "xterm-256color"}
    term = Pty([], variables)
    try:
        wait_for(
            lambda: f"{ORDERS:,} orders" in term.screen_text() or term.poll() is not None,
            60,
            what="the orders on screen",
        )
        assert term.poll() is None, term.screen_text()[-2000:]
        sim.config.latency_ms = LATENCY_MS  # loading was quick; the cancels take their time
        _select_all(term)
        term.write("c")
        wait_for(lambda: f"type {ORDERS} to confirm" in term.screen_text(), 30, what="confirm")
        _past_the_guard()
        term.write(f"{ORDERS}\r")
        wait_for(
            lambda: first_answers(env.journal_dir) or term.poll() is not None,
            30,
            what="first answers",
        )
        assert term.poll() is None, "the app ended before the run was stopped"
    except BaseException:
        term.kill()
        raise
    return sim, term


def _past_the_guard() -> None:
    """A destructive question ignores confirming keys for CONFIRM_GUARD_S after it appears
    (a paste or a burst must not answer it): wait as a person reading it would."""
    time.sleep(CONFIRM_GUARD_S + 0.2)


def _select_all(term: Pty) -> None:
    """`a`, until the footer says every order is selected. A key that comes while the table
    is still taking the loaded rows in is lost; it is pressed again only when nothing it
    would have drawn appeared (a second press of a working `a` would clear the selection)."""
    want = f"{ORDERS:,} selected"
    for _ in range(5):
        mark = term.mark()
        term.write("a")
        try:
            wait_for(lambda m=mark: want in term.screen_text(m), 5, what="all selected")
            return
        except AssertionError:
            continue
    raise AssertionError("`a` never selected every order: " + repr(term.screen_text()[-3000:]))


def _exit_code(status: int) -> int:
    assert os.WIFEXITED(status), f"killed by signal {os.WTERMSIG(status)}"
    return os.WEXITSTATUS(status)


def _no_crash_logged(env) -> None:
    log = env.log_file.read_text() if env.log_file.exists() else ""
    assert "Traceback" not in log and "internal error" not in log


def test_hang_up_mid_run_aborts_records_and_exits_1(make_sim, env):
    sim, term = _start_run(make_sim, env, seed=21)
    try:
        signalled = now()
        term.hang_up()
        status = term.wait(90)
    finally:
        term.kill()
    assert _exit_code(status) == 1
    seen = check_aborted_run(env.journal_dir, sim, signalled)
    reasons = {o.error["message"] for o in seen["run"].orders.values() if o.outcome == "not_sent"}
    assert reasons == {"aborted (SIGHUP: the terminal closed)"}
    _no_crash_logged(env)


@pytest.mark.parametrize("how", ["sigterm", "q"])
def test_quit_mid_run_prints_what_was_and_was_not_cancelled(make_sim, env, how):
    sim, term = _start_run(make_sim, env, seed=22 if how == "q" else 23)
    try:
        if how == "q":
            term.write("q")
            wait_for(lambda: "Abort it and quit?" in term.screen_text(), 30, what="the question")
            _past_the_guard()
            signalled = now()
            term.write("y")
        else:
            signalled = now()
            os.kill(term.pid, signal.SIGTERM)
        status = term.wait(90)
        wait_for(lambda: "not sent" in term.text(), 10, what="the summary")
    finally:
        term.kill()
    assert _exit_code(status) == 1
    # A key goes through Textual's input thread and the question's callback on a loop busy
    # drawing the run: its abort takes longer to land than a signal's.
    seen = check_aborted_run(env.journal_dir, sim, signalled, margin_ms=250 if how != "q" else 2000)
    counts = seen["run"].counts
    text = term.text()
    reason = "aborted: the app was closed" if how == "q" else "aborted (SIGTERM)"
    assert f"ordertui: quit during a cancel run ({reason}):" in text
    line = re.search(
        r"Upbit [^\r\n]*: (\d+) cancelled, (\d+) failed, (\d+) unknown, (\d+) not sent", text
    )
    assert line, text[-3000:]
    assert [int(n) for n in line.groups()] == [
        counts.get("cancelled", 0),
        counts.get("failed", 0),
        counts.get("unknown", 0),
        counts["not_sent"],
    ]
    assert f"... and {counts['not_sent'] - 20} more not sent" in text
    _no_crash_logged(env)


def test_sigterm_while_idle_quits_cleanly_with_0(make_sim, env):
    sim = make_sim(seed=24, orders=5)
    term = Pty([], {**env.with_sim(sim), "TERM": "xterm-256color"})
    try:
        wait_for(lambda: "5 orders" in term.screen_text(), 60, what="the orders on screen")
        os.kill(term.pid, signal.SIGTERM)
        status = term.wait(30)
    finally:
        term.kill()
    assert _exit_code(status) == 0
    assert "quit during a cancel run" not in term.text()

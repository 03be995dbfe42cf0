"""Leaving the app while a cancel run is going: `q` (after asking), SIGHUP and SIGTERM.

All three end the same way: nothing more is sent, the requests on the wire finish and are
recorded, the journal gets the run's end, the app exits and `run_app` reports the run
(`QuitDuringRun`) so that the command line can print what was and was not cancelled.

SIGHUP means the terminal is gone (an SSH drop, a closed window): the app is not asked
anything, its standard descriptors are pointed at /dev/null first (writing to a hung-up
terminal fails with EIO; Textual's output thread dies on that and the app then blocks on its
full queue, and its input thread would spin on end-of-file), and it quits as if `q` had
been answered "abort". SIGTERM does the same without the terminal part. Textual 8.2.8
installs no handler for either (its driver handles SIGTSTP, SIGCONT and SIGWINCH only), so
both used to kill the app on the spot, mid-run.
"""

from __future__ import annotations

import os
import signal
import threading
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from tui.core import terminal
from tui.core.events import RunReport

if TYPE_CHECKING:
    from tui.ui.app import OrderTuiApp

# How long quitting waits for the run to end. Each request in flight is bounded by the
# client's timeout (10 s) and none is retried after the abort; this is only a safety net.
# If it runs out, the exchange thread's shutdown still records the run's end.
QUIT_WAIT_S = 30.0
STOP_SIGNALS = {signal.SIGHUP: "SIGHUP: the terminal closed", signal.SIGTERM: "SIGTERM"}


@dataclass(slots=True)
class QuitDuringRun:
    """The app quit while a cancel run was going."""

    report: RunReport | None  # the run's report; None when it had not ended in time
    target: str  # what it ran against, e.g. "Upbit kr (127.0.0.1)"
    reason: str  # the abort reason recorded in the journal


async def abort_and_quit(app: OrderTuiApp, reason: str) -> None:
    """Abort the running cancel, wait for the requests on the wire, then exit the app."""
    run = app.cancel_run
    if not run.running:  # it ended by itself while the question was open
        app.exit()
        return
    before = run.last_report
    app.quitting = True
    run.abort(reason)
    await run.wait_finished(QUIT_WAIT_S)
    client = app.session.client
    report = run.last_report if run.last_report is not before else None
    app.quit_during_run = QuitDuringRun(report, client.describe() if client else "", reason)
    app.exit()


class StopSignals:
    """SIGHUP and SIGTERM while the app runs: quit as if `q` was answered "abort"."""

    def __init__(self, app: OrderTuiApp) -> None:
        self.app = app
        self.received: list[int] = []
        self._previous: dict[int, Any] = {}

    def install(self) -> None:
        if threading.current_thread() is not threading.main_thread():
            return
        terminal.remember()  # to tell, on SIGHUP, which descriptors were the terminal
        for signum in STOP_SIGNALS:
            try:
                self._previous[signum] = signal.signal(signum, self._handler)
            except (ValueError, OSError):
                pass

    def uninstall(self) -> None:
        """After the app: restore what was there, or, once a signal stopped it, ignore them so
        that the summary and the exit code are not cut short."""
        for signum, previous in self._previous.items():
            try:
                signal.signal(signum, signal.SIG_IGN if self.received else previous)
            except (ValueError, OSError, TypeError):
                pass
        self._previous.clear()

    def _handler(self, signum: int, frame: object) -> None:
        # A Python-level handler (not the loop's): it runs even while the app's loop is stuck,
        # e.g. on a write to a terminal that is gone.
        if signum == signal.SIGHUP and terminal.detach_hung_up():
            revive_output(self.app)
        loop = self.app.event_loop
        if loop is None or loop.is_closed():
            if self.received:  # the app is already stopping for an earlier signal
                return
            # The app is not running (yet, or any more): no run to take care of, so the
            # signal does what it did before.
            signal.signal(signum, self._previous.get(signum, signal.SIG_DFL) or signal.SIG_DFL)
            os.kill(os.getpid(), signum)
            return
        self.received.append(signum)
        self._abort_now(signum)
        loop.call_soon_threadsafe(stop_by_signal, self.app, signum)

    def _abort_now(self, signum: int) -> None:
        """Stop the sending at once, from here: the app's loop may be busy drawing for a while
        before `stop_by_signal` runs, and the exchange thread must not send meanwhile."""
        self.app.cancel_run.abort(reason_for(signum))  # nothing when no run is going


def stop_by_signal(app: OrderTuiApp, signum: int) -> None:
    """On the app's loop: quit; during a run, abort it without asking."""
    if signum == signal.SIGHUP and terminal.detach_hung_up():
        revive_output(app)  # again: the output thread may have died since the handler ran
    if app.quitting:
        return
    if app.cancel_run.running:
        app.run_worker(abort_and_quit(app, reason_for(signum)), exclusive=True, group="quit")
    else:
        app.exit()


def revive_output(app: OrderTuiApp) -> None:
    """After a hang-up, with the descriptors detached: no input can come any more, so Textual's
    input thread is told to stop (reading /dev/null it would spin on end-of-file); and its
    output thread may have died on EIO before the detach, after which its queue fills and
    the app blocks writing a frame: then the queue is drained again (into the void now).
    Both reach into Textual 8.2.8's LinuxDriver (`exit_event`, `_writer_thread`)."""
    driver = app._driver
    exit_event = getattr(driver, "exit_event", None)
    if exit_event is not None:
        exit_event.set()
    writer = getattr(driver, "_writer_thread", None)
    if writer is None or writer.is_alive():
        return
    threading.Thread(target=writer.run, name="textual-output-void", daemon=True).start()


def reason_for(signum: int) -> str:
    return f"aborted ({STOP_SIGNALS.get(signal.Signals(signum), signal.Signals(signum).name)})"

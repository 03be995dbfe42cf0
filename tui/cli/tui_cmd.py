"""The default command: the TUI; and `serve`, the TUI in a browser."""

from __future__ import annotations

import sys
from collections.abc import Callable
from typing import TYPE_CHECKING

from tui.cli.common import Context
from tui.core import terminal
from tui.core.errors import EXIT_PARTIAL

if TYPE_CHECKING:
    from tui.ui.quitting import QuitDuringRun

# Orders listed per outcome when the app quits during a run (the rest are in the journal):
# the summary should fit on the screen the app just gave back.
QUIT_SUMMARY_MOST = 20


def run_tui(ctx: Context) -> int:
    from tui.ui.app import run_app

    a = ctx.args
    return (
        run_app(
            overrides=ctx.overrides(),
            config_path=a.config,
            theme=a.theme,
            import_path=a.import_path,
            on_quit_during_run=report_quit_during_run,
        )
        or 0
    )


def report_quit_during_run(quit: QuitDuringRun, scrub: Callable[[str], str]) -> int:
    """The app quit during a cancel run: say on stderr what was cancelled and what was not
    (the same summary as `ordertui cancel`); exit 1 unless every order was cancelled."""
    from tui.cli.cancel_cmd import exit_code, print_summary

    report = quit.report
    if report is None:
        terminal.write(
            sys.stderr,
            scrub(
                f"ordertui: quit during a cancel run ({quit.reason}); it had not ended when the "
                "app closed: its journal holds every request sent; run `ordertui journal "
                "--unresolved`, then `ordertui reconcile`\n"
            ),
        )
        return EXIT_PARTIAL
    terminal.write(sys.stderr, scrub(f"ordertui: quit during a cancel run ({quit.reason}):\n"))
    print_summary(report, quit.target, scrub, file=sys.stderr, most=QUIT_SUMMARY_MOST)
    return exit_code(report)


def run_serve(ctx: Context) -> int:
    from tui.ui.serve import serve

    return serve(ctx.args, ctx.redactor) or 0

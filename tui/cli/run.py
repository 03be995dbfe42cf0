"""Dispatching a parsed command line, and turning every error into one line and an exit code."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable
from typing import TYPE_CHECKING

from tui.core import terminal
from tui.core.errors import EXIT_PARTIAL, EXIT_USAGE, OrderTuiError
from tui.core.visible import visible

if TYPE_CHECKING:
    from tui.cli.common import Context


def dispatch(args: argparse.Namespace) -> int:
    from tui.cli.common import Context
    from tui.cli.logs import setup_logging

    terminal.remember()  # which streams are a terminal, to tell a hung-up one later
    redactor = setup_logging()
    if args.command is not None:  # the TUI draws on the terminal itself; it shows no secrets
        from tui.cli.logs import ScrubbingStream

        sys.stdout = ScrubbingStream(sys.stdout, redactor)
        sys.stderr = ScrubbingStream(sys.stderr, redactor)
    ctx = Context(args, redactor)
    try:
        return _run(args, ctx)
    except OrderTuiError as exc:
        ctx.fail(exc)
        return exc.exit_code
    except KeyboardInterrupt:
        terminal.write(sys.stderr, "ordertui: interrupted\n")
        return 130
    except Exception as exc:  # never a traceback on the user's screen: it goes to the log file
        if isinstance(exc, BrokenPipeError) or (
            terminal.is_dead_stream_error(exc) and terminal.detach_hung_up()
        ):
            # The pipe's reader left or the terminal hung up while we printed: nobody is
            # there to read an error (the journal has what a run did).
            return EXIT_PARTIAL
        import logging

        from tui.cli.logs import log_path

        logging.getLogger("ordertui").exception("internal error")
        message = visible(redactor.scrub(f"{type(exc).__name__}: {exc}")[:300])
        terminal.write(
            sys.stderr, f"ordertui: internal error: {message} (details in {log_path()})\n"
        )
        return 70
    finally:
        ctx.close()
        # What is still buffered goes out now, or to the void if the stream died: a failed
        # flush at interpreter exit would turn any exit code into 120.
        terminal.flush(sys.stdout)
        terminal.flush(sys.stderr)


COMMANDS: dict[str | None, tuple[str, str]] = {
    None: ("tui.cli.tui_cmd", "run_tui"),
    "cancel": ("tui.cli.cancel_cmd", "run_cancel"),
    "orders": ("tui.cli.orders_cmd", "run_orders"),
    "watch": ("tui.cli.watch_cmd", "run_watch"),
    "journal": ("tui.cli.journal_cmd", "run_journal"),
    "reconcile": ("tui.cli.reconcile_cmd", "run_reconcile"),
    "serve": ("tui.cli.tui_cmd", "run_serve"),
    "config": ("tui.cli.config_cmd", "run_config"),
}


MULTI = ("cancel", "orders", "reconcile")  # the commands that run on several profiles


def _run(args: argparse.Namespace, ctx: Context) -> int:
    """Import the command's module only now: `ordertui --help` stays fast."""
    import importlib

    target = COMMANDS.get(args.command)
    if target is None:
        print(f"ordertui: unknown command {args.command!r}", file=sys.stderr)
        return EXIT_USAGE
    if len(set(getattr(args, "profiles", None) or [])) > 1 and args.command not in MULTI:
        print(
            f"ordertui: error: {args.command or 'the TUI'} runs on one profile: give --profile "
            "once (several profiles: cancel, orders, reconcile)",
            file=sys.stderr,
        )
        return EXIT_USAGE
    module, function = target
    command: Callable[[Context], int] = getattr(importlib.import_module(module), function)
    return command(ctx)

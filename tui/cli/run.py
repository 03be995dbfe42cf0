"""Dispatching a parsed command line, and turning every error into one line and an exit code."""

from __future__ import annotations

import argparse
import sys

from tui.core.errors import EXIT_USAGE, OrderTuiError


def dispatch(args: argparse.Namespace) -> int:
    from tui.cli.common import Context
    from tui.cli.logs import setup_logging

    redactor = setup_logging()
    ctx = Context(args, redactor)
    try:
        return _run(args, ctx)
    except OrderTuiError as exc:
        ctx.fail(exc)
        return exc.exit_code
    except KeyboardInterrupt:
        print("ordertui: interrupted", file=sys.stderr)
        return 130
    except BrokenPipeError:
        return 1
    except Exception as exc:  # never a traceback on the user's screen: it goes to the log file
        import logging

        from tui.cli.logs import log_path

        logging.getLogger("ordertui").exception("internal error")
        message = redactor.scrub(f"{type(exc).__name__}: {exc}")[:300]
        print(f"ordertui: internal error: {message} (details in {log_path()})", file=sys.stderr)
        return 70
    finally:
        ctx.close()


def _run(args: argparse.Namespace, ctx) -> int:
    command = args.command
    if command is None:
        from tui.cli.tui_cmd import run_tui

        return run_tui(ctx)
    if command == "cancel":
        from tui.cli.cancel_cmd import run_cancel

        return run_cancel(ctx)
    if command == "orders":
        from tui.cli.orders_cmd import run_orders

        return run_orders(ctx)
    if command == "journal":
        from tui.cli.journal_cmd import run_journal

        return run_journal(ctx)
    if command == "reconcile":
        from tui.cli.reconcile_cmd import run_reconcile

        return run_reconcile(ctx)
    if command == "serve":
        from tui.cli.tui_cmd import run_serve

        return run_serve(ctx)
    if command == "config":
        from tui.cli.config_cmd import run_config

        return run_config(ctx)
    print(f"ordertui: unknown command {command!r}", file=sys.stderr)
    return EXIT_USAGE

"""Dispatching a parsed command line, and turning every error into one line and an exit code."""

from __future__ import annotations

import argparse
import sys

from tui.core.errors import EXIT_USAGE, OrderTuiError
from tui.core.visible import visible


def dispatch(args: argparse.Namespace) -> int:
    from tui.cli.common import Context
    from tui.cli.logs import setup_logging

    redactor = setup_logging()
    if args.command is not None:  # the TUI draws on the terminal itself; it shows no secrets
        from tui.cli.logs import ScrubbingStream

        sys.stdout = ScrubbingStream(sys.stdout, redactor)  # type: ignore[assignment]
        sys.stderr = ScrubbingStream(sys.stderr, redactor)  # type: ignore[assignment]
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
        message = visible(redactor.scrub(f"{type(exc).__name__}: {exc}")[:300])
        print(f"ordertui: internal error: {message} (details in {log_path()})", file=sys.stderr)
        return 70
    finally:
        ctx.close()


COMMANDS: dict[str | None, tuple[str, str]] = {
    None: ("tui.cli.tui_cmd", "run_tui"),
    "cancel": ("tui.cli.cancel_cmd", "run_cancel"),
    "orders": ("tui.cli.orders_cmd", "run_orders"),
    "journal": ("tui.cli.journal_cmd", "run_journal"),
    "reconcile": ("tui.cli.reconcile_cmd", "run_reconcile"),
    "serve": ("tui.cli.tui_cmd", "run_serve"),
    "config": ("tui.cli.config_cmd", "run_config"),
}


def _run(args: argparse.Namespace, ctx) -> int:
    """Import the command's module only now: `ordertui --help` stays fast."""
    import importlib

    target = COMMANDS.get(args.command)
    if target is None:
        print(f"ordertui: unknown command {args.command!r}", file=sys.stderr)
        return EXIT_USAGE
    module, function = target
    return getattr(importlib.import_module(module), function)(ctx)

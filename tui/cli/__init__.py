"""The command line: `ordertui` (the TUI) and its sub-commands.

Only argparse is imported up front, so `ordertui --help` answers fast; each command imports
what it needs when it runs.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence

from tui import __version__
from tui.core.exchange import EXCHANGE_NAMES, Exchange

EPILOG = """\
Without a command, ordertui opens the TUI (demo mode on the built-in simulator when no
credentials are configured).

several profiles: cancel, orders and reconcile take --profile more than once, or
--all-profiles, and run on each profile concurrently (see `ordertui cancel --help`).

exit codes: 0 all cancelled / ok, 1 some failed or unknown, 2 bad usage, input or
            configuration, 3 authentication refused or the account blocked (401/403/418)
"""


class Parser(argparse.ArgumentParser):
    """argparse that exits 2 with one line (and the usage) on bad usage, as documented."""

    def error(self, message: str) -> None:  # type: ignore[override]
        self.print_usage(sys.stderr)
        self.exit(2, f"{self.prog}: error: {message}\n")


class _ProfileAction(argparse.Action):
    """`--profile NAME`, repeatable: `profile` keeps the last one (one profile, as always) and
    `profiles` every one given (cancel, orders and reconcile run on each; tui/cli/profiles.py)."""

    def __call__(
        self,
        parser: argparse.ArgumentParser,
        namespace: argparse.Namespace,
        values: object,
        option_string: str | None = None,
    ) -> None:
        setattr(namespace, self.dest, values)
        namespace.profiles = [*(getattr(namespace, "profiles", None) or []), values]


MULTI_PROFILE_HELP = """\
several profiles (cancel, orders, reconcile):
  --profile A --profile B runs on each named profile, --all-profiles on every configured one,
  concurrently, each with its own client and journal run; profiles on the same account (same
  access key or token, or the same `pocket = "NAME"` in the config) share one rate budget.
  Each profile uses its own config file settings only (UPBIT_*/B2TRADER_* variables and
  --exchange/--region/--base-url/--account-id are for one profile). Output: one block per
  profile, headed by its name; --json prints one JSON object per line, one per profile, each
  with a "profile" field (one --profile prints exactly what it always did, no "profile" field).
  The exit code is the worst of the profiles' (3 > 2 > 1 > 0).
"""


def _global_options(parser: argparse.ArgumentParser, *, suppress: bool) -> None:
    default = argparse.SUPPRESS if suppress else None
    g = parser.add_argument_group("global options")
    g.add_argument(
        "--profile",
        metavar="NAME",
        default=default,
        action=_ProfileAction,
        help="profile from the config file (cancel, orders, reconcile: repeatable, see below)",
    )
    g.add_argument("--exchange", choices=EXCHANGE_NAMES, default=default, help="exchange")
    g.add_argument(
        "--region", metavar="kr|sg|id|th", default=default, help="Upbit region (default kr)"
    )
    g.add_argument(
        "--base-url",
        metavar="URL",
        default=default,
        help="exchange base URL (https; http only to loopback)",
    )
    g.add_argument(
        "--account-id", metavar="ID", default=default, help="B2TRADER trading account id"
    )
    g.add_argument(
        "--config",
        metavar="PATH",
        default=default,
        help="config file (default: the user config dir)",
    )
    g.add_argument(
        "--demo",
        action="store_true",
        default=default if suppress else False,
        help="use the built-in exchange simulator (no real orders)",
    )


def build_parser() -> argparse.ArgumentParser:
    parser = Parser(
        prog="ordertui",
        description="A terminal order manager for cancelling Upbit and B2TRADER orders, fast and safely.",
        epilog=EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("--version", action="version", version=f"ordertui {__version__}")
    _global_options(parser, suppress=False)
    parser.add_argument("--theme", metavar="NAME", help="TUI theme (remembered)")
    parser.add_argument(
        "--import", dest="import_path", metavar="PATH", help="import orders into the table at start"
    )
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", parser_class=Parser)

    def command(name: str, help_text: str, *, multi: bool = False) -> argparse.ArgumentParser:
        p = sub.add_parser(
            name,
            help=help_text,
            description=help_text,
            epilog=MULTI_PROFILE_HELP if multi else None,
            formatter_class=argparse.RawDescriptionHelpFormatter,
        )
        _global_options(p, suppress=True)
        if multi:
            p.add_argument(
                "--all-profiles",
                action="store_true",
                help="run on every profile of the config file, concurrently (see below)",
            )
        return p

    c = command(
        "cancel",
        "Cancel orders (by uuid, identifier, B2TRADER order id, from a file, or --all by rule).",
        multi=True,
    )
    c.add_argument(
        "--uuid", action="append", default=[], metavar="ID", help="Upbit order uuid (repeatable)"
    )
    c.add_argument(
        "--identifier",
        action="append",
        default=[],
        metavar="ID",
        help="Upbit client identifier (repeatable)",
    )
    c.add_argument(
        "--order-id",
        action="append",
        default=[],
        metavar="ID",
        help="B2TRADER order id (repeatable)",
    )
    c.add_argument(
        "--from-file",
        metavar="PATH|-",
        help="read ids from a file (text, CSV/TSV, JSON) or - for stdin; with several "
        "profiles, only the JSON lines of `orders --json` on several profiles (each names "
        "its profile)",
    )
    c.add_argument("--yes", action="store_true", help="do not ask for confirmation")
    c.add_argument(
        "--dry-run", action="store_true", help="print the planned requests and send nothing"
    )
    c.add_argument(
        "--json",
        action="store_true",
        help="print one JSON object with the results (and internal_errors: bugs of ordertui "
        "caught during the run, 0 on a clean run)",
    )
    c.add_argument(
        "--no-stream",
        action="store_true",
        help="do not open the profile's order stream: confirm every cancel by look-up (by "
        "default a cancel the stream sees close needs no look-up)",
    )
    from tui.cli.cancel_rule_args import add_rule_arguments

    add_rule_arguments(c)

    o = command("orders", "List open orders (B2TRADER: from its open-orders stream).", multi=True)
    o.add_argument("--market", metavar="M", help="only this market, e.g. KRW-BTC")
    o.add_argument(
        "--json",
        action="store_true",
        help='print JSON ({"exchange", "orders": [...], "partial", "unreadable"})',
    )

    w = command(
        "watch",
        "Print one line per order event from the exchange's live stream until Ctrl+C"
        " (reconnects by itself; stream state on stderr).",
    )
    w.add_argument(
        "--market",
        action="append",
        default=[],
        metavar="M",
        help="only this market, e.g. KRW-BTC (repeatable; Upbit)",
    )
    w.add_argument(
        "--json", action="store_true", help="JSON lines (amounts as strings), one per event"
    )

    j = sub.add_parser(
        "journal",
        help="List past runs; --unresolved lists orders whose outcome is unknown.",
        description="List past runs and, per run, counts by outcome.",
    )
    j.add_argument(
        "--unresolved",
        action="store_true",
        help="list orders whose outcome is unknown or whose run never finished",
    )
    j.add_argument("--json", action="store_true", help="print JSON")

    r = command(
        "reconcile", "Look up every unresolved order and record its real final state.", multi=True
    )
    r.add_argument("--yes", action="store_true", help="do not ask before looking orders up")
    r.add_argument("--json", action="store_true", help="print JSON")

    sub.add_parser(
        "simulate",
        help="Run the exchange simulator in the foreground (see `ordertui simulate --help`).",
        add_help=False,
    )

    s = command("serve", "Run the TUI in a web browser (textual-serve on 127.0.0.1).")
    s.add_argument(
        "--port",
        type=int,
        default=8000,
        help="port on 127.0.0.1 (default 8000; 0 picks a free one)",
    )
    s.add_argument("--theme", metavar="NAME", help="TUI theme")

    cfg = sub.add_parser("config", help="Show, create or extend the configuration file.")
    cfg.add_argument(
        "--config",
        metavar="PATH",
        default=argparse.SUPPRESS,
        help="config file (default: the user config dir)",
    )
    cfg_sub = cfg.add_subparsers(dest="config_command", metavar="ACTION", parser_class=Parser)
    cfg_sub.add_parser("path", help="print the config file's path")
    cfg_sub.add_parser("show", help="print the configuration, secrets masked")
    cfg_sub.add_parser("init", help="create a commented config file (0600) if none exists")
    add = cfg_sub.add_parser(
        "add", help="add or replace a profile; secrets are read from the environment or asked"
    )
    add.add_argument("name")
    add.add_argument("--exchange", choices=EXCHANGE_NAMES, default=Exchange.UPBIT.value)
    add.add_argument("--region", choices=("kr", "sg", "id", "th"))
    add.add_argument("--base-url", metavar="URL")
    add.add_argument("--account-id", metavar="ID")
    add.add_argument("--default", action="store_true", help="make it the default profile")
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    args_list = list(sys.argv[1:] if argv is None else argv)
    if args_list[:1] == ["simulate"]:
        from tui.simulator.cli import main as simulate

        return simulate(args_list[1:])
    parser = build_parser()
    args = parser.parse_args(args_list)
    from tui.cli.run import dispatch

    return dispatch(args)

"""The flags of `ordertui cancel --all` (cancel by rule). argparse only: `--help` stays fast."""

from __future__ import annotations

import argparse

RULE_FLAGS = (
    "market",
    "exclude_market",
    "quote",
    "side",
    "state",
    "older_than",
    "newer_than",
    "identifier_prefix",
    "keep_identifier_prefix",
    "min_price",
    "max_price",
    "rule",
    "server_side",
)


EXAMPLES = """\
examples of --all:
  ordertui cancel --all --market KRW-BTC --side bid --older-than 2h --dry-run
  ordertui cancel --all --quote KRW --keep-identifier-prefix hedge- --yes --json
  ordertui cancel --all --rule stale-bids          # [rules.stale-bids] in the config file
  ordertui cancel --all --server-side --side bid   # panic mode (Upbit)

Named rules: [rules.NAME] tables with the keys markets, exclude_markets, quotes, side, state,
older_than, newer_than, identifier_prefix, keep_identifier_prefixes, min_price, max_price.
"""


def add_rule_arguments(parser: argparse.ArgumentParser) -> None:
    parser.epilog = EXAMPLES + ("\n\n" + parser.epilog if parser.epilog else "")
    parser.formatter_class = argparse.RawDescriptionHelpFormatter
    g = parser.add_argument_group(
        "cancel by rule (--all)",
        "Cancel every open order matching a rule. Exact mode (the default) lists all open "
        "orders, applies the rule here and cancels exactly the orders it previewed, by id: an "
        "order created after the preview is never touched. --all alone means every open order "
        "(you type the count to confirm, unless --yes).",
    )
    g.add_argument("--all", action="store_true", help="cancel the open orders matching the rule")
    g.add_argument(
        "--market", action="append", default=[], metavar="M", help="only this market (repeatable)"
    )
    g.add_argument(
        "--exclude-market",
        action="append",
        default=[],
        metavar="M",
        help="never this market (repeatable)",
    )
    g.add_argument(
        "--quote",
        action="append",
        default=[],
        metavar="CUR",
        help="only markets quoted in CUR, e.g. KRW (repeatable; not with --market on Upbit)",
    )
    g.add_argument("--side", metavar="bid|ask", help="only buys (bid) or sells (ask)")
    g.add_argument(
        "--state", metavar="wait|watch", help="only this state (B2TRADER: Started|Pending|Working)"
    )
    g.add_argument(
        "--older-than", metavar="DUR", help="only orders older than DUR (90s, 15m, 2h, 3d)"
    )
    g.add_argument("--newer-than", metavar="DUR", help="only orders newer than DUR")
    g.add_argument("--identifier-prefix", metavar="P", help="only identifiers starting with P")
    g.add_argument(
        "--keep-identifier-prefix",
        action="append",
        default=[],
        metavar="P",
        help="never cancel identifiers starting with P, whatever else matches (repeatable)",
    )
    g.add_argument("--min-price", metavar="PRICE", help="only orders priced at least PRICE")
    g.add_argument("--max-price", metavar="PRICE", help="only orders priced at most PRICE")
    g.add_argument(
        "--rule",
        metavar="NAME",
        help="start from the rule [rules.NAME] of the config file (flags add to it)",
    )
    g.add_argument(
        "--server-side",
        action="store_true",
        help="panic mode (Upbit): also let the exchange cancel matching WAIT orders itself "
        "(DELETE /v1/orders/open, every 2 s) while ordertui cancels the rest by id. Faster, "
        "but matching orders created during the run are cancelled too",
    )


def rule_flags_given(args: argparse.Namespace) -> list[str]:
    """The rule flags set on the command line, as `--flag` names."""
    return [
        "--" + name.replace("_", "-")
        for name in RULE_FLAGS
        if getattr(args, name, None) not in (None, [], False)
    ]

"""Named cancel rules from the config file (`[rules.NAME]` tables) and how a command finds one.

    [rules.stale-bids]
    side = "bid"
    older_than = "2h"
    quotes = ["KRW"]
    keep_identifier_prefixes = ["hedge-"]

Keys are the fields of `tui.core.rules.Rule`; the file's problems are reported by the config
loader with the file and line, like any other key.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from tui.core.rules import Rule, RuleError

if TYPE_CHECKING:
    from tui.core.config import AppConfig

RULE_KEYS = tuple(Rule.model_fields)


def named_rule(config: AppConfig, name: str) -> Rule:
    """The rule `[rules.NAME]`, or RuleError naming the rules there are."""
    rules = config.rules
    rule = rules.get(name)
    if rule is None:
        where = f" in {config.path}" if config.path else ""
        known = ", ".join(sorted(rules)) or "none"
        raise RuleError(f"no rule named {name!r}{where} (rules: {known})")
    return rule


def rule_names(config: AppConfig) -> list[str]:
    return sorted(config.rules)

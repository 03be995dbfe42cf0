"""One line per config problem: the file, the line (best effort) and what is wrong, never a
credential's value."""

from __future__ import annotations

import re
from pathlib import Path

from pydantic import ValidationError

from tui.core.errors import error_text


def describe_validation(path: Path, text: str, exc: ValidationError) -> str:
    first = exc.errors()[0]
    loc = tuple(str(p) for p in first.get("loc", ()))
    kind = first.get("type", "")
    section, key = loc[:-1], (loc[-1] if loc else "")
    line = find_line(text, section, key)
    where = ".".join(loc) or "(top level)"
    if kind == "extra_forbidden":
        what = f"unknown key {where!r}"
    else:
        value = first.get("input")
        # Only a plain value is echoed, never a credential or a table (which may hold one).
        plain = isinstance(value, (str, int, float, bool)) and key not in (
            "access_key",
            "secret_key",
            "token",
        )
        shown = f" (got {str(value)[:40]!r})" if plain else ""
        what = f"{where}: {error_text(first)}{shown}"
    more = f" (and {exc.error_count() - 1} more problem(s))" if exc.error_count() > 1 else ""
    return f"{path}{at_line(line)}: {what}{more}"


def at_line(line: int | None) -> str:
    return f", line {line}" if line else ""


def find_line(text: str, section: tuple[str, ...], key: str) -> int | None:
    """Best-effort line of `key` inside table `section` (e.g. ("profiles", "main")): the key's
    own table header, its assignment in the section's table, a dotted or inline assignment,
    or at least the section's header."""
    lines = text.split("\n")
    path = (*section, key) if key else section

    def dotted(parts: tuple[str, ...]) -> str:
        return r"\s*\.\s*".join(r"[\"']?" + re.escape(p) + r"[\"']?" for p in parts)

    def first(pattern: str, start: int = 0, stop: int | None = None) -> int | None:
        rx = re.compile(pattern)
        return next(
            (i for i in range(start, len(lines) if stop is None else stop) if rx.search(lines[i])),
            None,
        )

    if path:  # the key is a table itself: [a.key], [[a.key]], or has sub-tables [a.key.x]
        hit = first(r"^\s*\[\[?\s*" + dotted(path) + r"\s*[.\]]")
        if hit is not None:
            return hit + 1
    top = first(r"^\s*\[\[?\s*" + dotted(section) + r"\s*\]") if section else -1
    if key:
        if top is not None:  # key = ... in the section's own table (or before any table)
            end = first(r"^\s*\[", top + 1)
            hit = first(r"^\s*" + dotted((key,)) + r"\s*=", top + 1, end)
            if hit is not None:
                return hit + 1
        for cut in range(len(path) - 1):  # dotted keys: profiles.main.rps = ... / main.rps = ...
            hit = first(r"^\s*" + dotted(path[cut:]) + r"\s*=")
            if hit is not None:
                return hit + 1
        hit = first(r"(?<![\w.-])[\"']?" + re.escape(key) + r"[\"']?\s*=")  # inside an inline table
        if hit is not None:
            return hit + 1
    return top + 1 if top is not None and top >= 0 else None

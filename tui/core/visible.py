"""Outside text made safe to show: every character a terminal would act on becomes visible.

Text from files, pastes, exchange answers and the command line may hold characters that a
terminal does not print but obeys: `ESC ]0;…` sets the window title, `ESC [2J` clears the
screen, C1 controls (U+0080-U+009F) are CSI/OSC on some terminals, bidi overrides reorder
what is shown (Trojan Source), a line separator breaks a one-line field. `visible()` writes
each of them as an escape the user can read (`\\x1b`, `\\u202e`); everything else, including
every printable character of any script, is returned unchanged (the same object).

Only what is shown is changed: the order ids, identifiers and answers the program keeps,
sends and records are never rewritten.
"""

from __future__ import annotations

import re

# C0 controls, DEL and C1 controls; Arabic letter mark, left-to-right and right-to-left marks;
# line and paragraph separators; bidi embeddings, overrides and isolates; lone surrogates
# (from a JSON "\ud800": not text, and no encoder would write them).
UNSAFE_CHARS = (
    "\x00-\x1f\x7f-\x9f\u061c\u200e\u200f\u2028\u2029\u202a-\u202e\u2066-\u2069\ud800-\udfff"
)
_PATTERNS: dict[str, re.Pattern[str]] = {}


def _pattern(keep: str) -> re.Pattern[str]:
    pattern = _PATTERNS.get(keep)
    if pattern is None:
        kept = "".join(re.escape(ch) for ch in keep)
        pattern = re.compile(f"(?![{kept}])[{UNSAFE_CHARS}]" if kept else f"[{UNSAFE_CHARS}]")
        _PATTERNS[keep] = pattern
    return pattern


_NAMED = {"\t": "\\t", "\n": "\\n", "\r": "\\r"}


def _escape(match: re.Match[str]) -> str:
    char = match.group()
    named = _NAMED.get(char)
    if named is not None:
        return named
    code = ord(char)
    # \xNN below 0x20 (as Python writes them); \uNNNN from DEL on, which is also valid inside a
    # JSON string, so JSON printed to a terminal stays JSON (and means the same) once passed here.
    return f"\\x{code:02x}" if code < 0x20 else f"\\u{code:04x}"


def visible(text: str, *, keep: str = "") -> str:
    """`text` with every control, bidi and separator character written as a visible escape.

    `keep` names characters to leave as they are: "\\n" for a message of several lines; by
    default a one-line field shows a newline or a tab as `\\n` / `\\t` too.
    Printable text costs one C-level scan (`str.isprintable`) and comes back as it was.
    """
    if text.isprintable():
        return text
    return _pattern(keep).sub(_escape, text)


_DROP = re.compile(f"[{UNSAFE_CHARS}]")


def _drop(match: re.Match[str]) -> str:
    # A lone surrogate takes one cell when measured: a replacement character keeps the width.
    return "\ufffd" if "\ud800" <= match.group() <= "\udfff" else ""


def drop_unsafe(text: str) -> str:
    """`text` without any of those characters (for a last line of defence that must keep the
    width of what was measured: they all measure zero cells, except lone surrogates, which
    become U+FFFD)."""
    if text.isprintable():
        return text
    return _DROP.sub(_drop, text)

"""`visible`: no character a terminal would act on survives; printable text is untouched."""

from __future__ import annotations

import json
import re

from hypothesis import given
from hypothesis import strategies as st
from rich.cells import cell_len

from tests.reliability.fuzzing import FUZZ
from tui.core.visible import UNSAFE_CHARS, drop_unsafe, visible
from tui.ui.formatting import fit

UNSAFE = re.compile(f"[{UNSAFE_CHARS}]")
# Every character the function must escape, by name of what it does on a terminal.
MUST_ESCAPE = {
    "NUL": "\x00",
    "BEL": "\x07",
    "BS": "\x08",
    "TAB": "\t",
    "LF": "\n",
    "CR": "\r",
    "ESC": "\x1b",
    "DEL": "\x7f",
    "C1 NEL": "\x85",
    "C1 CSI": "\x9b",
    "C1 OSC": "\x9d",
    "C1 ST": "\x9c",
    "ALM": "\u061c",
    "LRM": "\u200e",
    "RLM": "\u200f",
    "line separator": "\u2028",
    "paragraph separator": "\u2029",
    "LRE": "\u202a",
    "RLO": "\u202e",
    "LRI": "\u2066",
    "PDI": "\u2069",
    "lone surrogate": "\ud800",
}
# Text a hostile file or answer is made of: the dangerous characters mixed with ordinary ones.
hostile_text = st.text(
    alphabet=st.one_of(
        st.sampled_from(sorted(set(MUST_ESCAPE.values()) | set("[]@=\\;0J"))),
        st.characters(),
    ),
    max_size=80,
)


def test_each_dangerous_character_is_escaped():
    for name, char in MUST_ESCAPE.items():
        shown = visible(f"a{char}b")
        assert UNSAFE.search(shown) is None and shown != f"a{char}b", name
        assert shown.startswith("a\\") and shown.endswith("b"), name


def test_the_escapes_read_as_python_and_json_write_them():
    assert visible("\x1b]0;TITLE\x1b\\") == "\\x1b]0;TITLE\\x1b\\"
    assert visible("\x1b[2J") == r"\x1b[2J"
    assert visible("a\tb\nc\rd") == r"a\tb\nc\rd"
    assert visible("\x7f\x9b\u202e\ud800") == r"\u007f\u009b\u202e\ud800"


def test_keep_leaves_the_named_characters_alone():
    assert visible("one\ntwo\x1b", keep="\n") == "one\ntwo\\x1b"
    assert visible("a\r\n\tb", keep="\n\r\t") == "a\r\n\tb"
    assert visible("a\u2028b", keep="\n") == r"a\u2028b"


def test_printable_text_of_any_script_is_returned_as_is():
    for text in ("KRW-BTC", "0b2a3c4d-1111-4222-8333-444455556666", "한국어 주문", "עברית", ""):
        assert visible(text) is text


@FUZZ
@given(hostile_text, st.sampled_from(["", "\n", "\n\r\t"]))
def test_nothing_dangerous_survives(text, keep):
    shown = visible(text, keep=keep)
    left = {ch for ch in UNSAFE.findall(shown)}
    assert left <= set(keep)


@FUZZ
@given(st.text(max_size=80).filter(str.isprintable))
def test_printable_text_is_unchanged(text):
    assert visible(text) is text


@FUZZ
@given(st.text(max_size=80).filter(lambda t: UNSAFE.search(t) is None))
def test_text_without_dangerous_characters_is_unchanged(text):
    # (non-breaking spaces, zero-width joiners and the like are not printable but harmless)
    assert visible(text) == text


@FUZZ
@given(hostile_text)
def test_json_printed_through_it_stays_json_with_the_same_meaning(text):
    """The command line's output stream passes everything through `visible` (keeping line
    breaks): `--json` output must still parse to exactly the text the exchange sent."""
    printed = json.dumps({"message": text}, ensure_ascii=False)
    assert json.loads(visible(printed, keep="\n\r\t")) == {"message": text}


@FUZZ
@given(hostile_text)
def test_drop_unsafe_removes_them_and_keeps_the_width(text):
    dropped = drop_unsafe(text)
    assert UNSAFE.search(dropped) is None
    assert cell_len(dropped) == cell_len(text)


@FUZZ
@given(hostile_text, st.integers(min_value=1, max_value=40), st.booleans())
def test_a_table_cell_is_visible_and_exactly_its_width(text, width, right):
    cell = fit(text, width, right=right)
    assert UNSAFE.search(cell) is None
    assert cell_len(cell) == width


@FUZZ
@given(st.dictionaries(hostile_text, hostile_text, max_size=4), st.sampled_from([None, 2]))
def test_every_json_the_program_writes_is_safe_encodable_and_the_same(data, indent):
    """decimal_json.dumps writes the journal, exports and --json: nothing in it acts on a
    terminal, every file or pipe accepts it (no lone surrogate), and it reads back the same."""
    from tui.core import decimal_json

    text = decimal_json.dumps(data, indent=indent)
    assert {ch for ch in UNSAFE.findall(text)} <= {"\n"}
    text.encode("utf-8")
    assert decimal_json.loads(text) == data

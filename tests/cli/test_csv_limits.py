"""A CSV field past the csv module's limit (131,072 characters) is bad input: exit 2 and one
line on stderr, not an internal error (exit 70). Nothing is read from such a file: it almost
always is an unclosed quote, and the orders after it would be dropped without a word."""

from __future__ import annotations

import subprocess
import sys

import pytest

from tui.core.errors import InputError
from tui.core.parsing import parse_text

UUID = "78c5510f-390c-48f7-b6ce-5aa6ca3f95dd"
OTHER = "0b8b3d3e-3c1f-4f55-9a51-9f3c2d7e6a10"


def _cancel(path, isolated_home) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "tui", "cancel", "--from-file", str(path), "--dry-run"],
        capture_output=True,
        text=True,
        timeout=60,
        stdin=subprocess.DEVNULL,
        cwd=isolated_home,
    )


@pytest.mark.parametrize(
    ("text", "line"),
    [
        (f"uuid,note\n{UUID},{'x' * 140_000}\n", 2),
        # an unclosed quote on line 3 swallows every line after it into one field
        (f'uuid,note\n{UUID},ok\n"{OTHER},ok\n' + "more\n" * 30_000, 3),
    ],
    ids=["long-field", "unclosed-quote"],
)
def test_oversized_csv_field_exits_2_with_one_line(tmp_path, isolated_home, text, line):
    path = tmp_path / "orders.csv"
    path.write_text(text)
    proc = _cancel(path, isolated_home)
    assert proc.returncode == 2, proc.stderr
    lines = proc.stderr.splitlines()
    assert len(lines) == 1, proc.stderr
    assert lines[0].startswith("ordertui: error: ")
    assert f"line {line}:" in lines[0] and "131,072 characters" in lines[0]
    assert proc.stdout == ""  # nothing planned, nothing sent


def test_parse_text_refuses_the_table_instead_of_crashing():
    with pytest.raises(InputError, match="131,072"):
        parse_text(f'uuid\n{UUID}\n"{"y" * 140_000}\n')
    # under the limit the row is only ignored, as before
    result = parse_text(f"uuid,note\n{UUID},{'x' * 1000}\n")
    assert [r.value for r in result.refs] == [UUID]

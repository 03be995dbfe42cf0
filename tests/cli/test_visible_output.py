"""Outside text never drives the terminal from the command line: lines of a `--from-file`,
exchange error messages and order fields are printed with their control characters made
visible (`\\x1b`, `\\u202e`), on stdout and stderr; `--json` stays JSON and keeps the exact
text; the log file gets the visible form too."""

from __future__ import annotations

import json
import logging
import subprocess
import sys
from pathlib import Path

import pytest

from tests import hostile_exchange as hostile
from tests.conftest import home_env
from tests.hostile_exchange import HostileExchange, raw_found

UUID = "0b2a3c4d-1111-4222-8333-444455556666"
EVIL_LINES = [
    "\x1b]0;PWNED\x1b\\ sets the title",
    "\x1b[2J clears the screen",
    "\x07 rings \x9b31m c1 \u202e bidi \x85 next-line\ttab",
]


def run(args: list[str], env: dict[str, str], *, stdin: str | None = None):
    return subprocess.run(
        [sys.executable, "-m", "tui", *args],
        env=env,
        input=stdin,
        capture_output=True,
        text=True,
        encoding="utf-8",
        errors="surrogateescape",
        timeout=120,
        stdin=None if stdin is not None else subprocess.DEVNULL,
    )


@pytest.fixture
def env(isolated_home) -> dict[str, str]:
    return home_env(
        isolated_home,
        ORDERTUI_LOG_FILE=str(isolated_home / "ordertui.log"),
        PYTHONWARNINGS="ignore",
    )


def assert_clean(text: str, where: str) -> None:
    raw = [repr(ch) for ch in ("\x1b", "\x07", "\x9b", "\x85", "\u202e") if ch in text]
    assert not raw, f"raw {', '.join(raw)} in {where}: {text!r}"


@pytest.mark.parametrize("source", ["file", "stdin"])
def test_ignored_lines_of_from_file_are_shown_escaped(env, tmp_path, source):
    text = "\n".join([UUID, *EVIL_LINES]) + "\n"
    path = tmp_path / "evil.txt"
    path.write_text(text, encoding="utf-8")
    args = ["cancel", "--demo", "--dry-run", "--from-file"]
    if source == "file":
        done = run([*args, str(path)], env)
    else:
        done = run([*args, "-"], env, stdin=text)
    assert done.returncode == 0, done.stderr
    assert_clean(done.stdout, "stdout")
    assert_clean(done.stderr, "stderr")
    ignored = [line for line in done.stderr.splitlines() if "ignored line" in line]
    assert len(ignored) == 3, done.stderr
    assert ignored[0].endswith(r"no order id found: \x1b]0;PWNED\x1b\ sets the title")
    assert ignored[1].endswith(r"\x1b[2J clears the screen")
    assert ignored[2].endswith(r"\x07 rings \u009b31m c1 \u202e bidi \u0085 next-line\ttab")


def test_an_error_quoting_a_file_name_is_one_visible_line(env, tmp_path):
    done = run(["cancel", "--demo", "--from-file", str(tmp_path / "a\x1b[2J\nb")], env)
    assert done.returncode == 2
    assert_clean(done.stderr, "stderr")
    assert done.stderr.count("\n") == 1, done.stderr  # one line, as every bad-input error
    assert r"a\x1b[2J\nb" in done.stderr


@pytest.fixture
def exchange(env):
    with HostileExchange() as server:
        env.update(
            {
                "UPBIT_OPEN_API_ACCESS_KEY": "access-key-for-a-hostile-exchange",
                "UPBIT_OPEN_API_SECRET_KEY": "secret-key-for-a-hostile-exchange",
                "UPBIT_OPEN_API_SERVER_URL": server.base_url,
            }
        )
        yield server


def test_exchange_error_messages_and_fields_are_printed_visible(env, exchange):
    done = run(["cancel", "--uuid", UUID, "--yes"], env)
    assert "DELETE /v1/order" in exchange.requests  # the cancel really went to the exchange
    assert done.returncode == 1, done.stderr
    assert_clean(done.stdout, "stdout")
    assert_clean(done.stderr, "stderr")
    failed = next(line for line in done.stdout.splitlines() if line.startswith("  failed"))
    assert r"KRW-\x1b]0;PWNED\x07\r" in failed
    assert r"refused\x1b[2J: no \x1b]0;PWNED\x07 way \u009b31m \u202ereversed" in failed
    # the message's line breaks (folded to spaces by the client) start no line of their own
    assert failed.endswith("[@click=app.quit]quit[/] second line overwrite")


def test_json_output_is_valid_and_keeps_the_exact_text(env, exchange):
    done = run(["cancel", "--uuid", UUID, "--yes", "--json"], env)
    assert done.returncode == 1, done.stderr
    assert_clean(done.stdout, "stdout")
    body = json.loads(done.stdout)
    error = body["failed"][0]["error"]
    assert error["name"] == hostile.ERROR_NAME
    # exactly what the exchange said, but for its whitespace, which the client folds
    assert error["message"] == " ".join(hostile.ERROR_MESSAGE.split())
    assert body["failed"][0]["market"] == hostile.MARKET

    listing = run(["orders", "--json"], env)
    assert listing.returncode == 0, listing.stderr
    assert_clean(listing.stdout, "orders --json")
    assert json.loads(listing.stdout)["orders"] == [hostile.order()]


def test_the_journal_records_every_outcome_whatever_the_answer_holds(env, exchange, tmp_path):
    """A lone surrogate in an answer made the journal's write fail after the cancel was sent
    (the outcome went unrecorded) and the command end in an internal error."""
    env["ORDERTUI_JOURNAL_DIR"] = str(tmp_path / "journal")
    done = run(["cancel", "--uuid", UUID, "--yes", "--json"], env)
    assert done.returncode == 1, done.stderr  # failed (refused), not an internal error (70)
    (path,) = (tmp_path / "journal").glob("*.jsonl")
    text = path.read_text(encoding="utf-8")  # strict: every byte is UTF-8
    assert raw_found(text) == []
    records = [json.loads(line) for line in text.splitlines()]
    outcomes = [r for r in records if r["type"] == "outcome"]
    assert outcomes and {o["outcome"] for o in outcomes} == {"failed"}
    assert records[-1]["type"] == "finish", [r["type"] for r in records]
    assert any(o.get("identifier") == hostile.IDENTIFIER for o in outcomes)  # as it was sent


def test_orders_table_shows_fields_visible_and_aligned(env, exchange):
    listing = run(["orders"], env)
    assert listing.returncode == 0, listing.stderr
    assert_clean(listing.stdout, "stdout")
    header, row, *_ = listing.stdout.splitlines()
    assert r"bot\u202e1[@click=app.quit]quit[/]" in row and r"KRW-\x1b]0;PWNED\x07\r" in row
    # columns are measured on what is printed: the state sits under its header
    assert row.index("wait") == header.index("state")


@pytest.mark.internal_errors_expected  # it logs an error on purpose, to read the log file
def test_log_file_lines_show_outside_text_visible(tmp_path, monkeypatch):
    """The log file's handler (as `dispatch` sets it up for every command and the TUI)."""
    from tui.cli import logs

    path = tmp_path / "ordertui.log"
    monkeypatch.setenv("ORDERTUI_LOG_FILE", str(path))
    root = logging.getLogger()
    before = list(root.handlers)
    monkeypatch.setattr(root, "handlers", [h for h in before if not getattr(h, "_ordertui", 0)])
    logs.setup_logging()
    added = [h for h in root.handlers if h not in before]
    try:
        log = logging.getLogger("tui.exchanges.upbit")
        log.warning("unreadable order in a list answer: %s", hostile.ERROR_MESSAGE)
        try:
            raise ValueError(f"answer was {hostile.MARKET}")
        except ValueError:
            log.exception("unexpected error in %s", "DELETE /v1/order")
    finally:
        for handler in added:
            handler.close()
            root.removeHandler(handler)
    text = Path(path).read_text(encoding="utf-8")
    assert raw_found(text) == [], text
    lines = text.splitlines()
    # one line per record (the traceback keeps its own lines): nothing forged a line
    assert lines[0].endswith(
        r"no \x1b]0;PWNED\x07 way \u009b31m \u202ereversed [@click=app.quit]quit[/]"
        r"\nsecond line\r overwrite"
    )
    assert lines[-1] == r"ValueError: answer was KRW-\x1b]0;PWNED\x07\r"

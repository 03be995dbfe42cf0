"""A run that caught a bug of ours says so: `ordertui cancel --json` reports `internal_errors`,
the human summary and `ordertui journal` show the count when it is not zero, and journals
written before the field existed still read (as 0)."""

from __future__ import annotations

import json

import httpx
import pytest

from tests.cli.test_orders_cli import run_in_process
from tests.core.test_engine_internal_errors import FAST, U, _exchange
from tui.core.journal import read_run

ACCESS, SECRET = "k" * 40, "s" * 40


@pytest.fixture
def cli_client(isolated_home, monkeypatch):
    """The CLI's client talks to a MockTransport exchange; `state["broken"]` makes reading a
    single cancel's answer raise after the exchange acted (a bug the engine catches)."""
    import tui.exchanges.factory as factory
    from tui.exchanges.upbit import UpbitClient

    state = {"broken": False}

    def make_client(profile, **kw):
        client = UpbitClient(
            profile.access_key.get_secret_value(),
            profile.secret_key.get_secret_value(),
            base_url="https://api.upbit.test",
            transport=httpx.MockTransport(_exchange),
            retry=FAST,
        )
        if state["broken"]:
            real = client.cancel_one

            async def cancel_one(ref, control=None):
                await real(ref, control=control)
                raise RuntimeError("a bug in reading the answer")

            client.cancel_one = cancel_one  # type: ignore[method-assign]
        return client

    monkeypatch.setattr(factory, "make_client", make_client)
    monkeypatch.setenv("UPBIT_OPEN_API_ACCESS_KEY", ACCESS)
    monkeypatch.setenv("UPBIT_OPEN_API_SECRET_KEY", SECRET)
    return state


def _journal_runs(monkeypatch) -> list[dict]:
    code, out, _ = run_in_process(["journal", "--json"], monkeypatch)
    assert code == 0
    return json.loads(out)["runs"]


@pytest.mark.internal_errors_expected
def test_a_run_that_caught_a_bug_reports_it_in_json_the_summary_and_the_journal(
    cli_client, monkeypatch
):
    cli_client["broken"] = True
    code, out, _ = run_in_process(["cancel", "--uuid", U, "--yes", "--json"], monkeypatch)
    report = json.loads(out)
    assert code == 0  # the look-up repaired the outcome: the order is cancelled...
    assert [o["uuid"] for o in report["cancelled"]] == [U]
    assert report["internal_errors"] == 1  # ...but the run was not clean, and says so

    code, out, _ = run_in_process(["cancel", "--uuid", U, "--yes"], monkeypatch)
    assert code == 0
    (line,) = [x for x in out.splitlines() if "internal error" in x]
    assert "1 internal error(s) caught during this run" in line and "ordertui.log" in line

    runs = _journal_runs(monkeypatch)
    assert [r["internal_errors"] for r in runs] == [1, 1]
    code, out, _ = run_in_process(["journal"], monkeypatch)
    assert code == 0
    statuses = [x for x in out.splitlines() if "internal error(s)" in x]
    assert len(statuses) == 2 and all("finished, 1 internal error(s)" in x for x in statuses)
    assert "details in" in out


def test_a_clean_run_reports_zero_and_shows_no_internal_error_line(cli_client, monkeypatch):
    code, out, _ = run_in_process(["cancel", "--uuid", U, "--yes", "--json"], monkeypatch)
    assert code == 0 and json.loads(out)["internal_errors"] == 0
    code, out, _ = run_in_process(["cancel", "--uuid", U, "--yes"], monkeypatch)
    assert code == 0 and "internal error" not in out
    assert [r["internal_errors"] for r in _journal_runs(monkeypatch)] == [0, 0]
    code, out, _ = run_in_process(["journal"], monkeypatch)
    assert "internal error" not in out


def test_a_journal_written_before_the_field_reads_as_no_internal_errors(tmp_path):
    path = tmp_path / "20240101T000000-old.jsonl"
    lines = [
        {"type": "run", "run_id": "old", "exchange": "upbit", "refs": [f"uuid:{U}"]},
        {"type": "intent", "refs": [f"uuid:{U}"]},
        {"type": "outcome", "ref": f"uuid:{U}", "outcome": "cancelled"},
        {"type": "finish", "halted": None, "aborted": False},
    ]
    path.write_text("".join(json.dumps(x) + "\n" for x in lines), encoding="utf-8")
    run = read_run(path)
    assert run.finished and not run.warnings() and run.internal_errors == 0

"""The journal against damaged and hostile files: a torn last line never swallows the next
record, one bad record costs that record only (reported as file:line), every outcome is shown,
and huge, endless or special files are read in bounded memory, never block and are never pruned."""

from __future__ import annotations

import json
import os
import resource
import subprocess
from pathlib import Path

import pytest

from tui.core.journal import MAX_LINE, append_records, list_runs, prune, read_run

from .fake_upbit import FakeUpbit
from .helpers import CLI, journal_files, last_json_line, records, run_cli
from .test_journal import SECRET, _settled, run_engine


def write_run(directory: Path, name: str, lines: list[dict | str], *, torn: str = "") -> Path:
    """A run file from records (dicts) and raw lines (str), optionally ending in a torn line."""
    directory.mkdir(parents=True, exist_ok=True)
    path = directory / f"{name}.jsonl"
    body = "".join((json.dumps(x) if isinstance(x, dict) else x) + "\n" for x in lines)
    path.write_text(body + torn)
    path.chmod(0o600)
    return path


def header(name: str, refs: list[str]) -> dict:
    return {"type": "run", "run_id": name, "exchange": "upbit", "target": "x", "refs": refs}


def intent(name: str, refs) -> dict:
    return {"type": "intent", "request_id": f"{name}/1", "exchange": "upbit", "refs": refs}


def open_uuids(sim) -> list[str]:
    return [o["uuid"] for o in sim.state.upbit_open_orders()]


def unresolved(env_vars: dict[str, str]) -> list[dict]:
    proc = run_cli(["journal", "--unresolved", "--json"], env_vars)
    assert proc.returncode == 0, proc.stderr
    return json.loads(proc.stdout)["unresolved"]


def limited_memory(megabytes: int):
    """preexec_fn: cap the child's address space, so reading a 2 GB file whole fails there
    (MemoryError) instead of taking the machine's memory."""

    def apply() -> None:
        limit = megabytes * 1024 * 1024
        resource.setrlimit(resource.RLIMIT_AS, (limit, limit))

    return apply


def run_limited(args: list[str], env: dict[str, str], megabytes: int = 1200):
    return subprocess.run(
        [*CLI, *args],
        env=env,
        capture_output=True,
        text=True,
        timeout=300,  # a safety net against a hang only; nothing waits on it
        cwd=env.get("HOME"),
        stdin=subprocess.DEVNULL,
        preexec_fn=limited_memory(megabytes),
    )


# ---- 5: a torn last line ------------------------------------------------------------------
def test_a_torn_last_line_does_not_swallow_the_next_reconcile_record(make_sim, env):
    sim = make_sim(orders=3)
    uuids = open_uuids(sim)
    refs = [f"uuid:{u}" for u in uuids]
    name = "20250101T000000-torn"
    # a crash while writing an outcome: the last line has no newline
    path = write_run(
        env.journal_dir,
        name,
        [header(name, refs), intent(name, refs)],
        torn='{"type": "outcome", "ref": "' + refs[0] + '", "outc',
    )
    assert len(unresolved(env.vars)) == 3
    proc = run_cli(["reconcile", "--yes", "--json"], env.with_sim(sim))
    assert proc.returncode == 0, proc.stderr
    assert last_json_line(proc.stdout)["counts"] == {"open": 3}
    # every record reconcile appended is readable: nothing is left unresolved
    assert unresolved(env.vars) == []
    assert f"{path}:3: torn last line" in proc.stderr  # reported, with file and line
    assert [r["ref"] for r in records(path) if r["type"] == "reconcile"] == refs
    run = read_run(path)
    assert run.bad_lines == 1 and {o.outcome for o in run.orders.values()} == {"open"}


def test_append_starts_on_a_fresh_line_and_keeps_a_clean_file_clean(tmp_path):
    path = tmp_path / "20250101T000000-a.jsonl"
    path.write_text(json.dumps(header("a", ["uuid:x"])) + "\n" + '{"type": "intent", "re')
    record = {"type": "reconcile", "ref": "uuid:x", "outcome": "cancelled", "confirmed": True}
    append_records(path, [record])
    assert path.read_text().endswith('"re\n' + json.dumps(record) + "\n")
    append_records(path, [record])  # the file now ends in a newline: no blank line is added
    assert "\n\n" not in path.read_text()
    run = read_run(path)
    assert run.orders["uuid:x"].outcome == "cancelled" and run.bad_lines == 1
    assert run.problems == [f"{path}:2: not JSON; skipped"]  # the torn line, now line 2


# ---- 6: one bad record --------------------------------------------------------------------
def test_one_bad_record_is_reported_and_skipped_and_blocks_nothing(make_sim, env):
    sim = make_sim(orders=4)
    uuids = open_uuids(sim)
    a = [f"uuid:{u}" for u in uuids[:2]]
    b = [f"uuid:{u}" for u in uuids[2:]]
    bad = write_run(
        env.journal_dir,
        "20250101T000000-bad",
        [
            header("20250101T000000-bad", a),
            intent("20250101T000000-bad", a[:1]),
            intent("20250101T000000-bad", a[1]),  # "refs" a string: 41 one-character orders?
        ],
    )
    name = "20250101T000001-good"
    good = write_run(env.journal_dir, name, [header(name, b), intent(name, b)])
    listed = unresolved(env.vars)
    assert sorted(i["ref"] for i in listed) == sorted(a + b)  # no one-character order
    proc = run_cli(["journal"], env.vars)
    assert proc.returncode == 0
    assert f"{bad}:3: bad record (refs: Input should be a valid list); skipped" in proc.stderr
    proc = run_cli(["reconcile", "--yes", "--json"], env.with_sim(sim))
    assert proc.returncode == 0, proc.stderr
    assert last_json_line(proc.stdout)["counts"] == {"open": 4}
    assert f"{bad}:3: bad record" in proc.stderr and "Traceback" not in proc.stderr
    assert unresolved(env.vars) == []
    assert read_run(good).unresolved() == [] and read_run(bad).unresolved() == []


@pytest.mark.parametrize(
    "line, why",
    [
        ('{"type": "intent", "refs": ["u"]}', "refs.0: Value error, not an order reference"),
        ('{"type": "intent", "refs": ["bogus:1"]}', "refs.0: Value error, not an order reference"),
        ('{"type": "outcome", "ref": "uuid:a", "outcome": "gone"}', "outcome: Input should be"),
        ('{"type": "outcome", "ref": 5, "outcome": "cancelled"}', "ref: Input should be a valid"),
        ('{"type": "run", "demo": "no"}', "demo: Input should be a valid boolean"),
        ('{"type": "finish", "aborted": 1}', "aborted: Input should be a valid boolean"),
        ('{"type": "teleport"}', "unknown record type 'teleport'"),
        ("[1, 2]", "not a JSON object"),
        ("{not json", "not JSON"),
        (b"\xff\xfe{}".decode("latin-1"), "not UTF-8"),
    ],
)
def test_each_kind_of_bad_record_names_its_line_and_the_rest_counts(tmp_path, line, why):
    path = tmp_path / "20250101T000000-r.jsonl"
    good = [header("r", ["uuid:a", "uuid:b"]), intent("r", ["uuid:a", "uuid:b"])]
    outcome = {"type": "outcome", "ref": "uuid:a", "outcome": "cancelled"}
    text = "".join(json.dumps(x) + "\n" for x in good) + line + "\n" + json.dumps(outcome) + "\n"
    path.write_bytes(text.encode("latin-1" if "\xff" in line else "utf-8"))
    run = read_run(path)
    assert run.bad_lines == 1 and len(run.problems) == 1
    assert run.problems[0].startswith(f"{path}:3: ") and why in run.problems[0], run.problems
    assert run.orders["uuid:a"].outcome == "cancelled"  # the line after the bad one counts
    assert [o.ref for o in run.unresolved()] == ["uuid:b"] and set(run.orders) == {
        "uuid:a",
        "uuid:b",
    }


# ---- 7: every outcome shown ---------------------------------------------------------------
def test_journal_shows_every_outcome_including_still_open(make_sim, env):
    sim = make_sim(orders=5)
    uuids = open_uuids(sim)
    refs = [f"uuid:{u}" for u in uuids]
    name = "20250101T000000-open"
    lines: list[dict | str] = [header(name, refs), intent(name, refs)]
    lines += [{"type": "outcome", "ref": r, "outcome": "cancelled"} for r in refs[:3]]
    lines += [{"type": "outcome", "ref": r, "outcome": "unknown"} for r in refs[3:]]
    lines += [{"type": "finish", "counts": {"cancelled": 3, "unknown": 2}}]
    write_run(env.journal_dir, name, lines)
    proc = run_cli(["reconcile", "--yes"], env.with_sim(sim))
    assert proc.returncode == 0 and "2 open" in proc.stdout, proc.stdout + proc.stderr
    proc = run_cli(["journal"], env.vars)
    assert proc.returncode == 0, proc.stderr
    (row,) = [x for x in proc.stdout.splitlines() if x.startswith(name)]
    assert "3 cancelled, 2 still open" in row and row.split()[-1] == "0", proc.stdout
    (run,) = json.loads(run_cli(["journal", "--json"], env.vars).stdout)["runs"]
    assert run["counts"] == {"cancelled": 3, "open": 2} and run["unresolved"] == 0
    assert unresolved(env.vars) == []  # consistent with the listing


def test_the_outcome_summary_names_every_outcome():
    from tui.cli.journal_cmd import outcome_summary

    counts = {"not_sent": 1, "needs_manual_check": 2, "unknown": 3, "open": 4, "failed": 5}
    assert outcome_summary({**counts, "cancelled": 6}) == (
        "6 cancelled, 5 failed, 4 still open, 3 unknown, 2 to check by hand, 1 not sent"
    )
    assert outcome_summary({}) == "-"


# ---- 8: huge, endless and special files ---------------------------------------------------
def test_a_2_gb_file_is_read_in_bounded_memory_and_never_pruned(make_sim, env):
    env.journal_dir.mkdir(parents=True)
    huge = env.journal_dir / "20200101T000000-deadbeef.jsonl"
    with open(huge, "wb") as handle:
        handle.truncate(2 * 1024**3)  # sparse: no disk used
    sim = make_sim(orders=2)
    (uid, *_) = open_uuids(sim)
    # capped at 1.2 GB of address space: reading the file whole would die of MemoryError
    proc = run_limited(["journal", "--unresolved", "--json"], env.vars)
    assert proc.returncode == 0, proc.stderr
    assert f"{huge}:1: a line longer than" in proc.stderr
    proc = run_limited(["cancel", "--uuid", uid, "--yes", "--json"], env.with_sim(sim))
    assert proc.returncode == 0, proc.stderr
    assert [o["uuid"] for o in json.loads(proc.stdout)["cancelled"]] == [uid]
    assert huge.exists() and huge.stat().st_size == 2 * 1024**3, "pruned an unreadable file"


def test_a_huge_file_costs_one_line_of_reading_not_its_size(tmp_path, monkeypatch):
    import tui.core.journal_read as reader

    huge = tmp_path / "20200101T000000-deadbeef.jsonl"
    with open(huge, "wb") as handle:
        handle.truncate(2 * 1024**3)
    done: list[int] = []
    real_open = reader.open_regular

    class Counting:
        def __init__(self, handle) -> None:
            self.handle, self.read = handle, 0

        def readline(self, size: int = -1) -> bytes:
            assert 0 < size <= MAX_LINE + 1, "an unbounded read"
            data = self.handle.readline(size)
            self.read += len(data)
            return data

        def __enter__(self):
            return self

        def __exit__(self, *exc) -> None:
            done.append(self.read)
            self.handle.close()

    monkeypatch.setattr(reader, "open_regular", lambda *a, **k: Counting(real_open(*a, **k)))
    assert list_runs(tmp_path)[0].unresolved() == []
    assert prune(tmp_path, max_bytes=1, keep_runs=1) == []
    assert done == [MAX_LINE + 1, MAX_LINE + 1]  # one line's worth each time, then it stops


def test_special_and_unreadable_entries_are_reported_never_block_never_pruned(env):
    d = env.journal_dir
    d.mkdir(parents=True)
    fifo = d / "20200101T000000-fifo.jsonl"
    os.mkfifo(fifo)
    folder = d / "20200101T000001-dir.jsonl"
    folder.mkdir()
    binary = write_run(d, "20200101T000002-bin", [])
    binary.write_bytes(b"\x00\xff" * 1000 + b"\n")
    settled = [_settled(d, f"2024010{i}T000000") for i in range(1, 4)]
    proc = run_cli(["journal"], env.vars)  # with the FIFO's writer never coming
    assert proc.returncode == 0, proc.stderr
    assert f"{fifo} is not a regular file (it is a FIFO)" in proc.stderr
    assert f"{folder} is a directory" in proc.stderr
    assert f"{binary}:1: not UTF-8" in proc.stderr
    assert "UNREADABLE" in proc.stdout
    removed = prune(d, max_bytes=1, keep_runs=1)
    assert set(removed) == set(settled)  # every clean finished run; nothing else
    assert fifo.exists() and folder.is_dir() and binary.exists()


def test_a_run_that_did_not_finish_or_has_a_bad_line_is_never_pruned(tmp_path):
    # a run cut short by a crash, every order of which was then settled by reconcile
    crashed = write_run(tmp_path, "20200101T000000-crashed", [header("c", ["uuid:x"])])
    append_records(crashed, [{"type": "reconcile", "ref": "uuid:x", "outcome": "cancelled"}])
    assert read_run(crashed).unresolved() == []
    # a finished, settled run with one damaged line in it
    damaged = _settled(tmp_path, "20200102T000000")
    lines = damaged.read_text().splitlines(keepends=True)
    damaged.write_text("".join(lines[:2] + ["{garbage\n"] + lines[2:]))
    assert read_run(damaged).finished and read_run(damaged).unresolved() == []
    clean = _settled(tmp_path, "20200103T000000")
    assert prune(tmp_path, max_bytes=1, keep_runs=1) == [clean]
    assert crashed.exists() and damaged.exists()


def test_an_overlong_line_stops_reading_that_file_only(tmp_path):
    path = write_run(tmp_path, "20200101T000000-long", [header("l", ["uuid:a"])])
    with open(path, "ab") as handle:
        handle.write(b" " * (MAX_LINE + 10) + b"\n")
        handle.write((json.dumps(intent("l", ["uuid:b"])) + "\n").encode())
    run = read_run(path)
    assert not run.read_whole and run.bad_lines == 1 and "longer than" in run.problems[0]
    assert set(run.orders) == {"uuid:a"}  # what came before counts; nothing after is read
    other = _settled(tmp_path, "20200102T000000")
    assert [r.path for r in list_runs(tmp_path)] == [path, other]
    assert read_run(other).problems == []


def test_a_huge_plan_is_written_on_short_lines_and_read_back_whole(tmp_path):
    fake = FakeUpbit(2345)
    report, _ = run_engine(fake, tmp_path)
    assert report.counts["cancelled"] == 2345
    (path,) = journal_files(tmp_path)
    kinds = [r["type"] for r in records(path)]
    assert kinds[:3] == ["run", "plan", "plan"] and kinds.count("plan") == 2
    assert max(len(line) for line in path.read_bytes().splitlines()) < 100_000
    run = read_run(path)
    assert len(run.orders) == 2345 and run.prunable and run.problems == []


def test_an_exchange_text_too_long_for_a_line_is_clipped_not_lost(tmp_path):
    """Whatever an exchange sends (a market name of 8 MB, a huge message), the outcome line
    stays readable: texts are clipped, the outcome itself is kept."""
    from tui.core.errors import ErrorInfo
    from tui.core.events import OrderResult, Outcome
    from tui.core.journal import outcome_record
    from tui.core.models.row import Exchange, OrderRow
    from tui.core.refs import IdKind, OrderRef

    uid = "0b5c1e0a-1111-4222-8333-444455556666"
    huge = "x" * (MAX_LINE + 5)
    row = OrderRow(Exchange.UPBIT, uid, IdKind.UUID, market=huge, state="wait", raw={})
    result = OrderResult(
        OrderRef.uuid(uid), Outcome.FAILED, row, ErrorInfo(400, "validation_error", huge, "")
    )
    path = write_run(tmp_path, "20250101T000000-c", [header("c", [f"uuid:{uid}"])])
    append_records(path, [outcome_record(result)])
    run = read_run(path)
    assert run.problems == [] and run.orders[f"uuid:{uid}"].outcome == "failed"
    assert len(run.orders[f"uuid:{uid}"].market) <= 2000
    assert len(run.orders[f"uuid:{uid}"].error["message"]) <= 2000


def test_a_long_text_in_a_look_up_answer_is_clipped_in_the_reconcile_record(tmp_path):
    from .test_reconcile import crashed_run, run_reconcile

    fake = FakeUpbit(1)
    (uid,) = fake.uuids
    fake.states[uid] = "w" * 100_000  # a state no exchange has: still open, by rule
    path = crashed_run(tmp_path, "20250101T000000-long", [f"uuid:{uid}"])
    report = run_reconcile(fake, list_runs(tmp_path))
    assert report.counts == {"open": 1}
    run = read_run(path)
    assert run.problems == [] and run.orders[f"uuid:{uid}"].outcome == "open"
    assert run.unresolved() == [] and len(run.orders[f"uuid:{uid}"].state) <= 2000


def test_a_lone_surrogate_from_an_exchange_is_recorded_not_fatal(tmp_path):
    """JSON may escape half a surrogate pair (\\udc80): not encodable as UTF-8, yet the run
    must be recorded (as the JSON escape), not end with an exception mid-run."""
    fake = FakeUpbit(1)

    def refuse(request):
        if request.method == "DELETE":
            return FakeUpbit.error(400, "validation_error", "bad \udc80 text")
        return None

    fake.before = refuse
    report, _ = run_engine(fake, tmp_path)
    assert report.counts["failed"] == 1
    (path,) = journal_files(tmp_path)
    run = read_run(path)
    assert run.problems == [] and run.finished
    (order,) = run.orders.values()
    assert order.error["message"] == "bad \udc80 text"


def test_a_bad_line_is_reported_by_position_never_echoed(env):
    """A bad line may hold anything: it is named by file, line and reason, never shown."""
    path = write_run(
        env.journal_dir,
        "20250101T000000-s",
        [header("s", ["uuid:a"]), '{"type": "intent", "refs": "' + SECRET + '"}'],
    )
    proc = run_cli(["journal"], env.vars)
    assert proc.returncode == 0 and f"{path}:2: bad record" in proc.stderr
    assert SECRET not in proc.stderr and SECRET not in proc.stdout

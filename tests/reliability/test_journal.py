"""Must show 5: the journal. Intents are on disk (fsynced) before each request; a torn last
line is tolerated; pruning by size and count keeps unresolved runs; files are 0600 and hold
no secret, no JWT and no Authorization header."""

from __future__ import annotations

import asyncio
import json
import os
import re
import stat
from pathlib import Path

import httpx
import pytest
from hypothesis import given
from hypothesis import strategies as st

from tui.core.engine import CancelEngine
from tui.core.journal import Journal, list_runs, prune, read_run
from tui.core.redact import Redactor
from tui.core.refs import OrderRef
from tui.exchanges.upbit import UpbitClient

from .fake_upbit import FakeUpbit
from .fuzzing import FUZZ
from .helpers import journal_files, records, run_cli

ACCESS = "AccessKeyAccessKeyAccessKeyAccessKey0001"
SECRET = "SecretKeySecretKeySecretKeySecretKey0001"


def run_with(fake: FakeUpbit, journal, refs=None, *, run_id: str | None = None):
    """Cancel `refs` (default: every order of `fake`) through the engine, recording to `journal`."""

    async def go():
        client = UpbitClient(
            ACCESS, SECRET, base_url="https://upbit.test", transport=fake.transport()
        )
        engine = CancelEngine(client, recorder=journal, run_id=run_id)
        try:
            return await engine.run(
                refs if refs is not None else [OrderRef.uuid(u) for u in fake.uuids]
            )
        finally:
            await client.aclose()

    return asyncio.run(go())


def run_engine(
    fake: FakeUpbit, directory: Path, refs=None, *, run_id: str | None = None, **journal_kw
):
    journal = Journal(directory, redactor=Redactor([ACCESS, SECRET]), **journal_kw)
    return run_with(fake, journal, refs, run_id=run_id), journal


# ---- durability ---------------------------------------------------------------------------
# Intents fsynced before each request reaches the exchange: test_intent_durability.py.


def test_every_cut_of_a_journal_reads_and_never_loses_a_sent_order(tmp_path):
    """A crash can stop the file at any byte. Whatever the cut, reading never fails, and an
    order whose intent is in the file is either settled by an outcome after it, or unresolved."""
    fake = FakeUpbit(23)
    fake.states[fake.uuids[0]] = "done"
    run_engine(fake, tmp_path)
    (path,) = journal_files(tmp_path)
    data = path.read_bytes()
    cut_path = tmp_path / "cut" / path.name
    cut_path.parent.mkdir()
    lines_end = [i + 1 for i, b in enumerate(data) if b == ord("\n")]
    # every byte around each line end (where the interesting cuts are), and a sample between
    cuts = (
        {c for end in lines_end for c in range(end - 4, end + 4)}
        | set(range(0, len(data), 41))
        | {len(data)}
    )
    for cut in sorted(c for c in cuts if 0 <= c <= len(data)):
        cut_path.write_bytes(data[:cut])
        run = read_run(cut_path)
        # Any line without its newline is torn, even one that parses (cut just before the
        # newline): its fsync never returned, so the request it announces was never sent, and
        # skipping it only ever leaves orders unresolved, never settled.
        torn = cut != 0 and cut not in lines_end
        assert run.bad_lines == (1 if torn else 0), cut
        assert all("torn last line" in p for p in run.problems), run.problems
        pieces = data[:cut].decode(errors="replace").split("\n")
        complete = [json.loads(x) for x in pieces[:-1] if x.strip()]
        awaiting: set[str] = set()
        for rec in complete:
            if rec["type"] == "intent":
                awaiting.update(rec["refs"])
            elif rec["type"] == "outcome":
                awaiting.discard(rec["ref"])
        unresolved = {o.ref for o in run.unresolved()}
        assert awaiting <= unresolved, f"cut at {cut}: a sent, unanswered order is not unresolved"
        if any(rec["type"] == "finish" for rec in complete):
            assert run.finished and not unresolved
        else:
            assert not run.finished


def test_torn_last_line_is_tolerated_by_the_cli(tmp_path, env):
    fake = FakeUpbit(5)
    run_engine(fake, env.journal_dir)
    (path,) = journal_files(env.journal_dir)
    with open(path, "ab") as handle:
        handle.write(
            b'{"type": "intent", "t": "2025-01-01T00:00:00", "request_id": "x/9", "refs": ["uuid:'
        )
    proc = run_cli(["journal", "--json"], env.vars)
    assert proc.returncode == 0, proc.stderr
    (run,) = json.loads(proc.stdout)["runs"]
    assert run["bad_lines"] == 1 and run["finished"] and run["counts"] == {"cancelled": 5}
    proc = run_cli(["journal"], env.vars)
    assert proc.returncode == 0 and "finished" in proc.stdout and "Traceback" not in proc.stderr


@FUZZ
@given(garbage=st.binary(max_size=300), where=st.integers(min_value=0))
def test_reading_survives_any_garbage(tmp_path_factory, garbage, where):
    directory = tmp_path_factory.mktemp("j")
    path = directory / "20250101T000000-abcdef01.jsonl"
    good = (
        b'{"type": "run", "run_id": "r", "exchange": "upbit", "refs": ["uuid:a", "uuid:b"]}\n'
        b'{"type": "intent", "refs": ["uuid:a"]}\n{"type": "outcome", "ref": "uuid:a", "outcome": "cancelled"}\n'
    )
    cut = where % (len(good) + 1)
    path.write_bytes(good[:cut] + garbage + good[cut:])
    run = read_run(path)
    assert isinstance(run.bad_lines, int)
    for order in run.unresolved():
        assert isinstance(order.ref, str)
    assert list_runs(directory)[0].path == path


# ---- pruning --------------------------------------------------------------------------------
def _settled(directory: Path, stamp: str, n: int = 3) -> Path:
    fake = FakeUpbit(n)
    run_engine(fake, directory, run_id=f"{stamp}-settled")
    return directory / f"{stamp}-settled.jsonl"


def _crashed(directory: Path, stamp: str) -> Path:
    path = directory / f"{stamp}-crashed.jsonl"
    path.write_text(
        json.dumps({"type": "run", "run_id": path.stem, "exchange": "upbit", "refs": ["uuid:x"]})
        + "\n"
        + json.dumps({"type": "intent", "refs": ["uuid:x"]})
        + "\n"
    )
    return path


def test_prune_by_count_keeps_unresolved_runs(tmp_path):
    crashed = _crashed(tmp_path, "20240101T000000")  # the oldest of all
    settled = [_settled(tmp_path, f"2024010{i}T000000") for i in range(2, 8)]
    removed = prune(tmp_path, max_bytes=10**9, keep_runs=3)
    assert crashed.exists(), "a run with an unresolved order was pruned"
    assert set(removed) == set(settled[:5])  # oldest settled first
    assert sorted(journal_files(tmp_path)) == sorted([crashed, settled[5]])


def test_prune_by_size_keeps_unresolved_runs(tmp_path):
    crashed = _crashed(tmp_path, "20240101T000000")
    settled = [_settled(tmp_path, f"2024010{i}T000000", n=30) for i in range(2, 7)]
    size = settled[0].stat().st_size
    removed = prune(tmp_path, max_bytes=int(size * 2.5) + crashed.stat().st_size, keep_runs=1000)
    assert set(removed) == set(settled[:3])
    assert crashed.exists()
    # even a cap nothing fits under never removes an unresolved run
    prune(tmp_path, max_bytes=1, keep_runs=1)
    assert journal_files(tmp_path) == [crashed]


def test_a_new_run_prunes_with_the_configured_caps(env):
    config = env.root / "config" / "ordertui" / "config.toml"
    config.parent.mkdir(parents=True)
    config.write_text("[journal]\nkeep_runs = 2\nmax_mb = 50\n")
    _crashed(env.journal_dir.mkdir(parents=True) or env.journal_dir, "20000101T000000")
    from tui.simulator.config import SimConfig
    from tui.simulator.server import SimulatorServer

    with SimulatorServer(SimConfig(orders=3)) as sim:
        uuids = [o["uuid"] for o in sim.state.upbit_open_orders()]
        for uid in uuids:  # three runs, likely within one second
            proc = run_cli(["cancel", "--uuid", uid, "--yes", "--json"], env.with_sim(sim))
            assert proc.returncode == 0, proc.stderr
    last = json.loads(proc.stdout)["run_id"]
    # at most keep_runs runs: the unresolved one (never pruned) and the newest
    names = [p.name for p in journal_files(env.journal_dir)]
    assert names == ["20000101T000000-crashed.jsonl", f"{last}.jsonl"]


# ---- privacy --------------------------------------------------------------------------------
def test_journal_files_are_private_and_hold_no_secret(tmp_path):
    fake = FakeUpbit(21)  # a batch of 20 and one single cancel
    # a hostile exchange echoing the request's credentials back in errors and in order objects
    fake.extra = {"debug": f"access_key={ACCESS}"}

    def echo(request: httpx.Request):
        if request.method == "DELETE" and request.url.params.get("uuid"):
            return FakeUpbit.error(
                400,
                "validation_error",
                f"bad request; you sent Authorization: {request.headers['authorization']}",
            )
        return None

    fake.before = echo
    old = os.umask(0)  # even with a careless umask
    try:
        report, _ = run_engine(fake, tmp_path / "journal")
    finally:
        os.umask(old)
    assert report.counts["failed"] == 1  # the single cancel was refused
    (path,) = journal_files(tmp_path / "journal")
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert stat.S_IMODE(path.parent.stat().st_mode) == 0o700
    text = path.read_text()
    assert fake.tokens and "validation_error" in text
    for secret in (ACCESS, SECRET, *fake.tokens):
        assert secret not in text
    assert "eyJ" not in text
    assert not re.search(r"(?i)bearer\s+(?!\[redacted\])\S", text), "a bearer token in the journal"
    assert "[redacted]" in text  # the echo was there, and was scrubbed
    for record in records(path):
        assert (
            set(record) & {"headers", "authorization", "token", "secret_key", "access_key"} == set()
        )


def test_reconcile_appends_keep_the_file_private(tmp_path):
    path = _crashed(tmp_path, "20240101T000000")
    os.chmod(path, 0o600)
    fake = FakeUpbit(states={"x": "cancel"})
    from tui.core.reconcile import reconcile

    async def go():
        client = UpbitClient(
            ACCESS, SECRET, base_url="https://upbit.test", transport=fake.transport()
        )
        try:
            return await reconcile(client, [read_run(path)])
        finally:
            await client.aclose()

    # "x" is no uuid: the look-up goes by uuids[] anyway (the reference kind says so)
    asyncio.run(go())
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert read_run(path).orders["uuid:x"].outcome == "cancelled"


@pytest.mark.parametrize("stamp", ["20240101T000000"])
def test_journal_cli_lists_runs_and_unresolved(env, stamp):
    env.journal_dir.mkdir(parents=True)
    crashed = _crashed(env.journal_dir, stamp)
    _settled(env.journal_dir, "20240102T000000", n=4)
    proc = run_cli(["journal"], env.vars)
    assert proc.returncode == 0
    assert "NOT FINISHED" in proc.stdout and "finished" in proc.stdout
    proc = run_cli(["journal", "--unresolved", "--json"], env.vars)
    items = json.loads(proc.stdout)["unresolved"]
    assert [(i["run_id"], i["ref"], i["outcome"], i["sent"]) for i in items] == [
        (crashed.stem, "uuid:x", "unknown", True)
    ]
    proc = run_cli(["journal", "--unresolved"], env.vars)
    assert "1 unresolved order(s)" in proc.stdout and "ordertui reconcile" in proc.stdout


def test_intents_are_self_describing_and_the_journal_lives_in_the_data_dir(env, monkeypatch):
    monkeypatch.delenv("ORDERTUI_JOURNAL_DIR")
    from tui.simulator.config import SimConfig
    from tui.simulator.server import SimulatorServer

    with SimulatorServer(SimConfig(orders=3)) as sim:
        uuids = [o["uuid"] for o in sim.state.upbit_open_orders()]
        vars_ = {k: v for k, v in env.with_sim(sim).items() if k != "ORDERTUI_JOURNAL_DIR"}
        proc = run_cli(
            ["cancel", "--from-file", "-", "--yes", "--json"], vars_, stdin="\n".join(uuids)
        )
    assert proc.returncode == 0, proc.stderr
    run_id = json.loads(proc.stdout)["run_id"]
    assert re.fullmatch(r"\d{8}T\d{6}-[0-9a-f]{8}", run_id)  # named by time and run id
    (path,) = journal_files(env.root / "data" / "ordertui" / "journal")
    assert path.name == f"{run_id}.jsonl"
    intents = [r for r in records(path) if r["type"] == "intent"]
    assert intents and all(
        i["run_id"] == run_id
        and i["exchange"] == "upbit"
        and "profile" in i
        and i["request_id"].startswith(run_id)
        for i in intents
    )
    # even with its header line destroyed, the run is still known as an Upbit run to reconcile
    lines = path.read_text().splitlines()
    path.write_text("\n".join(['{"type": "run", "run_id": "' + run_id[:5]] + lines[1:3]) + "\n")
    damaged = read_run(path)
    assert damaged.exchange == "upbit" and damaged.bad_lines == 1 and damaged.unresolved()


def test_a_request_whose_intent_cannot_be_written_is_never_sent(tmp_path):
    """Disk full (or any write error) at the intent: that request must not go out."""
    import errno

    fake = FakeUpbit(200)  # 10 batches

    class DiskFills(Journal):
        written = 0

        def intent(self, request_id, endpoint, refs):
            if DiskFills.written >= 3:
                raise OSError(errno.ENOSPC, "No space left on device")
            super().intent(request_id, endpoint, refs)
            DiskFills.written += 1

    journal = DiskFills(tmp_path, redactor=Redactor([ACCESS, SECRET]))

    try:
        run_with(fake, journal)
    except OSError:
        pass  # stopping the run is fine; sending unrecorded is not
    deletes = [r for r in fake.requests if r.method == "DELETE"]
    assert len(deletes) == DiskFills.written == 3
    (path,) = journal_files(tmp_path)
    sent = {ref for r in records(path) if r["type"] == "intent" for ref in r["refs"]}
    cancelled = {f"uuid:{u}" for u, s in fake.states.items() if s == "cancel"}
    assert cancelled <= sent and len(cancelled) == 60

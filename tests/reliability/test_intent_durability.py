"""The README's central promise: before each cancel request leaves, its intent is on disk
(written and fsynced), so a crash can never leave an order sent but unrecorded.

Checked where the request arrives, not inside the engine: the simulator calls a hook as each
request reaches it, before it acts; the hook reads the journal file from disk by path (its own
descriptor) and keeps only the bytes that an fsync of that file had covered by then. A request
whose intent is not in those bytes is a violation, recorded in a list the test asserts on
after the run (raising inside the run would be caught by the engine's catch-all and repaired
by the look-up that follows)."""

from __future__ import annotations

import asyncio
import json
import os
import stat
import threading
from collections import Counter
from pathlib import Path
from urllib.parse import parse_qsl

import pytest

from tui.core.engine import CancelEngine, EngineOptions
from tui.core.journal import Journal
from tui.core.redact import Redactor
from tui.core.refs import OrderRef
from tui.exchanges.b2trader import B2TraderClient
from tui.exchanges.upbit import UpbitClient

B2_PREFIX = "/frontoffice/api/v3/orders/"


class DurabilityWatch:
    """fsyncs (inode, size covered) and request arrivals in one ordered, thread-safe record."""

    def __init__(self, journal_dir: Path, monkeypatch: pytest.MonkeyPatch) -> None:
        self.journal_dir = journal_dir
        self.lock = threading.Lock()
        self.durable: dict[int, int] = {}  # inode -> bytes an fsync has covered
        self.events: list[tuple] = []  # ("fsync", inode, size) | ("arrival", refs)
        self.arrivals: Counter[frozenset[str]] = Counter()
        self.checked = 0
        self.violations: list[str] = []
        real_fsync = os.fsync

        def fsync(fd: int) -> None:
            info = os.fstat(fd)  # before: every byte up to here is durable once fsync returns
            real_fsync(fd)
            if stat.S_ISREG(info.st_mode):
                with self.lock:
                    self.durable[info.st_ino] = max(self.durable.get(info.st_ino, 0), info.st_size)
                    self.events.append(("fsync", info.st_ino, info.st_size))

        monkeypatch.setattr(os, "fsync", fsync)

    # runs in the simulator's thread, as each request arrives
    def on_arrival(self, request: dict) -> None:
        if request["method"] != "DELETE":
            return
        try:
            refs = frozenset(refs_of(request))
            with self.lock:
                self.arrivals[refs] += 1
                nth = self.arrivals[refs]
                self.events.append(("arrival", refs))
                durable = dict(self.durable)
            (path,) = self.journal_dir.glob("*.jsonl")
            fd = os.open(path, os.O_RDONLY)
            try:
                inode = os.fstat(fd).st_ino
                data = b""
                while chunk := os.read(fd, 1 << 16):
                    data += chunk
            finally:
                os.close(fd)
            on_disk = data[: durable.get(inode, 0)]
            intents = [
                json.loads(line)
                for line in on_disk.decode().splitlines()
                if '"type": "intent"' in line
            ]
            naming = sum(1 for i in intents if frozenset(i["refs"]) == refs)
            with self.lock:
                self.checked += 1
                if naming < nth:
                    written = data.count(b'"type": "intent"')
                    self.violations.append(
                        f"{request['method']} {request['path']} ({len(refs)} orders, attempt "
                        f"{nth}) arrived with {naming} fsynced intent(s) for it "
                        f"({written} intents written, {len(on_disk)}/{len(data)} bytes fsynced)"
                    )
        except Exception as exc:  # a broken check is a failed check, never a silent one
            with self.lock:
                self.violations.append(f"check failed on {request['path']}: {exc!r}")


def refs_of(request: dict) -> list[str]:
    path = request["path"]
    if path.startswith(B2_PREFIX):
        return [f"order_id:{path.removeprefix(B2_PREFIX)}"]
    out = []
    for key, value in parse_qsl(request["query"]):
        kind = key.removesuffix("[]").removesuffix("s")  # uuids[] / identifiers[] / uuid
        out.append(f"{kind}:{value}")
    return out


def _intents(journal_dir: Path) -> int:
    (path,) = journal_dir.glob("*.jsonl")
    return path.read_text().count('"type": "intent"')


def _run(sim, exchange: str, refs: list[OrderRef], journal_dir: Path):
    async def go():
        if exchange == "upbit":
            creds = sim.credentials["upbit"]
            client = UpbitClient(creds["access_key"], creds["secret_key"], base_url=sim.base_url)
            secrets = list(creds.values())
        else:
            creds = sim.credentials["b2trader"]
            client = B2TraderClient(sim.base_url, creds["token"], creds["account_id"], rps=20)
            secrets = [creds["token"]]
        journal = Journal(journal_dir, redactor=Redactor(secrets))
        engine = CancelEngine(
            client, recorder=journal, options=EngineOptions(settle_delays=(0.05, 0.1, 0.2))
        )
        try:
            return await engine.run(refs)
        finally:
            await client.aclose()

    return asyncio.run(go())


@pytest.mark.parametrize(
    ("exchange", "faults"),
    [
        ("upbit", {}),  # two batches of 20 and one single DELETE (41 orders)
        # 503s (retried by the client: each attempt is a request) and dropped answers
        ("upbit", {"fail_rate": 0.3, "drop_rate": 0.2}),
        ("b2trader", {}),  # one DELETE per order
        ("b2trader", {"drop_rate": 0.4}),  # dropped answers: each sent once more
    ],
    ids=["upbit", "upbit-faults", "b2trader", "b2trader-drops"],
)
def test_each_intent_is_fsynced_before_its_request_reaches_the_exchange(
    make_sim, tmp_path, monkeypatch, exchange, faults
):
    sim = make_sim(seed=5, orders=141 if faults else 41, b2_orders=8, **faults)
    if exchange == "upbit":
        refs = [OrderRef.uuid(o["uuid"]) for o in sim.state.upbit_open_orders()]
        endpoints = ("DELETE /v1/orders/uuids", "DELETE /v1/order")
    else:
        refs = [OrderRef.order_id(o["orderId"]) for o in sim.state.b2_orders()]
        endpoints = ("DELETE /frontoffice/api/v3/orders/{orderId}",)
    journal_dir = tmp_path / "journal"
    watch = DurabilityWatch(journal_dir, monkeypatch)
    sim.state.arrival_hook = watch.on_arrival

    report = _run(sim, exchange, refs, journal_dir)
    sim.state.arrival_hook = None

    deletes = sum(sim.state.stats.by_endpoint[e] for e in endpoints)
    assert watch.violations == []
    # every DELETE the exchange saw was checked, and each had its own intent
    assert deletes >= (3 if exchange == "upbit" else len(refs))
    assert watch.checked == deletes == _intents(journal_dir)
    if faults:
        assert sim.state.stats.injected_drops + sim.state.stats.injected_503 > 0
        assert max(watch.arrivals.values()) > 1  # the same orders sent again, each time recorded
    assert report.internal_errors == 0
    assert sum(report.counts.values()) == len(refs)

"""One rate budget per account for the ordertui processes of a machine (a locked file)."""

from __future__ import annotations

import asyncio
import os
import signal
import subprocess
import sys
from pathlib import Path

import pytest

from tui.core.ratelimit import RateLimits, SlidingWindow
from tui.core.shared_budget import SharedBudget, budget_name, shared_stores

REPO = Path(__file__).resolve().parents[2]

# Another process of the same account: takes every slot (granted, never sent), says so, then
# waits for a line on stdin and takes the file's lock for good, as a process killed in the
# middle of a decision would hold it.
VICTIM = """
import asyncio, sys, time
from pathlib import Path

import pytest
from tui.core.ratelimit import SlidingWindow
from tui.core.shared_budget import SharedBudget
budget = SharedBudget(Path(sys.argv[1]))
window = SlidingWindow(30, store=budget.store("default"), burst=30)
async def take():
    for _ in range(30):
        await window.acquire(deferred=True)
asyncio.run(take())
print("held", flush=True)
sys.stdin.readline()
with budget.transaction("default"):
    print("locked", flush=True)
    time.sleep(600)
"""


def test_two_budgets_on_one_file_share_the_window(tmp_path):
    path = tmp_path / "b.json"
    one, two = SharedBudget(path), SharedBudget(path)
    first = SlidingWindow(30, store=one.store("default"), burst=30)
    second = SlidingWindow(30, store=two.store("default"), burst=30)

    async def go():
        for _ in range(20):
            await first.acquire()
        assert second.remaining() == 10  # the other's twenty count here too
        for _ in range(10):
            await second.acquire()
        assert first.remaining() == second.remaining() == 0

    asyncio.run(go())
    assert one.lock_timeouts == two.lock_timeouts == 0


def test_a_killed_process_never_blocks_the_other(tmp_path):
    path = tmp_path / "budgets" / "acct.json"
    path.parent.mkdir()
    victim = subprocess.Popen(
        [sys.executable, "-c", VICTIM, str(path)],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
        cwd=REPO,
        env={**os.environ, "PYTHONPATH": str(REPO)},
    )
    try:
        assert victim.stdout is not None and victim.stdin is not None
        assert victim.stdout.readline().strip() == "held"
        budget = SharedBudget(path, patience=0.05)
        window = SlidingWindow(30, store=budget.store("default"), burst=30)
        assert window.remaining() == 0  # its 30 granted slots are the account's

        victim.stdin.write("lock\n")
        victim.stdin.flush()
        assert victim.stdout.readline().strip() == "locked"
        window.delay()  # the lock is taken: the decision is made alone, not waited for
        assert budget.lock_timeouts == 1

        victim.send_signal(signal.SIGKILL)
        assert victim.wait(timeout=30) == -signal.SIGKILL
        # the kernel dropped its lock and its pid is gone: its unsent slots are free again
        assert window.remaining() == 30

        async def go():
            for _ in range(30):
                await window.acquire()

        asyncio.run(go())
        assert budget.lock_timeouts == 1  # no wait for a lock after the kill
    finally:
        if victim.poll() is None:
            victim.kill()
            victim.wait(timeout=30)


def test_a_torn_or_foreign_file_reads_as_a_fresh_budget(tmp_path):
    path = tmp_path / "b.json"
    for junk in (b'{"origin": 1, "gro', b"[1, 2]", b'{"origin": "x"}', b"\xff\xfe"):
        path.write_bytes(junk)
        window = SlidingWindow(30, store=SharedBudget(path).store("default"))
        assert window.remaining() == 30


def test_names_never_hold_the_key(tmp_path):
    key = "AbCdEfGhIjKlMnOpQrStUvWxYz0123456789abcd"
    name = budget_name(exchange="upbit", host="api.upbit.com", secret=key, pocket=None)
    assert key not in name and key[:8] not in name and name.startswith("key-")
    other = budget_name(exchange="upbit", host="127.0.0.1", secret=key, pocket=None)
    assert other != name  # the simulator and the exchange never share a budget
    pocket = budget_name(exchange="upbit", host="x", secret=key, pocket="main ../pocket")
    assert pocket.startswith("pocket-main_") and "/" not in pocket and key not in pocket
    assert pocket == budget_name(
        exchange="upbit", host="y", secret="other", pocket="main ../pocket"
    )


def test_the_file_lives_in_the_user_state_directory(isolated_home):
    stores = shared_stores(exchange="upbit", host="h", secret="s" * 40, pocket=None)
    assert stores is not None
    limits = RateLimits(stores=stores)
    asyncio.run(limits.acquire("default"))
    (path,) = (isolated_home / ".local/state").rglob("*.json")
    assert path.parent.name == "budgets" and oct(path.stat().st_mode & 0o777) == "0o600"
    assert "s" * 40 not in path.read_text()


def test_an_unusable_state_directory_means_each_process_alone(isolated_home):
    state = isolated_home / ".local/state"
    state.parent.mkdir(parents=True)
    state.write_text("a file where the directory should be")
    assert shared_stores(exchange="upbit", host="h", secret="s", pocket=None) is None


def test_a_418_or_a_429_pause_seen_by_one_process_holds_the_others(tmp_path):
    from tui.core.errors import Blocked

    path = tmp_path / "b.json"
    first = SlidingWindow(30, store=SharedBudget(path).store("default"))
    second = SlidingWindow(30, store=SharedBudget(path).store("default"))
    first.penalize()
    assert second.delay() == pytest.approx(1.0, abs=0.05)  # the pause is the account's
    first.halt(Blocked(418, "blocked", "blocked for 60 seconds", block_seconds=60))

    async def go():
        await second.acquire()

    with pytest.raises(Blocked) as caught:
        asyncio.run(go())
    assert "another ordertui" in caught.value.message
    assert 55 <= (caught.value.block_seconds or 0) <= 60


def test_a_profile_may_name_its_pocket():
    from tui.core.config import Profile

    assert Profile(pocket="main").pocket == "main"
    assert Profile().pocket is None
    with pytest.raises(ValueError):
        Profile(pocket="")


def test_profiles_naming_one_pocket_share_one_budget_file_whatever_their_keys(isolated_home):
    """`pocket = "NAME"` in the config reaches the client: two profiles with different keys on
    one pocket use one budget file; a profile without a pocket gets one of its own (its key)."""
    from tui.core.config import AppConfig, Overrides
    from tui.core.resolve import resolve
    from tui.exchanges.factory import make_client

    keys = {n: (n * 40)[:40] for n in "abc"}
    config = AppConfig.model_validate(
        {
            "profiles": {
                name: {"access_key": key, "secret_key": key.upper(), **extra}
                for (name, key), extra in zip(
                    keys.items(), ({"pocket": "desk"}, {"pocket": "desk"}, {}), strict=True
                )
            }
        }
    )

    async def one_request(name: str) -> None:
        client = make_client(resolve(config, Overrides(profile=name)))
        try:
            await client.limits.acquire("default")
        finally:
            await client.aclose()

    for name in keys:
        asyncio.run(one_request(name))
    files = sorted(p.name for p in (isolated_home / ".local/state").rglob("*.json"))
    assert len(files) == 2, files
    assert sum(f.startswith("pocket-desk-") for f in files) == 1

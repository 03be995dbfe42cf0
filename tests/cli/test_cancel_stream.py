"""`ordertui cancel` with the profile's order stream: cancels the stream sees close are
confirmed without a look-up; `--no-stream` (or a stream that cannot open) looks every order up,
as before. End to end: a subprocess against the simulator over HTTP and WebSockets."""

from __future__ import annotations

import json

from tests.cli.test_cancel_cli import run
from tests.conftest import sim_env


def _lookups(sim) -> int:
    return sum(
        n for name, n in sim.state.stats.by_endpoint.items() if "uuids" in name and "GET" in name
    )


def _cancel_all_of(sim, env, *extra: str) -> dict:
    uuids = [o["uuid"] for o in sim.state.upbit_open_orders()]
    done = run(
        ["cancel", "--from-file", "-", "--yes", "--json", *extra], env, stdin="\n".join(uuids)
    )
    assert done.returncode == 0, done.stderr
    out = json.loads(done.stdout.splitlines()[-1])
    assert len(out["cancelled"]) == len(uuids) == 40
    return out


def test_the_stream_confirms_cancels_so_no_order_is_looked_up(make_sim, isolated_home):
    sim = make_sim(seed=7)
    out = _cancel_all_of(sim, sim_env(sim, isolated_home))
    assert _lookups(sim) == 0, sim.state.stats.by_endpoint
    assert out["requests"] == 2  # two batch cancels, nothing else
    assert all(st == "cancel" for st in sim.state.truth()["upbit"].values())


def test_no_stream_looks_every_order_up(make_sim, isolated_home):
    sim = make_sim(seed=7)
    _cancel_all_of(sim, sim_env(sim, isolated_home), "--no-stream")
    assert _lookups(sim) >= 1


def test_a_stream_that_breaks_leaves_the_confirmations_not_live(monkeypatch):
    """A bug in the stream ends its pump: the confirmations say not live (so the engine looks
    orders up at once instead of waiting for events that will never come), the run goes on."""
    import asyncio

    from tui.cli.live_confirm import stream_confirmations
    from tui.core.models.stream import StreamState, StreamStatus

    go_on = asyncio.Event()

    class Broken:
        exchange = "upbit"

        def scrub(self, text: str) -> str:
            return text

        async def watch_orders(self):
            yield StreamStatus(exchange="upbit", state=StreamState.LIVE)
            await go_on.wait()
            raise RuntimeError("a bug")

        async def aclose(self) -> None:
            pass

    monkeypatch.setattr("tui.exchanges.stream_factory.make_order_stream", lambda p: Broken())

    async def go() -> tuple[bool, bool]:
        async with stream_confirmations(object()) as confirmations:
            assert confirmations is not None
            first = confirmations.live
            go_on.set()
            for _ in range(100):
                await asyncio.sleep(0.01)
                if not confirmations.live:
                    break
            return first, confirmations.live

    assert asyncio.run(go()) == (True, False)

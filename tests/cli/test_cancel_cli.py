"""`ordertui cancel` and `ordertui orders` end to end: a subprocess against the simulator on loopback."""

from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest

from tests.conftest import sim_env


def run(
    args: list[str], env: dict[str, str], *, stdin: str | None = None, timeout: float = 60
) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "tui", *args],
        env=env,
        input=stdin,
        capture_output=True,
        text=True,
        timeout=timeout,
        stdin=None if stdin is not None else subprocess.DEVNULL,
    )


@pytest.fixture
def env(sim, isolated_home) -> dict[str, str]:
    return sim_env(sim, isolated_home)


def open_uuids(sim) -> list[str]:
    return [o["uuid"] for o in sim.state.upbit_open_orders()]


def test_list_then_cancel_everything_from_json(sim, env, tmp_path):
    listing = run(["orders", "--json"], env)
    assert listing.returncode == 0, listing.stderr
    body = json.loads(listing.stdout)
    assert body["exchange"] == "upbit" and len(body["orders"]) == 40
    path = tmp_path / "orders.json"
    path.write_text(listing.stdout)

    done = run(["cancel", "--from-file", str(path), "--yes", "--json"], env)
    assert done.returncode == 0, done.stderr
    result = json.loads(done.stdout)
    assert set(result) >= {
        "exchange",
        "requested",
        "cancelled",
        "failed",
        "unknown",
        "requests",
        "elapsed_s",
    }
    assert result["requested"] == 40 and len(result["cancelled"]) == 40
    assert result["failed"] == [] and result["unknown"] == []
    assert result["requests"] == 2  # two batches of 20; the order stream confirmed every cancel
    first = result["cancelled"][0]
    assert (
        first["state"] == "cancel"
        and isinstance(first["price"], str)
        and "prevented_locked" in first
    )
    truth = sim.state.truth()["upbit"]
    assert all(truth[o["uuid"]] == "cancel" for o in body["orders"])


def test_filled_order_fails_with_hint_and_exit_1(sim, env):
    first, second = open_uuids(sim)[:2]
    sim.state.fill(first)
    done = run(["cancel", "--uuid", first, "--uuid", second, "--yes"], env)
    assert done.returncode == 1
    assert "1 cancelled, 1 failed" in done.stdout
    assert f"failed  {first}" in done.stdout
    assert "hint:" in done.stdout and "filled" in done.stdout


def test_single_cancel_of_filled_order_keeps_exchange_error_name(sim, env):
    target = open_uuids(sim)[0]
    sim.state.fill(target)
    done = run(["cancel", "--uuid", target, "--yes", "--json"], env)
    assert done.returncode == 1
    failed = json.loads(done.stdout)["failed"]
    assert failed[0]["uuid"] == target and failed[0]["error"]["name"] == "done_order"
    assert failed[0]["error"]["status"] == 400


def test_cancel_by_identifier(sim, env):
    order = next(o for o in sim.state.upbit_open_orders() if o.get("identifier"))
    done = run(["cancel", "--identifier", order["identifier"], "--yes", "--json"], env)
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout)["cancelled"][0]["uuid"] == order["uuid"]
    assert sim.state.truth()["upbit"][order["uuid"]] == "cancel"


def test_unknown_uuid_is_order_not_found(sim, env):
    ghost = "00000000-0000-4000-8000-000000000000"
    done = run(["cancel", "--uuid", ghost, "--yes", "--json"], env)
    assert done.returncode == 1
    assert json.loads(done.stdout)["failed"][0]["error"]["name"] == "order_not_found"


def test_dry_run_sends_nothing(sim, env):
    before = sim.state.stats.requests
    ids = open_uuids(sim)[:25]
    done = run(["cancel", *sum((["--uuid", u] for u in ids), []), "--dry-run", "--json"], env)
    assert done.returncode == 0
    plan = json.loads(done.stdout)
    assert [len(r["ids"]) for r in plan["requests"]] == [20, 5]
    assert sim.state.stats.requests == before
    assert all(
        sim.state.truth()["upbit"][u] == "wait" or sim.state.truth()["upbit"][u] == "watch"
        for u in ids
    )


def test_without_yes_and_without_terminal_refuses(sim, env):
    target = open_uuids(sim)[0]
    done = run(["cancel", "--uuid", target], env)
    assert done.returncode == 2
    assert "--yes" in done.stderr and "Traceback" not in done.stderr
    assert sim.state.truth()["upbit"][target] in ("wait", "watch")


def test_stdin_ids(sim, env):
    ids = open_uuids(sim)[:3]
    done = run(
        ["cancel", "--from-file", "-", "--yes", "--json"],
        env,
        stdin="\n".join(ids) + "\nnot an id\n",
    )
    assert done.returncode == 0
    assert len(json.loads(done.stdout)["cancelled"]) == 3
    assert "line 4" in done.stderr  # the ignored line is reported with its number


def test_wrong_secret_exits_3(sim, env):
    env = dict(env, UPBIT_OPEN_API_SECRET_KEY="x" * 40)
    done = run(["cancel", "--uuid", open_uuids(sim)[0], "--yes"], env)
    assert done.returncode == 3
    assert "jwt_verification" in done.stdout + done.stderr
    assert env["UPBIT_OPEN_API_SECRET_KEY"] not in done.stdout + done.stderr


def test_b2trader_cancel(sim, env):
    creds = sim.credentials["b2trader"]
    env = dict(
        env,
        B2TRADER_TOKEN=creds["token"],
        B2TRADER_ACCOUNT_ID=creds["account_id"],
        B2TRADER_BASE_URL=sim.base_url,
    )
    ids = [o["orderId"] for o in sim.state.b2_orders() if o["status"] == "Working"][:3]
    done = run(
        [
            "cancel",
            "--exchange",
            "b2trader",
            *sum((["--order-id", i] for i in ids), []),
            "--yes",
            "--json",
        ],
        env,
    )
    assert done.returncode == 0, done.stdout + done.stderr
    result = json.loads(done.stdout)
    assert result["exchange"] == "b2trader" and {o["orderId"] for o in result["cancelled"]} == set(
        ids
    )
    assert result["requests"] == 3


def test_demo_works_with_no_configuration(isolated_home):
    from tui.simulator.config import SimConfig
    from tui.simulator.state import SimState

    target = SimState(SimConfig(seed=7)).upbit_open_orders()[0]["uuid"]  # the demo book is seeded
    env = {k: v for k, v in os.environ.items() if not k.startswith(("UPBIT_", "B2TRADER_"))}
    env.update(
        HOME=str(isolated_home),
        XDG_CONFIG_HOME=str(isolated_home / ".config"),
        XDG_DATA_HOME=str(isolated_home / ".local/share"),
        XDG_STATE_HOME=str(isolated_home / ".local/state"),
    )
    done = run(["cancel", "--demo", "--uuid", target, "--yes", "--json"], env)
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout)["cancelled"][0]["uuid"] == target


def test_python_dash_m_and_version(isolated_home):
    done = subprocess.run(
        [sys.executable, "-m", "tui", "--version"], capture_output=True, text=True, timeout=30
    )
    assert done.returncode == 0 and done.stdout.startswith("ordertui ")


# ---- bad input: one clear line, exit 2, no traceback -------------------------------------------------
def one_line_error(done: subprocess.CompletedProcess) -> str:
    assert done.returncode == 2, (done.returncode, done.stdout, done.stderr)
    assert "Traceback" not in done.stderr and "Traceback" not in done.stdout
    errors = [line for line in done.stderr.splitlines() if "error" in line]
    assert len(errors) == 1, done.stderr
    return errors[0]


def test_empty_file(env, tmp_path):
    path = tmp_path / "empty.txt"
    path.write_text("")
    assert "no order ids found" in one_line_error(
        run(["cancel", "--from-file", str(path), "--yes"], env)
    )


def test_binary_garbage(env, tmp_path):
    path = tmp_path / "garbage.bin"
    path.write_bytes(os.urandom(200_000))
    assert "binary" in one_line_error(run(["cancel", "--from-file", str(path), "--yes"], env))


def test_twenty_megabytes_of_text(env, tmp_path):
    path = tmp_path / "big.txt"
    line = "lorem ipsum dolor sit amet, no order ids in this line at all " * 2 + "\n"
    with path.open("w") as handle:
        for _ in range(20_000_000 // len(line) + 1):
            handle.write(line)
    assert path.stat().st_size >= 20_000_000
    done = run(["cancel", "--from-file", str(path), "--yes"], env)
    assert "no order ids found" in one_line_error(done)
    assert len(done.stderr) < 5000  # the ignored-line report is capped, not 300k lines


def test_unknown_region(env):
    assert "unknown region" in one_line_error(
        run(
            ["cancel", "--region", "us", "--uuid", "cdd92199-2897-4e14-9448-f923320408ad", "--yes"],
            env,
        )
    )


@pytest.mark.parametrize("url", ["not a url", "http://api.upbit.com", "https://"])
def test_malformed_or_unsafe_base_url(env, url):
    line = one_line_error(
        run(
            [
                "cancel",
                "--base-url",
                url,
                "--uuid",
                "cdd92199-2897-4e14-9448-f923320408ad",
                "--yes",
            ],
            env,
        )
    )
    assert "base URL" in line or "plain http" in line


def test_missing_credentials(isolated_home):
    env = {k: v for k, v in os.environ.items() if not k.startswith(("UPBIT_", "B2TRADER_"))}
    env.update(HOME=str(isolated_home), XDG_CONFIG_HOME=str(isolated_home / ".config"))
    line = one_line_error(
        run(["cancel", "--uuid", "cdd92199-2897-4e14-9448-f923320408ad", "--yes"], env)
    )
    assert "missing credentials" in line


def test_bad_uuid_flag(env):
    assert "not an Upbit uuid" in one_line_error(run(["cancel", "--uuid", "1234", "--yes"], env))


def test_bad_usage_exits_2(env):
    done = run(["cancel", "--no-such-flag"], env)
    assert done.returncode == 2 and "Traceback" not in done.stderr


def test_ulids_on_upbit_profile_refused_before_sending(sim, env):
    before = sim.state.stats.requests
    line = one_line_error(
        run(
            [
                "cancel",
                "--order-id",
                "01K2PF9XS29WN4JZRHMCTTQYJB",
                "--uuid",
                open_uuids(sim)[0],
                "--yes",
            ],
            env,
        )
    )
    assert "order_id" in line
    assert sim.state.stats.requests == before

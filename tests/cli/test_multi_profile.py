"""Several profiles in one run (`--profile A --profile B`, `--all-profiles`), end to end: an
`ordertui` subprocess against simulators on 127.0.0.1, profiles in a config file."""

from __future__ import annotations

import json
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest

from tests.conftest import home_env
from tui.core.journal import list_runs


def write_config(path: Path, profiles: dict[str, dict[str, str]]) -> Path:
    lines = []
    for name, settings in profiles.items():
        lines.append(f"[profiles.{name}]")
        lines += [f'{key} = "{value}"' for key, value in settings.items()]
        lines.append("")
    path.write_text("\n".join(lines))
    path.chmod(0o600)
    return path


def upbit_profile(server, *, secret: str | None = None, **extra: str) -> dict[str, str]:
    creds = server.credentials["upbit"]
    return {
        "exchange": "upbit",
        "base_url": server.base_url,
        "access_key": creds["access_key"],
        "secret_key": secret or creds["secret_key"],
        **extra,
    }


class Setup:
    def __init__(self, home: Path, config: Path) -> None:
        self.home, self.config = home, config
        self.journal = home / "journal"
        self.env = home_env(home, ORDERTUI_JOURNAL_DIR=str(self.journal), PYTHONWARNINGS="ignore")

    def run(self, *args: str, stdin: str | None = None) -> subprocess.CompletedProcess:
        return subprocess.run(
            [sys.executable, "-m", "tui", *args, "--config", str(self.config)],
            env=self.env,
            input=stdin,
            capture_output=True,
            text=True,
            timeout=120,
            stdin=None if stdin is not None else subprocess.DEVNULL,
        )


def json_lines(text: str) -> list[dict]:
    return [json.loads(line) for line in text.splitlines() if line.strip()]


def arrivals(server) -> list[float]:
    """The arrival time of every request the simulator gets from now on."""
    seen: list[float] = []
    lock = threading.Lock()

    def hook(record: dict) -> None:
        with lock:
            seen.append(time.monotonic())

    server.state.arrival_hook = hook
    return seen


def tagged(name: str, server, uuids: list[str] | None = None) -> str:
    orders = server.state.upbit_open_orders()
    if uuids is not None:
        orders = [o for o in orders if o["uuid"] in uuids]
    return json.dumps({"profile": name, "orders": orders}) + "\n"


@pytest.fixture
def two(make_sim, isolated_home, tmp_path):
    a = make_sim(orders=30, seed=1, latency_ms=20)
    b = make_sim(orders=50, seed=2, latency_ms=20)
    config = write_config(tmp_path / "config.toml", {"a": upbit_profile(a), "b": upbit_profile(b)})
    return a, b, Setup(isolated_home, config)


def test_two_profiles_list_then_cancel_concurrently(two, tmp_path):
    a, b, setup = two
    listing = setup.run("orders", "--all-profiles", "--json")
    assert listing.returncode == 0, listing.stderr
    lines = json_lines(listing.stdout)
    assert [(x["profile"], x["exchange"], len(x["orders"])) for x in lines] == [
        ("a", "upbit", 30),
        ("b", "upbit", 50),
    ]
    assert all(x["partial"] is None and x["error"] is None for x in lines)
    path = tmp_path / "open.jsonl"
    path.write_text(listing.stdout)

    seen_a, seen_b = arrivals(a), arrivals(b)
    done = setup.run("cancel", "--all-profiles", "--from-file", str(path), "--yes", "--json")
    assert done.returncode == 0, done.stderr
    reports = json_lines(done.stdout)
    assert [(r["profile"], r["requested"], len(r["cancelled"])) for r in reports] == [
        ("a", 30, 30),
        ("b", 50, 50),
    ]
    assert all(r["failed"] == [] and r["unknown"] == [] and r["halted"] is None for r in reports)
    assert a.state.upbit_open_orders() == [] and b.state.upbit_open_orders() == []
    # Concurrently: each simulator got a request before the other's last one.
    assert seen_a and seen_b
    assert min(seen_a) < max(seen_b) and min(seen_b) < max(seen_a)
    # The journal: one run (one file) per profile, each recording its profile.
    runs = {r.profile: r for r in list_runs(setup.journal)}
    assert set(runs) == {"a", "b"} and len(list(setup.journal.glob("*.jsonl"))) == 2
    assert {r.run_id for r in runs.values()} == {r["run_id"] for r in reports}
    assert runs["a"].counts["cancelled"] == 30 and runs["b"].counts["cancelled"] == 50


def test_human_output_is_one_block_per_profile(two, tmp_path):
    a, b, setup = two
    path = tmp_path / "open.jsonl"
    path.write_text(tagged("a", a) + tagged("b", b))
    done = setup.run(
        "cancel", "--profile", "b", "--profile", "a", "--from-file", str(path), "--yes"
    )
    assert done.returncode == 0, done.stderr
    out = done.stdout.splitlines()
    heads = [i for i, line in enumerate(out) if line.startswith("== profile ")]
    assert [out[i].split(":")[0] for i in heads] == ["== profile b", "== profile a"]
    assert "50 cancelled, 0 failed" in out[heads[0] + 1]
    assert "30 cancelled, 0 failed" in out[heads[1] + 1]


def test_refused_key_on_one_profile_is_exit_3_while_the_other_cancels(
    make_sim, isolated_home, tmp_path
):
    a = make_sim(orders=30, seed=1)
    b = make_sim(orders=20, seed=2)
    bad_secret = "S" * 40  # b's simulator refuses the signature: jwt_verification
    config = write_config(
        tmp_path / "config.toml",
        {"a": upbit_profile(a), "b": upbit_profile(b, secret=bad_secret)},
    )
    setup = Setup(isolated_home, config)
    path = tmp_path / "open.jsonl"
    path.write_text(tagged("a", a) + tagged("b", b))
    done = setup.run("cancel", "--all-profiles", "--from-file", str(path), "--yes", "--json")
    assert done.returncode == 3, done.stderr
    by = {r["profile"]: r for r in json_lines(done.stdout)}
    assert len(by["a"]["cancelled"]) == 30 and by["a"]["halted"] is None
    assert by["b"]["cancelled"] == [] and "credentials" in (by["b"]["halted"] or "")
    assert a.state.upbit_open_orders() == [] and len(b.state.upbit_open_orders()) == 20
    assert bad_secret not in done.stdout + done.stderr


def test_partial_on_one_profile_is_exit_1(two, tmp_path):
    a, b, setup = two
    first = a.state.upbit_open_orders()[0]["uuid"]
    path = tmp_path / "open.jsonl"
    path.write_text(tagged("a", a) + tagged("b", b))
    a.state.fill(first)
    done = setup.run("cancel", "--all-profiles", "--from-file", str(path), "--yes", "--json")
    assert done.returncode == 1, done.stderr
    by = {r["profile"]: r for r in json_lines(done.stdout)}
    assert [f["uuid"] for f in by["a"]["failed"]] == [first]
    assert len(by["b"]["cancelled"]) == 50


def _one_second_peak(times: list[float]) -> int:
    times = sorted(times)
    peak, start = 0, 0
    for end, t in enumerate(times):
        while t - times[start] >= 1.0:
            start += 1
        peak = max(peak, end - start + 1)
    return peak


def _split_run(sim, setup: Setup, tmp_path: Path) -> dict[str, dict]:
    uuids = [o["uuid"] for o in sim.state.upbit_open_orders()]
    half = len(uuids) // 2
    path = tmp_path / "open.jsonl"
    path.write_text(tagged("p", sim, uuids[:half]) + tagged("q", sim, uuids[half:]))
    seen = arrivals(sim)
    done = setup.run("cancel", "--all-profiles", "--from-file", str(path), "--yes", "--json")
    assert done.returncode == 0, done.stderr
    assert sim.state.stats.rate_limited == 0  # zero 429s (also checked for every test)
    # The simulator's own window, the server's view: never more than 30 in any second.
    assert _one_second_peak(seen) <= 30
    assert sim.state.upbit_open_orders() == []
    return {r["profile"]: r for r in json_lines(done.stdout)}


def test_two_profiles_with_one_key_share_one_budget(make_sim, isolated_home, tmp_path):
    sim = make_sim(orders=1000, seed=3)
    config = write_config(
        tmp_path / "config.toml", {"p": upbit_profile(sim), "q": upbit_profile(sim)}
    )
    by = _split_run(sim, Setup(isolated_home, config), tmp_path)
    assert len(by["p"]["cancelled"]) == 500 and len(by["q"]["cancelled"]) == 500


def test_two_keys_of_one_pocket_share_one_budget(make_sim, isolated_home, tmp_path):
    from tui.simulator.state import UpbitKey

    sim = make_sim(orders=1000, seed=4)
    full = sim.credentials["upbit"]
    account = sim.state.upbit_keys[full["access_key"]].account_id
    second = UpbitKey("K" * 40, "Z" * 40, account, True)  # another key on the same account
    sim.state.upbit_keys[second.access_key] = second
    config = write_config(
        tmp_path / "config.toml",
        {
            "p": upbit_profile(sim, pocket="main"),
            "q": {
                **upbit_profile(sim, pocket="main"),
                "access_key": "K" * 40,
                "secret_key": "Z" * 40,
            },
        },
    )
    by = _split_run(sim, Setup(isolated_home, config), tmp_path)
    assert len(by["p"]["cancelled"]) == 500 and len(by["q"]["cancelled"]) == 500


def test_reconcile_all_profiles(two, tmp_path):
    from tests.reliability.test_reconcile import crashed_run

    a, b, setup = two
    ua = [o["uuid"] for o in a.state.upbit_open_orders()[:3]]
    ub = [o["uuid"] for o in b.state.upbit_open_orders()[:2]]
    for sim, uuids in ((a, ua), (b, ub)):  # the cancels went through, the answers were lost
        with sim.state.lock:
            for uuid in uuids:
                sim.state.cancel_upbit(sim.state.upbit.by_uuid[uuid])
    crashed_run(setup.journal, "20261201T000000-aaaaaaaa", [f"uuid:{u}" for u in ua], profile="a")
    crashed_run(setup.journal, "20261201T000001-bbbbbbbb", [f"uuid:{u}" for u in ub], profile="b")
    done = setup.run("reconcile", "--all-profiles", "--yes", "--json")
    assert done.returncode == 0, done.stderr
    by = {r["profile"]: r for r in json_lines(done.stdout)}
    assert by["a"]["looked_up"] == 3 and by["a"]["counts"] == {"cancelled": 3}
    assert by["b"]["looked_up"] == 2 and by["b"]["counts"] == {"cancelled": 2}
    assert by["a"]["skipped_runs"] == [] and by["b"]["skipped_runs"] == []
    again = setup.run("reconcile", "--all-profiles", "--yes")
    assert again.returncode == 0, again.stderr
    assert again.stdout.count("Nothing to reconcile") == 2


@pytest.mark.parametrize(
    ("args", "says"),
    [
        (["cancel", "--profile", "a", "--profile", "nope", "--yes"], "no profile named 'nope'"),
        (["orders", "--profile", "a", "--all-profiles"], "cannot be combined"),
        (
            [
                "cancel",
                "--profile",
                "a",
                "--profile",
                "b",
                "--uuid",
                "0" * 8 + "-0000-0000-0000-" + "0" * 12,
            ],
            "apply only with exactly one profile",
        ),
        (["watch", "--profile", "a", "--profile", "b"], "runs on one profile"),
        (["orders", "--all-profiles", "--region", "sg"], "--region applies to one profile"),
    ],
)
def test_bad_input_is_one_line_and_exit_2(two, args, says):
    _, _, setup = two
    done = setup.run(*args)
    assert done.returncode == 2
    assert done.stdout == ""
    assert says in done.stderr and len(done.stderr.strip().splitlines()) == 1


def test_all_profiles_without_profiles_is_exit_2(isolated_home, tmp_path):
    setup = Setup(isolated_home, write_config(tmp_path / "config.toml", {}))
    done = setup.run("orders", "--all-profiles")
    assert done.returncode == 2
    assert "no profiles are configured" in done.stderr
    assert len(done.stderr.strip().splitlines()) == 1


def test_one_profile_output_is_unchanged(two):
    a, _, setup = two
    done = setup.run("orders", "--profile", "a", "--json")
    assert done.returncode == 0, done.stderr
    body = json.loads(done.stdout)
    assert set(body) == {"exchange", "orders", "partial", "unreadable"}  # no "profile"
    assert len(body["orders"]) == 30


def test_orders_on_an_upbit_and_a_b2trader_profile(sim, isolated_home, tmp_path):
    b2 = sim.credentials["b2trader"]
    config = write_config(
        tmp_path / "config.toml",
        {
            "up": upbit_profile(sim),
            "b2": {
                "exchange": "b2trader",
                "base_url": sim.base_url,
                "token": b2["token"],
                "account_id": b2["account_id"],
            },
        },
    )
    setup = Setup(isolated_home, config)
    setup.env["UPBIT_OPEN_API_ACCESS_KEY"] = "EnvKeyEnvKeyEnvKey"  # not used: said once
    setup.env["UPBIT_OPEN_API_SECRET_KEY"] = "EnvSecretEnvSecret"
    done = setup.run("orders", "--all-profiles", "--json")
    assert done.returncode == 0, done.stderr
    by = {x["profile"]: x for x in json_lines(done.stdout)}
    assert by["up"]["exchange"] == "upbit" and len(by["up"]["orders"]) == 40
    assert by["b2"]["exchange"] == "b2trader" and len(by["b2"]["orders"]) == 12
    assert "not used" in done.stderr and "EnvKey" not in done.stderr


def test_account_key_and_worst_exit():
    from pydantic import SecretStr

    from tui.cli.profiles import account_key, worst_exit
    from tui.core.resolve import ResolvedProfile

    def upbit(key: str, url: str | None = None) -> ResolvedProfile:
        return ResolvedProfile(
            "x", "upbit", "kr", url, access_key=SecretStr(key), secret_key=SecretStr("s" * 40)
        )

    secret = "AccessKeyAccessKeyAccessKey01"
    assert account_key(upbit(secret)) == account_key(upbit(secret, "https://api.upbit.com"))
    assert account_key(upbit(secret)) != account_key(upbit(secret, "https://sg-api.upbit.com"))
    assert account_key(upbit(secret)) != account_key(upbit(secret[:-1] + "2"))
    assert account_key(upbit("a" * 30), "main") == account_key(upbit("b" * 30), "main")
    assert secret not in account_key(upbit(secret))
    assert worst_exit([0, 1, 0]) == 1 and worst_exit([1, 3, 2]) == 3 and worst_exit([2, 1]) == 2
    assert worst_exit([3, 70]) == 70 and worst_exit([]) == 0


def test_cancel_all_by_rule_on_an_upbit_and_a_b2trader_profile(sim, isolated_home, tmp_path):
    """`cancel --all --side bid --all-profiles`: each profile lists its own open orders (Upbit
    over REST, B2TRADER from its stream's snapshot), the rule picks, and only those go."""
    b2 = sim.credentials["b2trader"]
    config = write_config(
        tmp_path / "config.toml",
        {
            "up": upbit_profile(sim),
            "b2": {
                "exchange": "b2trader",
                "base_url": sim.base_url,
                "token": b2["token"],
                "account_id": b2["account_id"],
            },
        },
    )
    setup = Setup(isolated_home, config)
    bids = {o["uuid"] for o in sim.state.upbit_open_orders() if o["side"] == "bid"}
    buys = {o["orderId"] for o in sim.state.b2_orders() if o["side"] == "Buy"}
    assert bids and buys
    done = setup.run("cancel", "--all", "--side", "bid", "--all-profiles", "--yes", "--json")
    assert done.returncode == 0, done.stderr
    by = {r["profile"]: r for r in json_lines(done.stdout)}
    assert {o["uuid"] for o in by["up"]["cancelled"]} == bids
    assert {o["orderId"] for o in by["b2"]["cancelled"]} == buys
    truth = sim.state.truth()
    assert {u for u, st in truth["upbit"].items() if st == "cancel"} == bids
    assert {i for i, st in truth["b2trader"].items() if st == "Cancelled"} == buys


def test_a_profile_with_nothing_selected_sends_nothing_and_leaves_no_run(two, tmp_path):
    a, b, setup = two
    path = tmp_path / "open.jsonl"
    path.write_text(tagged("a", a) + tagged("other", b))
    seen_b = arrivals(b)
    done = setup.run("cancel", "--all-profiles", "--from-file", str(path), "--yes", "--json")
    assert done.returncode == 0, done.stderr
    by = {r["profile"]: r for r in json_lines(done.stdout)}
    assert len(by["a"]["cancelled"]) == 30
    assert by["b"]["requested"] == 0 and by["b"]["run_id"] is None and by["b"]["requests"] == 0
    assert seen_b == [] and len(b.state.upbit_open_orders()) == 50
    assert "50 order(s) of profile 'other' left alone" in done.stderr
    assert [r.profile for r in list_runs(setup.journal)] == ["a"]


def test_sigterm_aborts_every_profile_and_each_journal_run_ends(make_sim, isolated_home, tmp_path):
    import signal

    from tests.reliability.helpers import stop, wait_for

    a = make_sim(orders=1000, seed=5, latency_ms=300)
    b = make_sim(orders=1000, seed=6, latency_ms=300)
    config = write_config(tmp_path / "config.toml", {"a": upbit_profile(a), "b": upbit_profile(b)})
    setup = Setup(isolated_home, config)
    path = tmp_path / "open.jsonl"
    path.write_text(tagged("a", a) + tagged("b", b))
    argv = ["cancel", "--all-profiles", "--from-file", str(path), "--yes", "--json"]
    proc = subprocess.Popen(
        [sys.executable, "-m", "tui", *argv, "--config", str(config)],
        env=setup.env,
        stdin=subprocess.DEVNULL,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        start_new_session=True,
    )
    try:

        def both_answered() -> bool:
            files = list(setup.journal.glob("*.jsonl")) if setup.journal.exists() else []
            answered = [f for f in files if '"outcome": "cancelled"' in f.read_text()]
            return len(answered) == 2 or proc.poll() is not None

        wait_for(both_answered, 60, what="answers on both profiles")
        assert proc.poll() is None, "the run ended before the signal"
        proc.send_signal(signal.SIGTERM)
        out, err = proc.communicate(timeout=60)
    finally:
        stop(proc)
    assert proc.returncode == 1, err
    assert "aborting" in err and "Traceback" not in err
    by = {r["profile"]: r for r in json_lines(out)}
    for name, sim in (("a", a), ("b", b)):
        report = by[name]
        assert report["cancelled"] and report["not_sent"]
        assert len(sim.state.upbit_open_orders()) == len(report["not_sent"])
    runs = {r.profile: r for r in list_runs(setup.journal)}
    assert set(runs) == {"a", "b"} and all(r.finished for r in runs.values())


@pytest.mark.parametrize("command", ["cancel", "orders", "reconcile"])
def test_help_says_how_to_run_on_several_profiles(command, isolated_home):
    done = subprocess.run(
        [sys.executable, "-m", "tui", command, "--help"], capture_output=True, text=True
    )
    assert done.returncode == 0
    assert "--all-profiles" in done.stdout and "one JSON object per line" in done.stdout
    assert "worst of the profiles'" in done.stdout

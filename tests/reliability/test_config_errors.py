"""Must show 8: a broken config file (unreadable, not TOML, unknown keys, wrong types) gives
one clear message naming the file and the line, exit code 2, and no traceback, whichever
command reads it."""

from __future__ import annotations

import ctypes
import os
import subprocess

import pytest

from .helpers import CLI, run_cli

SECRET = "SecretKeySecretKeySecretKeySecretKey0001"
UID = "0b4b2f3e-1111-4222-8333-444455556666"

CASES = {
    # name: (file text, line the message must name, words the message must contain)
    "not TOML": ('# settings\n[profiles.main\naccess_key = "x"\n', 2, "invalid TOML"),
    "duplicate key": ("[journal]\nmax_mb = 5\nmax_mb = 6\n", 3, "invalid TOML"),
    "bad string": ('[profiles.main]\nexchange = "upbit\n', 2, "invalid TOML"),
    "unknown top-level key": ('# settings\n\ncolour = "red"\n', 3, "unknown key 'colour'"),
    "unknown profile key": (
        '[profiles.main]\nexchange = "upbit"\nacess_key = "abc"\n',
        3,
        "unknown key 'profiles.main.acess_key'",
    ),
    "misspelt table": (
        '# settings\n[profile.main]\nexchange = "upbit"\n',
        2,
        "unknown key 'profile'",
    ),
    "misspelt journal table": (
        "[journal]\nmax_mb = 5\n\n[jounral]\nkeep_runs = 3\n",
        4,
        "unknown key 'jounral'",
    ),
    "unknown sub-table": (
        '[profiles.main]\nexchange = "upbit"\n\n[profiles.main.extra]\nx = 1\n',
        4,
        "unknown key 'profiles.main.extra'",
    ),
    "rps not a number": (
        '[profiles.main]\nexchange = "upbit"\nrps = "fast"\n',
        3,
        "profiles.main.rps",
    ),
    "keep_runs not a number": (
        '[journal]\nmax_mb = 5\nkeep_runs = "many"\n',
        3,
        "journal.keep_runs",
    ),
    "negative max_mb": ("\n[journal]\nmax_mb = -1\n", 3, "journal.max_mb"),
    "region not a region": ("[profiles.main]\nregion = 5\n", 2, "profiles.main.region"),
    "exchange unknown": ('[profiles.main]\n\nexchange = "kraken"\n', 3, "profiles.main.exchange"),
    "profile not a table": ("[profiles]\nmain = 3\n", 2, "profiles.main"),
    "profiles an array": ('[[profiles]]\nexchange = "upbit"\n', 1, "profiles"),
    "dotted key": ('default_profile = "main"\nprofiles.main.rps = "x"\n', 2, "profiles.main.rps"),
    "inline table": (
        '\nprofiles = { main = { exchange = "kraken" } }\n',
        2,
        "profiles.main.exchange",
    ),
    "missing default profile": (
        'default_profile = "nope"\n[profiles.main]\nexchange = "upbit"\n',
        1,
        "'nope' is not a profile",
    ),
    "secret of the wrong type": (
        f'[profiles.main]\naccess_key = "a"\nsecret_key = ["{SECRET}"]\n',
        3,
        "profiles.main.secret_key",
    ),
    "table holding a secret": (f'[[profiles]]\nsecret_key = "{SECRET}"\n', 1, "profiles"),
}


def _one_clear_message(proc, path, line: int | None, words: str) -> str:
    assert proc.returncode == 2, proc.stderr
    assert "Traceback" not in proc.stderr and not proc.stdout.strip()
    errors = [x for x in proc.stderr.splitlines() if x.startswith("ordertui: error:")]
    assert len(errors) == 1 and len(proc.stderr.strip().splitlines()) <= 2, proc.stderr
    message = errors[0]
    assert str(path) in message, message
    if line is not None:
        assert f"line {line}" in message, message
    assert words in message, message
    assert SECRET[:10] not in proc.stderr, "the message shows (part of) a secret"
    return message


@pytest.mark.parametrize("name", list(CASES))
def test_a_broken_config_is_one_clear_message_with_file_and_line(env, name):
    text, line, words = CASES[name]
    path = env.root / "config" / "ordertui" / "config.toml"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text)
    os.chmod(path, 0o600)
    # through the default location, by `cancel`
    _one_clear_message(run_cli(["cancel", "--uuid", UID, "--yes"], env.vars), path, line, words)
    # and through --config, by `config show`
    _one_clear_message(
        run_cli(["config", "--config", str(path), "show"], env.vars), path, line, words
    )


@pytest.mark.parametrize("kind", ["directory", "not utf-8", "missing", "no permission"])
def test_an_unreadable_config_is_one_clear_message(env, kind):
    path = env.root / "cfg" / "config.toml"
    path.parent.mkdir(parents=True)
    words = {
        "directory": "is a directory",
        "not utf-8": "not UTF-8",
        "missing": "not found",
        "no permission": "permission denied",
    }[kind]
    if kind == "directory":
        path.mkdir()
    elif kind == "not utf-8":
        path.write_bytes(b'[profiles.main]\nregion = "\xff\xfe"\n')
    elif kind == "no permission":
        path.write_text("[journal]\n")
        os.chmod(path, 0)
    args = ["reconcile", "--config", str(path), "--yes"]
    if kind == "no permission" and os.geteuid() == 0:
        proc = _run_without_root_file_access(args, env.vars)  # CI runs as root
    else:
        proc = run_cli(args, env.vars)
    _one_clear_message(proc, path, None, words)


_CAP_DAC_OVERRIDE, _CAP_DAC_READ_SEARCH, _PR_CAPBSET_DROP = 1, 2, 24


def _drop_file_access_override() -> None:
    """In the child, before exec: drop the two capabilities that let root read any file from
    the bounding set, so the exec'd process (still uid 0) obeys file modes like anyone."""
    libc = ctypes.CDLL(None, use_errno=True)
    for cap in (_CAP_DAC_OVERRIDE, _CAP_DAC_READ_SEARCH):
        if libc.prctl(_PR_CAPBSET_DROP, cap, 0, 0, 0) != 0:
            raise OSError(ctypes.get_errno(), "prctl(PR_CAPBSET_DROP) needs CAP_SETPCAP")


def _run_without_root_file_access(args, env) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [*CLI, *args],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        cwd=env.get("HOME"),
        stdin=subprocess.DEVNULL,
        preexec_fn=_drop_file_access_override,
    )


def test_the_unreadable_file_case_really_cannot_be_read_by_its_reader(env):
    """The "no permission" case above proves nothing if its reader could read the file."""
    path = env.root / "secret.toml"
    path.write_text("[journal]\n")
    os.chmod(path, 0)
    reader = [*CLI[:1], "-c", f"open({str(path)!r}).read()"]
    if os.geteuid() == 0:
        proc = subprocess.run(
            reader,
            capture_output=True,
            text=True,
            timeout=60,
            preexec_fn=_drop_file_access_override,
        )
    else:
        proc = subprocess.run(reader, capture_output=True, text=True, timeout=60)
    assert proc.returncode != 0 and "PermissionError" in proc.stderr

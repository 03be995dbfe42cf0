"""Must show 8: a broken config file (unreadable, not TOML, unknown keys, wrong types) gives
one clear message naming the file and the line, exit code 2, and no traceback, whichever
command reads it."""

from __future__ import annotations

import os

import pytest

from .helpers import run_cli

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
        if os.geteuid() == 0:
            pytest.skip("root reads any file")
        path.write_text("[journal]\n")
        os.chmod(path, 0)
    proc = run_cli(["reconcile", "--config", str(path), "--yes"], env.vars)
    _one_clear_message(proc, path, None, words)

"""The config file gets the same guards as imports (tui.core.safe_read): a regular file of at
most 1 MB, checked before and after opening; never a FIFO (it would hang) or a device such as
/dev/zero (it never ends). Each refusal is one line and exit 2."""

from __future__ import annotations

import os
import resource
import subprocess
import sys
import threading
from pathlib import Path

import pytest

import tui.core.safe_read as safe_read
from tui.core.config_read import MAX_CONFIG_BYTES, load_config
from tui.core.errors import ConfigError
from tui.core.parsing import read_input_file
from tui.core.safe_read import FileRefused, read_regular


def cli(args: list[str], home: Path) -> subprocess.CompletedProcess[str]:
    """`ordertui ARGS` from an isolated home, its address space capped at 1 GB (so a config
    read without a bound fails there instead of eating the machine's memory)."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("UPBIT_", "B2TRADER_"))}
    env.update(HOME=str(home), XDG_CONFIG_HOME=str(home / ".config"), NO_COLOR="1")
    env.update(XDG_DATA_HOME=str(home / ".data"), XDG_STATE_HOME=str(home / ".state"))
    env["ORDERTUI_JOURNAL_DIR"] = str(home / "journal")

    def cap() -> None:
        resource.setrlimit(resource.RLIMIT_AS, (1024**3, 1024**3))

    return subprocess.run(
        [sys.executable, "-m", "tui", *args],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,  # a safety net against a hang only: the command answers at once
        stdin=subprocess.DEVNULL,
        cwd=home,
        preexec_fn=cap,
    )


def one_line_exit_2(proc: subprocess.CompletedProcess[str], *words: str) -> None:
    assert proc.returncode == 2, proc.stderr
    lines = proc.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("ordertui: error: "), proc.stderr
    for word in words:
        assert word in lines[0], lines[0]


def test_config_dev_zero_is_refused_at_once(isolated_home):
    proc = cli(["reconcile", "--config", "/dev/zero", "--yes"], isolated_home)
    one_line_exit_2(proc, "/dev/zero is not a regular file (it is a character device)")


def test_config_fifo_is_refused_instead_of_hanging(isolated_home, tmp_path):
    fifo = tmp_path / "config.toml"
    os.mkfifo(fifo)  # no writer will ever come
    one_line_exit_2(cli(["config", "--config", str(fifo), "show"], isolated_home), "FIFO")
    one_line_exit_2(cli(["--config", str(fifo), "orders"], isolated_home), "FIFO")


def test_config_over_the_size_limit_is_refused(isolated_home, tmp_path):
    big = tmp_path / "config.toml"
    head = b"[journal]\nmax_mb = 50\n#"
    big.write_bytes(head + b" " * (MAX_CONFIG_BYTES - len(head)) + b"\n")  # one byte too many
    one_line_exit_2(
        cli(["config", "--config", str(big), "show"], isolated_home),
        str(big),
        "the limit is 1 MiB",
    )
    big.write_bytes(head + b" " * (MAX_CONFIG_BYTES - len(head) - 1) + b"\n")  # at the limit
    assert load_config(big).journal.max_mb == 50


def test_config_default_path_gets_the_same_guard(isolated_home):
    path = isolated_home / ".config" / "ordertui" / "config.toml"
    path.parent.mkdir(parents=True)
    os.mkfifo(path)
    with pytest.raises(ConfigError, match="is not a regular file"):
        load_config()


def _in_thread(call):
    """Run `call` in a thread and give its result or exception (bounded: a hang is a failure)."""
    box: dict[str, object] = {}

    def go() -> None:
        try:
            box["value"] = call()
        except BaseException as exc:  # noqa: BLE001 - handed to the test
            box["error"] = exc

    thread = threading.Thread(target=go, daemon=True)
    thread.start()
    thread.join(60)
    assert not thread.is_alive(), "blocked on the file"
    return box


def test_a_path_swapped_for_a_fifo_after_the_check_is_still_refused(tmp_path, monkeypatch):
    """stat() sees a regular file, then the path is a FIFO: open never blocks, fstat refuses."""
    regular = tmp_path / "regular"
    regular.write_text("x")
    fifo = tmp_path / "fifo"
    os.mkfifo(fifo)
    real_stat = os.stat
    monkeypatch.setattr(
        safe_read.os, "stat", lambda p, *a, **k: real_stat(regular if p == fifo else p, *a, **k)
    )
    box = _in_thread(lambda: read_regular(fifo, limit=100))
    assert isinstance(box.get("error"), FileRefused), box
    assert "is not a regular file (it is a FIFO)" in box["error"].message


def test_a_file_that_grows_after_the_check_is_still_bounded(tmp_path, monkeypatch):
    path = tmp_path / "growing"
    path.write_bytes(b"a" * 5000)
    small = os.stat_result((0o100600, 0, 0, 1, 0, 0, 10, 0, 0, 0))  # a 10-byte regular file
    monkeypatch.setattr(safe_read.os, "stat", lambda p, *a, **k: small)
    monkeypatch.setattr(safe_read.os, "fstat", lambda fd: small)
    asked: list[int] = []
    real_fdopen = os.fdopen

    class Spy:  # records how much each read asks for: never more than limit + 1
        def __init__(self, handle) -> None:
            self.handle = handle

        def read(self, size: int = -1) -> bytes:
            asked.append(size)
            return self.handle.read(size)

        def __enter__(self):
            return self

        def __exit__(self, *exc) -> None:
            self.handle.close()

    monkeypatch.setattr(safe_read.os, "fdopen", lambda *a, **k: Spy(real_fdopen(*a, **k)))
    with pytest.raises(FileRefused, match="larger than 1,000 bytes"):
        read_regular(path, limit=1000)
    assert asked == [1001]


def test_imports_and_config_share_the_guard(tmp_path, monkeypatch):
    """One helper serves both: a refusal reads the same from `--from-file` and `--config`."""
    fifo = tmp_path / "fifo"
    os.mkfifo(fifo)
    from tui.core.errors import InputError

    with pytest.raises(InputError) as imported:
        read_input_file(fifo)
    with pytest.raises(ConfigError) as configured:
        load_config(fifo)
    assert (
        imported.value.message
        == configured.value.message
        == (f"{fifo} is not a regular file (it is a FIFO)")
    )

"""A journal directory that is a dangling symlink: `cancel` refuses to start, saying so (it
said "File exists"), and sends nothing."""

from __future__ import annotations

import subprocess
import sys

from tests.conftest import sim_env


def test_cancel_names_the_dangling_symlink_and_sends_nothing(sim, isolated_home, tmp_path):
    link = tmp_path / "journal"
    link.symlink_to(tmp_path / "gone")
    env = sim_env(sim, isolated_home) | {"ORDERTUI_JOURNAL_DIR": str(link)}
    target = sim.state.upbit_open_orders()[0]["uuid"]
    done = subprocess.run(
        [sys.executable, "-m", "tui", "cancel", "--uuid", target, "--yes"],
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
        stdin=subprocess.DEVNULL,
    )
    assert done.returncode == 2
    assert done.stderr.strip() == (
        f"ordertui: error: cannot write the journal: a symbolic link to {tmp_path / 'gone'}, "
        f"which does not exist ({link})"
    )
    assert sim.state.upbit_order(target)["state"] == "wait"
    assert sim.state.stats.upbit_cancels == 0

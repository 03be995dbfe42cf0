"""The UI reaches the app through typed access (tui/ui/app_access.py) and app-wide state
through reactives the widgets watch (tui/ui/app_state.py): no attribute probing of the app,
no walking the screen stack to push state into widgets, and run state only in the
controller (tui/ui/cancel_run.py)."""

from __future__ import annotations

import re
from pathlib import Path

import tui.ui

UI = Path(tui.ui.__file__).parent
PROBING_THE_APP = re.compile(r"\b(getattr|hasattr)\(\s*(self\.)?(app|_app|self\.app)\b")
RULES = [
    (PROBING_THE_APP, "getattr/hasattr on the app: use ordertui_app / ordertui_app_or_none"),
    (re.compile(r"\bscreen_stack\b"), "walking screen_stack: set an app reactive widgets watch"),
    (re.compile(r"\bmain\.(_engine|_abort\w*|running)\b"), "run state is the controller's"),
]


def ui_sources() -> list[Path]:
    return sorted(p for p in UI.rglob("*.py") if p.name != "session.py")


def problems_in(path: Path) -> list[str]:
    found = []
    for number, line in enumerate(path.read_text().splitlines(), 1):
        for pattern, why in RULES:
            if pattern.search(line):
                found.append(f"{path.name}:{number}: {why}")
    return found


def test_the_ui_never_probes_the_app_or_walks_the_screen_stack():
    sources = ui_sources()
    assert len(sources) > 30  # the scan sees the UI
    problems = [p for path in sources for p in problems_in(path)]
    assert problems == []


def test_the_rules_catch_what_they_forbid(tmp_path):
    bad = tmp_path / "bad.py"
    bad.write_text(
        'x = getattr(self.app, "session", None)\n'
        'y = hasattr(app, "fill_header")\n'
        "for screen in self.screen_stack: pass\n"
        "engine = main._engine\n"
        'ok = getattr(row, "price")\n'
    )
    assert [p.split(":")[1] for p in problems_in(bad)] == ["1", "2", "3", "4"]

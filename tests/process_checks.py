"""Checks on the process, not only the end state.

The product repairs itself: the engine catches every exception around a send ("never lose a
run to a surprise") and the look-up that follows fixes the result; the HTTP clients retry a
429 without a word. A test that only looks at the end cannot see a broken step, so every test
passes through `ProcessChecks` (an autouse fixture in tests/conftest.py), which fails it when:

- an engine run in this process counted an internal error (`RunReport.internal_errors`);
- the app caught an exception that is not an OrderTuiError or OSError and only showed it
  (`OrderTuiApp.report_error`);
- ordertui logged an ERROR in this process (loggers `tui.*` and `ordertui`), e.g. the
  traceback of an engine catch-all, a broken event listener, the CLI's "internal error";
- a log file of a CLI subprocess under the test's tmp_path holds an ERROR line, or a journal
  there records an `internal_error` outcome;
- a simulator started in this process answered 429 or 418 (`rate_limited_expected` opts out),
  or crashed inside (stats.errors).

`internal_errors_expected` opts a test out of the first four, for tests that provoke a bug on
purpose and assert on it themselves.
"""

from __future__ import annotations

import functools
import logging
import os
import random
import re
import stat
from pathlib import Path
from typing import Any

import pytest

_LOGGERS = ("tui", "ordertui")
_LOG_ERROR_LINE = re.compile(r"^\d{4}-\d\d-\d\d [\d:,.]+ (ERROR|CRITICAL) ", re.M)
_INTERNAL_IN_JOURNAL = '"name": "internal_error"'


class _ErrorRecords(logging.Handler):
    def __init__(self) -> None:
        super().__init__(logging.ERROR)
        self.records: list[logging.LogRecord] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.records.append(record)


def _describe(record: logging.LogRecord) -> str:
    text = f"{record.name}: {record.getMessage()}"
    if record.exc_info and record.exc_info[1] is not None:
        exc = record.exc_info[1]
        text += f" [{type(exc).__name__}: {str(exc)[:200]}]"
    return text


class ProcessChecks:
    def __init__(self, request: pytest.FixtureRequest) -> None:
        self.request = request
        self.handler = _ErrorRecords()
        self.engines: list[Any] = []
        self.servers: list[Any] = []
        self._undo: list[tuple[Any, str, Any]] = []
        self.tmp_path: Path | None = None
        self.app_errors: list[str] = []

    # ---- what a test may read ----------------------------------------------------------------
    @property
    def logged_errors(self) -> list[logging.LogRecord]:
        return list(self.handler.records)

    def internal_errors(self) -> int:
        return sum(getattr(getattr(e, "_report", None), "internal_errors", 0) for e in self.engines)

    # ---- set-up ------------------------------------------------------------------------------
    def start(self) -> None:
        if "tmp_path" in self.request.fixturenames:  # made now, so it outlives this check
            self.tmp_path = Path(self.request.getfixturevalue("tmp_path"))
        for name in _LOGGERS:
            logging.getLogger(name).addHandler(self.handler)
        from tui.core.engine import CancelEngine
        from tui.simulator.server import SimulatorServer

        engines, servers = self.engines, self.servers
        real_run = CancelEngine.run
        real_start = SimulatorServer.start

        @functools.wraps(real_run)
        async def run(engine, refs):  # type: ignore[no-untyped-def]
            engines.append(engine)
            return await real_run(engine, refs)

        @functools.wraps(real_start)
        def start(server, *args, **kwargs):  # type: ignore[no-untyped-def]
            servers.append(server)
            return real_start(server, *args, **kwargs)

        self._patch(CancelEngine, "run", run)
        self._patch(SimulatorServer, "start", start)
        self._watch_app_errors()

    def _watch_app_errors(self) -> None:
        """The app shows what it catches as a notification (report_error); an exception that is
        not one of ours (OrderTuiError) or the system's (OSError) is a bug it hid."""
        import sys

        app_module = sys.modules.get("tui.ui.app")
        if app_module is None:  # the app is imported lazily; tests that use it import it first
            try:
                import tui.ui.app as app_module
            except ImportError:
                return
        from tui.core.errors import OrderTuiError

        cls = app_module.OrderTuiApp
        real = cls.report_error
        caught = self.app_errors

        @functools.wraps(real)
        def report_error(app, title, exc):  # type: ignore[no-untyped-def]
            if not isinstance(exc, OrderTuiError | OSError):
                caught.append(f"{title}: {type(exc).__name__}: {str(exc)[:200]}")
            return real(app, title, exc)

        self._patch(cls, "report_error", report_error)

    def _patch(self, owner: Any, name: str, value: Any) -> None:
        self._undo.append((owner, name, owner.__dict__[name]))
        setattr(owner, name, value)

    def stop(self) -> None:
        for name in _LOGGERS:
            logging.getLogger(name).removeHandler(self.handler)
        for owner, name, value in reversed(self._undo):
            setattr(owner, name, value)
        self._undo.clear()

    # ---- the verdict -------------------------------------------------------------------------
    def problems(self, honour_markers: bool = True) -> list[str]:
        """What this test's run hid; with honour_markers=False, also what its markers allow."""
        node = self.request.node

        def allowed(marker: str) -> bool:
            return honour_markers and node.get_closest_marker(marker) is not None

        out: list[str] = []
        if not allowed("internal_errors_expected"):
            for engine in self.engines:
                report = getattr(engine, "_report", None)
                if report is not None and report.internal_errors:
                    out.append(
                        f"engine run {report.run_id} caught {report.internal_errors} "
                        "internal error(s)"
                    )
            out += [f"logged {r.levelname}: {_describe(r)}" for r in self.handler.records]
            out += [f"the app caught and only showed: {e}" for e in self.app_errors]
            out += self._artefact_problems()
        if not allowed("rate_limited_expected"):
            for server in self.servers:
                stats = server.state.stats
                if stats.rate_limited or stats.banned:
                    out.append(
                        f"simulator {server.port} answered {stats.rate_limited} x 429 and "
                        f"{stats.banned} x 418 (a run that should keep under the limit)"
                    )
        for server in self.servers:
            if server.state.stats.errors:
                out.append(f"simulator {server.port} crashed {server.state.stats.errors} time(s)")
        return out

    def _artefact_problems(self) -> list[str]:
        root = self.tmp_path
        if root is None:
            return []
        out = []
        for dirpath, _dirs, files in os.walk(root):
            for name in files:
                path = Path(dirpath, name)
                if name.startswith("ordertui.log"):
                    text = _read(path)
                    for match in _LOG_ERROR_LINE.finditer(text):
                        line = text[match.start() : text.find("\n", match.start())]
                        out.append(f"{path.relative_to(root)}: {line[:300]}")
                elif name.endswith(".jsonl") and _INTERNAL_IN_JOURNAL in _read(path):
                    out.append(f"{path.relative_to(root)} records an internal_error outcome")
        return out

    def verify(self) -> None:
        problems = self.problems()
        if problems:
            pytest.fail(
                "the end state may look right, but the process hid a problem:\n  "
                + "\n  ".join(problems[:20]),
                pytrace=False,
            )


def _read(path: Path, limit: int = 64 * 1024 * 1024) -> str:
    """A test's artefact, if it is a regular file: tests leave FIFOs and huge sparse files in
    their journal directories on purpose, and reading those would hang or eat the memory."""
    try:
        fd = os.open(path, os.O_RDONLY | os.O_NONBLOCK)
    except OSError:
        return ""
    try:
        if not stat.S_ISREG(os.fstat(fd).st_mode):
            return ""
        with os.fdopen(fd, "rb", closefd=False) as f:
            return f.read(limit).decode("utf-8", errors="replace")
    except OSError:
        return ""
    finally:
        os.close(fd)


# ---- hypothesis: every failure can be replayed from CI's output ------------------------------
_SEED_ENV = "ORDERTUI_HYPOTHESIS_SEED"


def setup_hypothesis_seed(config: pytest.Config) -> None:
    """Give the run one seed, printed in the header, unless --hypothesis-seed gave one.

    Hypothesis prints a `@reproduce_failure` blob for each failure (print_blob in
    tests/reliability/fuzzing.py); the seed replays the whole run's examples, flaky ones too:
    `pytest --hypothesis-seed=N` (or ORDERTUI_HYPOTHESIS_SEED=N).
    """
    try:
        given = config.getoption("--hypothesis-seed")
    except ValueError:  # the hypothesis plugin is not loaded
        return
    if given is not None:
        config._ordertui_hypothesis_seed = given  # type: ignore[attr-defined]
        return
    seed = int(os.environ.get(_SEED_ENV) or random.SystemRandom().randrange(2**32))
    from hypothesis import core

    core.global_force_seed = seed
    config._ordertui_hypothesis_seed = seed  # type: ignore[attr-defined]


def hypothesis_seed_header(config: pytest.Config) -> str:
    seed = getattr(config, "_ordertui_hypothesis_seed", None)
    if seed is None:
        return ""
    return f"hypothesis seed: {seed} (replay: --hypothesis-seed={seed} or {_SEED_ENV}={seed})"

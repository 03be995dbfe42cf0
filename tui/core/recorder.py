"""What the engine tells whoever keeps the record of a run (the journal, or nothing)."""

from __future__ import annotations

from typing import Protocol

from tui.core.events import OrderResult, RunReport
from tui.core.planner import Plan
from tui.core.refs import OrderRef


class RunRecorder(Protocol):
    def start(self, run_id: str, exchange: str, target: str, plan: Plan) -> None:
        """The run begins. `target` describes the exchange endpoint (never secrets)."""

    def intent(self, request_id: str, endpoint: str, refs: tuple[OrderRef, ...]) -> None:
        """About to send: must be durable (flushed and fsynced) before returning."""

    def outcome(self, result: OrderResult) -> None:
        """An order's outcome was learnt (or changed after a look-up)."""

    def finish(self, report: RunReport) -> None:
        """The run ended (normally, aborted or halted)."""


class NullRecorder:
    def start(self, run_id: str, exchange: str, target: str, plan: Plan) -> None:
        pass

    def intent(self, request_id: str, endpoint: str, refs: tuple[OrderRef, ...]) -> None:
        pass

    def outcome(self, result: OrderResult) -> None:
        pass

    def finish(self, report: RunReport) -> None:
        pass

"""The run in progress: bar, done / cancelled / failed / unknown counts, requests per second."""

from __future__ import annotations

import time

from textual.app import ComposeResult
from textual.containers import Vertical
from textual.widgets import ProgressBar, Static

from tui.ui.widgets.plain import Plain


class ProgressPanel(Vertical):
    clock = staticmethod(time.monotonic)  # replaceable: snapshot tests freeze it

    DEFAULT_CSS = """
    ProgressPanel {
        height: auto;
        background: $panel;
        padding: 0 1;
        display: none;
        &.running { display: block; }
        & > #pp-title { text-style: bold; }
        & > ProgressBar { width: 1fr; }
        & Bar { width: 1fr; }
    }
    """

    def __init__(self, **kwargs) -> None:
        super().__init__(**kwargs)
        self.total = 0
        self.counts = {"cancelled": 0, "failed": 0, "unknown": 0, "not_sent": 0}
        self.requests = 0
        self.started = 0.0
        self.note = ""
        self.heading = ""

    def compose(self) -> ComposeResult:
        yield Plain("", id="pp-title")
        yield ProgressBar(total=1, show_eta=False, id="pp-bar")
        yield Plain("", id="pp-counts")

    def begin(self, title: str, total: int) -> None:
        self.heading = title
        self.total = total
        self.counts = {"cancelled": 0, "failed": 0, "unknown": 0, "not_sent": 0}
        self.requests = 0
        self.note = ""
        self.started = self.clock()
        self.add_class("running")
        self.query_one("#pp-title", Static).update(title)
        bar = self.query_one(ProgressBar)
        bar.update(total=max(1, total), progress=0)
        self.refresh_counts()

    def end(self) -> None:
        self.remove_class("running")

    @property
    def done(self) -> int:
        return (
            self.counts["cancelled"]
            + self.counts["failed"]
            + self.counts["unknown"]
            + self.counts["not_sent"]
        )

    def refresh_counts(self) -> None:
        elapsed = max(1e-6, self.clock() - self.started) if self.started else 0.0
        rate = self.requests / elapsed if elapsed else 0.0
        c = self.counts
        parts = [
            f"{self.done:,}/{self.total:,} done",
            f"cancelled {c['cancelled']:,}",
            f"failed {c['failed']:,}",
            f"unknown {c['unknown']:,}",
        ]
        if c["not_sent"]:
            parts.append(f"not sent {c['not_sent']:,}")
        parts.append(f"{self.requests:,} req · {rate:.1f} req/s")
        if self.note:
            parts.append(self.note)
        self.query_one("#pp-counts", Static).update(" · ".join(parts), layout=False)
        self.query_one(ProgressBar).update(progress=self.done)

"""Dialogs keep their key hints on screen at 80x24 however long their body is: the body
scrolls between a docked title and docked keys."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

import pytest
from textual.app import App
from textual.containers import VerticalScroll

import tui.ui
from tests.ui.conftest import screen_text, wait_for
from tui.core.parsing import parse_text
from tui.ui.screens.confirm import CancelSummary, ConfirmScreen
from tui.ui.screens.paste_preview import PastePreviewScreen


class Host(App):
    CSS_PATH = str(Path(tui.ui.__file__).parent / "styles.tcss")

    def __init__(self, screen) -> None:
        super().__init__()
        self.dialog = screen

    def on_mount(self) -> None:
        self.push_screen(self.dialog)


def long_summary(count: int) -> CancelSummary:
    return CancelSummary(
        count=count,
        where="Upbit kr (api.upbit.com)",
        demo=False,
        markets=[(f"KRW-C{i:02d}", 3) for i in range(12)],
        unknown_market=4,
        bids=40,
        asks=40,
        unknown_side=4,
        locked={f"C{i:02d}": Decimal("1234.56789") for i in range(10)},
        endpoint_lines=[f"{count // 20} × DELETE /v1/orders/uuids (batch, up to 20 ids each)"],
        requests=count // 20,
        lookups=2,
        duplicates=3,
        unsupported=2,
        notes=[
            "5 of these are hidden by the filter /krw.",
            "4 orders are known only by id: amounts and markets are not shown for them.",
            "2 ids cannot be cancelled on this exchange and will be reported as failed.",
            "3 orders are already closed (done or cancel): the exchange will refuse them.",
        ],
    )


@pytest.mark.parametrize("count", [80, 12])
async def test_confirm_keeps_its_input_and_keys_at_80x24(count):
    screen = ConfirmScreen(long_summary(count))
    app = Host(screen)
    async with app.run_test(size=(80, 24)) as pilot:
        await wait_for(
            pilot,
            lambda: f"Cancel {count} orders?" in screen_text(app),
            timeout=10,
            what="the confirm",
        )
        text = screen_text(app)
        if count > 50:
            assert f"Type {count} and press enter to cancel · escape: back" in text
            assert f"type {count} to confirm" in text  # the input's placeholder: the input shows
        else:
            assert "y / enter: cancel them · n / escape: back" in text
        assert f"Cancel {count} orders?" in text
        body = screen.query_one("#body", VerticalScroll)
        assert body.max_scroll_y > 0  # the summary scrolls instead of pushing the keys out
        keys = screen.query_one("#keys")
        assert body.region.bottom <= keys.region.y and keys.region.bottom <= app.size.height - 1


async def test_paste_preview_with_many_ignored_lines_keeps_its_keys_at_80x24():
    pasted = "\n".join(
        ["4b8d3e2a-1f6c-4a9b-8d7e-0c1b2a394857"] + [f"rubbish line {i}" for i in range(60)]
    )
    screen = PastePreviewScreen(parse_text(pasted))
    app = Host(screen)
    async with app.run_test(size=(80, 24)) as pilot:
        await wait_for(
            pilot,
            lambda: "Add 1 order from the paste?" in screen_text(app),
            timeout=10,
            what="the preview",
        )
        text = screen_text(app)
        assert "enter: add to the table · escape: cancel" in text
        assert "Add 1 order from the paste?" in text
        body = screen.query_one(VerticalScroll)
        assert body.max_scroll_y > 0

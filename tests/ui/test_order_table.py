"""The order table: layout, sort, filter, selection keys, live marks, mouse, 80x24 rendering."""

from __future__ import annotations

from decimal import Decimal

import pytest
from textual.app import App, ComposeResult

from tests.ui.factory import b2_row, ref_row, upbit_row, upbit_rows
from tui.ui.table.render import LINE_CACHE
from tui.ui.widgets.order_table import COLUMNS, SEP, OrderTable, layout_columns


class TableApp(App):
    def __init__(self, rows=()) -> None:
        super().__init__()
        self.initial = list(rows)
        self.messages: list[object] = []

    def compose(self) -> ComposeResult:
        yield OrderTable()

    def on_mount(self) -> None:
        table = self.query_one(OrderTable)
        table.set_rows(self.initial)
        table.focus()

    def on_order_table_selection_changed(self, message: OrderTable.SelectionChanged) -> None:
        self.messages.append(("selection", message.count))

    def on_order_table_cursor_moved(self, message: OrderTable.CursorMoved) -> None:
        self.messages.append(("cursor", message.row.key if message.row else None))


def screen_lines(app: App) -> list[str]:
    """The text of every line on screen."""
    return [strip.text for strip in app.screen._compositor.render_strips()]


# ---- layout ---------------------------------------------------------------------------------
def test_layout_at_80_columns_keeps_the_essentials_and_fits():
    layout = layout_columns(79)  # 80 minus the 1-cell scrollbar
    keys = [c.key for c, _ in layout]
    assert keys == [
        "check",
        "id",
        "identifier",
        "market",
        "side",
        "price",
        "volume",
        "remaining",
        "state",
    ]
    assert sum(w for _, w in layout) + SEP * (len(layout) - 1) <= 79
    widths = dict((c.key, w) for c, w in layout)
    assert widths["state"] >= len("cancelled")


def test_layout_at_200_columns_shows_everything_with_full_uuids():
    layout = layout_columns(199, ideal={"id": 36})
    assert [c.key for c, _ in layout] == [c.key for c in COLUMNS]
    widths = dict((c.key, w) for c, w in layout)
    assert widths["id"] == 36
    assert widths["created"] == 19
    assert sum(widths.values()) + SEP * (len(layout) - 1) == 199


def test_layout_hides_identifier_before_cutting_amounts():
    wide_amounts = {"price": 13, "volume": 12, "remaining": 12}
    keys = [c.key for c, _ in layout_columns(79, ideal=wide_amounts)]
    assert "identifier" not in keys
    widths = dict((c.key, w) for c, w in layout_columns(79, ideal=wide_amounts))
    assert widths["price"] >= 13 and widths["volume"] >= 12 and widths["remaining"] >= 12


def test_layout_without_identifiers_frees_the_column():
    keys = [c.key for c, _ in layout_columns(79, has_identifier=False)]
    assert "identifier" not in keys
    assert "type" in keys


# What a 100k-order book measures (the simulator's): amounts up to 15 characters with their
# thousands separators (14 without), 20-character identifiers.
BIG_BOOK = {
    "id": 36,
    "identifier": 20,
    "market": 8,
    "side": 4,
    "price": 11,
    "price.plain": 9,
    "volume": 15,
    "volume.plain": 14,
    "remaining": 15,
    "remaining.plain": 14,
}


def widths_at(width: int, **kw) -> dict[str, int]:
    layout = layout_columns(width, **kw)
    assert sum(w for _, w in layout) + SEP * (len(layout) - 1) == width
    return {c.key: w for c, w in layout}


@pytest.mark.parametrize("sort_column", [None, "side", "remaining"])
def test_layout_at_80_gives_width_to_amounts_before_the_id(sort_column):
    widths = widths_at(79, ideal=BIG_BOOK, sort_column=sort_column)
    assert {"price", "volume", "remaining", "state", "market", "side"} <= widths.keys()
    assert widths["remaining"] >= 14 and widths["volume"] >= 14 and widths["price"] >= 10
    assert widths["id"] == 9  # the first 8 characters tell uuids apart; nothing more here


def test_layout_never_shows_a_column_while_a_more_important_one_is_hidden():
    ranked = sorted((c for c in COLUMNS if c.rank >= 0), key=lambda c: c.rank)
    for width in range(40, 200):
        shown = widths_at(width, ideal=BIG_BOOK).keys()
        flags = [c.key in shown for c in ranked]
        assert flags == sorted(flags, reverse=True), (width, flags)


def test_layout_at_120_shows_identifiers_whole_before_widening_the_id():
    widths = widths_at(119, ideal=BIG_BOOK)
    assert widths["identifier"] == 20 and widths["remaining"] == 15 and widths["price"] == 11
    demo = {**BIG_BOOK, "volume": 14, "remaining": 14}  # the 40-order demo book
    widths = widths_at(119, ideal=demo)
    assert widths["identifier"] == 20 and "created" in widths and widths["id"] == 9


def test_the_sort_arrow_is_never_cut_off():
    from tui.ui.table.columns import header_label

    side = next(c for c in COLUMNS if c.key == "side")
    assert header_label(side, 4, "▲") == "Sid▲"
    assert header_label(side, 5, "▼") == "Side▼"
    assert header_label(side, 4, None) == "Side"


# ---- rendering ------------------------------------------------------------------------------
async def test_80x24_shows_short_uuids_exact_amounts_and_unknown_rows():
    rows = [upbit_row(1, price="140000000.0", volume="0.00012345"), ref_row(9)]
    app = TableApp(rows)
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        lines = screen_lines(app)
        assert all(len(line) <= 80 for line in lines)
        header, first, second = lines[0], lines[1], lines[2]
        assert "Market" in header and "Price" in header and "State" in header
        assert "Created" not in header  # lowest priority: hidden at 80 columns
        assert first.startswith("[ ] 00000001")
        assert "…" in first.split()[2]  # the uuid is shortened, not the amounts
        assert "140,000,000.0" in first
        assert "0.00012345" in first  # every digit the exchange sent
        assert "wait" in first
        assert second.startswith("[ ] 00000009")
        assert "unknown" in second


async def test_200x60_shows_full_uuid_and_created_time():
    app = TableApp([upbit_row(5)])
    async with app.run_test(size=(200, 60)) as pilot:
        await pilot.pause()
        first = screen_lines(app)[1]
        assert "00000005-aaaa-4bbb-8ccc-000000000005" in first
        assert "2025-07-04 15:00:05" in first


async def test_empty_table_says_so():
    app = TableApp([])
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        assert "No orders." in screen_lines(app)[1]


# ---- sorting --------------------------------------------------------------------------------
async def test_sort_by_price_ascending_then_descending_with_unknown_last():
    rows = [
        upbit_row(1, price="300.0"),
        upbit_row(2, price="1000.5"),
        ref_row(3),
        upbit_row(4, price="20.25"),
    ]
    app = TableApp(rows)
    async with app.run_test(size=(120, 24)) as pilot:
        table = app.query_one(OrderTable)
        table.sort_by("price")
        assert [r.price for r in table.visible_rows()] == [
            Decimal("20.25"),
            Decimal("300.0"),
            Decimal("1000.5"),
            None,
        ]
        table.sort_by("price")  # again: descending
        assert table.sort_reverse
        assert [r.price for r in table.visible_rows()] == [
            Decimal("1000.5"),
            Decimal("300.0"),
            Decimal("20.25"),
            None,
        ]
        await pilot.pause()
        assert "Price▼" in screen_lines(app)[0]
        table.sort_by(None)
        assert [r.key for r in table.visible_rows()] == [r.key for r in rows]


async def test_cold_sort_of_amounts_is_exact_too():
    rows = [
        upbit_row(i, price=p)
        for i, p in enumerate(
            [
                "3.5",
                "10",
                "0.00000001",
                "1.0000000000000000001",
                "1.0000000000000000000",
                "1",
                "250000000.0",
            ]
        )
    ]
    app = TableApp(rows)
    async with app.run_test() as pilot:
        table = app.query_one(OrderTable)
        table.model.keys.clear()  # nothing prepared yet: the sort makes its own keys
        table.sort_by("price")
        prices = [r.price for r in table.visible_rows()]
        assert prices == sorted(prices)
        # equal amounts keep insertion order (stable): 1.0000000000000000000 (row 4) before 1 (row 5)
        ones = [r.key for r in table.visible_rows() if r.price == 1]
        assert ones == [rows[4].key, rows[5].key]
        await pilot.pause()


async def test_warm_up_prepares_keys_in_idle_time():
    app = TableApp(upbit_rows(50))
    async with app.run_test() as pilot:
        table = app.query_one(OrderTable)
        for _ in range(100):
            if not table._warming:
                break
            await pilot.pause(0.01)
        model = table.model
        assert not table._warming and len(model._hay) == 50
        assert all(model.keys.ready(c, 50) for c in ("price", "volume", "remaining", "created"))
        assert model.keys.short["price"] is True
        table.sort_by("created", reverse=True)
        assert table.visible_rows()[0].key == upbit_row(49).key


async def test_cycle_sort_key_walks_the_columns():
    app = TableApp(upbit_rows(5))
    async with app.run_test() as pilot:
        table = app.query_one(OrderTable)
        await pilot.press("s")
        assert table.sort_column == "id"
        await pilot.press("s")
        assert table.sort_column == "identifier"
        await pilot.press("S")
        assert table.sort_column == "identifier" and table.sort_reverse


# ---- filtering ------------------------------------------------------------------------------
async def test_filter_matches_market_side_id_identifier_case_insensitive_all_words():
    rows = upbit_rows(12)
    app = TableApp(rows)
    async with app.run_test() as pilot:
        table = app.query_one(OrderTable)
        table.set_filter("krw-eth")
        assert {r.market for r in table.visible_rows()} == {"KRW-ETH"}
        table.set_filter("KRW-ETH ask")
        assert all(r.market == "KRW-ETH" and r.side == "ask" for r in table.visible_rows())
        assert table.visible_count == 3
        table.set_filter("bot-7")
        assert [r.identifier for r in table.visible_rows()] == ["bot-7"]
        table.set_filter("0000000b-aaaa")
        assert [r.id[:8] for r in table.visible_rows()] == ["0000000b"]
        table.set_filter("nothing-like-this")
        assert table.visible_count == 0
        await pilot.pause()
        assert "No order matches the filter." in screen_lines(app)[1]
        table.set_filter("")
        assert table.visible_count == 12


async def test_filter_keeps_cursor_on_its_row_and_sorted_order():
    app = TableApp(upbit_rows(12))
    async with app.run_test() as pilot:
        table = app.query_one(OrderTable)
        table.sort_by("price")
        table.move_cursor(5)
        row = table.cursor_row
        table.set_filter(row.market)
        assert table.cursor_row.key == row.key
        prices = [r.price for r in table.visible_rows()]
        assert prices == sorted(prices)
        await pilot.pause()


# ---- selection ------------------------------------------------------------------------------
async def test_space_toggles_and_moves_nothing_else():
    app = TableApp(upbit_rows(5))
    async with app.run_test() as pilot:
        table = app.query_one(OrderTable)
        await pilot.press("space", "down", "space")
        assert [r.key for r in table.selected_rows()] == [upbit_row(0).key, upbit_row(1).key]
        await pilot.press("space")
        assert [r.key for r in table.selected_rows()] == [upbit_row(0).key]
        await pilot.pause()
        assert screen_lines(app)[1].startswith("[x]")
        assert screen_lines(app)[2].startswith("[ ]")
        assert [m for m in app.messages if m[0] == "selection"] == [
            ("selection", 1),
            ("selection", 2),
            ("selection", 1),
        ]


async def test_a_selects_all_visible_and_again_clears_them():
    app = TableApp(upbit_rows(12))
    async with app.run_test() as pilot:
        table = app.query_one(OrderTable)
        table.set_filter("krw-btc")
        await pilot.press("a")
        assert table.selected_count == 3
        assert {r.market for r in table.selected_rows()} == {"KRW-BTC"}
        table.set_filter("")
        assert table.hidden_selected_count() == 0
        table.set_filter("krw-eth")
        assert table.hidden_selected_count() == 3
        table.set_filter("krw-btc")
        await pilot.press("a")
        assert table.selected_count == 0
        table.set_filter("")
        await pilot.press("a")
        assert table.selected_count == 12
        await pilot.pause()
        assert screen_lines(app)[0].startswith("[x]")
        await pilot.press("a")
        assert table.selected_count == 0


async def test_shift_down_and_up_extend_the_selection():
    app = TableApp(upbit_rows(6))
    async with app.run_test() as pilot:
        table = app.query_one(OrderTable)
        await pilot.press("down", "shift+down", "shift+down")
        assert table.cursor_index == 3
        assert [r.key for r in table.selected_rows()] == [upbit_row(i).key for i in (1, 2, 3)]
        await pilot.press("up", "up", "up", "up", "shift+down")
        assert table.selected_count == 4  # row 0 added


async def test_cursor_keys_and_messages():
    app = TableApp(upbit_rows(100))
    async with app.run_test(size=(80, 24)) as pilot:
        table = app.query_one(OrderTable)
        await pilot.press("end")
        assert table.cursor_index == 99
        assert table.scroll_offset.y > 0
        await pilot.pause()
        assert screen_lines(app)[-1].startswith("[ ] 00000063")  # row 99 at the bottom
        await pilot.press("home")
        assert table.cursor_index == 0 and table.scroll_offset.y == 0
        await pilot.press("pagedown")
        assert 15 <= table.cursor_index <= 23
        await pilot.press("up")
        await pilot.pause()
        assert ("cursor", table.cursor_row.key) in app.messages


async def test_click_on_checkbox_toggles_and_click_on_header_sorts():
    app = TableApp(upbit_rows(5))
    async with app.run_test(size=(100, 20)) as pilot:
        table = app.query_one(OrderTable)
        await pilot.click(OrderTable, offset=(1, 3))  # line 3 = third row (line 0 is the header)
        assert [r.key for r in table.selected_rows()] == [upbit_row(2).key]
        assert table.cursor_index == 2
        await pilot.click(OrderTable, offset=(20, 2))  # not on the checkbox: cursor only
        assert table.cursor_index == 1 and table.selected_count == 1
        layout = table.painter.layout
        x = sum(w + SEP for c, w in layout[: [c.key for c, _ in layout].index("market")])
        await pilot.click(OrderTable, offset=(x + 1, 0))
        assert table.sort_column == "market"


# ---- changes --------------------------------------------------------------------------------
async def test_add_rows_replaces_same_key_and_update_rows_keeps_place():
    app = TableApp(upbit_rows(3))
    async with app.run_test() as pilot:
        table = app.query_one(OrderTable)
        added = table.add_rows([upbit_row(1, state="cancel"), upbit_row(7)])
        assert added == 1 and table.row_count == 4
        assert table.get_row(upbit_row(1).key).state == "cancel"
        unknown = ref_row(8)
        table.add_rows([unknown])
        looked_up = upbit_row(8, uuid=unknown.id, market="KRW-XRP")
        assert table.update_rows([looked_up]) == 1
        assert table.visible_rows()[-1].market == "KRW-XRP"
        assert table.update_rows([upbit_row(99)]) == 0
        await pilot.pause()


async def test_marks_show_run_status_live():
    app = TableApp(upbit_rows(3))
    async with app.run_test(size=(100, 10)) as pilot:
        table = app.query_one(OrderTable)
        table.mark_rows(
            {upbit_row(0).key: "cancelled", upbit_row(1).key: "failed", upbit_row(2).key: "sending"}
        )
        await pilot.pause()
        lines = screen_lines(app)
        assert "cancelled" in lines[1]
        assert "failed" in lines[2]
        assert "sending…" in lines[3]
        table.mark_rows({upbit_row(1).key: None})
        await pilot.pause()
        assert "wait" in screen_lines(app)[2]


async def test_selection_survives_set_rows_for_keys_still_present_and_remove_rows():
    app = TableApp(upbit_rows(5))
    async with app.run_test() as pilot:
        table = app.query_one(OrderTable)
        table.select_keys([upbit_row(1).key, upbit_row(4).key])
        table.set_rows(upbit_rows(3))
        assert [r.key for r in table.selected_rows()] == [upbit_row(1).key]
        table.set_rows(upbit_rows(5))
        table.select_keys([upbit_row(3).key])
        assert table.remove_rows([upbit_row(1).key, "uuid:nope"]) == 1
        assert [r.key for r in table.selected_rows()] == [upbit_row(3).key]
        assert table.row_count == 4
        table.sort_by("id", reverse=True)
        assert table.visible_rows()[0].key == upbit_row(4).key
        await pilot.pause()


async def test_b2trader_rows_render_without_identifier_column():
    app = TableApp([b2_row(1), b2_row(2)])
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        header = screen_lines(app)[0]
        assert "Identifier" not in header
        first = screen_lines(app)[1]
        assert "spot.eth_usdt" in first or "spot.eth_u" in first
        assert "Working" in first


@pytest.mark.parametrize("n", [0, 1, 30])
async def test_select_all_on_small_tables(n):
    app = TableApp(upbit_rows(n))
    async with app.run_test() as pilot:
        await pilot.press("a")
        assert app.query_one(OrderTable).selected_count == n


# ---- live updates, reactives, closed rows, the line cache ------------------------------------------
async def test_a_live_update_moves_rows_but_the_cursor_row_keeps_its_line_on_screen():
    rows = upbit_rows(200)
    app = TableApp(rows)
    async with app.run_test(size=(100, 24)) as pilot:
        table = app.query_one(OrderTable)
        table.sort_by("price")
        await pilot.press(*["pagedown"] * 3, "down", "down")
        await pilot.pause()
        cursor = table.cursor_row
        line = next(i for i, text in enumerate(screen_lines(app)) if cursor.id[:8] in text)
        above = table.visible_rows()[: table.cursor_index]
        table.update_fields({r.key: {"price": Decimal("99999999")} for r in above[-20:]})
        await pilot.pause()
        assert table.cursor_row.key == cursor.key
        assert table.cursor_index == len(above) - 20  # twenty rows above it left for the end
        assert cursor.id[:8] in screen_lines(app)[line]  # ... and it did not move on screen
        # equal prices: in the order the rows were added
        moved = sorted(above[-20:], key=lambda r: int(r.id[:8], 16))
        assert [r.key for r in table.visible_rows()[-20:]] == [r.key for r in moved]


async def test_reactives_go_through_the_model_and_others_can_watch_them():
    app = TableApp(upbit_rows(12))
    async with app.run_test() as pilot:
        table = app.query_one(OrderTable)
        seen: list[str] = []
        app.watch(table, "filter_text", lambda text: seen.append(text), init=False)
        table.filter_text = "  krw-btc "
        assert table.filter_text == "krw-btc" and table.visible_count == 3
        table.set_filter("krw-eth")
        assert seen == ["krw-btc", "krw-eth"]
        table.sort_column = "price"
        assert [r.price for r in table.visible_rows()] == sorted(
            r.price for r in table.visible_rows()
        )
        table.sort_reverse = True
        assert table.model.sort_reverse and table.visible_rows()[0].price == max(
            r.price for r in table.visible_rows()
        )
        table.cursor_index = 99
        assert table.cursor_index == 2 and table.model.cursor_index == 2
        await pilot.pause()
        assert "Price▼" in screen_lines(app)[0]


async def test_closed_rows_show_their_new_state_and_cannot_be_selected():
    rows = upbit_rows(4)
    app = TableApp(rows)
    async with app.run_test(size=(100, 10)) as pilot:
        table = app.query_one(OrderTable)
        await pilot.press("a")
        assert table.selected_count == 4
        assert table.close_rows([rows[0].key], state="done") == 1
        await pilot.pause()
        first = screen_lines(app)[1]
        assert first.startswith("[ ] 00000000") and "done" in first
        await pilot.press("home", "space")
        assert not table.is_selected(rows[0].key) and table.selected_count == 3
        assert ("selection", 3) in app.messages


async def test_the_line_cache_is_a_bounded_lru_and_never_shows_a_stale_line():
    rows = upbit_rows(3000)
    app = TableApp(rows)
    async with app.run_test(size=(100, 40)) as pilot:
        table = app.query_one(OrderTable)
        for _ in range(80):
            await pilot.press("pagedown")
        await pilot.pause()
        assert 0 < table.painter.cached_lines <= LINE_CACHE
        await pilot.press("home")
        await pilot.pause()
        table.update_fields({rows[1].key: {"state": "cancel"}})
        await pilot.pause()
        assert "cancel" in screen_lines(app)[2] and "wait" in screen_lines(app)[3]


async def test_at_80_columns_a_sorted_narrow_column_keeps_its_arrow_and_remaining_shows():
    rows = [
        upbit_row(i, volume="12156.32944676", remaining_volume="12156.32944676") for i in range(5)
    ]
    app = TableApp(rows)
    async with app.run_test(size=(80, 24)) as pilot:
        table = app.query_one(OrderTable)
        table.sort_by("side")
        await pilot.pause()
        header, first = screen_lines(app)[0], screen_lines(app)[1]
        assert "Sid▲" in header or "Side▲" in header
        assert "Remaining" in header and "Volume" in header
        assert first.count("12156.32944676") + first.count("12,156.32944676") == 2
        assert first[4:14] == "00000001… "  # asks first; the id is not widened

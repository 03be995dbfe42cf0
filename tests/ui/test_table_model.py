"""The order table's model without an app: sort, filter, selection, cursor and live updates.

Every order the model shows is checked against a plain reference (filter every row, then sort
by the documented key), including after random sequences of live updates.
"""

from __future__ import annotations

import json
import subprocess
import sys
from bisect import bisect_left
from dataclasses import replace
from decimal import Decimal

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.ui.factory import ref_row, upbit_row, upbit_rows
from tui.core.models.listed_row import ListedRow
from tui.core.models.row import Exchange, OrderRow, stored
from tui.core.models.upbit_rows import rows_from_json
from tui.core.refs import IdKind
from tui.ui.table import blocks
from tui.ui.table.blocks import Blocks
from tui.ui.table.model import TableModel
from tui.ui.table.sorting import SortKeys, sort_key, value_of


def reference(model: TableModel) -> list[str]:
    """What the view must be: the rows that pass the filter, sorted by the documented key."""
    column, reverse = model.sort_column, model.sort_reverse
    shown = [p for p, row in enumerate(model.rows) if model.matches(row)]
    if column is not None:
        chosen = model._chosen

        def key(p: int):
            value = value_of(column, model.rows[p], model.mark_at(p), chosen[p])
            return sort_key(value, p, reverse)

        shown.sort(key=key)
    return [model.rows[p].key for p in shown]


def keys(model: TableModel) -> list[str]:
    return [r.key for r in model.visible_rows()]


def model_of(rows) -> TableModel:
    model = TableModel()
    model.set_rows(rows)
    return model


def priced(*prices: str | None) -> list[OrderRow]:
    return [upbit_row(i, price=p) if p is not None else ref_row(i) for i, p in enumerate(prices)]


# ---- sort -------------------------------------------------------------------------------------
def test_sort_by_a_decimal_amount_ties_keep_insertion_order_in_both_directions():
    rows = priced("2", "1.0", "3", "1", "2.00", None, "1.00")
    model = model_of(rows)
    model.sort("price")
    # 1.0, 1, 1.00 are equal amounts: they stay in the order they were added (rows 1, 3, 6).
    assert keys(model) == [rows[i].key for i in (1, 3, 6, 0, 4, 2, 5)]
    model.sort("price", reverse=True)
    # Descending is not ascending reversed: equal amounts keep insertion order here too, and a
    # row without a price stays last.
    assert keys(model) == [rows[i].key for i in (2, 0, 4, 1, 3, 6, 5)]
    assert keys(model) == reference(model)


def test_sort_is_exact_beyond_float_precision_with_or_without_prepared_keys():
    rows = priced("1.0000000000000000001", "1.0000000000000000000", "0.5", "1")
    for prepared in (False, True):
        model = model_of(rows)
        if prepared:
            model.keys.float_keys("price", model.rows)  # what idle warm-up prepares
            assert model.keys.short["price"] is False
            assert model.keys.fkeys["price"][0] == model.keys.fkeys["price"][1]
        model.sort("price")
        assert keys(model) == [rows[i].key for i in (2, 1, 3, 0)]
        model.sort("price", reverse=True)
        assert keys(model) == [rows[i].key for i in (0, 1, 3, 2)]


def test_amounts_too_big_for_a_float_sort_exactly_and_missing_ones_stay_last():
    # 1e999 and 1e1000 are finite Decimals but both inf as floats (so is the key of a row
    # without a price): the float order must not be taken as exact.
    rows = priced("1E+1000", None, "1E+999", "5", None, "1E+999")
    for prepared in (False, True):
        model = model_of(rows)
        if prepared:
            model.keys.float_keys("price", model.rows)
            assert model.keys.short["price"] is False
        for reverse in (False, True):
            model.sort("price", reverse)
            assert keys(model) == reference(model), (prepared, reverse)
        assert keys(model) == [rows[i].key for i in (0, 2, 5, 3, 1, 4)]


def listed_page(prices: list[str | None]) -> list[OrderRow]:
    """Rows from a listed page (the fast path: amounts kept as the exchange's text)."""
    page = [
        {
            "uuid": f"{i:08x}-0000-4000-8000-000000000000",
            "side": "bid",
            "ord_type": "limit",
            "state": "wait",
            "market": "KRW-BTC",
            "created_at": "2026-10-21T09:00:05+09:00",
            "volume": f"{i % 3}.5",
            "remaining_volume": "1",
            "executed_volume": "0",
            "locked": "1",
            "price": price,
        }
        for i, price in enumerate(prices)
    ]
    rows = rows_from_json(json.dumps(page).encode())
    assert rows is not None and all(type(r) is ListedRow for r in rows)
    return rows


@pytest.mark.parametrize(
    "prices",
    [
        ["2", "1.0", None, "3", "10", "1", "0.5"],
        ["1.0000000000000000001", "1.0000000000000000000", "0.5", None, "1"],  # beyond a float
    ],
)
def test_listed_rows_sort_by_their_text_exactly_without_becoming_decimals(prices):
    rows = listed_page(prices)
    rows[-1] = rows[-1].replaced(price=Decimal("1.5"))  # a live update: one Decimal among text
    sort_keys = SortKeys()
    seen = {}
    for column in ("price", "volume"):
        for reverse in (False, True):
            order = sort_keys.order(column, reverse, rows, {}, bytes(len(rows)), 1)
            seen[column, reverse] = [rows[p].key for p in order]
    # the float keys came from the text: no row was made to hold Decimals for the sort
    texts = [stored("price").__get__(r) for r in rows[:-1]]
    short = all(len(t) <= 15 for t in prices if t is not None)
    if short:  # (beyond a float's digits the exact pass compares the Decimals themselves)
        assert all(type(t) is str for t in texts if t is not None) and None in texts
    model = model_of(rows)
    for (column, reverse), got in seen.items():  # the reference reads (makes) the Decimals
        model.sort(column, reverse)
        assert got == keys(model) == reference(model), (column, reverse)


def test_prepared_float_keys_follow_live_updates_to_and_from_no_value():
    rows = priced("3", "1", "2", None, "5")
    model = model_of(rows)
    while model.warm(chunk=2):  # every float key prepared, as after the idle warm-up
        pass
    model.update_fields({rows[1].key: {"price": None}, rows[3].key: {"price": Decimal("0.5")}})
    for reverse in (False, True):
        model.sort("market")  # the next price sort starts from the prepared keys
        model.sort("price", reverse)
        assert keys(model) == reference(model), reverse
    assert keys(model)[-1] == rows[1].key  # no value: last in either direction


def test_sorting_by_another_column_keeps_one_order_only():
    model = model_of(upbit_rows(30))
    for column in ("price", "volume", "created", "market"):
        model.sort(column)
        model.sort(column, reverse=True)
        assert list(model.keys._asc) == [column]
        assert keys(model) == reference(model)


def test_sort_by_created_and_by_text_columns_is_deterministic():
    rows = upbit_rows(30)
    model = model_of(rows)
    for column in ("created", "market", "side", "state", "identifier", "id", "type"):
        for reverse in (False, True):
            model.sort(column, reverse)
            assert keys(model) == reference(model), (column, reverse)
            first = keys(model)
            model.sort(column, reverse)
            assert keys(model) == first


def test_equal_ids_of_two_kinds_keep_insertion_order_when_sorted_descending():
    same = [
        OrderRow(Exchange.B2TRADER, "ORDER-7", IdKind.ORDER_ID),
        OrderRow(Exchange.UPBIT, "ORDER-7", IdKind.IDENTIFIER, "ORDER-7"),
        OrderRow(Exchange.UPBIT, "ORDER-1", IdKind.IDENTIFIER, "ORDER-1"),
    ]
    model = model_of(same)
    model.sort("id", reverse=True)
    assert keys(model) == [same[0].key, same[1].key, same[2].key] == reference(model)


def test_the_ascending_order_is_reused_until_the_data_changes():
    model = model_of(upbit_rows(30))
    model.sort("price")
    made = model.keys._asc["price"][1]  # the ascending positions
    model.sort("price", reverse=True)  # the other direction, the filter: no new sort
    model.set_filter("krw")
    model.sort("price")
    assert model.keys._asc["price"][1] is made
    model.update_fields({upbit_row(3).key: {"price": Decimal("1")}})
    model.sort("price", reverse=True)
    assert model.keys._asc["price"][1] is not made and keys(model) == reference(model)


def test_sort_by_the_checkbox_uses_the_selection_at_the_time_of_the_sort():
    rows = upbit_rows(6)
    model = model_of(rows)
    model.select_keys([rows[4].key, rows[1].key])
    model.sort("check")
    assert keys(model)[:2] == [rows[1].key, rows[4].key]
    model.move_cursor(5)
    model.toggle_cursor()  # selecting a row does not move it under the cursor
    assert keys(model)[:2] == [rows[1].key, rows[4].key]
    assert model.cursor_index == 5


# ---- filter and selection -------------------------------------------------------------------------
def test_filter_matches_every_word_and_keeps_the_sorted_order():
    model = model_of(upbit_rows(24))
    model.sort("price")
    model.set_filter("  KRW-ETH   ask ")
    assert model.filter_text == "KRW-ETH ask"
    assert {(r.market, r.side) for r in model.visible_rows()} == {("KRW-ETH", "ask")}
    assert keys(model) == reference(model)
    assert model.set_filter("krw-eth ASK") is True and model.set_filter("krw-eth ASK") is False


def test_selection_survives_filter_changes_and_select_all_only_touches_what_shows():
    rows = upbit_rows(12)
    model = model_of(rows)
    model.select_keys([rows[0].key])  # KRW-BTC
    model.set_filter("krw-eth")
    assert model.selected_count == 1 and model.hidden_selected_count() == 1
    assert model.toggle_visible()
    assert model.selected_count == 4 and model.hidden_selected_count() == 1
    assert model.all_visible_selected()
    model.set_filter("")
    assert model.hidden_selected_count() == 0 and not model.all_visible_selected()
    model.set_filter("krw-eth")
    model.toggle_visible()  # all shown were selected: clear them, not the hidden one
    assert [r.key for r in model.selected_rows()] == [rows[0].key]


def test_cursor_stays_on_its_row_through_a_filter_or_goes_to_the_top():
    rows = upbit_rows(12)
    model = model_of(rows)
    model.move_cursor(5)
    row = model.cursor_row
    model.set_filter(row.market)
    assert model.cursor_row.key == row.key
    model.set_filter("bot-7")  # row 5 is not bot-7
    assert model.cursor_index == 0 and model.cursor_row.identifier == "bot-7"


# ---- live updates ---------------------------------------------------------------------------------
def test_update_in_place_moves_rows_and_keeps_the_cursor_row_and_the_selection():
    rows = upbit_rows(100)
    model = model_of(rows)
    model.sort("price")
    model.set_filter("krw")
    model.move_cursor(10)
    cursor = model.cursor_row.key
    model.select_keys([rows[3].key, rows[8].key])
    sorts = model.rebuilds
    model.update_fields(
        {
            rows[3].key: {"price": Decimal("1")},  # to the top
            rows[8].key: {"market": "BTC-ETH"},  # out of the filter, still selected
            cursor: {"price": Decimal("99999999")},  # the cursor's own row moves to the end
            rows[20].key: {"remaining": Decimal("0.5")},  # not the sort column: stays put
        }
    )
    assert model.rebuilds == sorts  # moved in place, no new sort
    assert keys(model) == reference(model)
    assert keys(model)[0] == rows[3].key
    assert rows[8].key not in keys(model)
    assert model.cursor_row.key == cursor and model.cursor_index == model.visible_count - 1
    assert model.selected_keys == {rows[3].key, rows[8].key}
    assert model.hidden_selected_count() == 1
    assert model.get_row(rows[20].key).remaining == Decimal("0.5")


def test_update_rows_brings_a_row_into_the_filter_at_its_sorted_place():
    rows = upbit_rows(20)
    model = model_of(rows)
    model.sort("price", reverse=True)
    model.set_filter("krw-btc")
    outside = next(r for r in rows if r.market != "KRW-BTC")
    assert model.update_rows([replace(outside, market="KRW-BTC")]) == 1
    assert outside.key in keys(model) and keys(model) == reference(model)
    assert model.update_rows([upbit_row(999)]) == 0  # unknown keys are ignored


def test_add_rows_into_a_sorted_filtered_view():
    model = model_of(upbit_rows(100))
    model.sort("price")
    model.set_filter("krw-sol")
    model.move_cursor(3)
    cursor = model.cursor_row.key
    sorts = model.rebuilds
    new = [
        upbit_row(100, market="KRW-SOL", price="1.5"),
        upbit_row(101, market="KRW-SOL", price="999999999"),
        upbit_row(102, market="KRW-BTC", price="2"),  # filtered out
        upbit_row(5, price="7"),  # already there: replaced in place
    ]
    assert model.add_rows(new) == 3
    assert model.rebuilds == sorts
    assert model.row_count == 103 and keys(model) == reference(model)
    assert keys(model)[0] == new[0].key and keys(model)[-1] == new[1].key
    assert new[2].key not in keys(model)
    assert model.cursor_row.key == cursor
    assert model.get_row(new[3].key).price == Decimal("7")


def test_close_rows_leaves_the_selection_and_stays_unselectable_in_place():
    rows = upbit_rows(10)
    model = model_of(rows)
    model.sort("state")
    model.toggle_visible()
    assert model.close_rows([rows[2].key, rows[6].key, "uuid:nope"], state="done") == 2
    assert model.selected_count == 8 and not model.is_selected(rows[2].key)
    assert model.is_closed(rows[2].key) and model.get_row(rows[2].key).state == "done"
    # "done" sorts before "wait": both closed rows move to the top, in insertion order
    assert keys(model) == reference(model) and keys(model)[:2] == [rows[2].key, rows[6].key]
    assert model.all_visible_selected()  # every row that can be selected is
    model.select_keys([rows[2].key])
    model.toggle_visible()
    model.toggle_visible()
    assert not model.is_selected(rows[2].key) and model.selected_count == 8
    model.move_cursor(model.index_of(rows[6].key))
    assert model.toggle_cursor() is False


def test_marks_move_rows_when_sorted_by_state_and_change_the_row_stamp():
    rows = upbit_rows(8)
    model = model_of(rows)
    stamp = model.stamp(model.position(rows[1].key))
    model.sort("state")
    model.mark_rows({rows[1].key: "sending", rows[5].key: "cancelled"})
    # cancelled < sending < wait: the marked rows move to the top
    assert keys(model) == reference(model) and keys(model)[:2] == [rows[5].key, rows[1].key]
    assert model.stamp(model.position(rows[1].key)) != stamp
    model.clear_marks()
    assert keys(model) == reference(model) and model.mark_of(rows[1].key) is None


def test_a_run_marking_every_row_moves_nothing_unless_sorted_by_state():
    rows = upbit_rows(50)
    model = model_of(rows)
    model.sort("price")
    views, sorts = model.view_version, model.rebuilds
    model.mark_rows({r.key: "sending" for r in rows})  # all of them at once
    assert (model.view_version, model.rebuilds) == (views, sorts)  # the view has nothing to redo
    assert model.mark_of(rows[7].key) == "sending" and keys(model) == reference(model)
    model.sort("state")
    model.mark_rows({r.key: "cancelled" for r in rows[:40]})  # 40 of 50 move: one sort
    assert model.rebuilds == sorts + 2 and keys(model) == reference(model)


def test_remove_rows_keeps_the_order_and_the_selection():
    rows = upbit_rows(10)
    model = model_of(rows)
    model.sort("price")
    model.set_filter("krw")
    model.select_keys([rows[3].key, rows[4].key])
    assert model.remove_rows([rows[4].key, "uuid:nope"]) == 1
    assert keys(model) == reference(model) and model.selected_keys == {rows[3].key}


def test_update_fields_refuses_the_id_and_unknown_fields():
    model = model_of(upbit_rows(2))
    with pytest.raises(ValueError, match="id"):
        model.update_fields({upbit_row(0).key: {"id": "x"}})
    with pytest.raises(ValueError, match="colour"):
        model.update_fields({upbit_row(0).key: {"colour": "red"}})


def bare_rows(n: int) -> list[OrderRow]:
    """Rows without pydantic (fast enough for 65k in a unit test)."""
    return [
        OrderRow(
            Exchange.UPBIT,
            f"{i:08x}-aaaa-4bbb-8ccc-{i:012x}",
            IdKind.UUID,
            None,
            ("KRW-BTC", "KRW-ETH", "KRW-XRP")[i % 3],
            "bid" if i % 2 else "ask",
            "limit",
            Decimal((i * 7919) % 100_003),
            state="wait",
            raw={},
        )
        for i in range(n)
    ]


def key_calls_to_update(n: int, changed: int = 50) -> int:
    model = model_of(bare_rows(n))
    model.sort("price")
    model.set_filter("krw-btc")
    calls = 0
    inner = model._keyfn

    def counted(pos):
        nonlocal calls
        calls += 1
        return inner(pos)

    model._keyfn = counted
    sorts = model.rebuilds
    step = n // changed
    model.update_fields({model.rows[i * step].key: {"price": Decimal(i)} for i in range(changed)})
    assert model.rebuilds == sorts and keys(model) == reference(model)
    return calls


def test_a_batch_of_updates_rebuilds_the_block_index_at_most_once(monkeypatch):
    model = model_of(bare_rows(20_000))
    model.sort("price")
    model.set_filter("krw-btc")
    rebuilt = 0
    accumulate = blocks.accumulate

    def counted(*args, **kwargs):
        nonlocal rebuilt
        rebuilt += 1
        return accumulate(*args, **kwargs)

    monkeypatch.setattr(blocks, "accumulate", counted)
    model.update_fields({model.rows[i * 97].key: {"price": Decimal(i)} for i in range(200)})
    assert rebuilt <= 2  # the order and the view, once each (for the cursor), not per row
    assert keys(model) == reference(model)


def test_an_update_costs_changed_rows_times_log_n_not_all_rows():
    small, large = key_calls_to_update(1_024), key_calls_to_update(65_536)
    # 64 times the rows: a cost in all rows would grow 64-fold, log n grows by ~1.6.
    assert large < 2.5 * small
    assert large < 50 * 4 * 40  # 50 rows, 4 bisections each, ~17 comparisons per bisection


# ---- random sequences against the reference ---------------------------------------------------------
OPS = st.lists(
    st.tuples(st.integers(0, 11), st.integers(0, 10_000), st.integers(0, 10_000)),
    max_size=30,
)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.integers(0, 40), OPS, st.sampled_from([0, 16, 10**6]))
def test_random_live_updates_keep_the_view_equal_to_the_reference(size, ops, share):
    saved = blocks.BLOCK
    blocks.BLOCK = 4  # many small blocks: splits and empty blocks happen
    try:
        model = model_of(upbit_rows(size) + [ref_row(7), ref_row(8)])
        model.REBUILD_SHARE = share  # 0: every change in place; 10**6: every change sorts again
        columns = [
            None,
            "price",
            "volume",
            "remaining",
            "state",
            "market",
            "created",
            "identifier",
            "check",
        ]
        filters = ["", "krw", "bid", "krw-eth", "bot", "ask krw", "done", "zzz"]
        for op, a, b in ops:
            rows = model.rows
            pick = rows[a % len(rows)].key if rows else ""
            if op == 0:
                model.sort(columns[a % len(columns)], bool(b % 2))
            elif op == 1:
                model.set_filter(filters[a % len(filters)])
            elif op == 2 and rows:
                price = (Decimal("1"), Decimal("2"), Decimal("2.0"), Decimal("3.5"), None)[b % 5]
                state = ("wait", "cancel", "done")[b % 3]
                market = ("KRW-ETH", "BTC-ETH", "KRW-XRP", "USDT-BTC")[a % 4]
                model.update_fields({pick: {"price": price, "state": state, "market": market}})
            elif op == 3:
                model.add_rows([upbit_row(a % 90, price=("1.0", "5", "7")[b % 3])])
            elif op == 4 and rows:
                model.mark_rows({pick: ("sending", "cancelled", None)[b % 3]})
            elif op == 5 and rows:
                model.close_rows([pick], state="done")
            elif op == 6 and rows:
                model.remove_rows([pick])
            elif op == 7:
                model.toggle_visible()
            elif op == 8 and model.visible_count:
                model.move_cursor(a % model.visible_count)
                model.toggle_cursor()
            elif op == 9:
                model.extend(1 if b % 2 else -1)
            elif op == 10:  # idle warm-up, part of the way: float keys for a prefix of the rows
                model.warm(chunk=1 + b % 7)
            elif op == 11:  # fewer rows than before (the shared positions are longer than n)
                model.set_rows(rows[: a % (len(rows) + 1)])
            assert keys(model) == reference(model)
            assert model.rebuilds_after_fault == 0
            if model.visible_count:
                assert model.cursor_row is model.visible_rows()[model.cursor_index]
            assert model.selected_count == bytes(model._sel).count(1)
            assert not any(model.is_selected(model.rows[p].key) for p in model._closed)
    finally:
        blocks.BLOCK = saved


@given(st.lists(st.tuples(st.booleans(), st.integers(0, 500)), max_size=400))
def test_blocks_behave_like_a_sorted_list(ops):
    saved = blocks.BLOCK
    blocks.BLOCK = 3
    try:
        seq, plain = Blocks(range(0, 20, 2)), list(range(0, 20, 2))
        for insert, value in ops:
            where = seq.locate(lambda x: x, value)
            assert seq.search(lambda x: x, value) == bisect_left(plain, value)
            if insert or not plain:
                seq.insert_at(*where, value)
                plain.insert(bisect_left(plain, value), value)
            elif seq.item_at(*where) == value:
                seq.pop_at(*where)
                plain.remove(value)
            else:
                assert value not in plain
            assert seq.tolist() == plain and len(seq) == len(plain)
            assert [seq[i] for i in range(len(plain))] == plain
        assert seq.slice(2, 9) == plain[2:9]
    finally:
        blocks.BLOCK = saved


# ---- idle preparation, and no Textual ---------------------------------------------------------------
def test_warm_prepares_float_keys_then_search_text():
    model = model_of(upbit_rows(50))
    steps = 0
    while model.warm(chunk=20):
        steps += 1
        assert steps < 100
    assert len(model._hay) == 50
    assert all(model.keys.ready(c, 50) for c in ("price", "volume", "remaining", "created"))
    assert model.keys.short["price"] is True
    model.sort("created", reverse=True)
    assert keys(model)[0] == upbit_row(49).key
    model.sort("price")
    assert model.keys._asc["price"][4] is None
    assert model.warm() and not model.warm()  # one step: the descending order, then done
    made = model.keys._asc["price"][4]
    model.sort("price", reverse=True)
    assert keys(model) == reference(model) and model.keys._asc["price"][4] is made


def test_the_model_runs_without_textual():
    code = (
        "import sys\n"
        "import tui.ui.table.model, tui.ui.table.columns\n"
        "assert not [m for m in sys.modules if m.split('.')[0] == 'textual'], 'textual imported'\n"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr

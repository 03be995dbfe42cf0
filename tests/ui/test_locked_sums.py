"""The selection's locked amounts, kept per change (tui/ui/table/locked.py), always equal a full
re-sum of the selected rows (the status bar's `locked_by_currency`), digits and all, and a
change of one row does not re-sum the table."""

from __future__ import annotations

from decimal import Decimal

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.ui.factory import b2_row, ref_row, upbit_row
from tui.ui.table import locked as locked_module
from tui.ui.table.model import TableModel
from tui.ui.widgets.status_bar import locked_by_currency

AMOUNTS = ["1000.0", "1.500", "2", "0.00000001", "123456789.12345678", "0", "7.25", "0.10"]
MARKETS = ["KRW-ETH", "BTC-ETH", "KRW-XRP", "USDT-BTC", ""]


def row(i: int):
    if i % 11 == 10:
        return ref_row(i)  # nothing known: locks nothing
    if i % 7 == 6:
        return b2_row(i)
    side = "bid" if i % 2 else "ask"
    return upbit_row(i, locked=AMOUNTS[i % len(AMOUNTS)], market=MARKETS[i % 4], side=side)


def assert_sums_right(model: TableModel) -> None:
    expected = locked_by_currency(model.selected_rows())
    got = model.locked_totals()
    assert got == expected
    assert {c: str(v) for c, v in got.items()} == {c: str(v) for c, v in expected.items()}


OPS = st.lists(
    st.tuples(st.integers(0, 11), st.integers(0, 10_000), st.integers(0, 10_000)), max_size=40
)


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.integers(0, 30), OPS)
def test_kept_sums_equal_a_full_re_sum_after_any_changes(size, ops):
    model = TableModel()
    model.set_rows([row(i) for i in range(size)])
    filters = ["", "krw", "bid", "krw-eth", "ask krw", "zzz"]
    for op, a, b in ops:
        rows = model.rows
        pick = rows[a % len(rows)].key if rows else ""
        if op == 0:
            model.set_filter(filters[a % len(filters)])
        elif op == 1:
            model.toggle_visible()
        elif op == 2 and model.visible_count:
            model.move_cursor(a % model.visible_count)
            model.toggle_cursor()
        elif op == 3 and rows:
            model.update_fields(
                {
                    pick: {
                        "locked": Decimal(AMOUNTS[b % len(AMOUNTS)]),
                        "market": MARKETS[a % len(MARKETS)],
                        "side": ("bid", "ask", None)[b % 3],
                    }
                }
            )
        elif op == 4 and rows:
            model.close_rows([pick], state="done")
        elif op == 5:
            model.add_rows([row(a % 60)])
        elif op == 6 and rows:
            model.remove_rows([pick])
        elif op == 7:
            model.clear_selection()
        elif op == 8:
            model.select_keys([pick], selected=bool(b % 2))
        elif op == 9:
            model.extend(1 if b % 2 else -1)
        elif op == 10:
            model.warm(chunk=1 + b % 7)
        elif op == 11:
            model.set_rows([row(i) for i in range(a % 25)] + list(rows[:3]))
        assert_sums_right(model)


def test_select_all_then_one_toggle_touches_one_row_not_the_table(monkeypatch):
    model = TableModel()
    model.set_rows([row(i) for i in range(5000)])
    while model.warm():
        pass
    calls = []
    real = locked_module.part_of

    def counting(r):
        calls.append(r)
        return real(r)

    monkeypatch.setattr("tui.ui.table.selection.part_of", counting)
    model.toggle_visible()  # select all: the sums prepared while idle
    assert model.selected_count == 5000
    assert_sums_right(model)
    calls.clear()
    model.move_cursor(17)
    model.toggle_cursor()
    got = model.locked_totals()
    assert len(calls) == 1
    assert got == locked_by_currency(model.selected_rows())


def test_an_amount_too_long_for_an_exact_running_sum_falls_back_to_the_full_sum():
    model = TableModel()
    huge, tiny = "1" + "0" * 300, "0." + "0" * 300 + "1"
    model.set_rows(
        [upbit_row(1, locked=huge, side="bid"), upbit_row(3, locked=tiny, side="bid")]
        + [row(i) for i in range(4, 10)]
    )
    model.toggle_visible()
    assert_sums_right(model)
    model.move_cursor(0)
    model.toggle_cursor()
    assert_sums_right(model)


@pytest.mark.parametrize("amounts", [["1.5", "2.000"], ["0.10", "0.1"], ["3", "0E-8"]])
def test_a_total_has_the_digits_a_full_sum_has_after_a_row_leaves(amounts):
    model = TableModel()
    model.set_rows([upbit_row(2 * i + 1, locked=a, side="bid") for i, a in enumerate(amounts)])
    model.toggle_visible()
    assert_sums_right(model)
    model.move_cursor(1)
    model.toggle_cursor()  # the row with the most decimals leaves
    assert_sums_right(model)

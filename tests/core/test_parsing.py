"""The paste/import parser (also used by `ordertui cancel --from-file`)."""

from __future__ import annotations

import json

import pytest

from tui.core.errors import InputError
from tui.core.parsing import decode_text, parse_text, read_input_file
from tui.core.refs import IdKind

U1 = "cdd92199-2897-4e14-9448-f923320408ad"
U2 = "bbbb8e07-1689-4769-af3e-a117016623f8"
L1 = "01K2PF9XS29WN4JZRHMCTTQYJB"


def test_free_text_finds_uuids_ulids_identifiers_and_reports_the_rest():
    text = (
        f"please cancel {U1} and\n\n# note\n{L1}\nidentifier: grid-7\nnothing here\n{U1.upper()}\n"
    )
    result = parse_text(text)
    assert [(r.kind, r.value) for r in result.refs] == [
        (IdKind.UUID, U1),
        (IdKind.ORDER_ID, L1),
        (IdKind.IDENTIFIER, "grid-7"),
    ]
    assert [(i.line_no, i.reason) for i in result.ignored] == [
        (3, "comment"),
        (6, "no order id found"),
    ]
    assert result.duplicates == 1
    assert result.format == "text"


def test_several_ids_on_one_line():
    result = parse_text(f"{U1},{U2} {L1}")
    assert len(result.refs) == 3


def test_uuid_inside_longer_hex_is_not_taken():
    assert parse_text(f"x{U1}ff").refs == []


def test_csv_with_header():
    text = f"market,uuid,side\nKRW-BTC,{U1},bid\nKRW-ETH,bogus,ask\n\nKRW-XRP,{U2},bid\n"
    result = parse_text(text)
    assert [r.value for r in result.refs] == [U1, U2]
    assert result.format == "csv"
    assert [(i.line_no, i.text) for i in result.ignored] == [(3, "KRW-ETH,bogus,ask")]


def test_tsv_with_identifier_and_order_id_columns():
    text = f"identifier\torderId\nmine-1\t\n\t{L1}\n"
    result = parse_text(text)
    assert [(r.kind, r.value) for r in result.refs] == [
        (IdKind.IDENTIFIER, "mine-1"),
        (IdKind.ORDER_ID, L1),
    ]
    assert result.format == "tsv"


def test_json_orders_listing_gives_full_rows():
    body = {
        "exchange": "upbit",
        "orders": [
            {"uuid": U1, "market": "KRW-BTC", "side": "bid", "price": "100.5", "state": "wait"},
            {"uuid": U2},
            {"nothing": 1},
        ],
    }
    result = parse_text(json.dumps(body))
    assert [r.value for r in result.refs] == [U1, U2]
    assert result.rows[0].known and str(result.rows[0].price) == "100.5"
    assert not result.rows[1].known
    assert [(i.line_no, i.text) for i in result.ignored] == [(None, "item 3")]


def test_ccxt_orders_use_info_or_id():
    body = [
        {"id": U1, "symbol": "BTC/KRW", "info": {"uuid": U1, "market": "KRW-BTC", "side": "ask"}},
        {"id": L1, "symbol": "ETH/USDT"},
        {"clientOrderId": "cli-1"},
    ]
    result = parse_text(json.dumps(body))
    assert [(r.kind, r.value) for r in result.refs] == [
        (IdKind.UUID, U1),
        (IdKind.ORDER_ID, L1),
        (IdKind.IDENTIFIER, "cli-1"),
    ]
    assert result.rows[0].market == "KRW-BTC"


def test_b2trader_objects():
    result = parse_text(
        json.dumps([{"order": {"orderId": L1, "marketId": "spot.eth_usdt", "side": "Buy"}}])
    )
    assert result.rows[0].known and result.rows[0].market == "spot.eth_usdt"


def test_broken_json_falls_back_to_text():
    result = parse_text('[{"uuid": "' + U1 + '", ')
    assert [r.value for r in result.refs] == [U1]


def test_empty_input():
    result = parse_text("")
    assert result.refs == [] and result.ignored == []


def test_summary_and_preview():
    result = parse_text("\n".join([U1] + [f"junk {i}" for i in range(15)]))
    assert result.summary() == "1 order found, 15 lines ignored (text)"
    preview = result.ignored_preview(10)
    assert preview[0] == "line 2: no order id found: junk 0" and preview[-1] == "... and 5 more"


def test_large_import_of_lone_uuids():
    import uuid

    values = [str(uuid.uuid4()) for _ in range(20000)]
    result = parse_text("\n".join(values + values[:10]) + "\n")
    assert len(result.refs) == 20000 and result.duplicates == 10 and not result.ignored


def test_binary_refused(tmp_path):
    path = tmp_path / "garbage.bin"
    path.write_bytes(bytes(range(256)) * 100)
    with pytest.raises(InputError, match="binary"):
        read_input_file(path)


def test_non_utf8_refused():
    with pytest.raises(InputError):
        decode_text(("\xff\xfe" * 5000).encode("latin-1"))


def test_missing_and_directory(tmp_path):
    with pytest.raises(InputError, match="no such file"):
        read_input_file(tmp_path / "nope.txt")
    with pytest.raises(InputError, match="directory"):
        read_input_file(tmp_path)


def test_special_files_refused_instead_of_hanging(tmp_path):
    import os

    fifo = tmp_path / "fifo"
    os.mkfifo(fifo)
    with pytest.raises(InputError, match="not a regular file"):
        read_input_file(fifo)
    with pytest.raises(InputError, match="not a regular file"):
        read_input_file("/dev/zero")

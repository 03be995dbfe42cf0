"""Must show 6 (input side): the paste/import parser never raises on any text, and every
line (or JSON item, or CSV row) that yields no order is reported, with its line number."""

from __future__ import annotations

import json
import uuid as uuidlib

from hypothesis import assume, given
from hypothesis import strategies as st

from tui.core.errors import InputError
from tui.core.parsing import ParseResult, decode_text, parse_file, parse_text
from tui.core.refs import ULID_RE, UUID_RE, IdKind, OrderRef

from .fuzzing import FUZZ

CROCKFORD = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"
uuids = st.uuids().map(str).flatmap(lambda u: st.sampled_from([u, u.upper()]))
ulids = st.tuples(
    st.sampled_from("01234567"), st.text(alphabet=CROCKFORD, min_size=25, max_size=25)
).map("".join)
# Text that can never hold an id, a CSV header, JSON or an identifier line: no hex digit,
# no digit, no delimiter, no bracket.
NOISE = "ghijklmnopqrstuvwxyzGHIJKLMNOPQRSTUVWXYZ !?.:/_()+*~äöüß한글"
noise = st.text(alphabet=NOISE, min_size=1, max_size=40).filter(lambda s: s.strip())
ident_values = st.text(
    alphabet=[chr(c) for c in range(33, 127) if chr(c) not in ",;\t"], min_size=1, max_size=60
)


def _check_result(result: ParseResult) -> None:
    """What holds for any input at all."""
    assert len(result.rows) == len(result.refs)
    assert len(set(result.refs)) == len(result.refs), "a reference returned twice"
    for ref in result.refs:
        assert OrderRef.parse(ref.kind, ref.value) == ref  # only valid references come out
    for item in result.ignored:
        assert item.reason
        if item.line_no is not None:
            assert 1 <= item.line_no <= max(result.lines, 1)
        else:
            assert item.text == "document" or item.text.startswith("item ")
    assert isinstance(result.summary(), str)
    assert all(isinstance(x, str) for x in result.ignored_preview(5))


# ---- anything at all -------------------------------------------------------------------------
fragments = st.one_of(
    st.text(max_size=30),
    uuids,
    ulids,
    st.sampled_from(
        [
            "\n",
            "\r\n",
            "\r",
            ",",
            ";",
            "\t",
            '"',
            "[",
            "]",
            "{",
            "}",
            "uuid",
            "identifier:",
            "orderId",
            "id",
            "#",
            "\ufeff",
            "\x00",
            "null",
            '{"uuid": ',
            '"orders": [',
            "identifier = ",
            "  ",
        ]
    ),
)
texts = st.one_of(st.text(), st.lists(fragments, max_size=40).map("".join))


@FUZZ
@given(texts)
def test_any_text_parses_without_raising(text):
    result = parse_text(text)
    _check_result(result)
    if result.format == "text":
        # every non-blank line with nothing id-like in it is reported
        reported = {i.line_no for i in result.ignored}
        normal = text.replace("\r\n", "\n").replace("\r", "\n").lstrip("\ufeff")
        for number, line in enumerate(normal.split("\n"), start=1):
            if line.strip() and not (
                UUID_RE.search(line)
                or ULID_RE.search(line)
                or line.strip().lower().startswith("identifier")
            ):
                assert number in reported, f"line {number} {line!r} ignored silently"


@FUZZ
@given(st.binary(max_size=2000))
def test_any_bytes_decode_or_fail_with_a_clear_error(data):
    try:
        text = decode_text(data, "clip")
    except InputError as exc:
        assert "clip" in exc.message
        return
    _check_result(parse_text(text))


# ---- free text with known content ------------------------------------------------------------
line_kinds = st.one_of(
    uuids.map(lambda u: ("uuid", u, u)),
    st.tuples(noise, uuids).map(lambda t: ("uuid", f"{t[0]} {t[1]} {t[0]}", t[1])),
    ulids.map(lambda u: ("order_id", u, u)),
    ident_values.map(lambda v: ("identifier", f"identifier: {v}", v)),
    noise.map(lambda n: ("noise", n, None)),
    noise.map(lambda n: ("noise", "# " + n, None)),
    st.sampled_from(["", "   ", "\t"]).map(lambda b: ("blank", b, None)),
)


@FUZZ
@given(st.lists(line_kinds, max_size=60), st.sampled_from(["\n", "\r\n"]))
def test_free_text_finds_every_id_and_reports_every_other_line(lines, newline):
    assume(lines and lines[0][0] != "blank" or len(lines) > 1)
    text = newline.join(line for _, line, _ in lines)
    result = parse_text(text)
    _check_result(result)
    assert result.format == "text"
    expected: list[OrderRef] = []
    for kind, _, value in lines:
        if value is not None:
            ref = OrderRef.parse(IdKind(kind), value)
            if ref not in expected:
                expected.append(ref)
    assert result.refs == expected
    ids = sum(1 for kind, _, _ in lines if kind not in ("noise", "blank"))
    assert result.duplicates == ids - len(expected)
    noisy = [n for n, (kind, _, _) in enumerate(lines, start=1) if kind == "noise"]
    assert [i.line_no for i in result.ignored] == noisy, "a line without an id was not reported"


# ---- CSV / TSV -------------------------------------------------------------------------------
rows = st.one_of(
    uuids.map(lambda u: ("id", u)), noise.map(lambda n: ("bad", n)), st.just(("blank", ""))
)


@FUZZ
@given(st.lists(rows, max_size=40), st.sampled_from([",", ";", "\t"]), st.booleans())
def test_csv_rows_are_each_used_or_reported(body, delim, uuid_first):
    header = delim.join(["uuid", "market"] if uuid_first else ["market", "uuid"])
    out = [header]
    for kind, value in body:
        if kind == "blank":
            out.append("")
        else:
            cells = [value, "KRW-BTC"] if uuid_first else ["KRW-BTC", value]
            out.append(delim.join(cells))
    result = parse_text("\n".join(out))
    _check_result(result)
    assert result.format == ("tsv" if delim == "\t" else "csv")
    wanted = list(dict.fromkeys(OrderRef.uuid(v) for k, v in body if k == "id"))
    assert result.refs == wanted
    bad = [n + 2 for n, (kind, _) in enumerate(body) if kind == "bad"]
    assert [i.line_no for i in result.ignored] == bad


# ---- JSON ------------------------------------------------------------------------------------
json_junk = st.recursive(
    st.none() | st.booleans() | st.integers() | st.text(max_size=10),
    lambda inner: (
        st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=5), inner, max_size=3)
    ),
    max_leaves=8,
).filter(
    lambda v: (
        not (
            isinstance(v, dict)
            and any(
                k in v
                for k in ("uuid", "orderId", "identifier", "id", "clientOrderId", "order", "info")
            )
        )
    )
)
items = st.one_of(
    uuids.map(lambda u: ("id", {"uuid": u, "market": "KRW-BTC"}, OrderRef.uuid(u))),
    uuids.map(
        lambda u: (
            "id",
            {"uuid": u, "market": "KRW-BTC", "side": "bid", "price": [1], "state": 5},
            OrderRef.uuid(u),
        )
    ),  # full-looking order with wrong types: the id is kept
    ulids.map(lambda u: ("id", {"order": {"orderId": u}}, OrderRef.order_id(u))),
    uuids.map(lambda u: ("id", u, OrderRef.uuid(u))),
    ident_values.map(lambda v: ("id", {"clientOrderId": v}, OrderRef.identifier(v))),
    json_junk.filter(
        lambda v: (
            not (
                isinstance(v, str)
                and (not v.strip() or UUID_RE.fullmatch(v.strip()) or ULID_RE.fullmatch(v.strip()))
            )
        )
    ).map(lambda j: ("junk", j, None)),
)


@FUZZ
@given(st.lists(items, max_size=30), st.booleans())
def test_json_items_are_each_used_or_reported(listed, wrapped):
    docs = [x for _, x, _ in listed]
    text = json.dumps({"orders": docs} if wrapped else docs)
    result = parse_text(text)
    _check_result(result)
    assert result.format == "json"
    assert result.refs == list(dict.fromkeys(ref for _, _, ref in listed if ref is not None))
    junk = [
        f"item {n}"
        for n, (kind, value, _) in enumerate(listed, start=1)
        if kind == "junk" and not (isinstance(value, str) and not value.strip())
    ]
    assert [i.text for i in result.ignored] == junk


def test_every_ignored_line_reaches_the_cli_user(tmp_path):
    """The CLI names the first ignored lines and counts the rest: none is dropped silently."""
    from .helpers import Env, run_cli

    env = Env(tmp_path)
    lines = [
        str(uuidlib.uuid4()) if i % 2 else f"not an order {chr(103 + i % 10)}" for i in range(60)
    ]
    path = tmp_path / "orders.txt"
    path.write_text("\n".join(lines))
    result = parse_file(path)
    assert len(result.ignored) == 30 and len(result.refs) == 30
    proc = run_cli(["cancel", "--from-file", str(path), "--dry-run", "--demo"], env.vars)
    assert proc.returncode == 0, proc.stderr
    shown = [line for line in proc.stderr.splitlines() if "ignored" in line]
    assert len(shown) == 21 and "and 10 more" in shown[-1]
    assert "line 1:" in shown[0]

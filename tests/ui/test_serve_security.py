"""`ordertui serve` answers only to the printed token, at 127.0.0.1/localhost, from its own page."""

from __future__ import annotations

import pytest

from tui.ui.serve_guard import Guard, loggable_path, new_token

# ---- the policy on its own ---------------------------------------------------------------------

GUARD = Guard(token="t" * 43, port=8123)
GOOD = {"hosts": ["127.0.0.1:8123"], "origins": ["http://127.0.0.1:8123"], "tokens": ["t" * 43]}


@pytest.mark.parametrize(
    "change",
    [
        {"tokens": []},
        {"tokens": ["t" * 42]},
        {"tokens": ["t" * 44]},
        {"tokens": ["T" * 43]},
        {"tokens": ["t" * 43, "t" * 43]},
        {"tokens": ["\udcff" * 43]},  # not even UTF-8: refused, not an exception
        {"hosts": []},
        {"hosts": ["evil.example:8123"]},
        {"hosts": ["127.0.0.1:8124"]},
        {"hosts": ["127.0.0.1"]},
        {"hosts": ["127.0.0.1:8123.evil.example"]},
        {"hosts": ["127.0.0.1:8123", "evil.example:8123"]},
        {"origins": ["http://evil.example"]},
        {"origins": ["http://evil.example:8123"]},
        {"origins": ["null"]},
        {"origins": ["https://127.0.0.1:8123"]},
        {"origins": ["http://127.0.0.1:8124"]},
        {"origins": ["http://127.0.0.1:8123", "http://evil.example"]},
    ],
)
def test_anything_but_the_token_at_the_served_address_is_refused(change):
    assert GUARD.refusal(**{**GOOD, **change}, public=False) is not None


@pytest.mark.parametrize(
    "change",
    [
        {},
        {"origins": []},  # a client that is no browser says nowhere
        {"hosts": ["localhost:8123"], "origins": ["http://localhost:8123"]},
        {"hosts": ["LocalHost:8123"]},
        {"hosts": ["localhost:8123"]},  # the page on localhost, its socket on 127.0.0.1: both ours
    ],
)
def test_the_token_at_the_served_address_is_let_in(change):
    assert GUARD.refusal(**{**GOOD, **change}, public=False) is None


def test_static_assets_need_no_token_but_still_the_served_address():
    assert GUARD.refusal(**{**GOOD, "tokens": []}, public=True) is None
    assert GUARD.refusal(**{**GOOD, "tokens": [], "hosts": ["evil.example:8123"]}, public=True)
    assert GUARD.refusal(**{**GOOD, "tokens": [], "origins": ["http://evil.example"]}, public=True)


def test_tokens_are_unguessable_and_log_lines_never_hold_one():
    tokens = {new_token() for _ in range(50)}
    assert len(tokens) == 50 and all(len(t) >= 43 for t in tokens)
    token = tokens.pop()
    assert loggable_path(f"/ws/{token}") == "/ws/<token>"
    assert token not in loggable_path(f"/ws/{token}/more")
    assert loggable_path("/static/js/textual.js") == "/static/js/textual.js"
    assert loggable_path("/\x1b[2J\u00e9") == "/?[2J?"  # a hostile path cannot drive the terminal

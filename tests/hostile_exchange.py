"""An 'Upbit' on 127.0.0.1 whose answers carry terminal escape sequences, bidi overrides and
Textual markup in every text field: order fields, error names and error messages.

It lists one open order, refuses every cancel with a 400 whose name and message are hostile,
and answers look-ups with the order. Used by the CLI and TUI tests of what reaches the terminal.
"""

from __future__ import annotations

from http.server import BaseHTTPRequestHandler
from typing import Any
from urllib.parse import urlsplit

from tests.json_server import JsonExchange

TITLE = "\x1b]0;PWNED\x07"  # OSC 0: sets the terminal's title (BEL-terminated)
CLEAR = "\x1b[2J"  # CSI 2J: clears the screen
C1_CSI = "\x9b31m"  # C1 CSI: a one-byte CSI on terminals that honour C1 controls
RLO = "\u202e"  # right-to-left override (Trojan Source)
MARKUP = "[@click=app.quit]quit[/]"  # Textual markup that would be a clickable action

UUID = "0b2a3c4d-1111-4222-8333-444455556666"
MARKET = f"KRW-{TITLE}\r"  # a carriage return would let it overwrite its own line
IDENTIFIER = f"bot{RLO}1{MARKUP}\ud800"  # "\ud800" in JSON: a lone surrogate, not UTF-8
STATE = "wait"  # the app decides what it can cancel by the state: keep it a real one
ORD_TYPE = f"limit{CLEAR}"
ERROR_NAME = f"refused{CLEAR}"
ERROR_MESSAGE = f"no {TITLE} way {C1_CSI} {RLO}reversed {MARKUP}\nsecond line\r overwrite"
# Every raw character above that must never reach a terminal.
RAW = ("\x1b", "\x07", "\x9b", RLO)


def order() -> dict:
    return {
        "uuid": UUID,
        "side": "ask",  # an ask locks the base currency: the hostile part of the market
        "ord_type": ORD_TYPE,
        "price": "100.0",
        "state": STATE,
        "market": MARKET,
        "created_at": "2025-07-04T15:00:00+09:00",
        "volume": "1.0",
        "remaining_volume": "1.0",
        "executed_volume": "0.0",
        "reserved_fee": "0.0",
        "remaining_fee": "0.0",
        "paid_fee": "0.0",
        "locked": "100.0",
        "trades_count": 0,
        "identifier": IDENTIFIER,
        f"note{CLEAR}": f"extra {TITLE}",  # an unknown field: kept, and shown in the detail
    }


class HostileExchange(JsonExchange):
    def __init__(self) -> None:
        self.requests: list[str] = []
        super().__init__()

    def answer(self, request: BaseHTTPRequestHandler) -> tuple[int, Any]:
        path = urlsplit(request.path).path
        self.requests.append(f"{request.command} {path}")
        if request.command == "DELETE":
            return 400, {"error": {"name": ERROR_NAME, "message": ERROR_MESSAGE}}
        if path == "/v1/order":
            return 200, order()
        return 200, [order()]  # /v1/orders/open and /v1/orders/uuids


def raw_found(text: str) -> list[str]:
    """The hostile raw characters present in `text` (for an assertion message)."""
    return [repr(ch) for ch in RAW if ch in text]

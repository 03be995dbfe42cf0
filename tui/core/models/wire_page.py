"""A page of listed orders kept as the exchange's JSON text until one of its orders is read.

A 100k listing's wire objects as dicts cost ~1.8 kB an order (~180 MB), and the table only
shows the columns its rows already hold. So the listing's fast path (upbit_rows.py) keeps each
page's bytes (~0.3 kB an order) and gives every row of the page the page itself as its `raw`
(no object per row: 100k small objects cost ~25 ms to make and are walked by every full
collection after). The first read of `row.raw` for any row of a page decodes the whole page once
(~0.3 ms for 100 orders; `ListedRow.raw` in listed_row.py does the reading); that row then holds
its dict, found by its order id (the fast path takes only pages whose ids are distinct), and its
page-mates take theirs from the decoded page. The decode is the same parser, with the same
limits, that accepted the page, so it cannot fail where the listing succeeded; numbers come back
as Decimal, as `decimal_json.loads` gives them.
"""

from __future__ import annotations

import threading
from decimal import Decimal
from typing import Any

import msgspec

_DECODER = msgspec.json.Decoder(float_hook=Decimal)


class WirePage:
    """One page's JSON text; its wire objects by order id once any of them was asked for."""

    __slots__ = ("_body", "_items", "_lock")

    def __init__(self, body: bytes) -> None:
        self._body = body
        self._items: dict[str, dict[str, Any]] | None = None
        self._lock = threading.Lock()  # a worker thread and the UI may read rows at once

    def item(self, order_id: str) -> dict[str, Any]:
        """The wire object of the order whose uuid, lowercased, is `order_id`."""
        items = self._items
        if items is None:
            with self._lock:
                items = self._items
                if items is None:
                    decoded = _DECODER.decode(self._body)
                    items = self._items = {item["uuid"].lower(): item for item in decoded}
                    self._body = b""
        return items[order_id]

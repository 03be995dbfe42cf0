"""An ordered sequence of row positions kept in blocks of about a thousand.

A flat list of 100k positions costs a 400 KB memmove for every insert or delete in the middle
(measured: ~36 µs each), so a live update of a few hundred rows would cost as much as sorting
again. Here an insert or delete by key (`locate`, then `insert_at` / `pop_at`) moves at most
one block (`BLOCK` items): O(log n + BLOCK) per item. Reading item `i` is a bisect over the
block starts, an index rebuilt (one C-speed `accumulate` over ~100 lengths) only when read
after a change, so a batch of changes pays for it once. Iterating is `chain.from_iterable`.

The sequence does not know its order: `search(key, target)` finds where an item goes, given
the key function the items are in ascending order of (the model's sort key).
"""

from __future__ import annotations

from bisect import bisect_left, bisect_right
from collections.abc import Callable, Iterable, Iterator
from itertools import accumulate, chain, islice
from typing import Any

BLOCK = 1024


class Blocks:
    __slots__ = ("_blocks", "_starts", "_len")

    def __init__(self, items: Iterable[int] = ()) -> None:
        flat = items if isinstance(items, list) else list(items)
        self._blocks: list[list[int]] = [flat[i : i + BLOCK] for i in range(0, len(flat), BLOCK)]
        self._len = len(flat)
        self._starts: list[int] | None = None

    def __len__(self) -> int:
        return self._len

    def __bool__(self) -> bool:
        return self._len > 0

    def __iter__(self) -> Iterator[int]:
        return chain.from_iterable(self._blocks)

    def __repr__(self) -> str:
        return f"Blocks({self.tolist()!r})"

    def tolist(self) -> list[int]:
        return list(chain.from_iterable(self._blocks))

    def _index(self) -> list[int]:
        starts = self._starts
        if starts is None:
            starts = self._starts = list(accumulate(map(len, self._blocks), initial=0))
        return starts

    def _locate(self, index: int) -> tuple[int, int]:
        if index < 0:
            index += self._len
        if not 0 <= index < self._len:
            raise IndexError("Blocks index out of range")
        starts = self._index()
        block = bisect_right(starts, index) - 1
        return block, index - starts[block]

    def __getitem__(self, index: int) -> int:
        block, offset = self._locate(index)
        return self._blocks[block][offset]

    def slice(self, start: int, stop: int) -> list[int]:
        """Items `start` to `stop` (clamped), as a list."""
        start, stop = max(0, start), min(stop, self._len)
        if start >= stop:
            return []
        block, offset = self._locate(start)
        items = chain(self._blocks[block][offset:], chain.from_iterable(self._blocks[block + 1 :]))
        return list(islice(items, stop - start))

    def _split(self, block: int) -> None:
        items = self._blocks[block]
        if len(items) > 2 * BLOCK:
            self._blocks[block : block + 1] = [items[:BLOCK], items[BLOCK:]]

    def locate(self, key: Callable[[int], Any], target: Any) -> tuple[int, int]:
        """(block, offset) of the first item whose `key(item)` is not below `target`, for items
        in ascending order of `key` (as `bisect_left`); (number of blocks, 0) past the end.
        O(log n) calls of `key`, and no use of the index of block starts."""
        blocks = self._blocks
        lo, hi = 0, len(blocks)
        while lo < hi:  # the first block whose last item is not below
            mid = (lo + hi) // 2
            if key(blocks[mid][-1]) < target:
                lo = mid + 1
            else:
                hi = mid
        if lo == len(blocks):
            return lo, 0
        return lo, bisect_left(blocks[lo], target, key=key)

    def search(self, key: Callable[[int], Any], target: Any) -> int:
        """`locate` as an index into the whole sequence."""
        block, offset = self.locate(key, target)
        return self._len if block == len(self._blocks) else self._index()[block] + offset

    def item_at(self, block: int, offset: int) -> int | None:
        """The item `locate` pointed at (None past the end)."""
        return self._blocks[block][offset] if block < len(self._blocks) else None

    def pop_at(self, block: int, offset: int) -> int:
        items = self._blocks[block]
        value = items.pop(offset)
        if not items:
            del self._blocks[block]
        self._len -= 1
        self._starts = None
        return value

    def insert_at(self, block: int, offset: int, value: int) -> None:
        """Put `value` where `locate` pointed (at the very end past it)."""
        blocks = self._blocks
        if not blocks:
            blocks.append([value])
        elif block == len(blocks):
            blocks[-1].append(value)
            self._split(len(blocks) - 1)
        else:
            blocks[block].insert(offset, value)
            self._split(block)
        self._len += 1
        self._starts = None

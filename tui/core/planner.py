"""Planning: which requests a set of order references turns into."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from tui.core.events import PlannedRequest
from tui.core.ports import Endpoints
from tui.core.refs import IdKind, OrderRef, dedupe


@dataclass(frozen=True, slots=True)
class Plan:
    requests: tuple[PlannedRequest, ...]
    refs: tuple[OrderRef, ...]  # deduplicated, in first-seen order
    duplicates: int  # references dropped as repeats
    unsupported: tuple[OrderRef, ...]  # kinds this exchange cannot take

    @property
    def request_count(self) -> int:
        return len(self.requests)

    def summary(self) -> str:
        batches = sum(1 for r in self.requests if r.batch)
        singles = self.request_count - batches
        parts = []
        if batches:
            parts.append(f"{batches} batch request{'s' if batches != 1 else ''}")
        if singles:
            parts.append(f"{singles} single request{'s' if singles != 1 else ''}")
        return " + ".join(parts) or "no requests"


def chunks(items: Sequence[OrderRef], size: int) -> Iterable[tuple[OrderRef, ...]]:
    for start in range(0, len(items), size):
        yield tuple(items[start : start + size])


def plan_cancels(
    refs: Iterable[OrderRef],
    *,
    batch_max: int,
    endpoints: Endpoints,
    id_kinds: frozenset[IdKind],
) -> Plan:
    """Dedupe, split by id kind (never mixed in one request), pack into batches.

    A lone reference (or a batch remainder of one) uses the single-cancel endpoint, which
    also returns the full order. Exchanges without a batch endpoint get one request each.
    """
    given = list(refs)
    unique = dedupe(given)
    supported = [r for r in unique if r.kind in id_kinds]
    unsupported = tuple(r for r in unique if r.kind not in id_kinds)
    requests: list[PlannedRequest] = []
    for kind in (IdKind.UUID, IdKind.IDENTIFIER, IdKind.ORDER_ID):
        of_kind = [r for r in supported if r.kind is kind]
        if not of_kind:
            continue
        size = batch_max if endpoints.cancel_batch else 1
        for group in chunks(of_kind, max(size, 1)):
            if len(group) == 1 or not endpoints.cancel_batch:
                requests.append(PlannedRequest(endpoints.cancel_one, group))
            else:
                requests.append(PlannedRequest(endpoints.cancel_batch, group, batch=True))
    return Plan(tuple(requests), tuple(supported), len(given) - len(unique), unsupported)

"""When a snapshot's part was measured, and whether it is new: shared by the derived accumulators."""

from __future__ import annotations

import math
from collections.abc import Iterable
from dataclasses import dataclass

from ..models import GatewayData


def finite(value: object) -> float | None:
    """`value` as a float if it is a real, finite number (not a bool), else None."""
    if isinstance(value, bool) or not isinstance(value, int | float):
        return None
    number = float(value)
    return number if math.isfinite(number) else None


@dataclass(frozen=True, slots=True)
class Sample:
    """The moment a snapshot's part describes, and the fetch it came from (None: not known)."""

    at: float
    fetched_at: float | None


def new_sample(data: GatewayData, paths: Iterable[str], at: float | None,
               previous_fetch: float | None) -> Sample | None:
    """When the data read from `paths` was measured; None if it is not new.

    Not new: the source endpoint's last attempt failed (the snapshot holds older data), or it
    was not read since the previous sample (not due this cycle). The moment is `at` when given
    (callers on a simulated clock), else the source's fetch time, else the snapshot's time.
    """
    statuses = [data.endpoints[path] for path in paths if path in data.endpoints]
    if any(status.stale for status in statuses):
        return None
    fetched = max((s.fetched_at for s in statuses if s.fetched_at is not None), default=None)
    if fetched is not None and previous_fetch is not None and fetched <= previous_fetch:
        return None
    moment = finite(at) if at is not None else fetched if fetched is not None else finite(data.updated_at)
    if moment is None:
        return None
    return Sample(at=moment, fetched_at=fetched)

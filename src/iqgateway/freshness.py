"""How fresh a snapshot is: when each part's newest real answer came, and when live power went stale.

A snapshot made from kept answers carries the time of those answers, never the time it was assembled.
The live-power source has a budget of updates: after `stale_after` updates in a row in which it was
due and gave no usable answer, the update raises StaleError instead of handing out old power as new.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from types import MappingProxyType

from .endpoints import acb, dry_contacts, ensemble, inverters, meters, production, snapshot_parts
from .errors import StaleError
from .models import EndpointStatus, Features

DEFAULT_STALE_AFTER = 3

# Which endpoints feed which part of GatewayData (the production source is added per device).
_PART_PATHS: Mapping[str, tuple[str, ...]] = MappingProxyType({
    "consumption": (*production.PRODUCTION_DOCS, meters.METER_READINGS),
    "meters": (meters.METER_READINGS, meters.METERS),
    "encharge": (ensemble.INVENTORY, ensemble.POWER),
    "encharge_aggregate": (ensemble.SECCTRL,),
    "enpower": (ensemble.INVENTORY,),
    "collar": (ensemble.INVENTORY,),
    "c6cc": (ensemble.INVENTORY,),
    "acb": (*production.PRODUCTION_DOCS, acb.INVENTORY_JSON, inverters.V1_INVERTERS),
    "dry_contacts": (dry_contacts.DRY_CONTACTS, dry_contacts.DRY_CONTACT_SETTINGS),
    **{part.name: part.sources for part in snapshot_parts() if part.in_snapshot},
})


def _newest(paths: Iterable[str], statuses: Mapping[str, EndpointStatus]) -> float | None:
    times = [s.fetched_at for p in paths if (s := statuses.get(p)) is not None and s.fetched_at is not None]
    return max(times, default=None)


def parts_updated_at(features: Features, statuses: Mapping[str, EndpointStatus],
                     power_path: str | None) -> dict[str, float | None]:
    """Part name -> epoch seconds of the newest good answer among the endpoints it is read from."""
    read = set(features.endpoints)
    out: dict[str, float | None] = {}
    sources = [p for p in (features.production_source, power_path) if p is not None]
    out["production"] = _newest(sources, statuses)
    if features.inverter_source is not None:
        out["inverters"] = _newest([features.inverter_source], statuses)
    for part, paths in _PART_PATHS.items():
        used = [p for p in paths if p in read]
        if used:
            out[part] = _newest(used, statuses)
    return out


def newest_answer(statuses: Mapping[str, EndpointStatus]) -> float | None:
    """Epoch seconds of the newest good answer of any endpoint (None before any)."""
    return _newest(statuses, statuses)


class PowerWatch:
    """Counts the updates in a row in which the live-power source was due and gave nothing usable."""

    def __init__(self, stale_after: int = DEFAULT_STALE_AFTER) -> None:
        if stale_after < 1:
            raise ValueError(f"stale_after must be at least 1 update, not {stale_after}")
        self.stale_after = stale_after
        self.misses = 0

    def reset(self) -> None:
        self.misses = 0

    def after_update(self, *, host: str, path: str, asked: bool, status: EndpointStatus | None,
                     now: float) -> None:
        """Account for one update; raises StaleError once the budget is spent."""
        if not asked:
            return
        if status is not None and not status.stale:
            self.misses = 0
            return
        self.misses += 1
        if self.misses < self.stale_after:
            return
        age = None if status is None or status.age_s is None else status.age_s
        if age is None and status is not None and status.fetched_at is not None:
            age = max(0.0, now - status.fetched_at)
        why = f"; last failure: {status.error}" if status is not None and status.error else ""
        since = f"for {age:.0f} s" if age is not None else "since the start"
        raise StaleError(f"power readings are stale: no usable answer {since}, {self.misses} updates in a row{why}",
                         host=host, endpoint=path, age_s=age)

"""Per-endpoint cadence: which endpoints an update reads now.

A device's CPU is weak and most of its data changes slowly, so each endpoint family is read
only as often as its data changes: live power every cycle (from one document where one carries it all),
inverter reports on the inverters' reporting period, device state every 5 minutes, settings hourly,
`/home` only on demand (never by an update). A failing endpoint is tried again at its next due time;
after a write, the Gateway reads the endpoints it touched back at once.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from types import MappingProxyType

from .endpoints import FAMILIES
from .endpoints.family import EVERY_CYCLE
from .endpoints.meters import METER_READINGS
from .models import Feature, Features, MeasurementType
from .policy import LoadGovernor

# Where live CT power comes from: when an update reads it, the production documents are only needed
# for their energy counters, and those are read less often (metered intervals).
LIVE_POWER_PATH = METER_READINGS

# Each family's (path prefix without query, interval in seconds or None = on demand), from its module.
# The longest matching prefix wins. Live power (CT readings, battery power, the production source
# of an unmetered device) is read every update; everything else as often as it changes.
_DEFAULT_INTERVALS: tuple[tuple[str, float | None], ...] = tuple(
    entry for family in FAMILIES for entry in family.intervals)
# Used instead when the update also reads LIVE_POWER_PATH: power comes from the CT readings, the
# (slow) production documents give the energy counters.
_METERED_INTERVALS: tuple[tuple[str, float | None], ...] = tuple(
    entry for family in FAMILIES for entry in family.metered_intervals)
# Used instead when the CT readings also carry the battery power (an enabled storage CT): the per-battery
# breakdown of /ivp/ensemble/power follows every 5 minutes.
_STORAGE_METERED_INTERVALS: tuple[tuple[str, float | None], ...] = tuple(
    entry for family in FAMILIES for entry in family.storage_metered_intervals)


@dataclass(frozen=True, slots=True)
class Cadence:
    """How often each endpoint family is read.

    `intervals` maps a path prefix (no query) to seconds between reads; 0 = every update,
    None = only when asked for. Paths matching no prefix use `default_s`.
    Inverter endpoints follow the inverters' own reporting period when their answers carry
    report times (see Schedule.expect_next_report), within `report_grace_s`. `/info` is read
    again every `identity_check_s` to notice firmware upgrades.
    """

    intervals: Mapping[str, float | None] = field(
        default_factory=lambda: MappingProxyType(dict(_DEFAULT_INTERVALS))
    )
    metered_intervals: Mapping[str, float | None] = field(
        default_factory=lambda: MappingProxyType(dict(_METERED_INTERVALS))
    )
    storage_intervals: Mapping[str, float | None] = field(
        default_factory=lambda: MappingProxyType(dict(_STORAGE_METERED_INTERVALS))
    )
    default_s: float | None = EVERY_CYCLE
    report_grace_s: float = 20.0
    # /info is read again this often to notice a firmware upgrade (None: never)
    identity_check_s: float | None = 3600.0
    # the site's own answers may lengthen intervals (cadence_rules.py: no batteries, unchanged power...)
    site_rules: bool = True

    @classmethod
    def every_cycle(cls) -> Cadence:
        """Read every endpoint on every update (the behaviour of simpler clients)."""
        return cls(intervals=MappingProxyType({}), metered_intervals=MappingProxyType({}),
                   storage_intervals=MappingProxyType({}), default_s=EVERY_CYCLE, site_rules=False)

    def interval(self, path: str, *, metered: bool = False, storage_metered: bool = False) -> float | None:
        """Seconds between reads of `path`; `metered`: the update also reads live CT power;
        `storage_metered`: those readings carry the battery power as well."""
        bare = path.split("?", 1)[0]
        if storage_metered and (prefix := _longest_prefix(bare, self.storage_intervals)) is not None:
            return self.storage_intervals[prefix]
        if metered and (prefix := _longest_prefix(bare, self.metered_intervals)) is not None:
            return self.metered_intervals[prefix]
        prefix = _longest_prefix(bare, self.intervals)
        return self.intervals[prefix] if prefix is not None else self.default_s


def _longest_prefix(bare: str, table: Mapping[str, float | None]) -> str | None:
    best: str | None = None
    for prefix in table:
        if (bare == prefix or bare.startswith(prefix.rstrip("/") + "/")) and (best is None or len(prefix) > len(best)):
            best = prefix
    return best


def meters_carry_power(features: Features) -> bool:
    """The CT readings carry every live power figure of the production document: a production CT, and a
    net-consumption CT or no consumption CT at all, and no AC batteries. With a total-consumption CT only,
    the grid is known only from the document's balanced net counter; AC battery power only from its
    `storage` section: then the document stays live."""
    if Feature.ACB in features.names:
        return False
    enabled = {meter.measurement_type for meter in features.ct_meters if meter.enabled}
    consumption = {MeasurementType.NET_CONSUMPTION, MeasurementType.TOTAL_CONSUMPTION} & enabled
    return MeasurementType.PRODUCTION in enabled and (not consumption or MeasurementType.NET_CONSUMPTION in enabled)


def meters_carry_storage(features: Features) -> bool:
    """The CT readings carry the site's battery power: an enabled storage CT, and no AC batteries (whose
    power only the production document's `storage` section gives)."""
    if Feature.ACB in features.names:
        return False
    return any(meter.enabled and meter.measurement_type == MeasurementType.STORAGE for meter in features.ct_meters)


class Schedule:
    """Due times per endpoint for one Gateway (mutable; not shared).

    Each endpoint is read once per interval whatever the phase of the polls: a read keeps the due-time
    grid (the next one is due an interval after the one it served), so a poll a little early or late
    neither doubles nor skips a read. `governor` (policy.py) stretches the interval of a struggling
    endpoint and keeps an endpoint away from the minutes it was learned to hang at.
    """

    def __init__(self, cadence: Cadence | None = None, governor: LoadGovernor | None = None) -> None:
        self.cadence = cadence or Cadence()
        self.governor = governor
        self._live_every_cycle = self.cadence.interval(LIVE_POWER_PATH) == EVERY_CYCLE
        self._next_due: dict[str, float] = {}
        self._metered = False  # the updates read live CT power (see Cadence.metered_intervals)
        # the CT readings give every power figure of the production document (set from the probe)
        self.meters_carry_power = False
        # ... and the battery power too: a storage CT (set from the probe)
        self.meters_carry_storage = False
        self._storage_metered = False
        # what the site's own answers decided (cadence_rules.py): path -> (interval, why), path -> leader
        self.overrides: dict[str, tuple[float | None, str]] = {}
        self.follows: dict[str, str] = {}
        # the cadence is immutable: its interval of a path, per state of the live readings, is looked up once
        self._cadence_intervals: dict[tuple[str, bool, bool], float | None] = {}

    def interval(self, path: str) -> float | None:
        """Seconds between reads of `path` as the last due() found the live readings (before any stretch)."""
        if (override := self.overrides.get(path.split("?", 1)[0])) is not None:
            return override[0]
        key = (path, self._metered, self._storage_metered)
        if key in self._cadence_intervals:
            return self._cadence_intervals[key]
        found = self.cadence.interval(path, metered=self._metered, storage_metered=self._storage_metered)
        self._cadence_intervals[key] = found
        return found

    def set_rules(self, overrides: Mapping[str, tuple[float | None, str]], follows: Mapping[str, str]) -> None:
        """New site rules (cadence_rules.py): a due time moves by the change of its path's interval (a path
        whose interval got shorter is due at once)."""
        if not self.cadence.site_rules or (overrides == self.overrides and follows == self.follows):
            return
        before = {path: self.interval(path) for path in self._next_due}
        self.overrides = dict(overrides)
        self.follows = dict(follows)
        for path, old in before.items():
            new = self.interval(path)
            if old is None or new is None or new == old:
                continue
            if new < old:
                self._next_due.pop(path)
            else:
                self._next_due[path] += new - old

    def reason(self, path: str) -> str | None:
        """Why `path` is read at another interval than its family's (None: the family's)."""
        override = self.overrides.get(path.split("?", 1)[0])
        return override[1] if override is not None else None

    def due(self, paths: Iterable[str], now: float) -> tuple[str, ...]:
        """The paths (in the order given) an update at `now` reads; `paths` is every path updates read."""
        paths = tuple(paths)
        self._metered = self.meters_carry_power and LIVE_POWER_PATH in paths and self._live_every_cycle
        self._storage_metered = self._metered and self.meters_carry_storage
        out = [path for path in paths if path not in self.follows and self._is_due(path, now)]
        # a follower is read with its leader (or on its own once an interval passed without the leader)
        return tuple(path for path in paths if path in out or (
            path in self.follows and (self.follows[path] in out or self._is_due(path, now))))

    def _is_due(self, path: str, now: float) -> bool:
        interval = self.interval(path)
        if interval is None:
            return False
        next_due = self._next_due.get(path)
        if next_due is not None and now + _slack(interval) < next_due:
            return False
        return self.governor is None or not self.governor.avoid(path, now)

    def next_due(self, path: str) -> float | None:
        return self._next_due.get(path)

    @property
    def metered(self) -> bool:
        """The last due() found live CT power read every update (the production documents slow down)."""
        return self._metered

    def fetched(self, path: str, now: float) -> None:
        """An attempt was made at `now` (good or failed): the next one is due after the interval."""
        interval = self.interval(path)
        if interval is None:
            self._next_due.pop(path, None)
            return
        stretched = self.governor.stretched(path, interval) if self.governor is not None else interval
        due = self._next_due.get(path)
        on_grid = due is not None and due - _slack(interval) <= now < due + interval
        if stretched == interval and interval > 0 and on_grid and due is not None:
            self._next_due[path] = due + interval  # keep the grid: one read per interval
        else:
            self._next_due[path] = now + stretched

    def expect_next_report(self, path: str, last_report: float, now: float) -> None:
        """Align an inverter endpoint with the inverters' reporting: due shortly after a report.

        The due time is on the grid of report times (plus grace) between half an interval and an interval
        away, or an interval away when no report time falls there: the alignment moves the phase once and
        never adds a read (a replayed, unchanging report time too).
        """
        interval = self.interval(path)
        if not interval or (self.governor is not None and self.governor.stretch(path) > 1):
            return
        due = last_report + interval + self.cadence.report_grace_s
        earliest = now + interval / 2
        if due < earliest:  # whole intervals forward (a stale clock may be years back)
            due += math.ceil((earliest - due) / interval) * interval
        self._next_due[path] = due if due <= now + interval else now + interval

    def reset(self) -> None:
        self._next_due.clear()
        self.overrides.clear()
        self.follows.clear()


def _slack(interval: float) -> float:
    """A poll this much early still counts, so jitter does not cost a whole interval (the grid stays)."""
    return min(2.0, 0.01 * interval)

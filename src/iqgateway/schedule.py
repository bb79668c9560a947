"""Per-endpoint cadence: which endpoints an update reads now.

A device's CPU is weak and most of its data changes slowly, so each endpoint family is read
only as often as its data changes: live power every cycle, inverter reports on the inverters'
reporting period, configuration every few minutes, `/home` only on demand. A failing endpoint
is tried again at its next due time; after a write, the endpoints it touched are due at once.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from types import MappingProxyType

EVERY_CYCLE = 0.0
ON_DEMAND = None

# Families: (path prefix without query, interval in seconds or None = on demand).
# The first matching prefix wins, so longer prefixes come first.
_DEFAULT_INTERVALS: tuple[tuple[str, float | None], ...] = (
    ("/api/v1/production/inverters", 300.0),
    ("/ivp/pdm/device_data", 300.0),
    ("/ivp/meters/readings", EVERY_CYCLE),
    ("/ivp/meters", 900.0),
    ("/admin/lib/tariff", 300.0),
    ("/ivp/ss/dry_contact_settings", 300.0),
    ("/ivp/ss/gen_config", 900.0),
    ("/ivp/ss/gen_schedule", 900.0),
    ("/ivp/ss/gen_mode", 300.0),
    ("/inventory.json", 300.0),
    ("/home", ON_DEMAND),
)


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
    default_s: float | None = EVERY_CYCLE
    report_grace_s: float = 20.0
    # /info is read again this often to notice a firmware upgrade (None: never)
    identity_check_s: float | None = 3600.0

    @classmethod
    def every_cycle(cls) -> Cadence:
        """Read every endpoint on every update (the behaviour of simpler clients)."""
        return cls(intervals=MappingProxyType({}), default_s=EVERY_CYCLE)

    def interval(self, path: str) -> float | None:
        bare = path.split("?", 1)[0]
        best: str | None = None
        for prefix in self.intervals:
            if (bare == prefix or bare.startswith(prefix.rstrip("/") + "/")) and (
                best is None or len(prefix) > len(best)
            ):
                best = prefix
        return self.intervals[best] if best is not None else self.default_s


class Schedule:
    """Due times per endpoint for one Gateway (mutable; not shared)."""

    def __init__(self, cadence: Cadence | None = None) -> None:
        self.cadence = cadence or Cadence()
        self._next_due: dict[str, float] = {}
        self._asked: set[str] = set()

    def due(self, paths: Iterable[str], now: float) -> tuple[str, ...]:
        """The paths (in the order given) an update at `now` reads."""
        out = []
        for path in paths:
            if path in self._asked:
                out.append(path)
                continue
            interval = self.cadence.interval(path)
            if interval is None:
                continue
            next_due = self._next_due.get(path)
            # a little slack, so a poll that comes a hair early does not skip a whole interval
            slack = min(5.0, 0.1 * interval)
            if next_due is None or now + slack >= next_due:
                out.append(path)
        return tuple(out)

    def next_due(self, path: str) -> float | None:
        return self._next_due.get(path)

    def fetched(self, path: str, now: float) -> None:
        """An attempt was made at `now` (good or failed): the next one is due after the interval."""
        self._asked.discard(path)
        interval = self.cadence.interval(path)
        if interval is None:
            self._next_due.pop(path, None)
        else:
            self._next_due[path] = now + interval

    def expect_next_report(self, path: str, last_report: float, now: float) -> None:
        """Align an inverter endpoint with the inverters' reporting: due shortly after the next report."""
        interval = self.cadence.interval(path)
        if not interval:
            return
        due = last_report + interval + self.cadence.report_grace_s
        while due <= now:
            due += interval
        # never later than one interval from now, never sooner than a quarter of it
        self._next_due[path] = min(max(due, now + interval / 4), now + interval)

    def touch(self, paths: Iterable[str]) -> None:
        """After a write: these endpoints are due on the next update, whatever their interval."""
        self._asked.update(paths)

    def ask(self, path: str) -> None:
        """An on-demand endpoint is wanted on the next update."""
        self._asked.add(path)

    def reset(self) -> None:
        self._next_due.clear()
        self._asked.clear()

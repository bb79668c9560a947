"""Glitch guards for energy counters: totals never step back because of a device glitch.

Real devices sometimes report a daily or lifetime counter 2^32 Wh too high, or 0, for a single poll,
and old metered-without-CT firmware resets lifetime production to 0 at about 1.2 MWh. The guard holds
the last good value through a glitch and accepts what is genuine:
- lifetime counters: a drop is held until the lower values persist (rising from there) for
  `persist_polls` polls in a row — then it is a real reset and is accepted;
- "today" counters: a drop is accepted as the daily reset once per local day, on the first poll of a
  new day or within `reset_window_s` after local midnight (the device resets up to ~15 min late);
  a drop at any other time is held like a lifetime drop;
- 7-day counters roll, so they may drop; only a fall to 0 is held (until it persists);
- any counter jumping up by more than 2^31 Wh in one poll is a spike and is held until it persists
  for `spike_persist_polls` polls;
- the balanced net consumption lifetime counter (consumption_net) is signed: it falls whenever the
  house exports, so only a jump of more than 2^31 Wh either way or a one-poll zero is a glitch;
- when the total-consumption correction (iqgateway.corrections) starts or stops, the total's lifetime
  counters move to another base (net + production instead of the CT's own counter, or back): the guard
  re-bases them, so they continue from their last good value and move on by the device's increases.
"""

from __future__ import annotations

import dataclasses
import logging
import time
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date, datetime, tzinfo
from typing import Any, TypeVar

from .corrections.record import CorrectionKind
from .endpoints import FAMILIES
from .endpoints.family import CounterKind, GuardWatch
from .models import GatewayData

__all__ = ["SPIKE_WH", "CounterKind", "EnergyGuard"]

T = TypeVar("T")

_LOGGER = logging.getLogger(__name__)

SPIKE_WH = 2**31  # half of the 2^32 glitch: no real system produces this much between two polls


@dataclass(slots=True)
class _Track:
    last: float
    day: date
    reset_day: date | None = None
    pending: list[float] = field(default_factory=list)


# What the guard watches: every family's GuardWatch, in family order.
_WATCHES: tuple[GuardWatch, ...] = tuple(watch for family in FAMILIES for watch in family.guards)


class EnergyGuard:
    """Stateful filter over successive snapshots of one gateway (one instance per Gateway)."""

    def __init__(self, *, persist_polls: int = 3, spike_persist_polls: int = 20,
                 reset_window_s: float = 3600.0, tz: tzinfo | None = None) -> None:
        self._persist = max(1, persist_polls)
        self._spike_persist = max(1, spike_persist_polls)
        self._window = reset_window_s
        self._tz = tz
        self._tracks: dict[str, _Track] = {}
        self._offsets: dict[str, float] = {}  # re-based counters: added to the device's value
        self._total_corrected: bool | None = None
        self._rebase: str | None = None  # key prefix re-based in this apply()
        # keyed item -> (the model last given, what the guard made of it)
        self._seen: dict[str, tuple[object, object]] = {}
        # keyed field -> (the mapping last given, what the guard made of it)
        self._seen_maps: dict[str, tuple[object, dict[str, Any]]] = {}

    def apply(self, data: GatewayData) -> GatewayData:
        """`data` with glitched counters replaced by their last good values."""
        stamp = data.updated_at if data.updated_at is not None else time.time()
        moment = datetime.fromtimestamp(stamp, self._tz)
        if data.consumption_total is not None:
            corrected = any(c.kind is CorrectionKind.TOTAL_CONSUMPTION for c in data.corrections)
            if self._total_corrected is not None and corrected != self._total_corrected:
                self._rebase = "consumption_total."
                _LOGGER.info("total consumption correction %s: re-basing its lifetime counters",
                             "started" if corrected else "stopped")
            self._total_corrected = corrected
        try:
            return self._apply(data, moment)
        finally:
            self._rebase = None

    def _apply(self, data: GatewayData, moment: datetime) -> GatewayData:
        changes: dict[str, Any] = {}
        for watch in _WATCHES:
            value = getattr(data, watch.field)
            if value is None:
                continue
            if watch.keyed:
                last = self._seen_maps.get(watch.field)
                if last is not None and last[0] is value:  # every item the very object of the last update
                    changes[watch.field] = last[1]
                    continue
                guarded = self._keyed_all(watch, value, moment)
                self._seen_maps[watch.field] = (value, guarded)
                changes[watch.field] = guarded
            else:
                changes[watch.field] = self._model(watch.field, value, watch.counters, moment)
        if all(getattr(data, name) is value for name, value in changes.items()):
            return data
        return dataclasses.replace(data, **changes)

    def _keyed_all(self, watch: GuardWatch, models: Mapping[str, T], moment: datetime) -> dict[str, T]:
        """Every model of a keyed field guarded; one with none of the counters (a v1 inverter) as it is."""
        names = tuple(name for name, _ in watch.counters)
        guarded: dict[str, T] = {}
        for key, item in models.items():
            if getattr(item, "phases", None) is None:
                for name in names:
                    if getattr(item, name) is not None:
                        break
                else:
                    guarded[key] = item
                    continue
            guarded[key] = self._keyed(f"{watch.field}.{key}", item, watch.counters, moment)
        return guarded

    def _keyed(self, key: str, model: T, counters: tuple[tuple[str, CounterKind], ...], moment: datetime) -> T:
        """A keyed model that is the very object of the last update (its answer was not read again) is not
        a new reading of its counters: what the guard made of it last time stands."""
        seen = self._seen.get(key)
        if seen is not None and seen[0] is model:
            return seen[1]  # type: ignore[return-value]
        guarded = self._model(key, model, counters, moment)
        self._seen[key] = (model, guarded)
        return guarded

    def _model(self, key: str, model: T, counters: tuple[tuple[str, CounterKind], ...], moment: datetime) -> T:
        changes = self._fields(key, model, counters, moment)
        phases = getattr(model, "phases", None)
        if phases:
            guarded = {name: self._model(f"{key}.{name}", phase, counters, moment) for name, phase in phases.items()}
            if any(guarded[name] is not phase for name, phase in phases.items()):
                changes["phases"] = guarded
        return dataclasses.replace(model, **changes) if changes else model  # type: ignore[type-var]

    def _fields(self, key: str, model: object, kinds: tuple[tuple[str, CounterKind], ...],
                moment: datetime) -> dict[str, Any]:
        changes: dict[str, Any] = {}
        for name, kind in kinds:
            value = getattr(model, name)
            if value is None or isinstance(value, bool) or not isinstance(value, int | float):
                continue
            counter = f"{key}.{name}"
            reported = self._rebased(counter, kind, value)
            kept = self.judge(counter, kind, reported, moment)
            if kept != value:
                changes[name] = kept
        return changes

    def _rebased(self, counter: str, kind: CounterKind, value: float) -> float:
        """The device's value on the counter's current base (moved when a correction starts or stops)."""
        track = self._tracks.get(counter)
        if (self._rebase is not None and counter.startswith(self._rebase) and kind is CounterKind.LIFETIME
                and track is not None):
            self._offsets[counter] = track.last - value
        return value + self._offsets.get(counter, 0.0)

    # ------------------------------------------------------------------ one counter

    def judge(self, key: str, kind: CounterKind, value: float, moment: datetime) -> float:
        """The value to report for one counter reading (the new one, or the last good one)."""
        today = moment.date()
        track = self._tracks.get(key)
        if track is None:
            self._tracks[key] = _Track(last=value, day=today)
            return value
        last = track.last
        if value - last > SPIKE_WH or (kind is CounterKind.SIGNED and last - value > SPIKE_WH):
            return self._hold(key, track, value, needed=self._spike_persist, why="2^32 spike", today=today)
        if kind is CounterKind.SIGNED and value == 0 != last:
            return self._hold(key, track, value, needed=self._persist, why="zero", today=today)
        if kind is CounterKind.LIFETIME and value < last:
            return self._hold(key, track, value, needed=self._persist, why="step back", today=today)
        if kind is CounterKind.WINDOW and value == 0 < last:
            return self._hold(key, track, value, needed=self._persist, why="zero", today=today)
        if kind is CounterKind.TODAY and value < last:
            if self._daily_reset(track, moment):
                track.reset_day = today
                return self._accept(track, value, today)
            return self._hold(key, track, value, needed=self._persist, why="zero" if value == 0 else "step back",
                              today=today)
        return self._accept(track, value, today)

    def _daily_reset(self, track: _Track, moment: datetime) -> bool:
        today = moment.date()
        if track.reset_day == today:
            return False
        if track.day != today:
            return True
        midnight = moment.replace(hour=0, minute=0, second=0, microsecond=0)
        return (moment - midnight).total_seconds() <= self._window

    def _hold(self, key: str, track: _Track, value: float, *, needed: int, why: str, today: date) -> float:
        pending = track.pending
        if pending and pending[-1] <= value and value - pending[-1] <= SPIKE_WH:
            pending.append(value)
        else:
            pending[:] = [value]
        if len(pending) >= needed:
            _LOGGER.info("%s: accepting %s after %d polls (was %s): the device reset this counter",
                         key, value, len(pending), track.last)
            return self._accept(track, value, today)
        _LOGGER.info("%s: holding %s instead of %s (%s)", key, track.last, value, why)
        return track.last

    @staticmethod
    def _accept(track: _Track, value: float, today: date) -> float:
        track.last = value
        track.day = today
        track.pending.clear()
        return value

    def snapshot_keys(self) -> Mapping[str, float]:
        """The last good value of every tracked counter (diagnostics)."""
        return {key: track.last for key, track in self._tracks.items()}

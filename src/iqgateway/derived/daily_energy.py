"""Daily and 7-day energy rebuilt from lifetime counters at the site's local midnights.

The gateway's own "today" and "last seven days" figures are unreliable on many firmwares: they reset
late or twice after a DST change, equal the lifetime counter for days, or run for a week without
resetting. `DailyEnergy` keeps, per counter, the lifetime value at each local midnight (a "close") and
reports today = lifetime now - today's close, last seven days = lifetime now - the close six midnights
before today's. A local day is 23 or 25 hours on DST days: the closes are taken at the zone's real
midnights (zoneinfo), so those days come out right.

- A close is interpolated between the readings either side of midnight when they are at most
  `interpolate_within_s` apart (six hours); after a longer gap the day has no close. Over a gap of more
  than half an hour, the device's own "today" places the close instead when it is no more than the
  counter rose over the gap.
- A day without a close takes one from the device's own figure when it is plausible: 0 <= today
  <= lifetime, today below half the lifetime counter, and, with history (an earlier reading, or a
  restored state), no more than the rated power could make since midnight and no more than the counter
  rose since the last reading before midnight. Otherwise today is None until the next midnight. Such
  a day follows the device's figure while it stays plausible (a device that resets late corrects
  itself) and has no close once it is not.
- Last seven days without the close it needs: the device's figure when 0 <= it < half the lifetime,
  below lifetime - today, and within 7 d x 24 h x rated power; otherwise None.
- A counter that jumps (a 2^32 spike, a reset to zero) is followed from its new value once a
  second reading confirms it, counting nothing for the jump itself; a one-reading glitch is ignored.
  Signed counters (the balanced net-consumption counter) may fall; only jumps beyond 2^31 Wh and a
  one-reading zero are glitches there.

The closes survive restarts through `to_state()` / `from_state()`.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, datetime, timedelta, tzinfo
from typing import Any

from ..corrections.half_lifetime import at_least_half_lifetime
from ..errors import InvalidState
from .sampling import finite

_LOGGER = logging.getLogger(__name__)

STATE_VERSION = 1
INTERPOLATE_WITHIN_S = 6 * 3600.0
# Over a longer gap across midnight a straight line misplaces the close by the load's swings: the device's
# own "today", when no more than the counter rose over the gap, marks the midnight better.
HINT_AFTER_S = 1800.0
KEEP_CLOSES_DAYS = 8
JUMP_WH = 2.0**31  # no real counter moves this much between two readings: a glitch or a reset
ROUNDING_WH = 1.0  # the device rounds every counter to whole Wh
# A device "today" may run a little ahead of the rated power times the hours since midnight: the
# inverters' ratings are nominal, and the device resets up to a quarter of an hour late.
RATED_SLACK = 1.1
RATED_SLACK_S = 900.0
DISAGREE_SHARE = 0.01  # a device figure more than 1 % (and 10 Wh) away from the rebuilt one is flagged
DISAGREE_WH = 10.0
DECIMALS = 3  # figures in whole mWh, as precise as the device's own (no float residue of the subtraction)


class DailySource:
    """Where a rebuilt figure's starting close came from."""

    CLOSES = "lifetime"  # closes taken at midnight from the lifetime counter
    DEVICE = "device"  # the device's own figure (seeded on a day without a close, or used as is)


@dataclass(frozen=True, slots=True)
class DailyFigures:
    """One counter's daily figures at one moment (Wh; None: not known)."""

    today_wh: float | None
    last_seven_days_wh: float | None
    device_today_wh: float | None
    device_last_seven_days_wh: float | None
    today_source: str | None
    last_seven_days_source: str | None

    @property
    def device_disagrees(self) -> bool:
        """The device's own today or 7-day figure is not what the lifetime counter says."""
        return _differs(self.device_today_wh, self.today_wh) or _differs(
            self.device_last_seven_days_wh, self.last_seven_days_wh
        )


def _differs(device: float | None, rebuilt: float | None) -> bool:
    if device is None:
        return False
    if rebuilt is None:
        return True
    return abs(device - rebuilt) > max(DISAGREE_WH, DISAGREE_SHARE * abs(rebuilt))


@dataclass(frozen=True, slots=True)
class _Reading:
    raw: float  # the counter as the device reports it
    at: float
    total: float  # raw + the counter's offset: continuous across resets and spikes


def local_midnight(day: date, tz: tzinfo) -> float:
    """Epoch seconds of the first moment of `day` in `tz` (a midnight skipped by DST: the first hour after)."""
    return datetime(day.year, day.month, day.day, tzinfo=tz).timestamp()


def local_day(at: float, tz: tzinfo) -> date:
    return datetime.fromtimestamp(at, tz).date()


class _Counter:
    """One lifetime counter's readings and midnight closes."""

    __slots__ = ("closes", "fall", "offset", "pending", "ref", "rise", "seeded", "signed")

    def __init__(self, signed: bool) -> None:
        self.signed = signed
        self.offset = 0.0
        self.ref: _Reading | None = None  # the last reading taken (or the first)
        self.pending: _Reading | None = None  # an implausible reading, kept to see whether it persists
        self.closes: dict[date, float] = {}  # local day -> continuous total at its midnight
        self.seeded: set[date] = set()  # the days whose close came from the device's figure
        # A signed balance's rises and falls taken so far (grid import and export of the net counter)
        self.rise = 0.0
        self.fall = 0.0

    def plausible_step(self, base: _Reading, raw: float) -> bool:
        step = raw - base.raw
        if self.signed:
            return abs(step) <= JUMP_WH and not (raw == 0 and base.raw != 0)
        return -ROUNDING_WH <= step <= JUMP_WH

    def observe(self, raw: float, at: float, key: str, *, tz: tzinfo, within_s: float,
                hint: float | None = None) -> bool:
        """Take one reading; True if it moved the counter (a new reading, not a glitch)."""
        ref = self.ref
        if ref is None:
            self.ref = _Reading(raw, at, raw + self.offset)
            return True
        if at <= ref.at:
            return False
        if self.plausible_step(ref, raw):
            step = raw - ref.raw if self.signed else max(raw - ref.raw, 0.0)
            self._take(ref, _Reading(raw, at, ref.total + step), tz=tz, within_s=within_s, hint=hint)
            return True
        pending = self.pending
        if pending is not None and at > pending.at and self.plausible_step(pending, raw):
            _LOGGER.info("%s: the counter moved from %s to %s and stays there: following it, counting nothing "
                         "for the jump", key, ref.raw, pending.raw)
            step = raw - pending.raw if self.signed else max(raw - pending.raw, 0.0)
            self._take(ref, _Reading(raw, at, ref.total + step), tz=tz, within_s=within_s, hint=None)
            return True
        _LOGGER.info("%s: ignoring %s (last taken %s): not a step this counter makes", key, raw, ref.raw)
        self.pending = _Reading(raw, at, ref.total)
        return False

    def _take(self, ref: _Reading, new: _Reading, *, tz: tzinfo, within_s: float, hint: float | None) -> None:
        if self.signed:
            self.rise += max(new.total - ref.total, 0.0)
            self.fall += max(ref.total - new.total, 0.0)
        self.offset = new.total - new.raw
        self.pending = None
        self.ref = new
        day, last_day = local_day(new.at, tz), local_day(ref.at, tz)
        if day == last_day or new.at - ref.at > within_s:
            return
        if (hint is not None and not self.signed and day == last_day + timedelta(days=1)
                and new.at - ref.at > HINT_AFTER_S and 0 <= hint <= new.total - ref.total + ROUNDING_WH):
            self.closes[day] = new.total - hint  # the device's own midnight, where it fits the gap
            self.seeded.discard(day)
            return
        current = last_day + timedelta(days=1)
        while current <= day:
            midnight = local_midnight(current, tz)
            share = (midnight - ref.at) / (new.at - ref.at)
            self.closes[current] = ref.total + (new.total - ref.total) * min(max(share, 0.0), 1.0)
            self.seeded.discard(current)
            current += timedelta(days=1)
        for old in [d for d in self.closes if d < day - timedelta(days=KEEP_CLOSES_DAYS)]:
            del self.closes[old]
            self.seeded.discard(old)

    def to_state(self) -> dict[str, Any]:
        return {
            "signed": self.signed,
            "offset": self.offset,
            "ref": None if self.ref is None else [self.ref.raw, self.ref.at, self.ref.total],
            "pending": None if self.pending is None else [self.pending.raw, self.pending.at, self.pending.total],
            "closes": {day.isoformat(): total for day, total in sorted(self.closes.items())},
            "seeded": sorted(day.isoformat() for day in self.seeded),
            "rise": self.rise,
            "fall": self.fall,
        }

    @classmethod
    def from_state(cls, state: object) -> _Counter:
        if not isinstance(state, Mapping):
            raise ValueError("a counter's state is not a mapping")
        signed = state.get("signed")
        if not isinstance(signed, bool):
            raise ValueError("signed is not true or false")
        counter = cls(signed)
        offset = finite(state.get("offset"))
        if offset is None:
            raise ValueError("offset is not a number")
        counter.offset = offset
        counter.ref = _reading(state.get("ref"), "ref")
        counter.pending = _reading(state.get("pending"), "pending")
        closes = state.get("closes")
        if not isinstance(closes, Mapping):
            raise ValueError("closes is not a mapping of dates to numbers")
        for day, total in closes.items():
            value = finite(total)
            if value is None:
                raise ValueError(f"the close of {day!r} is not a number")
            counter.closes[_date(day)] = value
        seeded = state.get("seeded", [])
        if not isinstance(seeded, list):
            raise ValueError("seeded is not a list of dates")
        counter.seeded = {_date(day) for day in seeded}
        rise, fall = finite(state.get("rise", 0.0)), finite(state.get("fall", 0.0))
        if rise is None or fall is None or rise < 0 or fall < 0:
            raise ValueError("rise / fall is not a number of at least 0")
        counter.rise, counter.fall = rise, fall
        return counter


def _date(text: object) -> date:
    if not isinstance(text, str):
        raise ValueError(f"{text!r} is not a date")
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise ValueError(f"{text!r} is not a date") from None


def _reading(triple: object, name: str) -> _Reading | None:
    if triple is None:
        return None
    if not isinstance(triple, list | tuple) or len(triple) != 3:
        raise ValueError(f"{name} is not [value, time, total]")
    raw, at, total = (finite(part) for part in triple)
    if raw is None or at is None or total is None:
        raise ValueError(f"{name} is not [value, time, total]")
    return _Reading(raw, at, total)


def _below_half(value: float, lifetime: float, signed: bool) -> bool:
    """A device figure that can be daily: below half its counter (a signed balance: on either side of zero)."""
    if signed:
        return abs(value) <= JUMP_WH and not at_least_half_lifetime(value, lifetime) and not (
            at_least_half_lifetime(-value, -lifetime))
    return 0 <= value <= lifetime and not at_least_half_lifetime(value, lifetime)


class DailyEnergy:
    """Today and last-seven-days per lifetime counter (Wh) for one site; restorable with to_state/from_state.

    `tz`: the site's time zone. `rated_power_w`: what the site's inverters can make at most (the sum
    of their maximum watts); it bounds the device's figures of counters observed with `bounded=True`
    (production). Counters are named by the caller ("production", "production.L1", ...).
    """

    def __init__(self, tz: tzinfo, *, rated_power_w: float | None = None,
                 interpolate_within_s: float = INTERPOLATE_WITHIN_S) -> None:
        self._tz = tz
        self.rated_power_w = rated_power_w
        self._within_s = float(interpolate_within_s)
        self._counters: dict[str, _Counter] = {}

    @property
    def tz(self) -> tzinfo:
        return self._tz

    @property
    def keys(self) -> tuple[str, ...]:
        return tuple(sorted(self._counters))

    def closes(self, key: str) -> Mapping[date, float]:
        """The midnight closes kept for `key` (local day -> lifetime at its midnight, continuous)."""
        counter = self._counters.get(key)
        return dict(counter.closes) if counter is not None else {}

    def balance(self, key: str) -> tuple[float, float] | None:
        """A signed counter's rises and falls so far (Wh; net consumption: imported, exported); None if not signed."""
        counter = self._counters.get(key)
        return (counter.rise, counter.fall) if counter is not None and counter.signed else None

    def observe(self, key: str, at: float, lifetime_wh: float | None, *, device_today_wh: float | None = None,
                device_seven_days_wh: float | None = None, signed: bool = False,
                bounded: bool = False) -> DailyFigures:
        """Feed one reading of counter `key` taken at `at` (epoch seconds); its figures after it.

        A reading no newer than the last one of that counter only gives the figures again.
        """
        device_today, device_week = finite(device_today_wh), finite(device_seven_days_wh)
        lifetime, moment = finite(lifetime_wh), finite(at)
        if lifetime is None or moment is None:
            return DailyFigures(None, None, device_today, device_week, None, None)
        counter = self._counters.get(key)
        history = counter is not None and counter.ref is not None
        if counter is None:
            counter = self._counters[key] = _Counter(signed)
        before = counter.ref
        counter.observe(lifetime, moment, key, tz=self._tz, within_s=self._within_s, hint=device_today)
        ref = counter.ref
        assert ref is not None
        today = local_day(ref.at, self._tz)
        seeded = today in counter.seeded
        if (today not in counter.closes or seeded) and device_today is not None and ref.raw == lifetime:
            since = before if history and before is not None and local_day(before.at, self._tz) < today else None
            if self._seed_ok(device_today, lifetime, ref, today=today, since=since, history=history, signed=signed,
                             bounded=bounded):
                counter.closes[today] = ref.total - device_today
                counter.seeded.add(today)
            elif seeded:  # the device's figure no longer holds up (a late reset seen from its first reading)
                del counter.closes[today]
                counter.seeded.discard(today)
        return self._figures(counter, ref, today, device_today=device_today, device_week=device_week,
                             bounded=bounded)

    def _seed_ok(self, value: float, lifetime: float, ref: _Reading, *, today: date, since: _Reading | None,
                 history: bool, signed: bool, bounded: bool) -> bool:
        if not _below_half(value, lifetime, signed):
            return False
        if signed or not history:
            return True
        if since is not None and value > ref.total - since.total + ROUNDING_WH:
            return False  # more than the counter rose since a reading before midnight
        if bounded and self.rated_power_w is not None:
            hours = max(ref.at - local_midnight(today, self._tz) + RATED_SLACK_S, 0.0) / 3600.0
            return value <= self.rated_power_w * hours * RATED_SLACK + ROUNDING_WH
        return True

    def _figures(self, counter: _Counter, ref: _Reading, today: date, *, device_today: float | None,
                 device_week: float | None, bounded: bool) -> DailyFigures:
        close = counter.closes.get(today)
        today_wh = None if close is None else round(ref.total - close, DECIMALS)
        today_source = None if close is None else DailySource.DEVICE if today in counter.seeded else DailySource.CLOSES
        week_close = counter.closes.get(today - timedelta(days=6))
        week_wh: float | None
        week_source: str | None
        if week_close is not None:
            week_wh, week_source = round(ref.total - week_close, DECIMALS), DailySource.CLOSES
        elif device_week is not None and self._week_ok(device_week, ref.raw, today_wh, counter.signed, bounded):
            week_wh, week_source = device_week, DailySource.DEVICE
        else:
            week_wh, week_source = None, None
        return DailyFigures(today_wh, week_wh, device_today, device_week, today_source, week_source)

    def _week_ok(self, value: float, lifetime: float, today_wh: float | None, signed: bool, bounded: bool) -> bool:
        if not _below_half(value, lifetime, signed):
            return False
        if signed:
            return True
        if today_wh is not None and not value < lifetime - today_wh:
            return False
        return not (bounded and self.rated_power_w is not None
                    and value > 7 * 24 * self.rated_power_w * RATED_SLACK + ROUNDING_WH)

    def to_state(self) -> dict[str, Any]:
        """A JSON-ready document to continue from after a restart."""
        return {"version": STATE_VERSION, "counters": {key: c.to_state() for key, c in self._counters.items()}}

    @classmethod
    def from_state(cls, state: Mapping[str, Any], tz: tzinfo, *, rated_power_w: float | None = None,
                   interpolate_within_s: float = INTERPOLATE_WITHIN_S) -> DailyEnergy:
        """Closes continuing from `to_state()`'s document; InvalidState naming what is wrong if it is not one."""
        try:
            if not isinstance(state, Mapping) or state.get("version") != STATE_VERSION:
                raise ValueError(f"not a version {STATE_VERSION} daily energy state")
            counters = state.get("counters")
            if not isinstance(counters, Mapping):
                raise ValueError("counters is not a mapping")
            energy = cls(tz, rated_power_w=rated_power_w, interpolate_within_s=interpolate_within_s)
            for key, value in counters.items():
                try:
                    energy._counters[str(key)] = _Counter.from_state(value)
                except ValueError as err:
                    raise ValueError(f"counter {key!r}: {err}") from None
        except ValueError as err:
            raise InvalidState(f"cannot restore the daily energy closes: {err}") from None
        return energy

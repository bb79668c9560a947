"""Battery energy charged and discharged, integrated from the batteries' reported power.

Installations without a storage CT have no battery energy counters. `BatteryEnergy` integrates the
batteries' summed power (IQ Batteries: `real_power` of every battery in /ivp/ensemble/power; AC
Batteries: production.json `storage` wNow; both when both are present) over time with the
trapezoidal rule, applied separately to the discharging power (positive readings) for
`discharged_wh` and to the charging power (negative readings) for `charged_wh`. A battery switches
between charging and discharging from one moment to the next rather than ramping through zero, so
each reading stands for its own half of the intervals beside it.

An interval longer than `max_gap_s` (missed updates, a restart) is not integrated: the power in
between is unknown. A power reading beyond what the batteries can deliver (`max_power_per_battery_w`
each: a spike) is dropped as a glitch. The result is sampled, not metered: changes between two
updates are not seen.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from ..endpoints.ensemble import POWER
from ..endpoints.production import PRODUCTION_DOCS
from ..errors import IQGatewayError
from ..models import GatewayData
from .sampling import finite, new_sample

_LOGGER = logging.getLogger(__name__)

STATE_VERSION = 1
DEFAULT_MAX_GAP_S = 300.0
DEFAULT_MAX_POWER_PER_BATTERY_W = 10_000.0  # above any IQ/AC battery's peak, far below a 2^32 spike


@dataclass(frozen=True, slots=True)
class BatteryPower:
    """The batteries' summed power at one snapshot (W, + discharging / - charging)."""

    power_w: float
    batteries: int
    source: str  # "encharge", "acb" or "encharge+acb"


def battery_power(data: GatewayData) -> BatteryPower | None:
    """Summed battery power of a snapshot; None when no battery reports power."""
    total = 0.0
    count = 0
    sources: list[str] = []
    reported = [bat.real_power_w for bat in (data.encharge or {}).values()]
    known = [finite(p) for p in reported if p is not None]
    if None in known:
        return None  # a battery reported something that is not a power: the whole reading is a glitch
    if known:
        total += sum(p for p in known if p is not None)
        count += len(reported)
        sources.append("encharge")
    acb = data.acb
    acb_power = finite(acb.power_w) if acb is not None else None
    if acb is not None and acb_power is not None:
        total += acb_power
        count += max(acb.batteries or 1, 1)
        sources.append("acb")
    if not sources:
        return None
    return BatteryPower(power_w=total, batteries=count, source="+".join(sources))


def _source_paths(source: str) -> tuple[str, ...]:
    paths: tuple[str, ...] = ()
    if "encharge" in source:
        paths += (POWER,)
    if "acb" in source:
        paths += PRODUCTION_DOCS
    return paths


@dataclass(frozen=True, slots=True)
class _Point:
    at: float
    power_w: float


def _trapezoids(p0: float, p1: float, seconds: float) -> tuple[float, float]:
    """(discharged Wh, charged Wh) between two power readings: the trapezoidal rule applied to the
    discharging power max(p, 0) and to the charging power max(-p, 0)."""
    hours = seconds / 3600.0
    discharged = (max(p0, 0.0) + max(p1, 0.0)) / 2 * hours
    charged = (max(-p0, 0.0) + max(-p1, 0.0)) / 2 * hours
    return discharged, charged


class BatteryEnergy:
    """Battery charged/discharged totals (Wh, never decreasing); restorable with to_state/from_state."""

    def __init__(self, *, max_gap_s: float = DEFAULT_MAX_GAP_S,
                 max_power_per_battery_w: float = DEFAULT_MAX_POWER_PER_BATTERY_W) -> None:
        if not max_gap_s > 0 or not max_power_per_battery_w > 0:
            raise ValueError("max_gap_s and max_power_per_battery_w must be positive")
        self._max_gap_s = float(max_gap_s)
        self._max_power_w = float(max_power_per_battery_w)
        self._charged = 0.0
        self._discharged = 0.0
        self._last: _Point | None = None
        self._started = False
        self._source: str | None = None
        self._last_fetch: float | None = None

    @property
    def max_gap_s(self) -> float:
        return self._max_gap_s

    @property
    def source(self) -> str | None:
        """Where the power came from last: "encharge", "acb" or "encharge+acb"."""
        return self._source

    @property
    def description(self) -> str:
        where = {
            "encharge": "the IQ Batteries' power (/ivp/ensemble/power real_power, summed over the batteries)",
            "acb": "the AC Batteries' power (production.json storage wNow)",
            "encharge+acb": "the IQ and AC Batteries' power (/ivp/ensemble/power real_power and production.json "
                            "storage wNow, summed)",
        }.get(self._source or "", "the batteries' summed power")
        return (
            f"Integrated from {where} with the trapezoidal rule between updates, applied to the discharging "
            "power for energy discharged and to the charging power for energy charged. "
            f"Intervals longer than {self._max_gap_s:g} s are not integrated, "
            "and power readings beyond "
            f"{self._max_power_w / 1000:g} kW per battery are dropped as glitches. Sampled at each update, "
            "not metered: changes between updates are not seen."
        )

    @property
    def charged_wh(self) -> float | None:
        return self._charged if self._started else None

    @property
    def discharged_wh(self) -> float | None:
        return self._discharged if self._started else None

    def update(self, data: GatewayData, at: float | None = None) -> bool:
        """Feed one snapshot; True if it brought a new power reading.

        `at`: the moment the snapshot describes (epoch seconds); default: when the power was
        fetched. A snapshot whose power endpoint is stale or was not read again is skipped.
        """
        power = battery_power(data)
        if power is None:
            return False
        sample = new_sample(data, _source_paths(power.source), at, self._last_fetch)
        if sample is None:
            return False
        self._last_fetch = sample.fetched_at if sample.fetched_at is not None else self._last_fetch
        self._source = power.source
        return self.observe(sample.at, power.power_w, batteries=power.batteries)

    def observe(self, at: float, power_w: float | None, *, batteries: int = 1) -> bool:
        """Feed the summed power (W, + discharging) at `at` (epoch seconds); True if it was used."""
        moment, power = finite(at), finite(power_w)
        if moment is None or power is None:
            return False
        limit = self._max_power_w * max(batteries, 1)
        if abs(power) > limit:
            _LOGGER.info("battery power %s W is beyond %s W: ignored as a device glitch", power, limit)
            return False
        last = self._last
        self._started = True
        if last is not None:
            seconds = moment - last.at
            if seconds <= 0:
                return False
            if seconds <= self._max_gap_s:
                discharged, charged = _trapezoids(last.power_w, power, seconds)
                self._discharged += discharged
                self._charged += charged
        self._last = _Point(moment, power)
        return True

    def to_state(self) -> dict[str, Any]:
        """A JSON-ready document to restore the totals after a restart."""
        return {
            "version": STATE_VERSION,
            "charged_wh": self._charged,
            "discharged_wh": self._discharged,
            "started": self._started,
            "last": None if self._last is None else [self._last.at, self._last.power_w],
            "source": self._source,
        }

    @classmethod
    def from_state(cls, state: Mapping[str, Any], *, max_gap_s: float = DEFAULT_MAX_GAP_S,
                   max_power_per_battery_w: float = DEFAULT_MAX_POWER_PER_BATTERY_W) -> BatteryEnergy:
        """An accumulator continuing from `to_state()`'s document; IQGatewayError if it is not one."""
        energy = cls(max_gap_s=max_gap_s, max_power_per_battery_w=max_power_per_battery_w)
        try:
            if not isinstance(state, Mapping) or state.get("version") != STATE_VERSION:
                raise ValueError(f"not a version {STATE_VERSION} battery energy state")
            charged, discharged = finite(state.get("charged_wh")), finite(state.get("discharged_wh"))
            if charged is None or discharged is None or charged < 0 or discharged < 0:
                raise ValueError("charged_wh/discharged_wh are not non-negative numbers")
            last = state.get("last")
            if last is not None:
                if not isinstance(last, list | tuple) or len(last) != 2:
                    raise ValueError("last is not [time, power]")
                at, power = finite(last[0]), finite(last[1])
                if at is None or power is None:
                    raise ValueError("last is not [time, power]")
                energy._last = _Point(at, power)
            source = state.get("source")
            energy._source = source if isinstance(source, str) else None
        except ValueError as err:
            raise IQGatewayError(f"cannot restore battery energy totals: {err}") from None
        energy._charged, energy._discharged = charged, discharged
        energy._started = bool(state.get("started")) or energy._last is not None
        return energy

"""Grid import and export energy from the steps of the balanced net-consumption lifetime counter.

On a total-consumption CT installation the gateway reports no import and export counters, only a
balanced net lifetime counter (production.json `consumption` / `net-consumption` `whLifetime`,
total and per phase): it rises while the house draws from the grid and falls while it exports.
`GridEnergy` turns its changes into two never-decreasing totals: every rise between two updates is
imported energy, every fall exported energy — in total and per phase.

A change the grid connection cannot have made (faster than `max_power_w`: a 2^32 spike, a one-poll
zero, a counter reset) is a device glitch and counts for nothing; the counter is then followed from
the glitch value only once a second reading confirms it (a reset that persists), so the totals move
only by plausible steps. Import and export within one update interval cancel out in the counter:
the split is as fine as the update interval.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from dataclasses import dataclass
from types import MappingProxyType
from typing import Any

from ..endpoints.meters import METER_READINGS
from ..endpoints.production import PRODUCTION_DOCS
from ..errors import IQGatewayError
from ..models import EnergyReading, GatewayData
from .sampling import finite, new_sample

_LOGGER = logging.getLogger(__name__)

STATE_VERSION = 1
# the net counter comes from the production document, advanced by the CT readings between its reads
_NET_SOURCES = (*PRODUCTION_DOCS, METER_READINGS)
DEFAULT_MAX_POWER_W = 100_000.0  # far above any house's grid connection, far below a 2^32 Wh spike
ROUNDING_WH = 1.0  # allowance for the device's rounding on every step


@dataclass(frozen=True, slots=True)
class GridEnergyTotals:
    """Energy drawn from and sent to the grid since the accumulator started (Wh, never decreasing)."""

    imported_wh: float
    exported_wh: float


@dataclass(frozen=True, slots=True)
class _Reading:
    value: float
    at: float


class _NetCounter:
    """One balanced counter (the total or one phase): its plausible steps split into import and export."""

    __slots__ = ("exported", "imported", "pending", "ref")

    def __init__(self) -> None:
        self.imported = 0.0
        self.exported = 0.0
        self.ref: _Reading | None = None  # the last reading that was counted (or the first one)
        self.pending: _Reading | None = None  # an implausible reading, kept to see whether it persists

    def observe(self, value: float, at: float, max_power_w: float, key: str) -> None:
        ref = self.ref
        if ref is None:
            self.ref = _Reading(value, at)
            return
        if at <= ref.at:
            return
        if _plausible(ref, value, at, max_power_w):
            self._count(value - ref.value, value, at)
            return
        pending = self.pending
        if pending is not None and at > pending.at and _plausible(pending, value, at, max_power_w):
            _LOGGER.info("%s: the counter moved from %s to %s and stays there: following it without counting "
                         "the jump", key, ref.value, pending.value)
            self._count(value - pending.value, value, at)
            return
        _LOGGER.info("%s: ignoring %s (last counted %s): not a step the grid can make", key, value, ref.value)
        self.pending = _Reading(value, at)

    def _count(self, step: float, value: float, at: float) -> None:
        if step > 0:
            self.imported += step
        else:
            self.exported -= step
        self.ref = _Reading(value, at)
        self.pending = None

    def totals(self) -> GridEnergyTotals:
        return GridEnergyTotals(imported_wh=self.imported, exported_wh=self.exported)

    def to_state(self) -> dict[str, Any]:
        return {
            "imported_wh": self.imported,
            "exported_wh": self.exported,
            "ref": None if self.ref is None else [self.ref.value, self.ref.at],
            "pending": None if self.pending is None else [self.pending.value, self.pending.at],
        }

    @classmethod
    def from_state(cls, state: object) -> _NetCounter:
        if not isinstance(state, Mapping):
            raise ValueError("a counter's state is not a mapping")
        counter = cls()
        imported, exported = finite(state.get("imported_wh")), finite(state.get("exported_wh"))
        if imported is None or exported is None or imported < 0 or exported < 0:
            raise ValueError("imported_wh/exported_wh are not non-negative numbers")
        counter.imported, counter.exported = imported, exported
        counter.ref = _reading(state.get("ref"), "ref")
        counter.pending = _reading(state.get("pending"), "pending")
        return counter


def _reading(pair: object, name: str) -> _Reading | None:
    if pair is None:
        return None
    if not isinstance(pair, list | tuple) or len(pair) != 2:
        raise ValueError(f"{name} is not [value, time]")
    value, at = finite(pair[0]), finite(pair[1])
    if value is None or at is None:
        raise ValueError(f"{name} is not [value, time]")
    return _Reading(value, at)


def _plausible(base: _Reading, value: float, at: float, max_power_w: float) -> bool:
    if value == 0 and base.value != 0:
        return False  # a balanced counter landing exactly on zero is the one-poll zero glitch
    allowed = max_power_w * (at - base.at) / 3600.0 + ROUNDING_WH
    return abs(value - base.value) <= allowed


def balanced_net_reading(data: GatewayData) -> EnergyReading | None:
    """The net-consumption counters as the device sent them (`GatewayData.consumption_net_device`).

    The Gateway's EnergyGuard holds a one-poll zero of this balanced counter, which a real reset also starts
    with; this accumulator does its own, sign-aware glitch filtering."""
    return data.consumption_net_device if data.consumption_net_device is not None else data.consumption_net


class GridEnergy:
    """Grid import/export totals (Wh, never decreasing) for one gateway; restorable with to_state/from_state."""

    def __init__(self, *, max_power_w: float = DEFAULT_MAX_POWER_W) -> None:
        if not max_power_w > 0:
            raise ValueError("max_power_w must be positive")
        self._max_power_w = float(max_power_w)
        self._total = _NetCounter()
        self._phases: dict[str, _NetCounter] = {}
        self._last_fetch: float | None = None

    @property
    def description(self) -> str:
        return (
            "Derived from the gateway's balanced net-consumption lifetime counter (production.json, "
            "consumption net-consumption whLifetime): each rise between two updates counts as energy "
            "imported from the grid, each fall as energy exported, in total and per phase. Import and "
            "export within one update interval cancel out. Changes faster than "
            f"{self._max_power_w / 1000:g} kW are device glitches and are not counted."
        )

    @property
    def started(self) -> bool:
        """A first counter reading has been seen (the totals count from there)."""
        return self._total.ref is not None

    @property
    def total(self) -> GridEnergyTotals | None:
        """Import and export from the total counter; None until a first reading was seen."""
        return self._total.totals() if self.started else None

    @property
    def phases(self) -> Mapping[str, GridEnergyTotals]:
        """Import and export per phase ("L1".."L3") from the per-phase counters seen so far."""
        return MappingProxyType({name: counter.totals() for name, counter in sorted(self._phases.items())
                                 if counter.ref is not None})

    def update(self, data: GatewayData, at: float | None = None) -> bool:
        """Feed one snapshot; True if it brought a new net counter reading.

        `at`: the moment the snapshot describes (epoch seconds); default: when the production
        document was fetched. A snapshot whose production document is stale or was not read
        again since the previous one is skipped.
        """
        reading = balanced_net_reading(data)
        if reading is None:
            return False
        sample = new_sample(data, _NET_SOURCES, at, self._last_fetch)
        if sample is None:
            return False
        self._last_fetch = sample.fetched_at if sample.fetched_at is not None else self._last_fetch
        phases = {name: phase.wh_lifetime for name, phase in (reading.phases or {}).items()}
        return self.observe(sample.at, reading.wh_lifetime, phases)

    def observe(self, at: float, total_wh: float | None,
                phases_wh: Mapping[str, float | None] | None = None) -> bool:
        """Feed raw counter values (Wh) read at `at` (epoch seconds); True if any was usable."""
        moment = finite(at)
        if moment is None:
            return False
        used = False
        value = finite(total_wh)
        if value is not None:
            self._total.observe(value, moment, self._max_power_w, "grid net counter")
            used = True
        for name, phase_value in (phases_wh or {}).items():
            value = finite(phase_value)
            if value is None:
                continue
            counter = self._phases.setdefault(name, _NetCounter())
            counter.observe(value, moment, self._max_power_w, f"grid net counter {name}")
            used = True
        return used

    def to_state(self) -> dict[str, Any]:
        """A JSON-ready document to restore the totals after a restart."""
        return {
            "version": STATE_VERSION,
            "total": self._total.to_state(),
            "phases": {name: counter.to_state() for name, counter in self._phases.items()},
        }

    @classmethod
    def from_state(cls, state: Mapping[str, Any], *, max_power_w: float = DEFAULT_MAX_POWER_W) -> GridEnergy:
        """An accumulator continuing from `to_state()`'s document; IQGatewayError if it is not one."""
        try:
            if not isinstance(state, Mapping) or state.get("version") != STATE_VERSION:
                raise ValueError(f"not a version {STATE_VERSION} grid energy state")
            energy = cls(max_power_w=max_power_w)
            energy._total = _NetCounter.from_state(state.get("total"))
            phases = state.get("phases", {})
            if not isinstance(phases, Mapping):
                raise ValueError("phases is not a mapping")
            energy._phases = {str(name): _NetCounter.from_state(value) for name, value in phases.items()}
        except ValueError as err:
            raise IQGatewayError(f"cannot restore grid energy totals: {err}") from None
        return energy

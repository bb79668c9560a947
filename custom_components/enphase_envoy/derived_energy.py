"""The derived energy totals of one config entry: grid import/export and battery charged/discharged.

Each `DerivedTotals` holds one library accumulator (iqgateway.derived). The coordinator restores them from
the entry's Store before its first update and feeds them every snapshot, whether or not their sensors are
enabled. A sensor's extra restore data (the accumulator's `to_state()`) is taken only while nothing was
restored yet: an entry that kept its totals in its sensors before the Store existed.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any, Generic, Protocol, TypeVar

from homeassistant.helpers.restore_state import ExtraStoredData

from iqgateway import BatteryEnergy, GatewayData, GridEnergy, IQGatewayError

_LOGGER = logging.getLogger(__name__)


class Accumulator(Protocol):
    """What the library's derived-energy accumulators have in common."""

    @property
    def description(self) -> str: ...

    def update(self, data: GatewayData, at: float | None = None) -> bool: ...

    def to_state(self) -> dict[str, Any]: ...


A = TypeVar("A", bound=Accumulator)


class DerivedTotals(Generic[A]):
    """One accumulator, restored once from a sensor's extra data, then fed each snapshot once."""

    def __init__(self, name: str, fresh: Callable[[], A], restore: Callable[[Mapping[str, Any]], A]) -> None:
        self.name = name
        self._fresh = fresh
        self._restore = restore
        self._accumulator: A | None = None
        self._fed: GatewayData | None = None
        self._restored = False

    @property
    def accumulator(self) -> A | None:
        """The accumulator (None until a sensor restored or fed it)."""
        return self._accumulator

    def restore(self, state: Mapping[str, Any]) -> bool:
        """Continue from a saved `to_state()` document, once; True if taken."""
        if self._restored:
            return False
        try:
            self._accumulator = self._restore(state)
        except IQGatewayError as err:
            _LOGGER.warning("Starting the %s totals afresh: %s", self.name, err)
            return False
        self._restored = True
        if self._fed is not None:  # a sensor's data, taken after the first update: it continues from there
            self._accumulator.update(self._fed)
        return True

    def feed(self, data: GatewayData) -> A:
        """Feed a snapshot (each one only once); returns the accumulator."""
        if self._accumulator is None:
            self._accumulator = self._fresh()
        if data is not self._fed:
            self._fed = data
            self._accumulator.update(data)
        return self._accumulator

    def to_state(self) -> dict[str, Any] | None:
        return self._accumulator.to_state() if self._accumulator is not None else None


@dataclass(frozen=True, slots=True)
class SavedTotals(ExtraStoredData):
    """A sensor's extra restore data: its accumulator's `to_state()` document."""

    state: Mapping[str, Any]

    def as_dict(self) -> dict[str, Any]:
        return dict(self.state)


def _grid() -> DerivedTotals[GridEnergy]:
    return DerivedTotals("grid energy", GridEnergy, GridEnergy.from_state)


def _battery() -> DerivedTotals[BatteryEnergy]:
    return DerivedTotals("battery energy", BatteryEnergy, BatteryEnergy.from_state)


@dataclass(frozen=True, slots=True)
class DerivedEnergy:
    """The derived totals of one config entry (kept beside its coordinator)."""

    grid: DerivedTotals[GridEnergy] = field(default_factory=_grid)
    battery: DerivedTotals[BatteryEnergy] = field(default_factory=_battery)

    def feed(self, data: GatewayData) -> None:
        self.grid.feed(data)
        self.battery.feed(data)

    def restore(self, state: Mapping[str, Any]) -> None:
        """Continue from a saved `to_state()`; a part missing or unusable starts afresh."""
        for key, totals in (("grid", self.grid), ("battery", self.battery)):
            part = state.get(key)
            if isinstance(part, Mapping):
                totals.restore(part)

    def to_state(self) -> dict[str, Any]:
        return {"grid": self.grid.to_state(), "battery": self.battery.to_state()}

    def as_diagnostics(self) -> dict[str, Any]:
        return self.to_state()

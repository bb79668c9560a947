"""What a renderer sees: the profile's hardware, its house and the instant being rendered."""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from ..firmware import version_tuple

if TYPE_CHECKING:
    from collections.abc import Mapping

    from ..physics import BatteryState, Energy, Flows, House


@dataclass(frozen=True, slots=True)
class Hardware:
    """A profile's fixed identity: what is installed and how the device reports it."""

    name: str
    firmware: str
    channel: str  # software prefix letter: R, D or M
    part_number: str
    imeter: bool | None  # None: firmware without the <imeter> element
    phases: int
    phase_mode: str  # single | split | three
    ct_enabled: tuple[str, ...]
    ct_disabled: tuple[str, ...]
    inverter_part: str
    battery_kind: str | None  # encharge | acb | None
    battery_part: str
    enpower: bool
    generator: bool
    collar: bool
    timezone: str
    currency: str
    serial: str
    enpower_serial: str
    collar_serial: str
    c6_serial: str
    installed: int  # epoch of commissioning

    @property
    def version(self) -> tuple[int, ...]:
        return version_tuple(self.firmware)

    @property
    def has_ct(self) -> bool:
        return bool(self.ct_enabled)

    def has_meter(self, measurement: str) -> bool:
        return measurement in self.ct_enabled


@dataclass(frozen=True, slots=True)
class Scene:
    """One request's view: hardware, physics and the control documents at time t."""

    hw: Hardware
    house: House
    t: float
    docs: Mapping[str, Any]
    lifetime_offset_wh: float = 0.0  # after a lifetime reset the inverters' total counts from here

    @property
    def ts(self) -> int:
        return int(self.t)

    def flows(self) -> Flows:
        return self.house.flows(self.t)

    def energy(self) -> Energy:
        return self.house.energy(self.t)

    def day_energy(self) -> tuple[Energy, Energy]:
        return self.house.day_energy(self.t)

    def batteries(self) -> list[BatteryState]:
        return self.house.batteries(self.t)

    def volts(self, phase: int) -> float:
        return self.house.voltage(phase, self.t)

    def freq(self) -> float:
        return self.house.frequency(self.t)


def r3(value: float) -> float:
    return round(value, 3)


def power_factor(watts: float, kind: str) -> float:
    """A plausible power factor (signed like the device: negative when power flows back)."""
    mag = abs(watts)
    if mag < 1.0:
        return 0.0
    base = 0.99 if kind == "production" else 0.93 if kind == "storage" else 0.86
    pf = base - 0.25 * math.exp(-mag / 400.0)
    return pf if watts >= 0 else -pf


def apparent(watts: float, pf: float) -> float:
    return abs(watts) / abs(pf) if pf else 0.0


def reactive(watts: float, pf: float) -> float:
    s = apparent(watts, pf)
    q = math.sqrt(max(s * s - watts * watts, 0.0))
    return -q if watts >= 0 else q

"""Many simulated devices of one profile, for `iqgateway simulate --count N`: distinct serials (the device's,
its inverters', batteries', Enpower's, collar's), houses from a few seeds.

A profile's house integrates a week of simulated history when it is built (about a second); a fleet builds
`DISTINCT_HOUSES` of them and gives every further device an independent twin of one, under serials of its own.
"""

from __future__ import annotations

import copy
import dataclasses
from typing import TYPE_CHECKING

from .profiles import ProfileSource, make_profile

if TYPE_CHECKING:
    from .clock import SimClock

DISTINCT_HOUSES = 2


def make_fleet(name: str, count: int, *, clock: SimClock, inverters: int | None = None,
               batteries: int | None = None, houses: int = DISTINCT_HOUSES) -> list[ProfileSource]:
    """`count` devices of profile `name` on one clock, no two sharing a serial, from `houses` distinct houses."""
    bases = [make_profile(name, inverters=inverters, batteries=batteries, clock=clock, seed=seed)
             for seed in range(max(1, min(count, houses)))]
    taken = {serial for base in bases for serial in _serials(base)}
    fleet: list[ProfileSource] = []
    for index in range(count):
        fleet.append(bases[index] if index < len(bases) else _twin(bases[index % len(bases)], index, taken))
    return fleet


def _serials(source: ProfileSource) -> set[str]:
    hw, config = source.hardware, source.house.config
    return {hw.serial, hw.enpower_serial, hw.collar_serial, hw.c6_serial, *(i.serial for i in config.inverters),
            *(b.serial for b in config.batteries)}


def _twin(base: ProfileSource, index: int, taken: set[str]) -> ProfileSource:
    hw, config = base.hardware, base.house.config
    mid = 1000 + index % 9000
    while True:
        tag = f"{mid:04d}"
        device = f"{hw.serial[:4]}{index:04d}{tag}"
        hardware = dataclasses.replace(hw, serial=device, enpower_serial=f"4823{tag}0001",
                                       collar_serial=f"4825{tag}0001", c6_serial=f"4825{tag}0101")
        inverter_serials = [f"4822{tag}{j + 1:04d}" for j in range(len(config.inverters))]
        battery_serials = [f"{b.serial[:4]}{tag}{j + 1:04d}" for j, b in enumerate(config.batteries)]
        wanted = {device, hardware.enpower_serial, hardware.collar_serial, hardware.c6_serial, *inverter_serials,
                  *battery_serials}
        if not wanted & taken:
            break
        mid = 1000 + (mid - 999) % 9000
    taken |= wanted
    house = base.house.twin(inverter_serials, battery_serials)
    return ProfileSource(hardware, house, base.clock, copy.deepcopy(base.documents))

"""Hardware faults of a synthetic profile's inverters (shade, inverter_fault, inverter_offline) in its physics.

The fault injector tells the device its hardware faults whenever they change; the house takes the new
health of every inverter from that moment of simulated time (an unknown serial is refused, nothing armed).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from .physics import House, InverterHealth

if TYPE_CHECKING:
    from collections.abc import Callable, Iterable

    from .faults import Fault
    from .source import DeviceSource

_OUTPUT = {"shade": "shaded", "inverter_fault": "fault"}


def inverter_health(faults: Iterable[Fault]) -> dict[str, InverterHealth]:
    """Each named inverter's health under the faults (a fault outranks shade where both are set)."""
    health: dict[str, InverterHealth] = {}
    for fault in faults:
        serial = str(fault.params["serial"])
        now = health.get(serial, InverterHealth())
        if fault.kind == "inverter_offline":
            health[serial] = InverterHealth(now.output, offline=True)
        elif now.output != "fault":
            health[serial] = InverterHealth(_OUTPUT[fault.kind], now.offline)
    return health


def device_fault_hook(source: DeviceSource) -> Callable[[tuple[Fault, ...]], None] | None:
    """What applies hardware faults to the source's house; None for a source without one (a replay)."""
    house = getattr(source, "house", None)
    clock = getattr(source, "clock", None)
    if not isinstance(house, House) or clock is None:
        return None

    def apply(faults: tuple[Fault, ...]) -> None:
        house.set_inverter_health(inverter_health(faults), clock.timestamp())

    return apply

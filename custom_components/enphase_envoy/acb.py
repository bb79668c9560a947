"""AC battery sleep: the state-of-charge band batteries sleep in, their sleep states, sleeping them all.

The band the sleep buttons use is picked with the `acb_sleep_soc` select on the AC battery group device,
in 5 % steps as the Enphase installer app offers them. Until a band is picked it is the first battery's
own band (when it is one of the steps), else 95-100 %. The pick lives as long as the config entry.
"""

from __future__ import annotations

from iqgateway import (
    MIXED_SLEEP as MIXED,
)
from iqgateway import (
    SLEEP_STATES,
    AcbUnit,
    Gateway,
    GatewayData,
    aggregate_sleep_state,
    sleep_state,
)

__all__ = ["aggregate_sleep_state", "sleep_state"]

SOC_STEP = 5
SLEEP_BANDS = [f"{low}-{low + SOC_STEP}" for low in range(0, 100, SOC_STEP)]
DEFAULT_SLEEP_BAND = "95-100"
SLEEP_OPTIONS = list(SLEEP_STATES)
AGGREGATE_SLEEP_OPTIONS = [*SLEEP_STATES, MIXED]


def has_units(item: GatewayData, data: GatewayData) -> bool:
    """Whether the Envoy lists its AC batteries one by one (the sleep controls need them)."""
    return data.acb is not None and bool(data.acb.units)


def unit_band(unit: AcbUnit) -> str | None:
    if unit.sleep_min_soc is None or unit.sleep_max_soc is None:
        return None
    return f"{unit.sleep_min_soc:g}-{unit.sleep_max_soc:g}"


def default_band(data: GatewayData) -> str:
    units = data.acb.units.values() if data.acb is not None else ()
    return next((band for band in map(unit_band, units) if band in SLEEP_BANDS), DEFAULT_SLEEP_BAND)


def band_bounds(band: str) -> tuple[int, int]:
    low, _, high = band.partition("-")
    return int(low), int(high)


async def sleep_all(gateway: Gateway, data: GatewayData, band: str) -> GatewayData:
    """Put every AC battery to sleep in `band`, one after the other; the snapshot read after the last."""
    low, high = band_bounds(band)
    for serial in sorted(data.acb.units if data.acb is not None else ()):
        data = await gateway.acb_sleep(serial, low, high)
    return data


async def wake_all(gateway: Gateway, data: GatewayData) -> GatewayData:
    for serial in sorted(data.acb.units if data.acb is not None else ()):
        data = await gateway.acb_wake(serial)
    return data

"""The kinds of installation the synthetic devices model: hardware, region and equipment per profile name.

Solar-only sites (with or without CTs) and sites with storage are listed apart; `SPECS` is both together.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from types import MappingProxyType


@dataclass(frozen=True, slots=True)
class Region:
    timezone: str
    latitude: float
    volts: float  # per phase (line to neutral)
    frequency: float
    currency: str


@dataclass(frozen=True, slots=True)
class InverterModel:
    part: str
    max_w: float
    panel_w: float


@dataclass(frozen=True, slots=True)
class BatteryModel:
    kind: str  # encharge | acb
    part: str
    capacity_wh: float
    power_w: float


@dataclass(frozen=True, slots=True)
class ProfileSpec:
    """One kind of installation."""

    firmware: str
    channel: str
    part_number: str
    imeter: bool | None
    phases: int
    phase_mode: str
    ct_enabled: tuple[str, ...]
    inverters: int
    inverter: InverterModel
    region: Region
    serial_prefix: str
    base_load_w: float
    battery: BatteryModel | None = None
    batteries: int = 0
    enpower: bool = False
    generator: bool = False
    collar: bool = False
    ensemble_api: bool = True  # serves secctrl/tariff/generator documents
    ct_disabled: tuple[str, ...] = ()
    mode: str = "self-consumption"
    reserve: float = 20.0



_US_CENTRAL = Region("America/Chicago", 38.0, 120.0, 60.0, "USD")
_US_EAST = Region("America/New_York", 40.7, 120.0, 60.0, "USD")
_EU = Region("Europe/Amsterdam", 52.0, 230.0, 50.0, "EUR")
_IQ8 = InverterModel("800-01331-r02", 297.0, 345.0)
_IQ7 = InverterModel("800-00631-r02", 290.0, 350.0)
_M215 = InverterModel("800-00106-r02", 225.0, 250.0)
_IQ_BATTERY_5P = BatteryModel("encharge", "836-01826-r76", 5000.0, 3840.0)
_IQ_BATTERY_3T = BatteryModel("encharge", "830-01760-r42", 3500.0, 1280.0)
_IQ_BATTERY_COLLAR = BatteryModel("encharge", "836-01250-r00", 5000.0, 3840.0)
_AC_BATTERY = BatteryModel("acb", "800-00930-r03", 1200.0, 270.0)
_PRODUCTION_NET = ("production", "net-consumption")

# Solar only: no batteries, with or without CTs (metered-500 is the large site of the benchmark).
SOLAR_ONLY: Mapping[str, ProfileSpec] = MappingProxyType({
    "legacy": ProfileSpec(
        "3.18.10", "R", "800-00069-r05", None, 2, "split", (), 12, _M215,
        Region("Pacific/Honolulu", 21.3, 120.0, 60.0, "USD"), "1214", 380.0, ensemble_api=False,
    ),
    "standard": ProfileSpec(
        "7.6.175", "D", "800-00656-r06", False, 2, "split", (), 16, _IQ8,
        Region("America/Denver", 39.7, 120.0, 60.0, "USD"), "1223", 420.0, ensemble_api=False,
    ),
    "metered": ProfileSpec(
        "8.2.4345", "D", "800-00654-r08", True, 1, "single", _PRODUCTION_NET, 16, _IQ8,
        Region("Australia/Sydney", -33.9, 240.0, 50.0, "AUD"), "1223", 350.0,
    ),
    "metered-3phase": ProfileSpec(
        "7.6.175", "D", "800-00654-r06", True, 3, "three", _PRODUCTION_NET, 18, _IQ7, _EU, "1218", 330.0,
    ),
    "total-consumption-ct": ProfileSpec(
        "8.3.5169", "D", "800-00654-r08", True, 2, "split", ("production", "total-consumption"), 16, _IQ8,
        _US_EAST, "2023", 450.0,
    ),
    "metered-500": ProfileSpec(
        "8.2.4345", "D", "800-00654-r08", True, 1, "single", _PRODUCTION_NET, 500, _IQ8,
        Region("Australia/Sydney", -33.9, 240.0, 50.0, "AUD"), "1223", 350.0,
    ),
})  # fmt: skip

# With storage: IQ Batteries (Encharge), AC Batteries, Enpower, collar, generator.
WITH_STORAGE: Mapping[str, ProfileSpec] = MappingProxyType({
    "battery-eu": ProfileSpec(
        "8.2.4382", "D", "800-00664-r05", True, 3, "three", (*_PRODUCTION_NET, "storage"), 16, _IQ7, _EU,
        "1223", 330.0, battery=_IQ_BATTERY_3T, batteries=3,
    ),
    "full-us": ProfileSpec(
        "8.3.5169", "D", "800-00647-r11", True, 2, "split", (*_PRODUCTION_NET, "storage"), 20, _IQ8,
        _US_CENTRAL, "2024", 480.0, battery=_IQ_BATTERY_5P, batteries=2, enpower=True, generator=True,
    ),
    "acb": ProfileSpec(
        "8.3.5169", "D", "800-00654-r08", True, 3, "three", _PRODUCTION_NET, 8, _IQ7, _EU, "1220", 300.0,
        battery=_AC_BATTERY, batteries=2,
    ),
    "collar": ProfileSpec(
        "8.3.1598", "D", "800-02409-r03", True, 2, "split", (*_PRODUCTION_NET, "storage", "backfeed"), 17, _IQ8,
        Region("America/New_York", 35.8, 120.0, 60.0, "USD"), "2025", 450.0, battery=_IQ_BATTERY_COLLAR,
        batteries=2, collar=True, ct_disabled=("load", "evse", "pv3p"),
    ),
    # Batteries beside a total-consumption CT: the storage CT's counters give the battery's daily energy.
    "battery-total-ct": ProfileSpec(
        "8.3.5169", "D", "800-00654-r08", True, 2, "split", ("production", "total-consumption", "storage"), 16,
        _IQ8, _US_EAST, "2026", 450.0, battery=_IQ_BATTERY_5P, batteries=2,
    ),
})  # fmt: skip

SPECS: Mapping[str, ProfileSpec] = MappingProxyType({**SOLAR_ONLY, **WITH_STORAGE})

"""The immutable, typed snapshot of one Envoy: frozen dataclasses, units in the field names.

Field names are the snapshot contract of `iqgateway read --json` (docs/snapshot.md):
`dataclasses.asdict()` of these models, with the keyed collections as JSON objects, is the
document scripts read. Absent hardware is None; a value the
device did not report is None, never 0.
"""

from __future__ import annotations

import enum
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from .corrections.record import Correction
from .models_hardware import (
    AcBatteries,
    AcbUnit,
    BatteryAggregate,
    C6Combiner,
    Collar,
    ControllerIdentity,
    DryContact,
    EnchargeAggregate,
    EnchargeBattery,
    Enpower,
    Generator,
    GeneratorState,
    LiveData,
    LiveMeter,
    LivePhasePower,
    StorageSettings,
)
from .models_installer import DpelSettings, GridProfile, PvLimit, QRelay

__all__ = [
    "PHASE_NAMES",
    "AcBatteries",
    "AcbUnit",
    "AuthKind",
    "BatteryAggregate",
    "C6Combiner",
    "Collar",
    "ControllerIdentity",
    "CtMeter",
    "DeviceInfo",
    "DpelSettings",
    "DryContact",
    "EnchargeAggregate",
    "EnchargeBattery",
    "EndpointStatus",
    "EnergyReading",
    "Enpower",
    "Feature",
    "Features",
    "GatewayData",
    "Generator",
    "GeneratorState",
    "GridProfile",
    "Inverter",
    "LiveData",
    "LiveMeter",
    "LivePhasePower",
    "MeasurementType",
    "MeterReading",
    "PvLimit",
    "QRelay",
    "StorageMode",
    "StorageSettings",
]

if TYPE_CHECKING:
    from .derived.daily_energy import DailyFigures

# Phase names used as keys of every per-phase mapping.
PHASE_NAMES: tuple[str, str, str] = ("L1", "L2", "L3")


class Feature(enum.StrEnum):
    """What a probed device has; decides which endpoints an update reads."""

    PRODUCTION = "production"
    INVERTERS = "inverters"
    DETAILED_INVERTERS = "detailed_inverters"
    METERING = "metering"
    CT_METERS = "ctmeters"
    NET_CONSUMPTION = "net_consumption"
    TOTAL_CONSUMPTION = "total_consumption"
    DUAL_PHASE = "dualphase"
    THREE_PHASE = "threephase"
    ENCHARGE = "encharge"
    ENPOWER = "enpower"
    DRY_CONTACTS = "dry_contacts"
    TARIFF = "tariff"
    ACB = "acb"
    COLLAR = "collar"
    C6CC = "c6cc"
    GENERATOR = "generator"
    GENERATOR_SCHEDULE = "generator_schedule"
    LIVE_DATA = "livedata"


class MeasurementType(enum.StrEnum):
    """A CT meter's measurement type as `/ivp/meters` names it."""

    PRODUCTION = "production"
    NET_CONSUMPTION = "net-consumption"
    TOTAL_CONSUMPTION = "total-consumption"
    STORAGE = "storage"
    BACKFEED = "backfeed"
    LOAD = "load"
    EVSE = "evse"
    PV3P = "pv3p"


class StorageMode(enum.StrEnum):
    """Battery operating mode of the tariff's storage settings."""

    BACKUP = "backup"
    SELF_CONSUMPTION = "self-consumption"
    ECONOMY = "economy"


class AuthKind(enum.StrEnum):
    """How a Gateway authenticates its requests (decided by the firmware and the credentials given)."""

    NONE = "none"
    DIGEST = "digest"
    TOKEN = "token"


@dataclass(frozen=True, slots=True)
class DeviceInfo:
    """Identity from `/info`."""

    serial: str
    part_number: str | None
    firmware: str  # numeric part, e.g. "8.3.5169"
    firmware_channel: str | None  # the letter in front of the version ("D", "R", "M"), if any
    metered: bool | None  # `imeter`; None on firmware that does not say
    firmware_version: tuple[int, ...]  # (8, 3, 5169)


@dataclass(frozen=True, slots=True)
class CtMeter:
    """One CT from `/ivp/meters` (configuration, rarely changes)."""

    eid: int
    measurement_type: str  # a MeasurementType value, or what the device said
    state: str  # "enabled" / "disabled"
    phase_mode: str | None  # "single" / "split" / "three"
    phase_count: int | None
    metering_status: str | None
    status_flags: tuple[str, ...]

    @property
    def enabled(self) -> bool:
        return self.state == "enabled"


@dataclass(frozen=True, slots=True)
class Features:
    """Result of the probe: what the device has and where each kind of data comes from."""

    names: frozenset[Feature]
    production_source: str | None  # the endpoint production is read from
    inverter_source: str | None  # "/ivp/pdm/device_data" or "/api/v1/production/inverters"
    phase_count: int
    phase_mode: str | None
    ct_meters: tuple[CtMeter, ...] = ()
    endpoints: tuple[str, ...] = ()  # every path an update reads (query included)

    def __contains__(self, item: object) -> bool:
        return item in self.names


@dataclass(frozen=True, slots=True)
class EnergyReading:
    """Production or consumption totals, optionally per phase (keys of PHASE_NAMES)."""

    watts_now: float | None
    wh_today: float | None
    wh_last_seven_days: float | None
    wh_lifetime: float | None
    phases: Mapping[str, EnergyReading] | None = None
    # With a site time zone (Gateway(tz=...)), wh_today / wh_last_seven_days are rebuilt from the lifetime
    # counter at local midnight (derived/daily_energy.py); these keep the device's own figures.
    device_wh_today: float | None = None
    device_wh_last_seven_days: float | None = None
    device_daily_disagrees: bool = False


@dataclass(frozen=True, slots=True)
class MeterReading:
    """One CT's reading from `/ivp/meters/readings`, joined with its `/ivp/meters` entry."""

    eid: int | None
    timestamp: int | None
    active_power_w: float | None
    apparent_power_va: float | None
    reactive_power_var: float | None
    energy_delivered_wh: float | None
    energy_received_wh: float | None
    voltage_v: float | None
    current_a: float | None
    frequency_hz: float | None
    power_factor: float | None
    metering_status: str | None
    status_flags: tuple[str, ...]
    state: str | None
    phases: Mapping[str, MeterReading] | None = None


@dataclass(frozen=True)  # no slots: `from_report` relies on the defaults living on the class
class Inverter:
    """One microinverter: its last report, plus electrical details when read from `/ivp/pdm/device_data`."""

    serial: str
    last_report_watts: float | None
    max_report_watts: float | None
    last_report_date: int | None  # epoch seconds
    dc_voltage_v: float | None = None
    dc_current_a: float | None = None
    ac_voltage_v: float | None = None
    ac_current_a: float | None = None
    ac_frequency_hz: float | None = None
    temperature_c: float | None = None
    lifetime_energy_wh: float | None = None
    energy_today_wh: float | None = None
    energy_produced_mwh: float | None = None
    last_report_duration_s: int | None = None
    source: str | None = None  # the endpoint this inverter's report comes from
    producing: bool | None = None  # /inventory.json flags
    communicating: bool | None = None
    conversion_error_s: int | None = None  # device_data lastReading.pwrConvErrSecs
    conversion_max_error_cycles: int | None = None  # pwrConvMaxErrCycles
    energy_yesterday_wh: float | None = None  # device_data wattHours.yesterday
    energy_last_week_wh: float | None = None  # device_data wattHours.week

    @classmethod
    def from_report(
        cls, serial: str, watts: float | None, peak: float | None, date: int | None, *, source: str | None,
        producing: bool | None, communicating: bool | None,
    ) -> Inverter:
        """An inverter known only by its summary report (the v1 list) and its inventory flags.

        The generated `__init__` of a frozen dataclass sets every one of the 21 fields through
        `object.__setattr__` (about 3 µs) and a site's list holds hundreds of inverters: this sets the seven
        known ones in one step; the others read their defaults from the class (which is why it has no slots).
        """
        inverter = object.__new__(cls)
        object.__setattr__(inverter, "__dict__", {
            "serial": serial, "last_report_watts": watts, "max_report_watts": peak, "last_report_date": date,
            "source": source, "producing": producing, "communicating": communicating,
        })
        return inverter


@dataclass(frozen=True, slots=True)
class EndpointStatus:
    """How fresh one endpoint's part of the snapshot is."""

    path: str
    fetched_at: float | None  # epoch seconds of the last good answer
    age_s: float | None
    stale: bool  # the last attempt failed; the data is the last good one
    error: str | None = None  # the last failure, as text (never a secret)


@dataclass(frozen=True, slots=True)
class GatewayData:
    """One update's immutable snapshot."""

    info: DeviceInfo
    features: Features
    phase_count: int
    phase_mode: str | None
    production: EnergyReading | None
    consumption_total: EnergyReading | None
    consumption_net: EnergyReading | None
    meters: Mapping[str, MeterReading]  # keyed by measurement type
    inverters: Mapping[str, Inverter]  # keyed by serial
    encharge: Mapping[str, EnchargeBattery] | None
    encharge_aggregate: EnchargeAggregate | None
    enpower: Enpower | None
    acb: AcBatteries | None
    battery_aggregate: BatteryAggregate | None
    dry_contacts: Mapping[str, DryContact] | None
    storage_settings: StorageSettings | None
    collar: Collar | None
    c6cc: C6Combiner | None
    generator: Generator | None
    tariff_raw: Mapping[str, Any] | None = None  # the whole tariff document, for read-modify-write
    live: LiveData | None = None
    updated_at: float | None = None  # epoch seconds of the newest real answer in this snapshot
    endpoints: Mapping[str, EndpointStatus] = field(default_factory=dict)
    raw: Mapping[str, Any] = field(default_factory=dict)  # path -> decoded body (diagnostics)
    # Metered hardware without a production CT: the idle CT slot's counters as production.json reports them
    # (what HA core shows as today / 7-day production there); None when the production CT is active or absent.
    # `production` itself then has no today / 7-day values (None): the idle CT does not measure the inverters.
    idle_production_ct: EnergyReading | None = None
    # PV inverters the v1 summary list reports but neither the detailed source (`/ivp/pdm/device_data`) nor the
    # inventory does (an inverter the inventory lists is completed into `inverters`: iqgateway.corrections)
    summary_only_inverters: Mapping[str, Inverter] = field(default_factory=dict)
    # False when the CT configuration (/ivp/meters) could not be read: phase_count / phase_mode are then only
    # defaults (1 / None) and the snapshot reports them as null.
    phase_layout_known: bool = True
    # what the snapshot corrected of the device's answers, and why (iqgateway.corrections)
    corrections: tuple[Correction, ...] = ()
    # The balanced net-consumption counters as the production document gives them, unguarded (the energy
    # guard holds a one-poll zero of `consumption_net`; iqgateway.derived.GridEnergy filters these itself)
    consumption_net_device: EnergyReading | None = None
    # part name ("production", "meters", "encharge", ...) -> epoch seconds of its newest real answer
    parts_updated_at: Mapping[str, float | None] = field(default_factory=dict)
    # installer-level readings (None: not read — not available to this token or firmware, or not probed)
    power_forced_off: bool | None = None
    dpel: DpelSettings | None = None
    grid_profile: GridProfile | None = None
    plc_levels: Mapping[str, int] | None = None  # serial -> PLC signal level (inverters and relays)
    q_relays: tuple[QRelay, ...] = ()
    # With a site time zone: every lifetime counter's today / last seven days at local midnight
    # (derived/daily_readings.py: "production", "grid.imported", "battery.charged", ...)
    daily: Mapping[str, DailyFigures] = field(default_factory=dict)
    pv_limit: PvLimit | None = None

    def to_dict(self, *, raw: bool = False) -> dict[str, Any]:
        """Every field as plain JSON values (`iqgateway.snapshot.to_dict`)."""
        from .snapshot import to_dict

        return to_dict(self, raw=raw)

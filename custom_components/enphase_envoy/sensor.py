"""Sensors: production, consumption and every CT type (per phase too), inverters, batteries, Enpower, collar.

The repetitive families are generated from small tables: the same four values of production and
consumption, the same nine values of each CT type, and each of them again per phase (created disabled).
Keys and translation keys are those of Home Assistant core's integration, so entity ids and history carry
over; where HA 2026.11 corrected a class (battery sensors measure, stored energy is energy_storage) the
corrected one is used.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any, TypeAlias, TypeVar

from homeassistant.components.sensor import (
    SensorDeviceClass,
    SensorEntity,
    SensorEntityDescription,
    SensorStateClass,
)
from homeassistant.const import (
    PERCENTAGE,
    EntityCategory,
    UnitOfApparentPower,
    UnitOfElectricCurrent,
    UnitOfElectricPotential,
    UnitOfEnergy,
    UnitOfFrequency,
    UnitOfPower,
    UnitOfTemperature,
    UnitOfTime,
)
from homeassistant.core import HomeAssistant
from homeassistant.helpers.entity_platform import AddConfigEntryEntitiesCallback
from homeassistant.helpers.typing import StateType
from homeassistant.util import dt as dt_util

from iqgateway import GatewayData
from iqgateway.models import (
    PHASE_NAMES,
    AcBatteries,
    AcbUnit,
    C6Combiner,
    Collar,
    EnchargeBattery,
    EnergyReading,
    Enpower,
    Feature,
    Inverter,
    MeterReading,
)

from .coordinator import EnvoyConfigEntry, EnvoyCoordinator
from .entity import (
    ACB_GROUP,
    ACB_UNIT,
    C6CC,
    COLLAR,
    ENCHARGE,
    ENPOWER,
    ENVOY,
    INVERTER,
    INVERTER_POWER_KEY,
    EnvoyEntity,
    EnvoyEntityDescription,
    ct_enabled,
    track_entities,
)
from .sensor_beyond import async_setup_beyond_sensors

T = TypeVar("T")
R = TypeVar("R", EnergyReading, MeterReading)

SensorValue: TypeAlias = StateType | datetime


@dataclass(frozen=True, kw_only=True)
class EnvoySensorEntityDescription(SensorEntityDescription, EnvoyEntityDescription[T]):
    """A sensor of one item of hardware: `value_fn` reads its state from the item."""

    value_fn: Callable[[T], SensorValue]
    unit_fn: Callable[[T], str | None] | None = None  # when the device says which unit it reports in
    # the object id core gave this entity where ours would differ (an AC battery core showed as an inverter)
    object_id_fn: Callable[[str], str] | None = None
    # with the realtime option on, the meter stream refreshes this sensor (realtime.py)
    realtime: bool = False


def timestamp(epoch: float | None) -> datetime | None:
    return dt_util.utc_from_timestamp(epoch) if epoch is not None else None


def temperature_unit(unit: str | None) -> str:
    return UnitOfTemperature.FAHRENHEIT if (unit or "").upper().startswith("F") else UnitOfTemperature.CELSIUS


def has(data: GatewayData, feature: Feature) -> bool:
    return feature in data.features.names


# ---------------------------------------------------------------------------------------------------------
# Shapes shared by many sensors: the description fields that make a value a power, an energy counter, ...

POWER: Mapping[str, Any] = {
    "device_class": SensorDeviceClass.POWER,
    "state_class": SensorStateClass.MEASUREMENT,
    "native_unit_of_measurement": UnitOfPower.WATT,
    "suggested_unit_of_measurement": UnitOfPower.KILO_WATT,
    "suggested_display_precision": 3,
}
ENERGY_TODAY: Mapping[str, Any] = {
    "device_class": SensorDeviceClass.ENERGY,
    "state_class": SensorStateClass.TOTAL_INCREASING,
    "native_unit_of_measurement": UnitOfEnergy.WATT_HOUR,
    "suggested_unit_of_measurement": UnitOfEnergy.KILO_WATT_HOUR,
    "suggested_display_precision": 2,
}
ENERGY_SEVEN_DAYS: Mapping[str, Any] = {
    "device_class": SensorDeviceClass.ENERGY,
    "native_unit_of_measurement": UnitOfEnergy.WATT_HOUR,
    "suggested_unit_of_measurement": UnitOfEnergy.KILO_WATT_HOUR,
    "suggested_display_precision": 1,
}
ENERGY_LIFETIME: Mapping[str, Any] = {
    "device_class": SensorDeviceClass.ENERGY,
    "state_class": SensorStateClass.TOTAL_INCREASING,
    "native_unit_of_measurement": UnitOfEnergy.WATT_HOUR,
    "suggested_unit_of_measurement": UnitOfEnergy.MEGA_WATT_HOUR,
    "suggested_display_precision": 3,
}
ENERGY_NET_LIFETIME: Mapping[str, Any] = {  # a net counter runs both ways
    **ENERGY_LIFETIME,
    "state_class": SensorStateClass.TOTAL,
    "suggested_unit_of_measurement": UnitOfEnergy.KILO_WATT_HOUR,
}
FREQUENCY: Mapping[str, Any] = {
    "device_class": SensorDeviceClass.FREQUENCY,
    "state_class": SensorStateClass.MEASUREMENT,
    "native_unit_of_measurement": UnitOfFrequency.HERTZ,
    "suggested_display_precision": 1,
}
VOLTAGE: Mapping[str, Any] = {
    "device_class": SensorDeviceClass.VOLTAGE,
    "state_class": SensorStateClass.MEASUREMENT,
    "native_unit_of_measurement": UnitOfElectricPotential.VOLT,
    "suggested_unit_of_measurement": UnitOfElectricPotential.VOLT,
    "suggested_display_precision": 1,
}
CURRENT: Mapping[str, Any] = {
    "device_class": SensorDeviceClass.CURRENT,
    "state_class": SensorStateClass.MEASUREMENT,
    "native_unit_of_measurement": UnitOfElectricCurrent.AMPERE,
    "suggested_unit_of_measurement": UnitOfElectricCurrent.AMPERE,
    "suggested_display_precision": 3,
}
POWER_FACTOR: Mapping[str, Any] = {
    "device_class": SensorDeviceClass.POWER_FACTOR,
    "state_class": SensorStateClass.MEASUREMENT,
    "suggested_display_precision": 2,
}
METERING_STATUS_OPTIONS = ["normal", "not-metering", "check-wiring"]
METERING_STATUS: Mapping[str, Any] = {
    "device_class": SensorDeviceClass.ENUM,
    "options": METERING_STATUS_OPTIONS,
    "entity_category": EntityCategory.DIAGNOSTIC,
}
STATUS_FLAGS: Mapping[str, Any] = {"entity_category": EntityCategory.DIAGNOSTIC}
LAST_REPORTED: Mapping[str, Any] = {"translation_key": "last_reported", "device_class": SensorDeviceClass.TIMESTAMP}
BATTERY_LEVEL: Mapping[str, Any] = {
    "device_class": SensorDeviceClass.BATTERY,
    "state_class": SensorStateClass.MEASUREMENT,
    "native_unit_of_measurement": PERCENTAGE,
}
STORED_ENERGY: Mapping[str, Any] = {
    "device_class": SensorDeviceClass.ENERGY_STORAGE,
    "state_class": SensorStateClass.MEASUREMENT,
    "native_unit_of_measurement": UnitOfEnergy.WATT_HOUR,
}
CAPACITY: Mapping[str, Any] = {
    "device_class": SensorDeviceClass.ENERGY_STORAGE,
    "native_unit_of_measurement": UnitOfEnergy.WATT_HOUR,
}
BATTERY_POWER: Mapping[str, Any] = {
    "device_class": SensorDeviceClass.POWER,
    "state_class": SensorStateClass.MEASUREMENT,
    "native_unit_of_measurement": UnitOfPower.WATT,
}
TEMPERATURE: Mapping[str, Any] = {
    "device_class": SensorDeviceClass.TEMPERATURE,
    "state_class": SensorStateClass.MEASUREMENT,
    "native_unit_of_measurement": UnitOfTemperature.CELSIUS,
}
SIGNAL_LEVEL: Mapping[str, Any] = {
    "state_class": SensorStateClass.MEASUREMENT,
    "entity_category": EntityCategory.DIAGNOSTIC,
    "entity_registry_enabled_default": False,
}


def enum_value(value: str | None, options: list[str]) -> str | None:
    """An enum sensor's state; a value the device invents is unknown rather than an error."""
    return value if value in options else None


# ---------------------------------------------------------------------------------------------------------
# Production, consumption (total) and balanced net consumption: the same values, per phase too.


@dataclass(frozen=True)
class EnergyFlow:
    name: str  # "production", "consumption"
    reading: Callable[[GatewayData], EnergyReading | None]
    exists: Callable[[GatewayData], bool]
    measures: tuple[tuple[str, str, str, Mapping[str, Any], bool], ...]  # key, translation key, field, shape, enabled
    # where a value the reading lacks comes from instead (what core showed for it)
    fallback: Callable[[GatewayData], EnergyReading | None] = lambda data: None


def _flow_measures(flow: str) -> tuple[tuple[str, str, str, Mapping[str, Any], bool], ...]:
    return (
        (flow, f"current_power_{flow}", "watts_now", POWER, True),
        (f"daily_{flow}", f"daily_{flow}", "wh_today", ENERGY_TODAY, True),
        (f"seven_days_{flow}", f"seven_days_{flow}", "wh_last_seven_days", ENERGY_SEVEN_DAYS, True),
        (f"lifetime_{flow}", f"lifetime_{flow}", "wh_lifetime", ENERGY_LIFETIME, True),
    )


ENERGY_FLOWS = (
    EnergyFlow(
        "production",
        lambda data: data.production,
        lambda data: data.production is not None or has(data, Feature.PRODUCTION),
        _flow_measures("production"),
        # metered hardware whose production CT is idle: the inverters report no today / 7-day counters
        fallback=lambda data: data.idle_production_ct,
    ),
    EnergyFlow(
        "consumption",
        lambda data: data.consumption_total,
        lambda data: data.consumption_total is not None or has(data, Feature.TOTAL_CONSUMPTION),
        _flow_measures("consumption"),
    ),
    EnergyFlow(
        "balanced_net_consumption",
        lambda data: data.consumption_net,
        lambda data: data.consumption_net is not None or has(data, Feature.NET_CONSUMPTION),
        (
            ("balanced_net_consumption", "balanced_net_consumption", "watts_now", POWER, False),
            ("lifetime_balanced_net_consumption", "lifetime_balanced_net_consumption", "wh_lifetime",
             ENERGY_NET_LIFETIME, False),
        ),
    ),
)


def phases_of(reading: R | None) -> Mapping[str, R]:
    """The per-phase readings of a multi-phase reading (none for a single phase)."""
    phases = reading.phases if reading is not None else None
    return phases if phases and len(phases) > 1 else {}


def _energy_value(flow: EnergyFlow, field: str, phase: str | None) -> Callable[[GatewayData], SensorValue]:
    def read(reading: EnergyReading | None) -> SensorValue:
        if reading is not None and phase is not None:
            reading = phases_of(reading).get(phase)
        return getattr(reading, field) if reading is not None else None

    def value(data: GatewayData) -> SensorValue:
        found = read(flow.reading(data))
        return found if found is not None else read(flow.fallback(data))

    return value


def _energy_exists(flow: EnergyFlow, phase: str | None) -> Callable[[GatewayData, GatewayData], bool]:
    if phase is None:
        return lambda item, data: flow.exists(data)
    return lambda item, data: phase in phases_of(flow.reading(data))


def energy_flow_sensors() -> Iterator[EnvoySensorEntityDescription[GatewayData]]:
    for flow in ENERGY_FLOWS:
        for phase in (None, *PHASE_NAMES):
            for key, translation_key, field, shape, enabled in flow.measures:
                yield EnvoySensorEntityDescription[GatewayData](
                    hardware=ENVOY,
                    key=key if phase is None else f"{key}_{phase.lower()}",
                    translation_key=translation_key if phase is None else f"{translation_key}_phase",
                    translation_placeholders=None if phase is None else {"phase_name": phase.lower()},
                    entity_registry_enabled_default=enabled and phase is None,
                    value_fn=_energy_value(flow, field, phase),
                    exists_fn=_energy_exists(flow, phase),
                    **shape,
                )


# ---------------------------------------------------------------------------------------------------------
# CTs: nine values for each measurement type; core's first three types kept their historic keys.


@dataclass(frozen=True)
class CtMeasure:
    name: str
    field: str
    shape: Mapping[str, Any]
    enabled: bool


CT_MEASURES = (
    CtMeasure("energy_delivered", "energy_delivered_wh", ENERGY_LIFETIME, True),
    CtMeasure("energy_received", "energy_received_wh", ENERGY_LIFETIME, True),
    CtMeasure("power", "active_power_w", POWER, True),
    CtMeasure("frequency", "frequency_hz", FREQUENCY, False),
    CtMeasure("voltage", "voltage_v", VOLTAGE, False),
    CtMeasure("current", "current_a", CURRENT, False),
    CtMeasure("powerfactor", "power_factor", POWER_FACTOR, False),
    CtMeasure("metering_status", "metering_status", METERING_STATUS, False),
    CtMeasure("status_flags", "status_flags", STATUS_FLAGS, False),
)


@dataclass(frozen=True)
class CtType:
    measurement_type: str  # as /ivp/meters names it
    prefix: str  # of keys and translation keys: "<prefix>_<measure>"
    historic: Mapping[str, tuple[str, str]]  # measure -> (key, translation key) where core named it differently


CT_TYPES = (
    CtType(
        "net-consumption",
        "net_ct",
        {
            "energy_delivered": ("lifetime_net_consumption", "lifetime_net_consumption"),
            "energy_received": ("lifetime_net_production", "lifetime_net_production"),
            "power": ("net_consumption", "net_consumption"),
            "frequency": ("frequency", "net_ct_frequency"),
            "voltage": ("voltage", "net_ct_voltage"),
            "metering_status": ("net_consumption_ct_metering_status", "net_ct_metering_status"),
            "status_flags": ("net_consumption_ct_status_flags", "net_ct_status_flags"),
        },
    ),
    CtType("production", "production_ct", {}),
    CtType(
        "storage",
        "storage_ct",
        {
            "energy_delivered": ("lifetime_battery_discharged", "lifetime_battery_discharged"),
            "energy_received": ("lifetime_battery_charged", "lifetime_battery_charged"),
            "power": ("battery_discharge", "battery_discharge"),
            "voltage": ("storage_voltage", "storage_ct_voltage"),
        },
    ),
    CtType("total-consumption", "total_consumption_ct", {}),
    CtType("backfeed", "backfeed_ct", {}),
    CtType("load", "load_ct", {}),
    CtType("evse", "evse_ct", {}),
    CtType("pv3p", "pv3p_ct", {}),
)


def _ct_value(ct: CtType, measure: CtMeasure, phase: str | None) -> Callable[[GatewayData], SensorValue]:
    def value(data: GatewayData) -> SensorValue:
        reading = data.meters.get(ct.measurement_type)
        if reading is not None and phase is not None:
            reading = phases_of(reading).get(phase)
        if reading is None:
            return None
        raw = getattr(reading, measure.field)
        if measure.name == "status_flags":
            return len(raw)
        if measure.name == "metering_status":
            return enum_value(raw, METERING_STATUS_OPTIONS)
        return raw  # type: ignore[no-any-return]

    return value


def _ct_exists(ct: CtType, phase: str | None) -> Callable[[GatewayData, GatewayData], bool]:
    if phase is None:
        return lambda item, data: ct_enabled(data, ct.measurement_type)
    return lambda item, data: ct_enabled(data, ct.measurement_type) and phase in phases_of(
        data.meters.get(ct.measurement_type)
    )


STREAM_CT_TYPES = frozenset({"production", "net-consumption", "total-consumption"})
STREAM_MEASURES = frozenset({"power", "frequency", "voltage", "current", "powerfactor"})


def ct_sensors() -> Iterator[EnvoySensorEntityDescription[GatewayData]]:
    for ct in CT_TYPES:
        for phase in (None, *PHASE_NAMES):
            for measure in CT_MEASURES:
                default = f"{ct.prefix}_{measure.name}"
                key, translation_key = ct.historic.get(measure.name, (default, default))
                yield EnvoySensorEntityDescription[GatewayData](
                    hardware=ENVOY,
                    key=key if phase is None else f"{key}_{phase.lower()}",
                    translation_key=translation_key if phase is None else f"{translation_key}_phase",
                    translation_placeholders=None if phase is None else {"phase_name": phase.lower()},
                    entity_registry_enabled_default=measure.enabled and phase is None,
                    value_fn=_ct_value(ct, measure, phase),
                    exists_fn=_ct_exists(ct, phase),
                    realtime=ct.measurement_type in STREAM_CT_TYPES and measure.name in STREAM_MEASURES,
                    **measure.shape,
                )


# ---------------------------------------------------------------------------------------------------------
# Batteries on the Envoy device: IQ battery totals, AC battery totals, both combined.


def _has_encharge(item: GatewayData, data: GatewayData) -> bool:
    return data.encharge_aggregate is not None or has(data, Feature.ENCHARGE)


def _has_acb(item: GatewayData, data: GatewayData) -> bool:
    return data.acb is not None or has(data, Feature.ACB)


def _has_both_batteries(item: GatewayData, data: GatewayData) -> bool:
    return data.battery_aggregate is not None or (has(data, Feature.ACB) and has(data, Feature.ENCHARGE))


def _aggregate(field: str) -> Callable[[GatewayData], SensorValue]:
    return lambda data: getattr(data.encharge_aggregate, field) if data.encharge_aggregate is not None else None


def _combined(field: str) -> Callable[[GatewayData], SensorValue]:
    return lambda data: getattr(data.battery_aggregate, field) if data.battery_aggregate is not None else None


ENVOY_BATTERY_SENSORS: tuple[EnvoySensorEntityDescription[GatewayData], ...] = (
    EnvoySensorEntityDescription[GatewayData](
        hardware=ENVOY, key="battery_level", value_fn=_aggregate("soc_percent"), exists_fn=_has_encharge,
        **BATTERY_LEVEL,
    ),
    EnvoySensorEntityDescription[GatewayData](
        hardware=ENVOY,
        key="reserve_soc",
        translation_key="reserve_soc",
        native_unit_of_measurement=PERCENTAGE,
        state_class=SensorStateClass.MEASUREMENT,
        value_fn=_aggregate("reserve_soc_percent"),
        exists_fn=_has_encharge,
    ),
    EnvoySensorEntityDescription[GatewayData](
        hardware=ENVOY, key="available_energy", translation_key="available_energy",
        value_fn=_aggregate("available_energy_wh"), exists_fn=_has_encharge, **STORED_ENERGY,
    ),
    EnvoySensorEntityDescription[GatewayData](
        hardware=ENVOY, key="reserve_energy", translation_key="reserve_energy",
        value_fn=_aggregate("backup_reserve_wh"), exists_fn=_has_encharge, **STORED_ENERGY,
    ),
    EnvoySensorEntityDescription[GatewayData](
        hardware=ENVOY, key="max_capacity", translation_key="max_capacity",
        value_fn=_aggregate("max_available_capacity_wh"), exists_fn=_has_encharge, **CAPACITY,
    ),
    EnvoySensorEntityDescription[GatewayData](
        hardware=ENVOY, key="acb_available_energy", translation_key="acb_available_energy",
        value_fn=lambda data: data.acb.charge_wh if data.acb is not None else None, exists_fn=_has_acb,
        **STORED_ENERGY,
    ),
    EnvoySensorEntityDescription[GatewayData](
        hardware=ENVOY, key="aggregated_soc", translation_key="aggregated_soc",
        value_fn=_combined("soc_percent"), exists_fn=_has_both_batteries, **BATTERY_LEVEL,
    ),
    EnvoySensorEntityDescription[GatewayData](
        hardware=ENVOY, key="aggregated_available_energy", translation_key="aggregated_available_energy",
        value_fn=_combined("available_energy_wh"), exists_fn=_has_both_batteries, **STORED_ENERGY,
    ),
    EnvoySensorEntityDescription[GatewayData](
        hardware=ENVOY, key="aggregated_max_battery_capacity", translation_key="aggregated_max_capacity",
        value_fn=_combined("max_available_capacity_wh"), exists_fn=_has_both_batteries, **CAPACITY,
    ),
)

ACB_STATE_OPTIONS = ["discharging", "idle", "charging", "full"]

ACB_GROUP_SENSORS: tuple[EnvoySensorEntityDescription[GatewayData], ...] = (
    EnvoySensorEntityDescription[GatewayData](
        hardware=ACB_GROUP, key="acb_power", value_fn=lambda data: _acb(data).power_w, **BATTERY_POWER,
    ),
    EnvoySensorEntityDescription[GatewayData](
        hardware=ACB_GROUP, key="acb_soc", value_fn=lambda data: _acb(data).soc_percent, **BATTERY_LEVEL,
    ),
    EnvoySensorEntityDescription[GatewayData](
        hardware=ACB_GROUP,
        key="acb_battery_state",
        translation_key="acb_battery_state",
        device_class=SensorDeviceClass.ENUM,
        options=ACB_STATE_OPTIONS,
        value_fn=lambda data: enum_value(_acb(data).state, ACB_STATE_OPTIONS),
    ),
)


def _acb(data: GatewayData) -> AcBatteries:
    assert data.acb is not None  # ACB_GROUP lists the group only while the Envoy reports it
    return data.acb


# ---------------------------------------------------------------------------------------------------------
# Per device: inverters, IQ batteries, Enpower, AC batteries, collar, C6 combiner.


def _detailed(inverter: Inverter, data: GatewayData) -> bool:
    return has(data, Feature.DETAILED_INVERTERS) or inverter.dc_voltage_v is not None


def _inverter_detail(key: str, field: str, **shape: Any) -> EnvoySensorEntityDescription[Inverter]:
    return EnvoySensorEntityDescription[Inverter](
        hardware=INVERTER,
        key=key,
        entity_registry_enabled_default=False,
        value_fn=lambda inverter: getattr(inverter, field),
        exists_fn=_detailed,
        **shape,
    )


INVERTER_SENSORS: tuple[EnvoySensorEntityDescription[Inverter], ...] = (
    EnvoySensorEntityDescription[Inverter](
        hardware=INVERTER,
        key=INVERTER_POWER_KEY,
        name=None,
        device_class=SensorDeviceClass.POWER,
        state_class=SensorStateClass.MEASUREMENT,
        native_unit_of_measurement=UnitOfPower.WATT,
        value_fn=lambda inverter: inverter.last_report_watts,
    ),
    _inverter_detail(
        "dc_voltage", "dc_voltage_v", translation_key="dc_voltage", device_class=SensorDeviceClass.VOLTAGE,
        state_class=SensorStateClass.MEASUREMENT, native_unit_of_measurement=UnitOfElectricPotential.VOLT,
        suggested_display_precision=3,
    ),
    _inverter_detail(
        "dc_current", "dc_current_a", translation_key="dc_current", device_class=SensorDeviceClass.CURRENT,
        state_class=SensorStateClass.MEASUREMENT, native_unit_of_measurement=UnitOfElectricCurrent.AMPERE,
        suggested_display_precision=3,
    ),
    _inverter_detail(
        "ac_voltage", "ac_voltage_v", translation_key="ac_voltage", device_class=SensorDeviceClass.VOLTAGE,
        state_class=SensorStateClass.MEASUREMENT, native_unit_of_measurement=UnitOfElectricPotential.VOLT,
        suggested_display_precision=3,
    ),
    _inverter_detail(
        "ac_current", "ac_current_a", translation_key="ac_current", device_class=SensorDeviceClass.CURRENT,
        state_class=SensorStateClass.MEASUREMENT, native_unit_of_measurement=UnitOfElectricCurrent.AMPERE,
        suggested_display_precision=3,
    ),
    _inverter_detail(
        "ac_frequency", "ac_frequency_hz", device_class=SensorDeviceClass.FREQUENCY,
        state_class=SensorStateClass.MEASUREMENT, native_unit_of_measurement=UnitOfFrequency.HERTZ,
        suggested_display_precision=3,
    ),
    _inverter_detail(
        "temperature", "temperature_c", entity_category=EntityCategory.DIAGNOSTIC,
        suggested_display_precision=3, **TEMPERATURE,
    ),
    _inverter_detail(
        "lifetime_energy", "lifetime_energy_wh", translation_key="lifetime_energy",
        device_class=SensorDeviceClass.ENERGY, state_class=SensorStateClass.TOTAL_INCREASING,
        native_unit_of_measurement=UnitOfEnergy.WATT_HOUR, suggested_unit_of_measurement=UnitOfEnergy.KILO_WATT_HOUR,
    ),
    _inverter_detail(
        "energy_today", "energy_today_wh", translation_key="energy_today", device_class=SensorDeviceClass.ENERGY,
        state_class=SensorStateClass.TOTAL_INCREASING, native_unit_of_measurement=UnitOfEnergy.WATT_HOUR,
    ),
    _inverter_detail(
        "last_report_duration", "last_report_duration_s", translation_key="last_report_duration",
        device_class=SensorDeviceClass.DURATION, state_class=SensorStateClass.MEASUREMENT,
        native_unit_of_measurement=UnitOfTime.SECONDS, entity_category=EntityCategory.DIAGNOSTIC,
    ),
    _inverter_detail(
        "energy_produced", "energy_produced_mwh", translation_key="energy_produced",
        device_class=SensorDeviceClass.ENERGY, state_class=SensorStateClass.TOTAL,
        native_unit_of_measurement=UnitOfEnergy.MILLIWATT_HOUR, suggested_display_precision=3,
    ),
    EnvoySensorEntityDescription[Inverter](
        hardware=INVERTER,
        key="max_reported",
        translation_key="max_reported",
        device_class=SensorDeviceClass.POWER,
        state_class=SensorStateClass.MEASUREMENT,
        native_unit_of_measurement=UnitOfPower.WATT,
        entity_category=EntityCategory.DIAGNOSTIC,
        entity_registry_enabled_default=False,
        value_fn=lambda inverter: inverter.max_report_watts,
    ),
    EnvoySensorEntityDescription[Inverter](
        hardware=INVERTER,
        key="last_reported",
        entity_registry_enabled_default=False,
        value_fn=lambda inverter: timestamp(inverter.last_report_date),
        **LAST_REPORTED,
    ),
)

ENCHARGE_SENSORS: tuple[EnvoySensorEntityDescription[EnchargeBattery], ...] = (
    EnvoySensorEntityDescription[EnchargeBattery](
        hardware=ENCHARGE,
        key="temperature",
        value_fn=lambda battery: battery.temperature,
        unit_fn=lambda battery: temperature_unit(battery.temperature_unit),
        **TEMPERATURE,
    ),
    EnvoySensorEntityDescription[EnchargeBattery](
        hardware=ENCHARGE, key="last_reported", value_fn=lambda battery: timestamp(battery.last_report_date),
        **LAST_REPORTED,
    ),
    EnvoySensorEntityDescription[EnchargeBattery](
        hardware=ENCHARGE, key="comm_level_2_4_ghz", translation_key="comm_level_2_4_ghz",
        value_fn=lambda battery: battery.comm_level_2_4_ghz, **SIGNAL_LEVEL,
    ),
    EnvoySensorEntityDescription[EnchargeBattery](
        hardware=ENCHARGE, key="comm_level_sub_ghz", translation_key="comm_level_sub_ghz",
        value_fn=lambda battery: battery.comm_level_sub_ghz, **SIGNAL_LEVEL,
    ),
    EnvoySensorEntityDescription[EnchargeBattery](
        hardware=ENCHARGE,
        key="soc",
        value_fn=lambda battery: battery.power_soc_percent if battery.power_soc_percent is not None
        else battery.soc_percent,
        **BATTERY_LEVEL,
    ),
    EnvoySensorEntityDescription[EnchargeBattery](
        hardware=ENCHARGE,
        key="apparent_power_mva",
        device_class=SensorDeviceClass.APPARENT_POWER,
        state_class=SensorStateClass.MEASUREMENT,
        native_unit_of_measurement=UnitOfApparentPower.VOLT_AMPERE,
        value_fn=lambda battery: battery.apparent_power_va,
    ),
    EnvoySensorEntityDescription[EnchargeBattery](
        hardware=ENCHARGE, key="real_power_mw", value_fn=lambda battery: battery.real_power_w, **BATTERY_POWER,
    ),
)

ENPOWER_SENSORS: tuple[EnvoySensorEntityDescription[Enpower], ...] = (
    EnvoySensorEntityDescription[Enpower](
        hardware=ENPOWER,
        key="temperature",
        value_fn=lambda enpower: enpower.temperature,
        unit_fn=lambda enpower: temperature_unit(enpower.temperature_unit or "F"),
        **{**TEMPERATURE, "native_unit_of_measurement": UnitOfTemperature.FAHRENHEIT},
    ),
    EnvoySensorEntityDescription[Enpower](
        hardware=ENPOWER, key="last_reported", value_fn=lambda enpower: timestamp(enpower.last_report_date),
        **LAST_REPORTED,
    ),
    EnvoySensorEntityDescription[Enpower](
        hardware=ENPOWER, key="comm_level_2_4_ghz", translation_key="comm_level_2_4_ghz",
        value_fn=lambda enpower: enpower.comm_level_2_4_ghz, **SIGNAL_LEVEL,
    ),
    EnvoySensorEntityDescription[Enpower](
        hardware=ENPOWER, key="comm_level_sub_ghz", translation_key="comm_level_sub_ghz",
        value_fn=lambda enpower: enpower.comm_level_sub_ghz, **SIGNAL_LEVEL,
    ),
)

ACB_CHARGE_OPTIONS = ["charging", "discharging", "idle"]
ACB_SLEEP_OPTIONS = ["awake", "going_to_sleep", "asleep", "waking"]


def acb_sleep_state(unit: AcbUnit) -> str | None:
    """Asleep once a unit asked to sleep is inside its sleep SoC window; going to sleep until then."""
    if unit.sleep_enabled is None:
        return None
    if not unit.sleep_enabled:
        return "awake"
    low, high, soc = unit.sleep_min_soc, unit.sleep_max_soc, unit.soc_percent
    if soc is not None and low is not None and high is not None and not low <= soc <= high:
        return "going_to_sleep"
    return "asleep"


def acb_sleep_target(unit: AcbUnit) -> str | None:
    if unit.sleep_min_soc is None or unit.sleep_max_soc is None:
        return None
    return f"{unit.sleep_min_soc:g}-{unit.sleep_max_soc:g} %"


def _not_an_inverter(unit: AcbUnit, data: GatewayData) -> bool:
    return unit.serial_num not in data.inverters


ACB_UNIT_SENSORS: tuple[EnvoySensorEntityDescription[AcbUnit], ...] = (
    # The two sensors core created for each AC battery it took for an inverter (unless it is still listed as one).
    EnvoySensorEntityDescription[AcbUnit](
        hardware=ACB_UNIT,
        key=INVERTER_POWER_KEY,
        name=None,
        value_fn=lambda unit: unit.last_report_watts,
        exists_fn=_not_an_inverter,
        object_id_fn=lambda serial: f"inverter_{serial}",
        **BATTERY_POWER,
    ),
    EnvoySensorEntityDescription[AcbUnit](
        hardware=ACB_UNIT,
        key="last_reported",
        entity_registry_enabled_default=False,
        value_fn=lambda unit: timestamp(unit.last_report_date),
        exists_fn=_not_an_inverter,
        object_id_fn=lambda serial: f"inverter_{serial}_last_reported",
        **LAST_REPORTED,
    ),
    EnvoySensorEntityDescription[AcbUnit](
        hardware=ACB_UNIT, key="acb_battery_soc", translation_key="acb_battery_soc",
        value_fn=lambda unit: unit.soc_percent, **BATTERY_LEVEL,
    ),
    EnvoySensorEntityDescription[AcbUnit](
        hardware=ACB_UNIT, key="acb_battery_power", value_fn=lambda unit: unit.last_report_watts, **BATTERY_POWER,
    ),
    EnvoySensorEntityDescription[AcbUnit](
        hardware=ACB_UNIT, key="acb_battery_temperature", entity_category=EntityCategory.DIAGNOSTIC,
        value_fn=lambda unit: unit.max_cell_temp_c, **TEMPERATURE,
    ),
    EnvoySensorEntityDescription[AcbUnit](
        hardware=ACB_UNIT,
        key="acb_battery_charge_status",
        translation_key="acb_battery_charge_status",
        device_class=SensorDeviceClass.ENUM,
        options=ACB_CHARGE_OPTIONS,
        value_fn=lambda unit: enum_value(unit.charge_status, ACB_CHARGE_OPTIONS),
    ),
    EnvoySensorEntityDescription[AcbUnit](
        hardware=ACB_UNIT, key="acb_battery_last_reported", entity_category=EntityCategory.DIAGNOSTIC,
        value_fn=lambda unit: timestamp(unit.last_report_date), **LAST_REPORTED,
    ),
    EnvoySensorEntityDescription[AcbUnit](
        hardware=ACB_UNIT, key="acb_battery_sleep_soc_target", translation_key="acb_battery_sleep_soc_target",
        entity_category=EntityCategory.DIAGNOSTIC, value_fn=acb_sleep_target,
    ),
    EnvoySensorEntityDescription[AcbUnit](
        hardware=ACB_UNIT,
        key="acb_battery_sleep_state",
        translation_key="acb_battery_sleep_state",
        device_class=SensorDeviceClass.ENUM,
        options=ACB_SLEEP_OPTIONS,
        value_fn=acb_sleep_state,
    ),
)

COLLAR_SENSORS: tuple[EnvoySensorEntityDescription[Collar], ...] = (
    EnvoySensorEntityDescription[Collar](
        hardware=COLLAR,
        key="temperature",
        value_fn=lambda collar: collar.temperature,
        unit_fn=lambda collar: temperature_unit(collar.temperature_unit),
        **TEMPERATURE,
    ),
    EnvoySensorEntityDescription[Collar](
        hardware=COLLAR, key="last_reported", value_fn=lambda collar: timestamp(collar.last_report_date),
        **LAST_REPORTED,
    ),
    EnvoySensorEntityDescription[Collar](
        hardware=COLLAR, key="grid_state", translation_key="grid_status", value_fn=lambda collar: collar.grid_state,
    ),
    EnvoySensorEntityDescription[Collar](
        hardware=COLLAR, key="admin_state_str", translation_key="admin_state",
        value_fn=lambda collar: collar.admin_state_str,
    ),
    EnvoySensorEntityDescription[Collar](
        hardware=COLLAR, key="mid_state", translation_key="mid_state", value_fn=lambda collar: collar.mid_state,
    ),
)

C6CC_SENSORS: tuple[EnvoySensorEntityDescription[C6Combiner], ...] = (
    EnvoySensorEntityDescription[C6Combiner](
        hardware=C6CC, key="last_reported", value_fn=lambda c6cc: timestamp(c6cc.last_report_date), **LAST_REPORTED,
    ),
)


def all_sensor_descriptions() -> tuple[EnvoySensorEntityDescription[Any], ...]:
    """Every sensor description, Envoy first (its device must exist before devices that name it as via)."""
    return (
        *energy_flow_sensors(),
        *ct_sensors(),
        *ENVOY_BATTERY_SENSORS,
        *INVERTER_SENSORS,
        *ENCHARGE_SENSORS,
        *ENPOWER_SENSORS,
        *ACB_GROUP_SENSORS,
        *ACB_UNIT_SENSORS,
        *COLLAR_SENSORS,
        *C6CC_SENSORS,
    )


class EnvoySensor(EnvoyEntity[T], SensorEntity):
    """A sensor reading one value of its hardware from the latest snapshot."""

    entity_description: EnvoySensorEntityDescription[T]

    def __init__(self, coordinator: EnvoyCoordinator, description: EnvoySensorEntityDescription[T], ident: str) -> None:
        super().__init__(coordinator, description, ident)
        if description.object_id_fn is not None:
            self.entity_id = f"sensor.{description.object_id_fn(ident)}"
        if description.unit_fn is not None and (item := self.item) is not None:
            self._attr_native_unit_of_measurement = description.unit_fn(item)

    @property
    def native_value(self) -> SensorValue:
        item = self.item
        return self.entity_description.value_fn(item) if item is not None else None


async def async_setup_entry(
    hass: HomeAssistant, entry: EnvoyConfigEntry, async_add_entities: AddConfigEntryEntitiesCallback
) -> None:
    """Add the sensors of the hardware the Envoy reports, now and whenever more appears; then those beyond core."""
    from .sensor_realtime import realtime_descriptions, sensor_factory

    realtime = entry.runtime_data.realtime
    descriptions = (*all_sensor_descriptions(), *(realtime_descriptions(realtime) if realtime is not None else ()))
    track_entities(entry, descriptions, sensor_factory(EnvoySensor, realtime), async_add_entities)
    await async_setup_beyond_sensors(hass, entry, async_add_entities)


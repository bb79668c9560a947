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
from typing import Any

from homeassistant.components.sensor import SensorEntity, SensorStateClass
from homeassistant.const import PERCENTAGE
from homeassistant.core import HomeAssistant
from homeassistant.helpers.entity_platform import AddConfigEntryEntitiesCallback

from iqgateway import PHASE_NAMES, EnergyReading, Feature, GatewayData

from .coordinator import EnvoyConfigEntry, EnvoyCoordinator
from .entity import (
    ENVOY,
    EnvoyEntity,
    ct_enabled,
    track_entities,
)
from .sensor_beyond import async_setup_beyond_sensors
from .sensor_common import (
    BATTERY_LEVEL,
    CAPACITY,
    CURRENT,
    ENERGY_LIFETIME,
    ENERGY_NET_LIFETIME,
    ENERGY_SEVEN_DAYS,
    ENERGY_TODAY,
    FREQUENCY,
    METERING_STATUS,
    METERING_STATUS_OPTIONS,
    POWER,
    POWER_FACTOR,
    STATUS_FLAGS,
    STORED_ENERGY,
    VOLTAGE,
    EnvoySensorEntityDescription,
    R,
    SensorValue,
    T,
    enum_value,
    has,
)
from .sensor_hardware import (
    ACB_GROUP_SENSORS,
    ACB_UNIT_SENSORS,
    C6CC_SENSORS,
    COLLAR_SENSORS,
    ENCHARGE_SENSORS,
    ENPOWER_SENSORS,
    INVERTER_SENSORS,
)
from .sensor_load import async_setup_load_sensors

# the coordinator reads the Envoy; sensors never ask it themselves
PARALLEL_UPDATES = 0

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
    async_setup_load_sensors(entry, async_add_entities)

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

from homeassistant.components.sensor import SensorEntity
from homeassistant.core import HomeAssistant
from homeassistant.helpers.entity_platform import AddConfigEntryEntitiesCallback

from iqgateway import PHASE_NAMES, EnergyReading, Feature, GatewayData

from .coordinator import EnvoyConfigEntry, EnvoyCoordinator
from .entity import (
    ENVOY,
    EnvoyEntity,
    track_entities,
)
from .sensor_battery import ENVOY_BATTERY_SENSORS
from .sensor_beyond import async_setup_beyond_sensors
from .sensor_common import (
    ENERGY_LIFETIME,
    ENERGY_NET_LIFETIME,
    ENERGY_SEVEN_DAYS,
    ENERGY_TODAY,
    POWER,
    EnvoySensorEntityDescription,
    SensorValue,
    T,
    has,
    phases_of,
)
from .sensor_ct import ct_sensors
from .sensor_daily import daily_sensors
from .sensor_hardware import (
    ACB_GROUP_SENSORS,
    ACB_UNIT_SENSORS,
    C6CC_SENSORS,
    COLLAR_SENSORS,
    ENCHARGE_SENSORS,
    ENPOWER_SENSORS,
    INVERTER_SENSORS,
)
from .sensor_installer import setup_installer_sensors
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


def all_sensor_descriptions() -> tuple[EnvoySensorEntityDescription[Any], ...]:
    """Every sensor description, Envoy first (its device must exist before devices that name it as via)."""
    return (
        *energy_flow_sensors(),
        *daily_sensors(),
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
    setup_installer_sensors(entry, async_add_entities, EnvoySensor)

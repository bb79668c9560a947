"""What every sensor description of this integration shares: the description class, value helpers and the
shapes (device class, state class, unit) of the recurring kinds of sensor."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any, TypeAlias, TypeVar

from homeassistant.components.sensor import (
    SensorDeviceClass,
    SensorEntityDescription,
    SensorStateClass,
)
from homeassistant.const import (
    PERCENTAGE,
    EntityCategory,
    UnitOfElectricCurrent,
    UnitOfElectricPotential,
    UnitOfEnergy,
    UnitOfFrequency,
    UnitOfPower,
    UnitOfTemperature,
)
from homeassistant.helpers.typing import StateType
from homeassistant.util import dt as dt_util

from iqgateway import EnergyReading, Feature, GatewayData, MeterReading

from .entity import (
    EnvoyEntityDescription,
)

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
ENERGY_TOTAL: Mapping[str, Any] = {  # a total counted here (derived energy)
    **ENERGY_TODAY,
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


def multi_phase(phases: Mapping[str, T] | None) -> Mapping[str, T]:
    """The per-phase part of a reading when it has more than one phase (a single phase repeats the total)."""
    return phases if phases and len(phases) > 1 else {}


def phases_of(reading: R | None) -> Mapping[str, R]:
    """The per-phase readings of a multi-phase reading (none for a single phase)."""
    return multi_phase(reading.phases if reading is not None else None)

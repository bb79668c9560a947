"""Sensors of the installer-grade reads and of device health.

- the grid profile in use (its id as an attribute), where the capability report says it can be read;
- each inverter's and Q-Relay's PLC signal level, only with the opt-in PLC check on;
- inverter health from device_data (conversion errors, yesterday's and last week's energy), where present;
- the Q-Relays (temperature, frequency, voltage per line, switch count);
- the PV production limit (`/ivp/sc/pvlimit`), where the firmware has it.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any, TypeVar

from homeassistant.components.sensor import (
    SensorDeviceClass,
    SensorEntity,
    SensorEntityDescription,
    SensorStateClass,
)
from homeassistant.const import PERCENTAGE, EntityCategory, UnitOfEnergy, UnitOfTime
from homeassistant.helpers.entity import Entity

from iqgateway import CapabilityName, GatewayData, Inverter, QRelay

from .coordinator import EnvoyConfigEntry, EnvoyCoordinator
from .entity import ENVOY, INVERTER, QRELAY, EnvoyEntityDescription, Hardware, track_entities
from .installer import CapabilityGate, GatedEntity, gated
from .sensor_common import (
    FREQUENCY,
    SIGNAL_LEVEL,
    TEMPERATURE,
    VOLTAGE,
    EnvoySensorEntityDescription,
    SensorValue,
)

T = TypeVar("T")


@dataclass(frozen=True, kw_only=True)
class InstallerSensorEntityDescription(SensorEntityDescription, EnvoyEntityDescription[T], CapabilityGate):
    """A sensor of an installer-grade read: (snapshot, item id) -> state, and its attributes."""

    value_fn: Callable[[GatewayData, str], SensorValue]
    attributes_fn: Callable[[GatewayData], Mapping[str, Any]] | None = None


class InstallerSensor(GatedEntity[T], SensorEntity):
    entity_description: InstallerSensorEntityDescription[T]

    @property
    def native_value(self) -> SensorValue:
        return self.entity_description.value_fn(self.coordinator.data, self._ident)

    @property
    def extra_state_attributes(self) -> Mapping[str, Any] | None:
        attributes_fn = self.entity_description.attributes_fn
        return attributes_fn(self.coordinator.data) if attributes_fn is not None else None


def _plc_level(data: GatewayData, ident: str) -> int | None:
    return data.plc_levels.get(ident) if data.plc_levels is not None else None


def _plc(hardware: Hardware[T]) -> InstallerSensorEntityDescription[T]:
    return InstallerSensorEntityDescription[T](
        hardware=hardware,
        key="plc_signal_level",
        translation_key="plc_signal_level",
        capability=CapabilityName.PLC_SIGNAL_CHECK,
        needs_plc_check=True,
        value_fn=_plc_level,
        state_class=SIGNAL_LEVEL["state_class"],
        entity_category=SIGNAL_LEVEL["entity_category"],
    )


INSTALLER_SENSORS: tuple[InstallerSensorEntityDescription[Any], ...] = (
    InstallerSensorEntityDescription[GatewayData](
        hardware=ENVOY,
        key="grid_profile",
        translation_key="grid_profile",
        capability=CapabilityName.GRID_PROFILE,
        entity_category=EntityCategory.DIAGNOSTIC,
        value_fn=lambda data, ident: data.grid_profile.selected_name if data.grid_profile is not None else None,
        attributes_fn=lambda data: {
            "profile_id": data.grid_profile.selected_id if data.grid_profile is not None else None
        },
    ),
    _plc(INVERTER),
    _plc(QRELAY),
)


def _inverter_health(key: str, field: str, **shape: Any) -> EnvoySensorEntityDescription[Inverter]:
    return EnvoySensorEntityDescription[Inverter](
        hardware=INVERTER,
        key=key,
        translation_key=key,
        entity_registry_enabled_default=False,
        value_fn=lambda inverter: getattr(inverter, field),
        exists_fn=lambda inverter, data: getattr(inverter, field) is not None,
        **shape,
    )


def _q_relay(key: str, field: str, **shape: Any) -> EnvoySensorEntityDescription[QRelay]:
    return EnvoySensorEntityDescription[QRelay](
        hardware=QRELAY,
        key=key,
        value_fn=lambda relay: getattr(relay, field),
        exists_fn=lambda relay, data: getattr(relay, field) is not None,
        **shape,
    )


ENERGY_PAST: Mapping[str, Any] = {
    "device_class": SensorDeviceClass.ENERGY,
    "native_unit_of_measurement": UnitOfEnergy.WATT_HOUR,
    "suggested_unit_of_measurement": UnitOfEnergy.KILO_WATT_HOUR,
    "suggested_display_precision": 3,
}

HEALTH_SENSORS: tuple[EnvoySensorEntityDescription[Any], ...] = (
    _inverter_health(
        "conversion_error_time", "conversion_error_s", device_class=SensorDeviceClass.DURATION,
        state_class=SensorStateClass.MEASUREMENT, native_unit_of_measurement=UnitOfTime.SECONDS,
        entity_category=EntityCategory.DIAGNOSTIC,
    ),
    _inverter_health(
        "conversion_max_error_cycles", "conversion_max_error_cycles", state_class=SensorStateClass.MEASUREMENT,
        entity_category=EntityCategory.DIAGNOSTIC,
    ),
    _inverter_health("energy_yesterday", "energy_yesterday_wh", **ENERGY_PAST),
    _inverter_health("energy_last_week", "energy_last_week_wh", **ENERGY_PAST),
    _q_relay("temperature", "temperature_c", entity_category=EntityCategory.DIAGNOSTIC, **TEMPERATURE),
    _q_relay("frequency", "frequency_hz", **FREQUENCY),
    *(
        _q_relay(f"voltage_l{line}", f"voltage_l{line}_v", translation_key=f"voltage_l{line}", **VOLTAGE)
        for line in (1, 2, 3)
    ),
    _q_relay(
        "switch_count", "switch_count", translation_key="relay_switch_count",
        state_class=SensorStateClass.TOTAL_INCREASING, entity_category=EntityCategory.DIAGNOSTIC,
    ),
    EnvoySensorEntityDescription[GatewayData](
        hardware=ENVOY,
        key="pv_limit",
        translation_key="pv_limit",
        native_unit_of_measurement=PERCENTAGE,
        entity_category=EntityCategory.DIAGNOSTIC,
        entity_registry_enabled_default=False,
        value_fn=lambda data: data.pv_limit.limit_percent if data.pv_limit is not None else None,
        exists_fn=lambda item, data: data.pv_limit is not None,
    ),
)


def setup_installer_sensors(
    entry: EnvoyConfigEntry,
    add_entities: Callable[[list[Entity]], None],
    sensor: Callable[[EnvoyCoordinator, Any, str], Entity],
) -> None:
    """Add the installer-grade sensors the report allows and the health sensors (`sensor`: the plain class)."""
    track_entities(entry, gated(entry.runtime_data, INSTALLER_SENSORS), InstallerSensor, add_entities)
    track_entities(entry, HEALTH_SENSORS, sensor, add_entities)

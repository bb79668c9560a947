"""Diagnostic sensors of the device load, per endpoint the updates read (disabled by default).

Latency of the last answer and its 95th percentile over the last hundred, failures in the last hour,
and the interval the endpoint is read at now (stretched while it answers slowly): the figures of
`Gateway.load_report()`, which the load policy (iqgateway.policy) acts on.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from homeassistant.components.sensor import SensorDeviceClass, SensorEntity, SensorEntityDescription, SensorStateClass
from homeassistant.const import EntityCategory, UnitOfTime
from homeassistant.helpers.entity_platform import AddConfigEntryEntitiesCallback
from homeassistant.helpers.update_coordinator import CoordinatorEntity

from .coordinator import EnvoyConfigEntry, EnvoyCoordinator
from .entity import envoy_device


@dataclass(frozen=True, kw_only=True)
class LoadSensorEntityDescription(SensorEntityDescription):
    """One figure of an endpoint's entry in the load report."""

    field: str


SECONDS: Mapping[str, Any] = {
    "device_class": SensorDeviceClass.DURATION,
    "native_unit_of_measurement": UnitOfTime.SECONDS,
    "state_class": SensorStateClass.MEASUREMENT,
    "suggested_display_precision": 2,
}
LOAD_SENSORS: tuple[LoadSensorEntityDescription, ...] = (
    LoadSensorEntityDescription(key="latency", translation_key="endpoint_latency", field="latency_last_s",
                                **SECONDS),
    LoadSensorEntityDescription(key="latency_p95", translation_key="endpoint_latency_p95", field="latency_p95_s",
                                **SECONDS),
    LoadSensorEntityDescription(key="failures", translation_key="endpoint_failures", field="failures_per_hour",
                                state_class=SensorStateClass.MEASUREMENT, native_unit_of_measurement="failures/h"),
    LoadSensorEntityDescription(key="interval", translation_key="endpoint_interval", field="interval_s",
                                **{**SECONDS, "suggested_display_precision": 0}),
)


def endpoint_slug(path: str) -> str:
    """`/production.json?details=1` -> `production_json_details_1` (for unique IDs)."""
    return re.sub(r"[^a-z0-9]+", "_", path.lower()).strip("_")


class LoadSensor(CoordinatorEntity[EnvoyCoordinator], SensorEntity):
    """One figure of one endpoint, refreshed with every update."""

    _attr_has_entity_name = True
    _attr_entity_category = EntityCategory.DIAGNOSTIC
    _attr_entity_registry_enabled_default = False
    entity_description: LoadSensorEntityDescription

    def __init__(self, coordinator: EnvoyCoordinator, description: LoadSensorEntityDescription, path: str) -> None:
        super().__init__(coordinator)
        self.entity_description = description
        self._path = path
        serial = coordinator.data.info.serial
        self._attr_unique_id = f"{serial}_load_{endpoint_slug(path)}_{description.key}"
        self._attr_translation_placeholders = {"endpoint": path}
        self._attr_device_info = envoy_device(coordinator.config_entry.title, coordinator.data)

    @property
    def native_value(self) -> float | None:
        entry = self.coordinator.gateway.load_report()["endpoints"].get(self._path)
        if entry is None:
            return 0 if self.entity_description.field == "failures_per_hour" else None
        value = entry.get(self.entity_description.field)
        return None if value is None else float(value)


def async_setup_load_sensors(entry: EnvoyConfigEntry, async_add_entities: AddConfigEntryEntitiesCallback) -> None:
    """The load sensors of every endpoint the updates read (from the probe)."""
    coordinator = entry.runtime_data
    features = coordinator.gateway.features
    if features is None:
        return
    async_add_entities(
        LoadSensor(coordinator, description, path) for path in features.endpoints for description in LOAD_SENSORS
    )

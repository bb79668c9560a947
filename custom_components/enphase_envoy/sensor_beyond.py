"""Sensors beyond core's integration: derived grid and battery energy, and live power.

- Grid energy imported/exported (total and per phase) for installations with a total-consumption CT and
  no net-consumption CT: derived from the steps of the balanced net lifetime counter.
- Battery energy charged/discharged for batteries without a storage CT: integrated from their power.
  Both are energy-dashboard ready (total_increasing), restored across restarts (the accumulator's state is
  the sensor's extra restore data) and say in their `description` attribute how they are derived.
- Live power flows (solar, grid, battery, load, per phase where present) when the live power option is on
  and the Envoy has live data. Signs as the Envoy gives them: grid negative = exporting, battery
  negative = charging.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

from homeassistant.components.sensor import (
    SensorEntity,
    SensorEntityDescription,
)
from homeassistant.core import HomeAssistant, callback
from homeassistant.helpers.entity import Entity
from homeassistant.helpers.entity_platform import AddConfigEntryEntitiesCallback
from homeassistant.helpers.restore_state import RestoreEntity
from homeassistant.helpers.update_coordinator import CoordinatorEntity

from iqgateway import (
    PHASE_NAMES,
    BatteryEnergy,
    Feature,
    GatewayData,
    GridEnergy,
    GridEnergyTotals,
    LiveData,
    LiveMeter,
    balanced_net_reading,
    battery_power,
)

from .coordinator import EnvoyConfigEntry, EnvoyCoordinator
from .derived_energy import DerivedEnergy, DerivedTotals, SavedTotals
from .entity import ENVOY, EnvoyEntity, EnvoyEntityDescription, ct_enabled, envoy_device, track_entities
from .live import LivePowerCoordinator
from .sensor_common import ENERGY_TOTAL as ENERGY
from .sensor_common import POWER, multi_phase

# ---------------------------------------------------------------------------------------------------------
# Derived energy: grid import/export, battery charged/discharged.


@dataclass(frozen=True, kw_only=True)
class DerivedEnergySensorEntityDescription(SensorEntityDescription, EnvoyEntityDescription[GatewayData]):
    """A derived energy total of the Envoy: `totals_fn` picks its accumulator, `value_fn` reads the value."""

    totals_fn: Callable[[DerivedEnergy], DerivedTotals[Any]]
    value_fn: Callable[[DerivedEnergy], float | None]


def grid_energy_exists(item: GatewayData, data: GatewayData) -> bool:
    """A total-consumption CT and no net-consumption CT: no import/export counters, a balanced net counter."""
    return (
        ct_enabled(data, "total-consumption")
        and not ct_enabled(data, "net-consumption")
        and balanced_net_reading(data) is not None
    )


def _grid_phase_exists(phase: str) -> Callable[[GatewayData, GatewayData], bool]:
    def exists(item: GatewayData, data: GatewayData) -> bool:
        reading = balanced_net_reading(data)
        return grid_energy_exists(item, data) and reading is not None and phase in multi_phase(reading.phases)

    return exists


def _grid_value(field: str, phase: str | None) -> Callable[[DerivedEnergy], float | None]:
    def value(derived: DerivedEnergy) -> float | None:
        energy: GridEnergy | None = derived.grid.accumulator
        if energy is None:
            return None
        totals: GridEnergyTotals | None = energy.total if phase is None else energy.phases.get(phase)
        return None if totals is None else float(getattr(totals, field))

    return value


def grid_energy_sensors() -> Iterator[DerivedEnergySensorEntityDescription]:
    for key, field in (("grid_energy_imported", "imported_wh"), ("grid_energy_exported", "exported_wh")):
        for phase in (None, *PHASE_NAMES):
            yield DerivedEnergySensorEntityDescription(
                hardware=ENVOY,
                key=key if phase is None else f"{key}_{phase.lower()}",
                translation_key=key if phase is None else f"{key}_phase",
                translation_placeholders=None if phase is None else {"phase_name": phase.lower()},
                entity_registry_enabled_default=phase is None,
                totals_fn=lambda derived: derived.grid,
                value_fn=_grid_value(field, phase),
                exists_fn=grid_energy_exists if phase is None else _grid_phase_exists(phase),
                **ENERGY,
            )


def battery_energy_exists(item: GatewayData, data: GatewayData) -> bool:
    """Batteries that report their power, and no storage CT counting their energy."""
    return battery_power(data) is not None and not ct_enabled(data, "storage")


def _battery_value(field: str) -> Callable[[DerivedEnergy], float | None]:
    def value(derived: DerivedEnergy) -> float | None:
        energy: BatteryEnergy | None = derived.battery.accumulator
        return None if energy is None else getattr(energy, field)

    return value


BATTERY_ENERGY_SENSORS: tuple[DerivedEnergySensorEntityDescription, ...] = tuple(
    DerivedEnergySensorEntityDescription(
        hardware=ENVOY,
        key=key,
        translation_key=key,
        totals_fn=lambda derived: derived.battery,
        value_fn=_battery_value(field),
        exists_fn=battery_energy_exists,
        **ENERGY,
    )
    for key, field in (("battery_energy_charged", "charged_wh"), ("battery_energy_discharged", "discharged_wh"))
)


def derived_energy_sensors() -> tuple[DerivedEnergySensorEntityDescription, ...]:
    return (*grid_energy_sensors(), *BATTERY_ENERGY_SENSORS)


class DerivedEnergySensor(EnvoyEntity[GatewayData], RestoreEntity, SensorEntity):
    """A derived energy total: restored at start, fed every new snapshot, never stepping back."""

    entity_description: DerivedEnergySensorEntityDescription

    def __init__(
        self, coordinator: EnvoyCoordinator, description: DerivedEnergySensorEntityDescription, ident: str
    ) -> None:
        super().__init__(coordinator, description, ident)

    @property
    def _totals(self) -> DerivedTotals[Any]:
        return self.entity_description.totals_fn(self.coordinator.derived)

    async def async_added_to_hass(self) -> None:
        # the coordinator feeds the totals; an entry from before their Store continues from the sensor's data
        saved = await self.async_get_last_extra_data()
        if saved is not None:
            self._totals.restore(saved.as_dict())
        await super().async_added_to_hass()

    @property
    def native_value(self) -> float | None:
        return self.entity_description.value_fn(self.coordinator.derived)

    @property
    def extra_state_attributes(self) -> dict[str, Any] | None:
        accumulator = self._totals.accumulator
        return None if accumulator is None else {"description": accumulator.description}

    @property
    def extra_restore_state_data(self) -> SavedTotals | None:
        state = self._totals.to_state()
        return None if state is None else SavedTotals(state)


# ---------------------------------------------------------------------------------------------------------
# Live power.


@dataclass(frozen=True, kw_only=True)
class LivePowerSensorEntityDescription(SensorEntityDescription):
    """A live power flow: `value_fn` reads it from the live data, `exists_fn` says whether the Envoy has it."""

    value_fn: Callable[[LiveData], float | None]
    exists_fn: Callable[[LiveData, GatewayData], bool]


@dataclass(frozen=True)
class LiveFlow:
    name: str  # in keys and translation keys: live_<name>_power
    meter: Callable[[LiveData], LiveMeter | None]
    exists: Callable[[GatewayData], bool] = lambda data: True


def _has_batteries(data: GatewayData) -> bool:
    names = data.features.names
    return bool(data.encharge) or data.acb is not None or Feature.ENCHARGE in names or Feature.ACB in names


LIVE_FLOWS = (
    LiveFlow("solar", lambda live: live.pv),
    LiveFlow("grid", lambda live: live.grid),
    LiveFlow("battery", lambda live: live.storage, _has_batteries),
    LiveFlow("load", lambda live: live.load),
)


def _live_value(flow: LiveFlow, phase: str | None) -> Callable[[LiveData], float | None]:
    def value(live: LiveData) -> float | None:
        meter = flow.meter(live)
        if meter is None:
            return None
        if phase is None:
            return meter.power_w
        reading = multi_phase(meter.phases).get(phase)
        return None if reading is None else reading.power_w

    return value


def _live_exists(flow: LiveFlow, phase: str | None) -> Callable[[LiveData, GatewayData], bool]:
    def exists(live: LiveData, data: GatewayData) -> bool:
        meter = flow.meter(live)
        if meter is None or not flow.exists(data):
            return False
        return phase is None or phase in multi_phase(meter.phases)

    return exists


def live_power_sensors() -> Iterator[LivePowerSensorEntityDescription]:
    for flow in LIVE_FLOWS:
        for phase in (None, *PHASE_NAMES):
            key = f"live_{flow.name}_power"
            yield LivePowerSensorEntityDescription(
                key=key if phase is None else f"{key}_{phase.lower()}",
                translation_key=key if phase is None else f"{key}_phase",
                translation_placeholders=None if phase is None else {"phase_name": phase.lower()},
                entity_registry_enabled_default=phase is None,
                value_fn=_live_value(flow, phase),
                exists_fn=_live_exists(flow, phase),
                **POWER,
            )


class LivePowerSensor(CoordinatorEntity[LivePowerCoordinator], SensorEntity):
    """One live power flow of the Envoy, refreshed with every live poll."""

    _attr_has_entity_name = True
    entity_description: LivePowerSensorEntityDescription

    def __init__(
        self, live: LivePowerCoordinator, description: LivePowerSensorEntityDescription, envoy: EnvoyCoordinator
    ) -> None:
        super().__init__(live)
        self.entity_description = description
        data = envoy.data
        self._attr_unique_id = f"{data.info.serial}_{description.key}"
        self._attr_device_info = envoy_device(envoy.config_entry.title, data)

    @property
    def native_value(self) -> float | None:
        live: LiveData | None = self.coordinator.data
        return None if live is None else self.entity_description.value_fn(live)


def track_live_entities(
    entry: EnvoyConfigEntry, live: LivePowerCoordinator, add_entities: Callable[[list[Entity]], None]
) -> None:
    """Add the live power sensors of the flows the Envoy reports, now and when a later poll brings more."""
    envoy = entry.runtime_data
    descriptions = tuple(live_power_sensors())
    known: set[str] = set()

    @callback
    def add_new() -> None:
        data: LiveData | None = live.data  # None until a first poll worked
        if data is None:
            return
        new: list[Entity] = []
        for description in descriptions:
            if description.key in known or not description.exists_fn(data, envoy.data):
                continue
            known.add(description.key)
            new.append(LivePowerSensor(live, description, envoy))
        if new:
            add_entities(new)

    add_new()
    entry.async_on_unload(live.async_add_listener(add_new))


def beyond_sensor_descriptions() -> tuple[SensorEntityDescription, ...]:
    """Every description of this module (each has a translation key in strings.json)."""
    return (*derived_energy_sensors(), *live_power_sensors())


async def async_setup_beyond_sensors(
    hass: HomeAssistant, entry: EnvoyConfigEntry, async_add_entities: AddConfigEntryEntitiesCallback
) -> None:
    """Add the derived energy sensors where they belong, and the live power ones when the option is on."""
    track_entities(entry, derived_energy_sensors(), DerivedEnergySensor, async_add_entities)
    live = entry.runtime_data.live
    if live is not None:
        track_live_entities(entry, live, async_add_entities)

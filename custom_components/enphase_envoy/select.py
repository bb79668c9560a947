"""Selects: the battery storage mode, each relay's mode and actions, the generator mode."""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass
from typing import Any, TypeVar

from homeassistant.components.select import SelectEntity, SelectEntityDescription
from homeassistant.const import EntityCategory
from homeassistant.core import HomeAssistant
from homeassistant.helpers.entity_platform import AddConfigEntryEntitiesCallback

from iqgateway import DryContact, Feature, Gateway, GatewayData, StorageMode

from .acb import SLEEP_BANDS, has_units
from .coordinator import EnvoyConfigEntry
from .entity import (
    ACB_GROUP,
    RELAY,
    STORAGE,
    EnvoyEntity,
    EnvoyEntityDescription,
    storage_controls_exist,
    track_entities,
)
from .select_installer import DpelModeSelect, GridProfileSelect, installer_selects

T = TypeVar("T")

# one change at a time: each writes to the Envoy and reads it back
PARALLEL_UPDATES = 1


@dataclass(frozen=True, kw_only=True)
class EnvoySelectEntityDescription(SelectEntityDescription, EnvoyEntityDescription[T]):
    """A select whose options are the HA names of the device's values (`device_values`: option -> value)."""

    device_values: Mapping[str, str]
    value_fn: Callable[[T], str | None]  # the device's value
    # (gateway, item id, device value) -> the new snapshot
    select_fn: Callable[[Gateway, str, str], Awaitable[GatewayData]]


STORAGE_MODES: Mapping[str, str] = {
    "backup": StorageMode.BACKUP,
    "self_consumption": StorageMode.SELF_CONSUMPTION,
    "savings": StorageMode.ECONOMY,
}
RELAY_MODES: Mapping[str, str] = {"standard": "manual", "battery": "soc"}
RELAY_ACTIONS: Mapping[str, str] = {"powered": "apply", "not_powered": "shed", "schedule": "schedule", "none": "none"}
GENERATOR_MODES: Mapping[str, str] = {"on": "on", "off": "off", "auto": "auto"}


def _storage_mode(data: GatewayData) -> str | None:
    return data.storage_settings.mode if data.storage_settings is not None else None


def _generator_mode(data: GatewayData) -> str | None:
    mode = data.generator.mode if data.generator is not None else None
    value = (mode or {}).get("gen_cmd")
    return value if isinstance(value, str) else None


def _has_generator(item: GatewayData, data: GatewayData) -> bool:
    generator = data.generator
    if generator is not None and generator.state is not None and generator.state.present is not None:
        return generator.state.present
    return Feature.GENERATOR in data.features.names


def relay_action(key: str, translation_key: str, field: str) -> EnvoySelectEntityDescription[DryContact]:
    return EnvoySelectEntityDescription[DryContact](
        hardware=RELAY,
        key=key,
        translation_key=translation_key,
        options=list(RELAY_ACTIONS),
        device_values=RELAY_ACTIONS,
        value_fn=lambda relay: getattr(relay, field),
        select_fn=lambda gateway, ident, value: gateway.update_relay_settings(ident, **{field: value}),
    )


SELECTS: tuple[EnvoySelectEntityDescription[Any], ...] = (
    EnvoySelectEntityDescription[GatewayData](
        hardware=STORAGE,
        key="storage_mode",
        translation_key="storage_mode",
        options=list(STORAGE_MODES),
        device_values=STORAGE_MODES,
        value_fn=_storage_mode,
        select_fn=lambda gateway, ident, value: gateway.set_storage_mode(StorageMode(value)),
        exists_fn=storage_controls_exist,
    ),
    EnvoySelectEntityDescription[DryContact](
        hardware=RELAY,
        key="mode",
        translation_key="relay_mode",
        options=list(RELAY_MODES),
        device_values=RELAY_MODES,
        value_fn=lambda relay: relay.mode,
        select_fn=lambda gateway, ident, value: gateway.update_relay_settings(ident, mode=value),
    ),
    relay_action("grid_action", "relay_grid_action", "grid_action"),
    relay_action("microgrid_action", "relay_microgrid_action", "micro_grid_action"),
    relay_action("generator_action", "relay_generator_action", "generator_action"),
    EnvoySelectEntityDescription[GatewayData](
        hardware=STORAGE,
        key="generator_mode",
        translation_key="generator_mode",
        options=list(GENERATOR_MODES),
        device_values=GENERATOR_MODES,
        value_fn=_generator_mode,
        select_fn=lambda gateway, ident, value: gateway.set_generator_mode(value),
        exists_fn=_has_generator,
    ),
)


class EnvoySelect(EnvoyEntity[T], SelectEntity):
    entity_description: EnvoySelectEntityDescription[T]

    @property
    def current_option(self) -> str | None:
        item = self.item
        if item is None:
            return None
        value = self.entity_description.value_fn(item)
        options = self.entity_description.device_values.items()
        return next((option for option, device in options if device == value), None)

    async def async_select_option(self, option: str) -> None:
        value = self.entity_description.device_values[option]
        select_fn = self.entity_description.select_fn
        await self.control("change", lambda gateway: select_fn(gateway, self._ident, value))


@dataclass(frozen=True, kw_only=True)
class SleepBandSelectEntityDescription(SelectEntityDescription, EnvoyEntityDescription[GatewayData]):
    """The AC batteries' sleep SoC band: kept by the integration, sent by the sleep buttons."""


SLEEP_BAND = SleepBandSelectEntityDescription(
    hardware=ACB_GROUP,
    key="acb_sleep_soc",
    translation_key="acb_sleep_soc",
    entity_category=EntityCategory.CONFIG,
    options=SLEEP_BANDS,
    exists_fn=has_units,
)


class SleepBandSelect(EnvoyEntity[GatewayData], SelectEntity):
    entity_description: SleepBandSelectEntityDescription

    @property
    def current_option(self) -> str:
        return self.coordinator.acb_sleep_band

    async def async_select_option(self, option: str) -> None:
        self.coordinator.picked_sleep_band = option
        self.async_write_ha_state()


async def async_setup_entry(
    hass: HomeAssistant, entry: EnvoyConfigEntry, async_add_entities: AddConfigEntryEntitiesCallback
) -> None:
    """Add the selects of the hardware the Envoy reports, now and whenever more appears."""
    track_entities(entry, SELECTS, EnvoySelect, async_add_entities)
    track_entities(entry, (SLEEP_BAND,), SleepBandSelect, async_add_entities)
    dpel_modes, grid_profiles = installer_selects(entry)
    track_entities(entry, dpel_modes, DpelModeSelect, async_add_entities)
    track_entities(entry, grid_profiles, GridProfileSelect, async_add_entities)

"""Numbers: the battery reserve and each relay's cutoff and restore battery levels."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any, TypeVar

from homeassistant.components.number import NumberDeviceClass, NumberEntity, NumberEntityDescription
from homeassistant.const import PERCENTAGE, EntityCategory
from homeassistant.core import HomeAssistant
from homeassistant.helpers.entity_platform import AddConfigEntryEntitiesCallback

from iqgateway import DryContact, Gateway, GatewayData

from .coordinator import EnvoyConfigEntry
from .entity import RELAY, STORAGE, EnvoyEntity, EnvoyEntityDescription, storage_controls_exist, track_entities
from .number_installer import DpelNumber, dpel_numbers

T = TypeVar("T")

# one change at a time: each writes to the Envoy and reads it back
PARALLEL_UPDATES = 1


@dataclass(frozen=True, kw_only=True)
class EnvoyNumberEntityDescription(NumberEntityDescription, EnvoyEntityDescription[T]):
    value_fn: Callable[[T], float | None]
    # (gateway, item id, value) -> the new snapshot
    set_fn: Callable[[Gateway, str, float], Awaitable[GatewayData]]


def _reserve(data: GatewayData) -> float | None:
    return data.storage_settings.reserve_soc_percent if data.storage_settings is not None else None


NUMBERS: tuple[EnvoyNumberEntityDescription[Any], ...] = (
    EnvoyNumberEntityDescription[GatewayData](
        hardware=STORAGE,
        key="reserve_soc",
        translation_key="reserve_soc",
        device_class=NumberDeviceClass.BATTERY,
        native_unit_of_measurement=PERCENTAGE,
        native_min_value=0,
        native_max_value=100,
        native_step=1,
        value_fn=_reserve,
        set_fn=lambda gateway, ident, value: gateway.set_reserve_soc(value),
        exists_fn=storage_controls_exist,
    ),
    EnvoyNumberEntityDescription[DryContact](
        hardware=RELAY,
        key="soc_low",
        translation_key="cutoff_battery_level",
        device_class=NumberDeviceClass.BATTERY,
        entity_category=EntityCategory.CONFIG,
        native_min_value=0,
        native_max_value=100,
        native_step=1,
        value_fn=lambda relay: relay.soc_low,
        set_fn=lambda gateway, ident, value: gateway.update_relay_settings(ident, soc_low=int(value)),
    ),
    EnvoyNumberEntityDescription[DryContact](
        hardware=RELAY,
        key="soc_high",
        translation_key="restore_battery_level",
        device_class=NumberDeviceClass.BATTERY,
        entity_category=EntityCategory.CONFIG,
        native_min_value=0,
        native_max_value=100,
        native_step=1,
        value_fn=lambda relay: relay.soc_high,
        set_fn=lambda gateway, ident, value: gateway.update_relay_settings(ident, soc_high=int(value)),
    ),
)


class EnvoyNumber(EnvoyEntity[T], NumberEntity):
    entity_description: EnvoyNumberEntityDescription[T]

    @property
    def native_value(self) -> float | None:
        item = self.item
        return self.entity_description.value_fn(item) if item is not None else None

    async def async_set_native_value(self, value: float) -> None:
        set_fn = self.entity_description.set_fn
        await self.control("set", lambda gateway: set_fn(gateway, self._ident, value))


async def async_setup_entry(
    hass: HomeAssistant, entry: EnvoyConfigEntry, async_add_entities: AddConfigEntryEntitiesCallback
) -> None:
    """Add the numbers of the hardware the Envoy reports, now and whenever more appears."""
    track_entities(entry, NUMBERS, EnvoyNumber, async_add_entities)
    track_entities(entry, dpel_numbers(entry), DpelNumber, async_add_entities)

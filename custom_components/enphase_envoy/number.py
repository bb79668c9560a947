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


def _relay_level(field: str) -> Callable[[DryContact], float | None]:
    def value(relay: DryContact) -> float | None:
        level: float | None = getattr(relay, field)
        return level

    return value


def _set_relay_level(field: str) -> Callable[[Gateway, str, float], Awaitable[GatewayData]]:
    def change(gateway: Gateway, ident: str, value: float) -> Awaitable[GatewayData]:
        return gateway.update_relay_settings(ident, **{field: int(value)})

    return change


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
    *(
        EnvoyNumberEntityDescription[DryContact](
            hardware=RELAY,
            key=field,
            translation_key=translation_key,
            device_class=NumberDeviceClass.BATTERY,
            entity_category=EntityCategory.CONFIG,
            native_min_value=0,
            native_max_value=100,
            native_step=1,
            value_fn=_relay_level(field),
            set_fn=_set_relay_level(field),
        )
        # each relay's battery levels: (DryContact field = its settings key, translation key)
        for field, translation_key in (("soc_low", "cutoff_battery_level"), ("soc_high", "restore_battery_level"))
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

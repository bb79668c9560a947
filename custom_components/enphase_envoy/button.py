"""Buttons: put the AC batteries to sleep or wake them, all of them (as core) or one at a time.

Sleeping uses the band picked with the AC battery group's sleep SoC select (acb.py).
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any, TypeVar

from homeassistant.components.button import ButtonEntity, ButtonEntityDescription
from homeassistant.core import HomeAssistant
from homeassistant.helpers.entity_platform import AddConfigEntryEntitiesCallback

from iqgateway import AcbUnit, Gateway, GatewayData

from .acb import band_bounds, has_units, sleep_all, wake_all
from .coordinator import EnvoyConfigEntry
from .entity import ACB_GROUP, ACB_UNIT, EnvoyEntity, EnvoyEntityDescription, track_entities

T = TypeVar("T")

# one change at a time: each writes to the Envoy and reads it back
PARALLEL_UPDATES = 1


@dataclass(frozen=True, kw_only=True)
class EnvoyButtonEntityDescription(ButtonEntityDescription, EnvoyEntityDescription[T]):
    # (gateway, item, the selected sleep band) -> the snapshot read back
    press_fn: Callable[[Gateway, T, str], Awaitable[GatewayData]]


def _sleep_unit(gateway: Gateway, unit: AcbUnit, band: str) -> Awaitable[GatewayData]:
    low, high = band_bounds(band)
    return gateway.acb_sleep(unit.serial_num, low, high)


BUTTONS: tuple[EnvoyButtonEntityDescription[Any], ...] = (
    EnvoyButtonEntityDescription[GatewayData](
        hardware=ACB_GROUP, key="acb_sleep", translation_key="acb_sleep", exists_fn=has_units, press_fn=sleep_all,
    ),
    EnvoyButtonEntityDescription[GatewayData](
        hardware=ACB_GROUP,
        key="acb_wake",
        translation_key="acb_wake",
        exists_fn=has_units,
        press_fn=lambda gateway, data, band: wake_all(gateway, data),
    ),
    EnvoyButtonEntityDescription[AcbUnit](
        hardware=ACB_UNIT, key="acb_sleep", translation_key="acb_sleep", press_fn=_sleep_unit,
    ),
    EnvoyButtonEntityDescription[AcbUnit](
        hardware=ACB_UNIT,
        key="acb_wake",
        translation_key="acb_wake",
        press_fn=lambda gateway, unit, band: gateway.acb_wake(unit.serial_num),
    ),
)


class EnvoyButton(EnvoyEntity[T], ButtonEntity):
    entity_description: EnvoyButtonEntityDescription[T]

    async def async_press(self) -> None:
        item = self.item
        if item is None:
            return
        press = self.entity_description.press_fn
        band = self.coordinator.acb_sleep_band
        await self.control("press", lambda gateway: press(gateway, item, band))


async def async_setup_entry(
    hass: HomeAssistant, entry: EnvoyConfigEntry, async_add_entities: AddConfigEntryEntitiesCallback
) -> None:
    """Add the buttons of the AC batteries the Envoy reports, now and whenever more appear."""
    track_entities(entry, BUTTONS, EnvoyButton, async_add_entities)

"""Buttons: put an AC battery to sleep or wake it up."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass

from homeassistant.components.button import ButtonEntity, ButtonEntityDescription
from homeassistant.core import HomeAssistant
from homeassistant.helpers.entity_platform import AddConfigEntryEntitiesCallback

from iqgateway import AcbUnit, Gateway, GatewayData

from .coordinator import EnvoyConfigEntry
from .entity import ACB_UNIT, EnvoyEntity, EnvoyEntityDescription, track_entities

# The SoC window an AC battery sleeps in when it has none configured yet.
DEFAULT_SLEEP_MIN_SOC = 25
DEFAULT_SLEEP_MAX_SOC = 30


@dataclass(frozen=True, kw_only=True)
class EnvoyButtonEntityDescription(ButtonEntityDescription, EnvoyEntityDescription[AcbUnit]):
    press_fn: Callable[[Gateway, AcbUnit], Awaitable[GatewayData]]


def _sleep(gateway: Gateway, unit: AcbUnit) -> Awaitable[GatewayData]:
    low = int(unit.sleep_min_soc) if unit.sleep_min_soc is not None else DEFAULT_SLEEP_MIN_SOC
    high = int(unit.sleep_max_soc) if unit.sleep_max_soc is not None else DEFAULT_SLEEP_MAX_SOC
    return gateway.acb_sleep(unit.serial_num, low, high)


BUTTONS: tuple[EnvoyButtonEntityDescription, ...] = (
    EnvoyButtonEntityDescription(hardware=ACB_UNIT, key="acb_sleep", translation_key="acb_sleep", press_fn=_sleep),
    EnvoyButtonEntityDescription(
        hardware=ACB_UNIT,
        key="acb_wake",
        translation_key="acb_wake",
        press_fn=lambda gateway, unit: gateway.acb_wake(unit.serial_num),
    ),
)


class EnvoyButton(EnvoyEntity[AcbUnit], ButtonEntity):
    entity_description: EnvoyButtonEntityDescription

    async def async_press(self) -> None:
        unit = self.item
        if unit is None:
            return
        press = self.entity_description.press_fn
        await self.control("press", lambda gateway: press(gateway, unit))


async def async_setup_entry(
    hass: HomeAssistant, entry: EnvoyConfigEntry, async_add_entities: AddConfigEntryEntitiesCallback
) -> None:
    """Add the buttons of the AC batteries the Envoy reports, now and whenever more appear."""
    track_entities(entry, BUTTONS, EnvoyButton, async_add_entities)

"""Switches: the grid connection (Enpower), relays, charging the batteries from the grid."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any, TypeVar

from homeassistant.components.switch import SwitchEntityDescription
from homeassistant.core import HomeAssistant
from homeassistant.helpers.entity_platform import AddConfigEntryEntitiesCallback

from iqgateway import DryContact, Enpower, Gateway, GatewayData

from .coordinator import EnvoyConfigEntry
from .entity import ENPOWER, RELAY, STORAGE, EnvoyEntity, EnvoyEntityDescription, storage_controls_exist, track_entities
from .switch_installer import InstallerSwitch, installer_switches
from .switch_shell import SwitchShell

T = TypeVar("T")

# one change at a time: each writes to the Envoy and reads it back
PARALLEL_UPDATES = 1


@dataclass(frozen=True, kw_only=True)
class EnvoySwitchEntityDescription(SwitchEntityDescription, EnvoyEntityDescription[T]):
    value_fn: Callable[[T], bool | None]
    # (gateway, item id, on) -> the new snapshot
    turn_fn: Callable[[Gateway, str, bool], Awaitable[GatewayData]]


def _closed(state: str | None) -> bool | None:
    return None if state is None else state == "closed"


def _charge_from_grid(data: GatewayData) -> bool | None:
    return data.storage_settings.charge_from_grid if data.storage_settings is not None else None


SWITCHES: tuple[EnvoySwitchEntityDescription[Any], ...] = (
    EnvoySwitchEntityDescription[Enpower](
        hardware=ENPOWER,
        key="mains_admin_state",
        translation_key="grid_enabled",
        value_fn=lambda enpower: _closed(enpower.mains_admin_state),
        turn_fn=lambda gateway, ident, on: gateway.set_grid_enabled(on),
    ),
    EnvoySwitchEntityDescription[DryContact](
        hardware=RELAY,
        key="relay_status",
        translation_key="relay_status",
        name=None,
        value_fn=lambda relay: _closed(relay.status),
        turn_fn=lambda gateway, ident, on: gateway.set_relay(ident, on),
    ),
    EnvoySwitchEntityDescription[GatewayData](
        hardware=STORAGE,
        key="charge_from_grid",
        translation_key="charge_from_grid",
        value_fn=_charge_from_grid,
        turn_fn=lambda gateway, ident, on: gateway.set_charge_from_grid(on),
        exists_fn=storage_controls_exist,
    ),
)


class EnvoySwitch(EnvoyEntity[T], SwitchShell):
    entity_description: EnvoySwitchEntityDescription[T]

    def _switch_item(self) -> T | None:
        return self.item

    async def _turn(self, *, on: bool) -> None:
        turn = self.entity_description.turn_fn
        await self.control("turn on" if on else "turn off", lambda gateway: turn(gateway, self._ident, on))


async def async_setup_entry(
    hass: HomeAssistant, entry: EnvoyConfigEntry, async_add_entities: AddConfigEntryEntitiesCallback
) -> None:
    """Add the switches of the hardware the Envoy reports, now and whenever more appears."""
    track_entities(entry, SWITCHES, EnvoySwitch, async_add_entities)
    track_entities(entry, installer_switches(entry), InstallerSwitch, async_add_entities)

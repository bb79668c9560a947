"""Installer-grade switches on the Envoy: production on/off and the power limit (DPEL) on/off."""

from __future__ import annotations

import dataclasses
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any

from homeassistant.components.switch import SwitchEntityDescription
from homeassistant.const import EntityCategory

from iqgateway import CapabilityName, Gateway, GatewayData

from .coordinator import EnvoyConfigEntry
from .entity import ENVOY, EnvoyEntityDescription
from .installer import CapabilityGate, GatedEntity, gated
from .switch_shell import SwitchShell


@dataclass(frozen=True, kw_only=True)
class InstallerSwitchEntityDescription(SwitchEntityDescription, EnvoyEntityDescription[GatewayData], CapabilityGate):
    value_fn: Callable[[GatewayData], bool | None]
    # (gateway, on) -> what the Envoy read back; `apply` puts it into the snapshot
    turn_fn: Callable[[Gateway, bool], Awaitable[Any]]
    apply: Callable[[GatewayData, Any], GatewayData]


def _producing(data: GatewayData) -> bool | None:
    return None if data.power_forced_off is None else not data.power_forced_off


INSTALLER_SWITCHES: tuple[InstallerSwitchEntityDescription, ...] = (
    InstallerSwitchEntityDescription(
        hardware=ENVOY,
        key="production_enabled",
        translation_key="production_enabled",
        capability=CapabilityName.PRODUCTION_POWER_MODE,
        value_fn=_producing,
        turn_fn=lambda gateway, on: gateway.set_production(on),
        apply=lambda data, producing: dataclasses.replace(data, power_forced_off=not producing),
    ),
    InstallerSwitchEntityDescription(
        hardware=ENVOY,
        key="dpel_enabled",
        translation_key="dpel_enabled",
        entity_category=EntityCategory.CONFIG,
        capability=CapabilityName.EXPORT_LIMIT,
        value_fn=lambda data: data.dpel.enabled if data.dpel is not None else None,
        turn_fn=lambda gateway, on: gateway.set_dpel(enabled=on),
        apply=lambda data, settings: dataclasses.replace(data, dpel=settings),
    ),
)


class InstallerSwitch(GatedEntity[GatewayData], SwitchShell):
    entity_description: InstallerSwitchEntityDescription

    def _switch_item(self) -> GatewayData | None:
        return self.item

    async def _turn(self, *, on: bool) -> None:
        description = self.entity_description
        await self.installer_control(
            "turn on" if on else "turn off", lambda gateway: description.turn_fn(gateway, on), description.apply
        )


def installer_switches(entry: EnvoyConfigEntry) -> tuple[InstallerSwitchEntityDescription, ...]:
    return gated(entry.runtime_data, INSTALLER_SWITCHES)

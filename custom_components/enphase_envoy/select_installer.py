"""Installer-grade selects on the Envoy: what the power limit (DPEL) limits, and the grid profile.

The grid profile select writes only while the options flow's "allow grid profile changes" is on: a wrong
profile can take the site off the grid. Without it, choosing a profile raises an error naming the option.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from dataclasses import dataclass

from homeassistant.components.select import SelectEntity, SelectEntityDescription
from homeassistant.const import EntityCategory
from homeassistant.exceptions import HomeAssistantError

from iqgateway import CapabilityName, GatewayData, GridProfile

from .const import DOMAIN, OPTION_ALLOW_GRID_PROFILE
from .coordinator import EnvoyConfigEntry
from .entity import ENVOY, EnvoyEntityDescription
from .installer import CapabilityGate, GatedEntity, gated, not_read_error

DPEL_MODES: Mapping[str, bool] = {"export_limit": True, "production_limit": False}


@dataclass(frozen=True, kw_only=True)
class InstallerSelectEntityDescription(SelectEntityDescription, EnvoyEntityDescription[GatewayData], CapabilityGate):
    """A select of one installer-grade setting of the Envoy."""


DPEL_MODE = InstallerSelectEntityDescription(
    hardware=ENVOY,
    key="dpel_mode",
    translation_key="dpel_mode",
    entity_category=EntityCategory.CONFIG,
    options=list(DPEL_MODES),
    capability=CapabilityName.EXPORT_LIMIT,
    exists_fn=lambda item, data: data.dpel is not None,
)

GRID_PROFILE = InstallerSelectEntityDescription(
    hardware=ENVOY,
    key="grid_profile",
    translation_key="grid_profile",
    entity_category=EntityCategory.CONFIG,
    capability=CapabilityName.GRID_PROFILE,
    exists_fn=lambda item, data: data.grid_profile is not None and bool(data.grid_profile.profiles),
)


class DpelModeSelect(GatedEntity[GatewayData], SelectEntity):
    entity_description: InstallerSelectEntityDescription

    @property
    def current_option(self) -> str | None:
        dpel = self.coordinator.data.dpel
        if dpel is None:
            return None
        return next(option for option, export in DPEL_MODES.items() if export == dpel.export_limit)

    async def async_select_option(self, option: str) -> None:
        dpel = self.coordinator.data.dpel
        if dpel is None:
            raise not_read_error("change", self.entity_id, self.coordinator.gateway.host)
        export = DPEL_MODES[option]
        await self.installer_control(
            "change",
            lambda gateway: gateway.set_dpel(enabled=dpel.enabled, export_limit=export),
            lambda data, settings: dataclasses.replace(data, dpel=settings),
        )


def profile_names(profile: GridProfile | None) -> dict[str, str]:
    """Option -> profile id: the profile's name, with its id where two profiles share a name."""
    if profile is None:
        return {}
    counts: dict[str, int] = {}
    for option in profile.profiles:
        counts[option.name] = counts.get(option.name, 0) + 1
    return {
        (option.name if counts[option.name] == 1 else f"{option.name} ({option.id})"): option.id
        for option in profile.profiles
    }


class GridProfileSelect(GatedEntity[GatewayData], SelectEntity):
    entity_description: InstallerSelectEntityDescription

    @property
    def options(self) -> list[str]:
        return list(profile_names(self.coordinator.data.grid_profile))

    @property
    def current_option(self) -> str | None:
        profile = self.coordinator.data.grid_profile
        if profile is None or profile.selected_id is None:
            return None
        return next((name for name, ident in profile_names(profile).items() if ident == profile.selected_id), None)

    async def async_select_option(self, option: str) -> None:
        host = self.coordinator.gateway.host
        if not self.coordinator.config_entry.options.get(OPTION_ALLOW_GRID_PROFILE, False):
            raise HomeAssistantError(
                translation_domain=DOMAIN,
                translation_key="grid_profile_changes_off",
                translation_placeholders={"entity": self.entity_id, "host": host, "profile": option},
            )
        profile_id = profile_names(self.coordinator.data.grid_profile).get(option)
        if profile_id is None:
            raise not_read_error("change", self.entity_id, host)
        await self.installer_control(
            "change",
            lambda gateway: gateway.set_grid_profile(profile_id),
            lambda data, profile: dataclasses.replace(data, grid_profile=profile),
        )


def installer_selects(entry: EnvoyConfigEntry) -> tuple[tuple[InstallerSelectEntityDescription, ...], ...]:
    """(DPEL mode descriptions, grid profile descriptions), each gated by its capability."""
    coordinator = entry.runtime_data
    return gated(coordinator, (DPEL_MODE,)), gated(coordinator, (GRID_PROFILE,))

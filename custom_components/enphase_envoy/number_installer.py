"""Installer-grade numbers on the Envoy: the power limit (DPEL) in watts and its slew rate."""

from __future__ import annotations

import dataclasses
from collections.abc import Awaitable, Callable
from dataclasses import dataclass

from homeassistant.components.number import NumberDeviceClass, NumberEntity, NumberEntityDescription, NumberMode
from homeassistant.const import EntityCategory, UnitOfPower

from iqgateway import CapabilityName, DpelSettings, Gateway, GatewayData

from .coordinator import EnvoyConfigEntry
from .entity import ENVOY, EnvoyEntityDescription
from .installer import CapabilityGate, GatedEntity, gated, not_read_error


@dataclass(frozen=True, kw_only=True)
class DpelNumberEntityDescription(NumberEntityDescription, EnvoyEntityDescription[GatewayData], CapabilityGate):
    value_fn: Callable[[DpelSettings], float | None]
    # (gateway, the current settings, value) -> the settings read back
    set_fn: Callable[[Gateway, DpelSettings, float], Awaitable[DpelSettings]]


def _has(field: str) -> Callable[[GatewayData, GatewayData], bool]:
    return lambda item, data: data.dpel is not None and getattr(data.dpel, field) is not None


DPEL_NUMBERS: tuple[DpelNumberEntityDescription, ...] = (
    DpelNumberEntityDescription(
        hardware=ENVOY,
        key="dpel_limit",
        translation_key="dpel_limit",
        capability=CapabilityName.EXPORT_LIMIT,
        device_class=NumberDeviceClass.POWER,
        native_unit_of_measurement=UnitOfPower.WATT,
        native_min_value=0,
        native_max_value=100_000,
        native_step=1,
        mode=NumberMode.BOX,
        entity_category=EntityCategory.CONFIG,
        value_fn=lambda dpel: dpel.limit_w,
        set_fn=lambda gateway, dpel, value: gateway.set_dpel(enabled=dpel.enabled, limit_w=value),
        exists_fn=_has("limit_w"),
    ),
    DpelNumberEntityDescription(
        hardware=ENVOY,
        key="dpel_slew_rate",
        translation_key="dpel_slew_rate",
        capability=CapabilityName.EXPORT_LIMIT,
        native_min_value=0,
        native_max_value=100_000,
        native_step=1,
        mode=NumberMode.BOX,
        entity_category=EntityCategory.CONFIG,
        entity_registry_enabled_default=False,
        value_fn=lambda dpel: dpel.slew_rate,
        set_fn=lambda gateway, dpel, value: gateway.set_dpel(enabled=dpel.enabled, slew_rate=value),
        exists_fn=_has("slew_rate"),
    ),
)


class DpelNumber(GatedEntity[GatewayData], NumberEntity):
    entity_description: DpelNumberEntityDescription

    @property
    def native_value(self) -> float | None:
        dpel = self.coordinator.data.dpel
        return self.entity_description.value_fn(dpel) if dpel is not None else None

    async def async_set_native_value(self, value: float) -> None:
        dpel = self.coordinator.data.dpel
        set_fn = self.entity_description.set_fn
        if dpel is None:
            raise not_read_error("set", self.entity_id, self.coordinator.gateway.host)
        current = dpel
        await self.installer_control(
            "set", lambda gateway: set_fn(gateway, current, value),
            lambda data, settings: dataclasses.replace(data, dpel=settings),
        )


def dpel_numbers(entry: EnvoyConfigEntry) -> tuple[DpelNumberEntityDescription, ...]:
    return gated(entry.runtime_data, DPEL_NUMBERS)

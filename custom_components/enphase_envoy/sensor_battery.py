"""The battery sensors of the Envoy device: IQ battery totals, AC battery totals, both combined."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from homeassistant.components.sensor import SensorStateClass
from homeassistant.const import PERCENTAGE

from iqgateway import Feature, GatewayData

from .entity import (
    ENVOY,
)
from .sensor_common import (
    BATTERY_LEVEL,
    CAPACITY,
    STORED_ENERGY,
    EnvoySensorEntityDescription,
    SensorValue,
    has,
)

# ---------------------------------------------------------------------------------------------------------
# Batteries on the Envoy device: IQ battery totals, AC battery totals, both combined.


def _has_encharge(item: GatewayData, data: GatewayData) -> bool:
    return data.encharge_aggregate is not None or has(data, Feature.ENCHARGE)


def _has_acb(item: GatewayData, data: GatewayData) -> bool:
    return data.acb is not None or has(data, Feature.ACB)


def _has_both_batteries(item: GatewayData, data: GatewayData) -> bool:
    return data.battery_aggregate is not None or (has(data, Feature.ACB) and has(data, Feature.ENCHARGE))


def _aggregate(field: str) -> Callable[[GatewayData], SensorValue]:
    return lambda data: getattr(data.encharge_aggregate, field) if data.encharge_aggregate is not None else None


def _combined(field: str) -> Callable[[GatewayData], SensorValue]:
    return lambda data: getattr(data.battery_aggregate, field) if data.battery_aggregate is not None else None


def _envoy_battery(key: str, translation_key: str | None, value_fn: Callable[[GatewayData], SensorValue],
                   exists_fn: Callable[[GatewayData, GatewayData], bool], preset: Mapping[str, Any],
                   ) -> EnvoySensorEntityDescription[GatewayData]:
    return EnvoySensorEntityDescription[GatewayData](
        hardware=ENVOY, key=key, translation_key=translation_key, value_fn=value_fn, exists_fn=exists_fn, **preset,
    )


_RESERVE_LEVEL: Mapping[str, Any] = {"native_unit_of_measurement": PERCENTAGE,
                                     "state_class": SensorStateClass.MEASUREMENT}

# (key, translation key, value, exists, preset); the IQ battery totals read the secctrl aggregate, the
# "aggregated" ones the IQ + AC battery combination
ENVOY_BATTERY_SENSORS: tuple[EnvoySensorEntityDescription[GatewayData], ...] = tuple(
    _envoy_battery(*row)
    for row in (
        ("battery_level", None, _aggregate("soc_percent"), _has_encharge, BATTERY_LEVEL),
        ("reserve_soc", "reserve_soc", _aggregate("reserve_soc_percent"), _has_encharge, _RESERVE_LEVEL),
        ("available_energy", "available_energy", _aggregate("available_energy_wh"), _has_encharge, STORED_ENERGY),
        ("reserve_energy", "reserve_energy", _aggregate("backup_reserve_wh"), _has_encharge, STORED_ENERGY),
        ("max_capacity", "max_capacity", _aggregate("max_available_capacity_wh"), _has_encharge, CAPACITY),
        ("acb_available_energy", "acb_available_energy",
         lambda data: data.acb.charge_wh if data.acb is not None else None, _has_acb, STORED_ENERGY),
        ("aggregated_soc", "aggregated_soc", _combined("soc_percent"), _has_both_batteries, BATTERY_LEVEL),
        ("aggregated_available_energy", "aggregated_available_energy", _combined("available_energy_wh"),
         _has_both_batteries, STORED_ENERGY),
        ("aggregated_max_battery_capacity", "aggregated_max_capacity", _combined("max_available_capacity_wh"),
         _has_both_batteries, CAPACITY),
    )
)

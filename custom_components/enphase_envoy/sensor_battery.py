"""The battery sensors of the Envoy device: IQ battery totals, AC battery totals, both combined."""

from __future__ import annotations

from collections.abc import Callable

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


ENVOY_BATTERY_SENSORS: tuple[EnvoySensorEntityDescription[GatewayData], ...] = (
    EnvoySensorEntityDescription[GatewayData](
        hardware=ENVOY, key="battery_level", value_fn=_aggregate("soc_percent"), exists_fn=_has_encharge,
        **BATTERY_LEVEL,
    ),
    EnvoySensorEntityDescription[GatewayData](
        hardware=ENVOY,
        key="reserve_soc",
        translation_key="reserve_soc",
        native_unit_of_measurement=PERCENTAGE,
        state_class=SensorStateClass.MEASUREMENT,
        value_fn=_aggregate("reserve_soc_percent"),
        exists_fn=_has_encharge,
    ),
    EnvoySensorEntityDescription[GatewayData](
        hardware=ENVOY, key="available_energy", translation_key="available_energy",
        value_fn=_aggregate("available_energy_wh"), exists_fn=_has_encharge, **STORED_ENERGY,
    ),
    EnvoySensorEntityDescription[GatewayData](
        hardware=ENVOY, key="reserve_energy", translation_key="reserve_energy",
        value_fn=_aggregate("backup_reserve_wh"), exists_fn=_has_encharge, **STORED_ENERGY,
    ),
    EnvoySensorEntityDescription[GatewayData](
        hardware=ENVOY, key="max_capacity", translation_key="max_capacity",
        value_fn=_aggregate("max_available_capacity_wh"), exists_fn=_has_encharge, **CAPACITY,
    ),
    EnvoySensorEntityDescription[GatewayData](
        hardware=ENVOY, key="acb_available_energy", translation_key="acb_available_energy",
        value_fn=lambda data: data.acb.charge_wh if data.acb is not None else None, exists_fn=_has_acb,
        **STORED_ENERGY,
    ),
    EnvoySensorEntityDescription[GatewayData](
        hardware=ENVOY, key="aggregated_soc", translation_key="aggregated_soc",
        value_fn=_combined("soc_percent"), exists_fn=_has_both_batteries, **BATTERY_LEVEL,
    ),
    EnvoySensorEntityDescription[GatewayData](
        hardware=ENVOY, key="aggregated_available_energy", translation_key="aggregated_available_energy",
        value_fn=_combined("available_energy_wh"), exists_fn=_has_both_batteries, **STORED_ENERGY,
    ),
    EnvoySensorEntityDescription[GatewayData](
        hardware=ENVOY, key="aggregated_max_battery_capacity", translation_key="aggregated_max_capacity",
        value_fn=_combined("max_available_capacity_wh"), exists_fn=_has_both_batteries, **CAPACITY,
    ),
)

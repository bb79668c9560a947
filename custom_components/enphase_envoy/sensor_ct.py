"""The CT sensors of the Envoy: nine values for each measurement type, per phase too (core's keys)."""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from typing import Any

from iqgateway import PHASE_NAMES, GatewayData

from .entity import (
    ENVOY,
    ct_enabled,
)
from .sensor_common import (
    CURRENT,
    ENERGY_LIFETIME,
    FREQUENCY,
    METERING_STATUS,
    METERING_STATUS_OPTIONS,
    POWER,
    POWER_FACTOR,
    STATUS_FLAGS,
    VOLTAGE,
    EnvoySensorEntityDescription,
    SensorValue,
    enum_value,
    phases_of,
)

# ---------------------------------------------------------------------------------------------------------
# CTs: nine values for each measurement type; core's first three types kept their historic keys.


@dataclass(frozen=True)
class CtMeasure:
    name: str
    field: str
    shape: Mapping[str, Any]
    enabled: bool


CT_MEASURES = (
    CtMeasure("energy_delivered", "energy_delivered_wh", ENERGY_LIFETIME, True),
    CtMeasure("energy_received", "energy_received_wh", ENERGY_LIFETIME, True),
    CtMeasure("power", "active_power_w", POWER, True),
    CtMeasure("frequency", "frequency_hz", FREQUENCY, False),
    CtMeasure("voltage", "voltage_v", VOLTAGE, False),
    CtMeasure("current", "current_a", CURRENT, False),
    CtMeasure("powerfactor", "power_factor", POWER_FACTOR, False),
    CtMeasure("metering_status", "metering_status", METERING_STATUS, False),
    CtMeasure("status_flags", "status_flags", STATUS_FLAGS, False),
)


@dataclass(frozen=True)
class CtType:
    measurement_type: str  # as /ivp/meters names it
    prefix: str  # of keys and translation keys: "<prefix>_<measure>"
    historic: Mapping[str, tuple[str, str]]  # measure -> (key, translation key) where core named it differently


CT_TYPES = (
    CtType(
        "net-consumption",
        "net_ct",
        {
            "energy_delivered": ("lifetime_net_consumption", "lifetime_net_consumption"),
            "energy_received": ("lifetime_net_production", "lifetime_net_production"),
            "power": ("net_consumption", "net_consumption"),
            "frequency": ("frequency", "net_ct_frequency"),
            "voltage": ("voltage", "net_ct_voltage"),
            "metering_status": ("net_consumption_ct_metering_status", "net_ct_metering_status"),
            "status_flags": ("net_consumption_ct_status_flags", "net_ct_status_flags"),
        },
    ),
    CtType("production", "production_ct", {}),
    CtType(
        "storage",
        "storage_ct",
        {
            "energy_delivered": ("lifetime_battery_discharged", "lifetime_battery_discharged"),
            "energy_received": ("lifetime_battery_charged", "lifetime_battery_charged"),
            "power": ("battery_discharge", "battery_discharge"),
            "voltage": ("storage_voltage", "storage_ct_voltage"),
        },
    ),
    CtType("total-consumption", "total_consumption_ct", {}),
    CtType("backfeed", "backfeed_ct", {}),
    CtType("load", "load_ct", {}),
    CtType("evse", "evse_ct", {}),
    CtType("pv3p", "pv3p_ct", {}),
)


def _ct_value(ct: CtType, measure: CtMeasure, phase: str | None) -> Callable[[GatewayData], SensorValue]:
    def value(data: GatewayData) -> SensorValue:
        reading = data.meters.get(ct.measurement_type)
        if reading is not None and phase is not None:
            reading = phases_of(reading).get(phase)
        if reading is None:
            return None
        raw = getattr(reading, measure.field)
        if measure.name == "status_flags":
            return len(raw)
        if measure.name == "metering_status":
            return enum_value(raw, METERING_STATUS_OPTIONS)
        return raw  # type: ignore[no-any-return]

    return value


def _ct_exists(ct: CtType, phase: str | None) -> Callable[[GatewayData, GatewayData], bool]:
    if phase is None:
        return lambda item, data: ct_enabled(data, ct.measurement_type)
    return lambda item, data: ct_enabled(data, ct.measurement_type) and phase in phases_of(
        data.meters.get(ct.measurement_type)
    )


STREAM_CT_TYPES = frozenset({"production", "net-consumption", "total-consumption"})
STREAM_MEASURES = frozenset({"power", "frequency", "voltage", "current", "powerfactor"})


def ct_sensors() -> Iterator[EnvoySensorEntityDescription[GatewayData]]:
    for ct in CT_TYPES:
        for phase in (None, *PHASE_NAMES):
            for measure in CT_MEASURES:
                default = f"{ct.prefix}_{measure.name}"
                key, translation_key = ct.historic.get(measure.name, (default, default))
                yield EnvoySensorEntityDescription[GatewayData](
                    hardware=ENVOY,
                    key=key if phase is None else f"{key}_{phase.lower()}",
                    translation_key=translation_key if phase is None else f"{translation_key}_phase",
                    translation_placeholders=None if phase is None else {"phase_name": phase.lower()},
                    entity_registry_enabled_default=measure.enabled and phase is None,
                    value_fn=_ct_value(ct, measure, phase),
                    exists_fn=_ct_exists(ct, phase),
                    realtime=ct.measurement_type in STREAM_CT_TYPES and measure.name in STREAM_MEASURES,
                    **measure.shape,
                )

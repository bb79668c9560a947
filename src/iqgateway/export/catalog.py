"""What the export publishes: one `Reading` per entity the Home Assistant integration creates for the hardware.

The same values as the integration's sensor and binary sensor tables, for the same hardware, with its keys,
unique_ids, names, units and classes (Home Assistant's own strings: "W", "power", "total_increasing"), so
that an Envoy exported over MQTT looks in Home Assistant as it does through the integration. The readings
are built from a `GatewayData` snapshot; MQTT and Prometheus both publish from them.

This module: the devices and the Envoy's own values (production, consumption, CTs, battery totals);
catalog_devices.py: inverters, batteries, the Enpower, AC batteries, the collar, the C6 combiner.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from typing import Any, TypeVar

from ..models import PHASE_NAMES, EnergyReading, Feature, GatewayData, MeterReading

Value = float | int | str | bool | None
R = TypeVar("R", EnergyReading, MeterReading)

MANUFACTURER = "Enphase"
# The CT measurement types the integration's device model text lists, in its order.
CT_MODEL_ORDER = ("net-consumption", "production", "storage")


@dataclass(frozen=True, slots=True)
class Device:
    """One device of Home Assistant's registry: the Envoy, or a piece of hardware behind it."""

    ident: str  # the integration's device identifier: the Envoy serial, an inverter serial, "<serial>_acb"
    kind: str  # envoy, inverter, encharge, enpower, acb, acb_unit, collar, c6cc
    name: str
    model: str
    sw_version: str | None = None
    hw_version: str | None = None
    serial_number: str | None = None


@dataclass(frozen=True, slots=True)
class Reading:
    """One value of one device, with what Home Assistant needs to show it."""

    component: str  # "sensor" or "binary_sensor"
    device: Device
    key: str  # the integration's description key
    unique_id: str  # the integration's unique_id of this entity
    name: str | None  # None: the device's main value (named after the device)
    value: Value
    unit: str | None = None
    device_class: str | None = None
    state_class: str | None = None
    entity_category: str | None = None
    enabled: bool = True
    options: tuple[str, ...] | None = None
    precision: int | None = None


Shape = Mapping[str, Any]

POWER: Shape = {"device_class": "power", "state_class": "measurement", "unit": "W", "precision": 3}
ENERGY_TODAY: Shape = {"device_class": "energy", "state_class": "total_increasing", "unit": "Wh", "precision": 2}
ENERGY_SEVEN_DAYS: Shape = {"device_class": "energy", "unit": "Wh", "precision": 1}
ENERGY_LIFETIME: Shape = {"device_class": "energy", "state_class": "total_increasing", "unit": "Wh", "precision": 3}
ENERGY_NET_LIFETIME: Shape = {**ENERGY_LIFETIME, "state_class": "total"}
FREQUENCY: Shape = {"device_class": "frequency", "state_class": "measurement", "unit": "Hz", "precision": 1}
VOLTAGE: Shape = {"device_class": "voltage", "state_class": "measurement", "unit": "V", "precision": 1}
CURRENT: Shape = {"device_class": "current", "state_class": "measurement", "unit": "A", "precision": 3}
POWER_FACTOR: Shape = {"device_class": "power_factor", "state_class": "measurement", "precision": 2}
METERING_STATUS_OPTIONS = ("normal", "not-metering", "check-wiring")
METERING_STATUS: Shape = {"device_class": "enum", "options": METERING_STATUS_OPTIONS, "entity_category": "diagnostic"}
STATUS_FLAGS: Shape = {"entity_category": "diagnostic"}
BATTERY_LEVEL: Shape = {"device_class": "battery", "state_class": "measurement", "unit": "%"}
STORED_ENERGY: Shape = {"device_class": "energy_storage", "state_class": "measurement", "unit": "Wh"}
CAPACITY: Shape = {"device_class": "energy_storage", "unit": "Wh"}
BATTERY_POWER: Shape = {"device_class": "power", "state_class": "measurement", "unit": "W"}
TEMPERATURE: Shape = {"device_class": "temperature", "state_class": "measurement", "unit": "°C"}
SIGNAL_LEVEL: Shape = {"state_class": "measurement", "entity_category": "diagnostic", "enabled": False}
TIMESTAMP: Shape = {"device_class": "timestamp"}

def has(data: GatewayData, feature: Feature) -> bool:
    return feature in data.features.names


def enum_value(value: str | None, options: tuple[str, ...]) -> str | None:
    """An enum's state; a value the device invents is unknown rather than wrong."""
    return value if value in options else None


def iso_time(epoch: float | None) -> str | None:
    """A timestamp sensor's state (UTC, ISO 8601)."""
    if epoch is None:
        return None
    import datetime as dt

    return dt.datetime.fromtimestamp(epoch, tz=dt.UTC).isoformat()


def temperature_unit(unit: str | None) -> str:
    return "°F" if (unit or "").upper().startswith("F") else "°C"


def reading(  # noqa: PLR0917 - the tables read best positionally
    component: str, device: Device, key: str, unique_id: str, name: str | None, value: Value,
    shape: Shape | None = None, **extra: Any,
) -> Reading:
    fields: dict[str, Any] = {**(shape or {}), **extra}
    return Reading(component, device, key, unique_id, name, value, **fields)


# ------------------------------------------------------------------------------------------------ the Envoy


def ct_enabled(data: GatewayData, measurement_type: str) -> bool:
    """Whether the Envoy has an enabled CT of this type (probed configuration, else the readings)."""
    configured = [m for m in data.features.ct_meters if m.measurement_type == measurement_type]
    if configured:
        return any(m.enabled for m in configured)
    meter = data.meters.get(measurement_type)
    return meter is not None and meter.state in (None, "enabled")


def envoy_device(data: GatewayData, name: str | None = None) -> Device:
    info = data.info
    cts = [m for m in CT_MODEL_ORDER if ct_enabled(data, m)]
    model = "Envoy" if not cts else ", ".join(
        ["Envoy", f"phases: {data.phase_count}", f"phase mode: {data.phase_mode}", *(f"{m} CT" for m in cts)]
    )
    return Device(info.serial, "envoy", name or f"Envoy {info.serial}", model, info.firmware, info.part_number,
                  info.serial)


def phases_of(value: R | None) -> Mapping[str, R]:
    """The per-phase readings of a multi-phase reading (none for one phase: it would repeat the total)."""
    phases = value.phases if value is not None else None
    return phases if phases and len(phases) > 1 else {}


@dataclass(frozen=True, slots=True)
class Flow:
    reading: Callable[[GatewayData], EnergyReading | None]
    exists: Callable[[GatewayData], bool]
    measures: tuple[tuple[str, str, str, Shape, bool], ...]  # key, name, field, shape, enabled
    fallback: Callable[[GatewayData], EnergyReading | None] = lambda data: None


def _flow_measures(flow: str) -> tuple[tuple[str, str, str, Shape, bool], ...]:
    return (
        (flow, f"Current power {flow}", "watts_now", POWER, True),
        (f"daily_{flow}", f"Energy {flow} today", "wh_today", ENERGY_TODAY, True),
        (f"seven_days_{flow}", f"Energy {flow} last seven days", "wh_last_seven_days", ENERGY_SEVEN_DAYS, True),
        (f"lifetime_{flow}", f"Lifetime energy {flow}", "wh_lifetime", ENERGY_LIFETIME, True),
    )


FLOWS = (
    Flow(lambda d: d.production, lambda d: d.production is not None or has(d, Feature.PRODUCTION),
         _flow_measures("production"), fallback=lambda d: d.idle_production_ct),
    Flow(lambda d: d.consumption_total, lambda d: d.consumption_total is not None or has(d, Feature.TOTAL_CONSUMPTION),
         _flow_measures("consumption")),
    Flow(lambda d: d.consumption_net, lambda d: d.consumption_net is not None or has(d, Feature.NET_CONSUMPTION), (
        ("balanced_net_consumption", "Balanced net power consumption", "watts_now", POWER, False),
        ("lifetime_balanced_net_consumption", "Lifetime balanced net energy consumption", "wh_lifetime",
         ENERGY_NET_LIFETIME, False),
    )),
)


def _flow_value(flow: Flow, data: GatewayData, field: str, phase: str | None) -> Value:
    for source in (flow.reading(data), flow.fallback(data)):
        value = source if phase is None else phases_of(source).get(phase)
        found = getattr(value, field) if value is not None else None
        if found is not None:
            return float(found)
    return None


def flow_readings(data: GatewayData, envoy: Device) -> Iterator[Reading]:
    serial = data.info.serial
    for flow in FLOWS:
        if not flow.exists(data):
            continue
        phases = [None, *(p for p in PHASE_NAMES if p in phases_of(flow.reading(data)))]
        for phase in phases:
            for key, name, field, shape, enabled in flow.measures:
                full_key = key if phase is None else f"{key}_{phase.lower()}"
                yield reading("sensor", envoy, full_key, f"{serial}_{full_key}",
                              name if phase is None else f"{name} {phase.lower()}",
                              _flow_value(flow, data, field, phase), shape, enabled=enabled and phase is None)


# CTs: nine values per measurement type; the first three types keep the historic keys core gave them.
CT_MEASURES: tuple[tuple[str, str, Shape, bool], ...] = (
    ("energy_delivered", "energy_delivered_wh", ENERGY_LIFETIME, True),
    ("energy_received", "energy_received_wh", ENERGY_LIFETIME, True),
    ("power", "active_power_w", POWER, True),
    ("frequency", "frequency_hz", FREQUENCY, False),
    ("voltage", "voltage_v", VOLTAGE, False),
    ("current", "current_a", CURRENT, False),
    ("powerfactor", "power_factor", POWER_FACTOR, False),
    ("metering_status", "metering_status", METERING_STATUS, False),
    ("status_flags", "status_flags", STATUS_FLAGS, False),
)
# measurement type -> (key prefix, label in names, {measure: (historic key, name)})
CT_TYPES: Mapping[str, tuple[str, str, Mapping[str, tuple[str, str]]]] = {
    "net-consumption": ("net_ct", "net consumption", {
        "energy_delivered": ("lifetime_net_consumption", "Lifetime net energy consumption"),
        "energy_received": ("lifetime_net_production", "Lifetime net energy production"),
        "power": ("net_consumption", "Current net power consumption"),
        "frequency": ("frequency", "Frequency net consumption CT"),
        "voltage": ("voltage", "Voltage net consumption CT"),
        "metering_status": ("net_consumption_ct_metering_status", "Metering status net consumption CT"),
        "status_flags": ("net_consumption_ct_status_flags", "Meter status flags active net consumption CT"),
    }),
    "production": ("production_ct", "production", {}),
    "storage": ("storage_ct", "storage", {
        "energy_delivered": ("lifetime_battery_discharged", "Lifetime battery energy discharged"),
        "energy_received": ("lifetime_battery_charged", "Lifetime battery energy charged"),
        "power": ("battery_discharge", "Current battery discharge"),
        "voltage": ("storage_voltage", "Voltage storage CT"),
    }),
    "total-consumption": ("total_consumption_ct", "total consumption", {}),
    "backfeed": ("backfeed_ct", "backfeed", {}),
    "load": ("load_ct", "load", {}),
    "evse": ("evse_ct", "EV charger", {}),
    "pv3p": ("pv3p_ct", "third-party PV", {}),
}


def ct_name(label: str, measure: str) -> str:
    """The integration's name of a CT value: "Production CT power", "Frequency storage CT", ..."""
    capital = label[0].upper() + label[1:]
    return {
        "energy_delivered": f"{capital} CT energy delivered",
        "energy_received": f"{capital} CT energy received",
        "power": f"{capital} CT power",
        "frequency": f"Frequency {label} CT",
        "voltage": f"Voltage {label} CT",
        "current": f"{capital} CT current",
        "powerfactor": f"Power factor {label} CT",
        "metering_status": f"Metering status {label} CT",
        "status_flags": f"Meter status flags active {label} CT",
    }[measure]


def _ct_value(meter: MeterReading | None, measure: str, field: str) -> Value:
    if meter is None:
        return None
    raw = getattr(meter, field)
    if measure == "status_flags":
        return len(raw)
    if measure == "metering_status":
        return enum_value(raw, METERING_STATUS_OPTIONS)
    return None if raw is None else float(raw)


def ct_readings(data: GatewayData, envoy: Device) -> Iterator[Reading]:
    serial = data.info.serial
    for measurement_type, (prefix, label, historic) in CT_TYPES.items():
        if not ct_enabled(data, measurement_type):
            continue
        meter = data.meters.get(measurement_type)
        for phase in (None, *(p for p in PHASE_NAMES if p in phases_of(meter))):
            source = meter if phase is None else phases_of(meter).get(phase)
            for measure, field, shape, enabled in CT_MEASURES:
                key, name = historic.get(measure, (f"{prefix}_{measure}", ct_name(label, measure)))
                full_key = key if phase is None else f"{key}_{phase.lower()}"
                yield reading("sensor", envoy, full_key, f"{serial}_{full_key}",
                              name if phase is None else f"{name} {phase.lower()}",
                              _ct_value(source, measure, field), shape, enabled=enabled and phase is None)


def battery_total_readings(data: GatewayData, envoy: Device) -> Iterator[Reading]:
    """IQ battery totals, the AC batteries' stored energy and both combined, on the Envoy."""
    serial = data.info.serial

    def envoy_value(key: str, name: str | None, value: Value, shape: Shape, **extra: Any) -> Reading:
        return reading("sensor", envoy, key, f"{serial}_{key}", name, value, shape, **extra)

    agg = data.encharge_aggregate
    if agg is not None or has(data, Feature.ENCHARGE):
        def of(field: str) -> Value:
            return getattr(agg, field) if agg is not None else None
        yield envoy_value("battery_level", "Battery", of("soc_percent"), BATTERY_LEVEL)
        yield envoy_value("reserve_soc", "Reserve battery level", of("reserve_soc_percent"),
                          {"unit": "%", "state_class": "measurement"})
        yield envoy_value("available_energy", "Available battery energy", of("available_energy_wh"), STORED_ENERGY)
        yield envoy_value("reserve_energy", "Reserve battery energy", of("backup_reserve_wh"), STORED_ENERGY)
        yield envoy_value("max_capacity", "Battery capacity", of("max_available_capacity_wh"), CAPACITY)
    if data.acb is not None or has(data, Feature.ACB):
        yield envoy_value("acb_available_energy", "Available ACB battery energy",
                          data.acb.charge_wh if data.acb is not None else None, STORED_ENERGY)
    both = data.battery_aggregate
    if both is not None or (has(data, Feature.ACB) and has(data, Feature.ENCHARGE)):
        def combined(field: str) -> Value:
            return getattr(both, field) if both is not None else None
        yield envoy_value("aggregated_soc", "Aggregated battery soc", combined("soc_percent"), BATTERY_LEVEL)
        yield envoy_value("aggregated_available_energy", "Aggregated available battery energy",
                          combined("available_energy_wh"), STORED_ENERGY)
        yield envoy_value("aggregated_max_battery_capacity", "Aggregated Battery capacity",
                          combined("max_available_capacity_wh"), CAPACITY)


def envoy_readings(data: GatewayData, name: str | None = None) -> Iterator[Reading]:
    """Every value of the Envoy device itself."""
    envoy = envoy_device(data, name)
    yield from flow_readings(data, envoy)
    yield from ct_readings(data, envoy)
    yield from battery_total_readings(data, envoy)
    if data.pv_limit is not None:
        yield reading("sensor", envoy, "pv_limit", f"{data.info.serial}_pv_limit", "PV production limit",
                      data.pv_limit.limit_percent, {"unit": "%"}, entity_category="diagnostic", enabled=False)


def catalog(data: GatewayData, name: str | None = None) -> tuple[Reading, ...]:
    """Every reading of one snapshot: the Envoy's, then those of the hardware behind it."""
    from .catalog_devices import device_readings

    return (*envoy_readings(data, name), *device_readings(data))

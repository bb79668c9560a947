"""The readings of the hardware behind the Envoy: inverters, IQ batteries, the Enpower, AC batteries, the
IQ Meter Collar and the C6 combiner, each a device of its own (see catalog.py)."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from ..acb_sleep import MIXED, SLEEP_STATES, aggregate_sleep_state, sleep_state
from ..models import Feature, GatewayData, Inverter
from .catalog import (
    BATTERY_LEVEL,
    BATTERY_POWER,
    SIGNAL_LEVEL,
    TEMPERATURE,
    TIMESTAMP,
    Device,
    Reading,
    Shape,
    Value,
    enum_value,
    has,
    iso_time,
    reading,
    temperature_unit,
)

# The inverter power sensor core had first kept the bare serial as its unique_id (AC batteries too).
INVERTER_POWER_KEY = "inverters"
ACB_STATE_OPTIONS = ("discharging", "idle", "charging", "full")
ACB_CHARGE_OPTIONS = ("charging", "discharging", "idle")
ACB_SLEEP_OPTIONS = SLEEP_STATES
ACB_AGGREGATE_SLEEP_OPTIONS = (*SLEEP_STATES, MIXED)
DIAGNOSTIC: Shape = {"entity_category": "diagnostic"}
CONNECTIVITY: Shape = {"device_class": "connectivity", "entity_category": "diagnostic"}


def on_off(value: bool | None) -> str | None:
    """A binary sensor's state as Home Assistant's MQTT binary sensor takes it."""
    return None if value is None else ("ON" if value else "OFF")


def _num(value: float | None) -> Value:
    return None if value is None else float(value)


def _inverter_readings(data: GatewayData, serial: str, inverter: Inverter) -> Iterator[Reading]:
    device = Device(serial, "inverter", f"Inverter {serial}", "Inverter", serial_number=serial)

    def sensor(key: str, name: str | None, value: Value, shape: Shape | None = None, **extra: Any) -> Reading:
        unique_id = serial if key == INVERTER_POWER_KEY else f"{serial}_{key}"
        return reading("sensor", device, key, unique_id, name, value, shape, **extra)

    yield sensor(INVERTER_POWER_KEY, None, _num(inverter.last_report_watts), BATTERY_POWER)
    if has(data, Feature.DETAILED_INVERTERS) or inverter.dc_voltage_v is not None:
        detail = {"enabled": False, "state_class": "measurement", "precision": 3}
        yield sensor("dc_voltage", "DC voltage", _num(inverter.dc_voltage_v), detail, device_class="voltage",
                     unit="V")
        yield sensor("dc_current", "DC current", _num(inverter.dc_current_a), detail, device_class="current",
                     unit="A")
        yield sensor("ac_voltage", "AC voltage", _num(inverter.ac_voltage_v), detail, device_class="voltage",
                     unit="V")
        yield sensor("ac_current", "AC current", _num(inverter.ac_current_a), detail, device_class="current",
                     unit="A")
        yield sensor("ac_frequency", "Frequency", _num(inverter.ac_frequency_hz), detail, device_class="frequency",
                     unit="Hz")
        yield sensor("temperature", "Temperature", _num(inverter.temperature_c), TEMPERATURE, enabled=False,
                     precision=3, entity_category="diagnostic")
        yield sensor("lifetime_energy", "Lifetime energy production", _num(inverter.lifetime_energy_wh),
                     device_class="energy", state_class="total_increasing", unit="Wh", enabled=False)
        yield sensor("energy_today", "Energy production today", _num(inverter.energy_today_wh),
                     device_class="energy", state_class="total_increasing", unit="Wh", enabled=False)
        yield sensor("last_report_duration", "Last report duration", inverter.last_report_duration_s,
                     device_class="duration", state_class="measurement", unit="s", entity_category="diagnostic",
                     enabled=False)
        yield sensor("energy_produced", "Energy production since previous report", _num(inverter.energy_produced_mwh),
                     device_class="energy", state_class="total", unit="mWh", precision=3, enabled=False)
    yield sensor("max_reported", "Lifetime maximum power", _num(inverter.max_report_watts), BATTERY_POWER,
                 entity_category="diagnostic", enabled=False)
    yield sensor("last_reported", "Last reported", iso_time(inverter.last_report_date), TIMESTAMP, enabled=False)


def _encharge_readings(data: GatewayData) -> Iterator[Reading]:
    for serial, battery in (data.encharge or {}).items():
        device = Device(serial, "encharge", f"Encharge {serial}", "Encharge", battery.firmware_version,
                        serial_number=serial)

        def item(component: str, key: str, name: str | None, value: Value, shape: Shape | None = None,
                 _device: Device = device, _serial: str = serial, **extra: Any) -> Reading:
            return reading(component, _device, key, f"{_serial}_{key}", name, value, shape, **extra)

        yield item("sensor", "temperature", "Temperature", _num(battery.temperature), TEMPERATURE,
                   unit=temperature_unit(battery.temperature_unit))
        yield item("sensor", "last_reported", "Last reported", iso_time(battery.last_report_date), TIMESTAMP)
        yield item("sensor", "comm_level_2_4_ghz", "Communication level 2.4 GHz", battery.comm_level_2_4_ghz,
                   SIGNAL_LEVEL)
        yield item("sensor", "comm_level_sub_ghz", "Communication level sub-GHz", battery.comm_level_sub_ghz,
                   SIGNAL_LEVEL)
        soc = battery.power_soc_percent if battery.power_soc_percent is not None else battery.soc_percent
        yield item("sensor", "soc", "Battery", _num(soc), BATTERY_LEVEL)
        yield item("sensor", "apparent_power_mva", "Apparent power", _num(battery.apparent_power_va),
                   device_class="apparent_power", state_class="measurement", unit="VA")
        yield item("sensor", "real_power_mw", "Power", _num(battery.real_power_w), BATTERY_POWER)
        yield item("binary_sensor", "communicating", "Communicating", on_off(battery.communicating), CONNECTIVITY)
        dc_on = None if battery.dc_switch_off is None else not battery.dc_switch_off
        yield item("binary_sensor", "dc_switch", "DC switch", on_off(dc_on), DIAGNOSTIC)


def _enpower_readings(data: GatewayData) -> Iterator[Reading]:
    enpower = data.enpower
    if enpower is None:
        return
    serial = enpower.serial_number
    device = Device(serial, "enpower", f"Enpower {serial}", "Enpower", enpower.firmware_version, serial_number=serial)

    def item(component: str, key: str, name: str | None, value: Value, shape: Shape | None = None,
             **extra: Any) -> Reading:
        return reading(component, device, key, f"{serial}_{key}", name, value, shape, **extra)

    yield item("sensor", "temperature", "Temperature", _num(enpower.temperature), TEMPERATURE,
               unit=temperature_unit(enpower.temperature_unit or "F"))
    yield item("sensor", "last_reported", "Last reported", iso_time(enpower.last_report_date), TIMESTAMP)
    yield item("sensor", "comm_level_2_4_ghz", "Communication level 2.4 GHz", enpower.comm_level_2_4_ghz,
               SIGNAL_LEVEL)
    yield item("sensor", "comm_level_sub_ghz", "Communication level sub-GHz", enpower.comm_level_sub_ghz,
               SIGNAL_LEVEL)
    yield item("binary_sensor", "communicating", "Communicating", on_off(enpower.communicating), CONNECTIVITY)
    grid = None if enpower.mains_oper_state is None else enpower.mains_oper_state == "closed"
    yield item("binary_sensor", "mains_oper_state", "Grid status", on_off(grid))


def _acb_group_readings(data: GatewayData) -> Iterator[Reading]:
    acb = data.acb
    if acb is None:
        return
    serial = data.info.serial
    device = Device(f"{serial}_acb", "acb", f"ACB {serial}", "ACB")
    yield reading("sensor", device, "acb_power", f"{serial}_acb_power", "Power", _num(acb.power_w), BATTERY_POWER)
    yield reading("sensor", device, "acb_soc", f"{serial}_acb_soc", "Battery", _num(acb.soc_percent), BATTERY_LEVEL)
    yield reading("sensor", device, "acb_battery_state", f"{serial}_acb_battery_state", "Battery state",
                  enum_value(acb.state, ACB_STATE_OPTIONS), device_class="enum", options=ACB_STATE_OPTIONS)
    if acb.units:
        yield reading("sensor", device, "acb_aggregate_sleep_state", f"{serial}_acb_aggregate_sleep_state",
                      "Sleep state", aggregate_sleep_state(acb.units.values()), device_class="enum",
                      options=ACB_AGGREGATE_SLEEP_OPTIONS)


def _acb_unit_readings(data: GatewayData) -> Iterator[Reading]:
    units = data.acb.units if data.acb is not None else {}
    for serial, unit in units.items():
        device = Device(serial, "acb_unit", f"AC Battery {serial}", "AC Battery", hw_version=unit.part_num,
                        serial_number=serial)

        def item(component: str, key: str, name: str | None, value: Value, shape: Shape | None = None,
                 _device: Device = device, _serial: str = serial, **extra: Any) -> Reading:
            unique_id = _serial if key == INVERTER_POWER_KEY else f"{_serial}_{key}"
            return reading(component, _device, key, unique_id, name, value, shape, **extra)

        if serial not in data.inverters:
            yield item("sensor", INVERTER_POWER_KEY, None, _num(unit.last_report_watts), BATTERY_POWER)
            yield item("sensor", "last_reported", "Last reported", iso_time(unit.last_report_date), TIMESTAMP,
                       enabled=False)
        yield item("sensor", "acb_battery_soc", "Battery level", _num(unit.soc_percent), BATTERY_LEVEL)
        yield item("sensor", "acb_battery_power", "Power", _num(unit.last_report_watts), BATTERY_POWER)
        yield item("sensor", "acb_battery_temperature", "Temperature", _num(unit.max_cell_temp_c), TEMPERATURE,
                   entity_category="diagnostic")
        yield item("sensor", "acb_battery_charge_status", "Charge status",
                   enum_value(unit.charge_status, ACB_CHARGE_OPTIONS), device_class="enum", options=ACB_CHARGE_OPTIONS)
        yield item("sensor", "acb_battery_last_reported", "Last reported", iso_time(unit.last_report_date), TIMESTAMP,
                   entity_category="diagnostic")
        target = None if unit.sleep_min_soc is None or unit.sleep_max_soc is None else \
            f"{unit.sleep_min_soc:g}-{unit.sleep_max_soc:g} %"
        yield item("sensor", "acb_battery_sleep_soc_target", "Sleep battery level range", target, DIAGNOSTIC)
        yield item("sensor", "acb_battery_sleep_state", "Sleep state", sleep_state(unit), device_class="enum",
                   options=ACB_SLEEP_OPTIONS)
        yield item("binary_sensor", "communicating", "Communicating", on_off(unit.communicating), CONNECTIVITY)
        yield item("binary_sensor", "operating", "Operating", on_off(unit.operating), DIAGNOSTIC)
        yield item("binary_sensor", "producing", "Producing", on_off(unit.producing))


def _collar_readings(data: GatewayData) -> Iterator[Reading]:
    collar = data.collar
    if collar is None:
        return
    serial = collar.serial_number
    device = Device(serial, "collar", f"Collar {serial}", "IQ Meter Collar", collar.firmware_version,
                    collar.part_number, serial)

    def item(component: str, key: str, name: str | None, value: Value, shape: Shape | None = None,
             **extra: Any) -> Reading:
        return reading(component, device, key, f"{serial}_{key}", name, value, shape, **extra)

    yield item("sensor", "temperature", "Temperature", _num(collar.temperature), TEMPERATURE,
               unit=temperature_unit(collar.temperature_unit))
    yield item("sensor", "last_reported", "Last reported", iso_time(collar.last_report_date), TIMESTAMP)
    yield item("sensor", "grid_state", "Grid status", collar.grid_state)
    yield item("sensor", "admin_state_str", "Admin state", collar.admin_state_str)
    yield item("sensor", "mid_state", "MID state", collar.mid_state)
    yield item("binary_sensor", "communicating", "Communicating", on_off(collar.communicating), CONNECTIVITY)


def _c6cc_readings(data: GatewayData) -> Iterator[Reading]:
    c6cc = data.c6cc
    if c6cc is None:
        return
    serial = c6cc.serial_number
    device = Device(serial, "c6cc", f"C6 Combiner {serial}", "C6 Combiner Controller", c6cc.firmware_version,
                    c6cc.part_number, serial)
    yield reading("sensor", device, "last_reported", f"{serial}_last_reported", "Last reported",
                  iso_time(c6cc.last_report_date), TIMESTAMP)
    yield reading("binary_sensor", device, "communicating", f"{serial}_communicating", "Communicating",
                  on_off(c6cc.communicating), CONNECTIVITY)


def device_readings(data: GatewayData) -> Iterator[Reading]:
    """Every reading of the hardware behind the Envoy."""
    for serial, inverter in {**data.summary_only_inverters, **data.inverters}.items():
        yield from _inverter_readings(data, serial, inverter)
    yield from _encharge_readings(data)
    yield from _enpower_readings(data)
    yield from _acb_group_readings(data)
    yield from _acb_unit_readings(data)
    yield from _collar_readings(data)
    yield from _c6cc_readings(data)

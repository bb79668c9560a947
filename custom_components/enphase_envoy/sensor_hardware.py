"""Sensors of the hardware behind the Envoy: battery totals on the Envoy, the AC battery group and each AC
battery, inverters, IQ batteries, the Enpower, the IQ Meter Collar and the C6 combiner."""

from __future__ import annotations

from typing import Any

from homeassistant.components.sensor import (
    SensorDeviceClass,
    SensorStateClass,
)
from homeassistant.const import (
    EntityCategory,
    UnitOfApparentPower,
    UnitOfElectricCurrent,
    UnitOfElectricPotential,
    UnitOfEnergy,
    UnitOfFrequency,
    UnitOfPower,
    UnitOfTemperature,
    UnitOfTime,
)

from iqgateway import AcBatteries, AcbUnit, C6Combiner, Collar, EnchargeBattery, Enpower, Feature, GatewayData, Inverter

from .acb import AGGREGATE_SLEEP_OPTIONS, SLEEP_OPTIONS, aggregate_sleep_state, has_units, sleep_state
from .entity import (
    ACB_GROUP,
    ACB_UNIT,
    C6CC,
    COLLAR,
    ENCHARGE,
    ENPOWER,
    INVERTER,
    INVERTER_POWER_KEY,
    Hardware,
)
from .sensor_common import (
    BATTERY_LEVEL,
    BATTERY_POWER,
    LAST_REPORTED,
    SIGNAL_LEVEL,
    TEMPERATURE,
    EnvoySensorEntityDescription,
    enum_value,
    has,
    temperature_unit,
    timestamp,
)


def _temperature_and_report(hardware: Hardware[Any]) -> tuple[EnvoySensorEntityDescription[Any], ...]:
    """Temperature in the unit the device reports, and the last report time: alike on IQ batteries and the collar."""
    return (
        EnvoySensorEntityDescription[Any](
            hardware=hardware,
            key="temperature",
            value_fn=lambda item: item.temperature,
            unit_fn=lambda item: temperature_unit(item.temperature_unit),
            **TEMPERATURE,
        ),
        EnvoySensorEntityDescription[Any](
            hardware=hardware, key="last_reported", value_fn=lambda item: timestamp(item.last_report_date),
            **LAST_REPORTED,
        ),
    )


def _signal_levels(hardware: Hardware[Any]) -> tuple[EnvoySensorEntityDescription[Any], ...]:
    """The 2.4 GHz and sub-GHz signal levels an IQ battery or the Enpower reports."""
    return tuple(
        EnvoySensorEntityDescription[Any](
            hardware=hardware, key=key, translation_key=key, value_fn=_attribute(key), **SIGNAL_LEVEL,
        )
        for key in ("comm_level_2_4_ghz", "comm_level_sub_ghz")
    )


def _attribute(name: str) -> Any:
    return lambda item: getattr(item, name)

ACB_STATE_OPTIONS = ["discharging", "idle", "charging", "full"]

ACB_GROUP_SENSORS: tuple[EnvoySensorEntityDescription[GatewayData], ...] = (
    EnvoySensorEntityDescription[GatewayData](
        hardware=ACB_GROUP, key="acb_power", value_fn=lambda data: _acb(data).power_w, **BATTERY_POWER,
    ),
    EnvoySensorEntityDescription[GatewayData](
        hardware=ACB_GROUP, key="acb_soc", value_fn=lambda data: _acb(data).soc_percent, **BATTERY_LEVEL,
    ),
    EnvoySensorEntityDescription[GatewayData](
        hardware=ACB_GROUP,
        key="acb_battery_state",
        translation_key="acb_battery_state",
        device_class=SensorDeviceClass.ENUM,
        options=ACB_STATE_OPTIONS,
        value_fn=lambda data: enum_value(_acb(data).state, ACB_STATE_OPTIONS),
    ),
    EnvoySensorEntityDescription[GatewayData](
        hardware=ACB_GROUP,
        key="acb_aggregate_sleep_state",
        translation_key="acb_aggregate_sleep_state",
        device_class=SensorDeviceClass.ENUM,
        options=AGGREGATE_SLEEP_OPTIONS,
        value_fn=lambda data: aggregate_sleep_state(_acb(data).units.values()),
        exists_fn=has_units,
    ),
)


def _acb(data: GatewayData) -> AcBatteries:
    assert data.acb is not None  # ACB_GROUP lists the group only while the Envoy reports it
    return data.acb


# ---------------------------------------------------------------------------------------------------------
# Per device: inverters, IQ batteries, Enpower, AC batteries, collar, C6 combiner.


def _detailed(inverter: Inverter, data: GatewayData) -> bool:
    return has(data, Feature.DETAILED_INVERTERS) or inverter.dc_voltage_v is not None


def _inverter_detail(key: str, field: str, **shape: Any) -> EnvoySensorEntityDescription[Inverter]:
    return EnvoySensorEntityDescription[Inverter](
        hardware=INVERTER,
        key=key,
        entity_registry_enabled_default=False,
        value_fn=lambda inverter: getattr(inverter, field),
        exists_fn=_detailed,
        **shape,
    )


INVERTER_SENSORS: tuple[EnvoySensorEntityDescription[Inverter], ...] = (
    EnvoySensorEntityDescription[Inverter](
        hardware=INVERTER,
        key=INVERTER_POWER_KEY,
        name=None,
        device_class=SensorDeviceClass.POWER,
        state_class=SensorStateClass.MEASUREMENT,
        native_unit_of_measurement=UnitOfPower.WATT,
        value_fn=lambda inverter: inverter.last_report_watts,
    ),
    _inverter_detail(
        "dc_voltage", "dc_voltage_v", translation_key="dc_voltage", device_class=SensorDeviceClass.VOLTAGE,
        state_class=SensorStateClass.MEASUREMENT, native_unit_of_measurement=UnitOfElectricPotential.VOLT,
        suggested_display_precision=3,
    ),
    _inverter_detail(
        "dc_current", "dc_current_a", translation_key="dc_current", device_class=SensorDeviceClass.CURRENT,
        state_class=SensorStateClass.MEASUREMENT, native_unit_of_measurement=UnitOfElectricCurrent.AMPERE,
        suggested_display_precision=3,
    ),
    _inverter_detail(
        "ac_voltage", "ac_voltage_v", translation_key="ac_voltage", device_class=SensorDeviceClass.VOLTAGE,
        state_class=SensorStateClass.MEASUREMENT, native_unit_of_measurement=UnitOfElectricPotential.VOLT,
        suggested_display_precision=3,
    ),
    _inverter_detail(
        "ac_current", "ac_current_a", translation_key="ac_current", device_class=SensorDeviceClass.CURRENT,
        state_class=SensorStateClass.MEASUREMENT, native_unit_of_measurement=UnitOfElectricCurrent.AMPERE,
        suggested_display_precision=3,
    ),
    _inverter_detail(
        "ac_frequency", "ac_frequency_hz", device_class=SensorDeviceClass.FREQUENCY,
        state_class=SensorStateClass.MEASUREMENT, native_unit_of_measurement=UnitOfFrequency.HERTZ,
        suggested_display_precision=3,
    ),
    _inverter_detail(
        "temperature", "temperature_c", entity_category=EntityCategory.DIAGNOSTIC,
        suggested_display_precision=3, **TEMPERATURE,
    ),
    _inverter_detail(
        "lifetime_energy", "lifetime_energy_wh", translation_key="lifetime_energy",
        device_class=SensorDeviceClass.ENERGY, state_class=SensorStateClass.TOTAL_INCREASING,
        native_unit_of_measurement=UnitOfEnergy.WATT_HOUR, suggested_unit_of_measurement=UnitOfEnergy.KILO_WATT_HOUR,
    ),
    _inverter_detail(
        "energy_today", "energy_today_wh", translation_key="energy_today", device_class=SensorDeviceClass.ENERGY,
        state_class=SensorStateClass.TOTAL_INCREASING, native_unit_of_measurement=UnitOfEnergy.WATT_HOUR,
    ),
    _inverter_detail(
        "last_report_duration", "last_report_duration_s", translation_key="last_report_duration",
        device_class=SensorDeviceClass.DURATION, state_class=SensorStateClass.MEASUREMENT,
        native_unit_of_measurement=UnitOfTime.SECONDS, entity_category=EntityCategory.DIAGNOSTIC,
    ),
    _inverter_detail(
        "energy_produced", "energy_produced_mwh", translation_key="energy_produced",
        device_class=SensorDeviceClass.ENERGY, state_class=SensorStateClass.TOTAL,
        native_unit_of_measurement=UnitOfEnergy.MILLIWATT_HOUR, suggested_display_precision=3,
    ),
    EnvoySensorEntityDescription[Inverter](
        hardware=INVERTER,
        key="max_reported",
        translation_key="max_reported",
        device_class=SensorDeviceClass.POWER,
        state_class=SensorStateClass.MEASUREMENT,
        native_unit_of_measurement=UnitOfPower.WATT,
        entity_category=EntityCategory.DIAGNOSTIC,
        entity_registry_enabled_default=False,
        value_fn=lambda inverter: inverter.max_report_watts,
    ),
    EnvoySensorEntityDescription[Inverter](
        hardware=INVERTER,
        key="last_reported",
        entity_registry_enabled_default=False,
        value_fn=lambda inverter: timestamp(inverter.last_report_date),
        **LAST_REPORTED,
    ),
)

ENCHARGE_SENSORS: tuple[EnvoySensorEntityDescription[EnchargeBattery], ...] = (
    *_temperature_and_report(ENCHARGE),
    *_signal_levels(ENCHARGE),
    EnvoySensorEntityDescription[EnchargeBattery](
        hardware=ENCHARGE,
        key="soc",
        value_fn=lambda battery: battery.power_soc_percent if battery.power_soc_percent is not None
        else battery.soc_percent,
        **BATTERY_LEVEL,
    ),
    EnvoySensorEntityDescription[EnchargeBattery](
        hardware=ENCHARGE,
        key="apparent_power_mva",
        device_class=SensorDeviceClass.APPARENT_POWER,
        state_class=SensorStateClass.MEASUREMENT,
        native_unit_of_measurement=UnitOfApparentPower.VOLT_AMPERE,
        value_fn=lambda battery: battery.apparent_power_va,
    ),
    EnvoySensorEntityDescription[EnchargeBattery](
        hardware=ENCHARGE, key="real_power_mw", value_fn=lambda battery: battery.real_power_w, **BATTERY_POWER,
    ),
)

ENPOWER_SENSORS: tuple[EnvoySensorEntityDescription[Enpower], ...] = (
    EnvoySensorEntityDescription[Enpower](
        hardware=ENPOWER,
        key="temperature",
        value_fn=lambda enpower: enpower.temperature,
        unit_fn=lambda enpower: temperature_unit(enpower.temperature_unit or "F"),
        **{**TEMPERATURE, "native_unit_of_measurement": UnitOfTemperature.FAHRENHEIT},
    ),
    EnvoySensorEntityDescription[Enpower](
        hardware=ENPOWER, key="last_reported", value_fn=lambda enpower: timestamp(enpower.last_report_date),
        **LAST_REPORTED,
    ),
    *_signal_levels(ENPOWER),
)

ACB_CHARGE_OPTIONS = ["charging", "discharging", "idle"]
def acb_sleep_target(unit: AcbUnit) -> str | None:
    if unit.sleep_min_soc is None or unit.sleep_max_soc is None:
        return None
    return f"{unit.sleep_min_soc:g}-{unit.sleep_max_soc:g} %"


def _not_an_inverter(unit: AcbUnit, data: GatewayData) -> bool:
    return unit.serial_num not in data.inverters


ACB_UNIT_SENSORS: tuple[EnvoySensorEntityDescription[AcbUnit], ...] = (
    # The two sensors core created for each AC battery it took for an inverter (unless it is still listed as one).
    EnvoySensorEntityDescription[AcbUnit](
        hardware=ACB_UNIT,
        key=INVERTER_POWER_KEY,
        name=None,
        value_fn=lambda unit: unit.last_report_watts,
        exists_fn=_not_an_inverter,
        object_id_fn=lambda serial: f"inverter_{serial}",
        **BATTERY_POWER,
    ),
    EnvoySensorEntityDescription[AcbUnit](
        hardware=ACB_UNIT,
        key="last_reported",
        entity_registry_enabled_default=False,
        value_fn=lambda unit: timestamp(unit.last_report_date),
        exists_fn=_not_an_inverter,
        object_id_fn=lambda serial: f"inverter_{serial}_last_reported",
        **LAST_REPORTED,
    ),
    EnvoySensorEntityDescription[AcbUnit](
        hardware=ACB_UNIT, key="acb_battery_soc", translation_key="acb_battery_soc",
        value_fn=lambda unit: unit.soc_percent, **BATTERY_LEVEL,
    ),
    EnvoySensorEntityDescription[AcbUnit](
        hardware=ACB_UNIT, key="acb_battery_power", value_fn=lambda unit: unit.last_report_watts, **BATTERY_POWER,
    ),
    EnvoySensorEntityDescription[AcbUnit](
        hardware=ACB_UNIT, key="acb_battery_temperature", entity_category=EntityCategory.DIAGNOSTIC,
        value_fn=lambda unit: unit.max_cell_temp_c, **TEMPERATURE,
    ),
    EnvoySensorEntityDescription[AcbUnit](
        hardware=ACB_UNIT,
        key="acb_battery_charge_status",
        translation_key="acb_battery_charge_status",
        device_class=SensorDeviceClass.ENUM,
        options=ACB_CHARGE_OPTIONS,
        value_fn=lambda unit: enum_value(unit.charge_status, ACB_CHARGE_OPTIONS),
    ),
    EnvoySensorEntityDescription[AcbUnit](
        hardware=ACB_UNIT, key="acb_battery_last_reported", entity_category=EntityCategory.DIAGNOSTIC,
        value_fn=lambda unit: timestamp(unit.last_report_date), **LAST_REPORTED,
    ),
    EnvoySensorEntityDescription[AcbUnit](
        hardware=ACB_UNIT, key="acb_battery_sleep_soc_target", translation_key="acb_battery_sleep_soc_target",
        entity_category=EntityCategory.DIAGNOSTIC, value_fn=acb_sleep_target,
    ),
    EnvoySensorEntityDescription[AcbUnit](
        hardware=ACB_UNIT,
        key="acb_battery_sleep_state",
        translation_key="acb_battery_sleep_state",
        device_class=SensorDeviceClass.ENUM,
        options=SLEEP_OPTIONS,
        value_fn=sleep_state,
    ),
)

COLLAR_SENSORS: tuple[EnvoySensorEntityDescription[Collar], ...] = (
    *_temperature_and_report(COLLAR),
    EnvoySensorEntityDescription[Collar](
        hardware=COLLAR, key="grid_state", translation_key="grid_status", value_fn=lambda collar: collar.grid_state,
    ),
    EnvoySensorEntityDescription[Collar](
        hardware=COLLAR, key="admin_state_str", translation_key="admin_state",
        value_fn=lambda collar: collar.admin_state_str,
    ),
    EnvoySensorEntityDescription[Collar](
        hardware=COLLAR, key="mid_state", translation_key="mid_state", value_fn=lambda collar: collar.mid_state,
    ),
)

C6CC_SENSORS: tuple[EnvoySensorEntityDescription[C6Combiner], ...] = (
    EnvoySensorEntityDescription[C6Combiner](
        hardware=C6CC, key="last_reported", value_fn=lambda c6cc: timestamp(c6cc.last_report_date), **LAST_REPORTED,
    ),
)

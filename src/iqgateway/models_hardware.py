"""The hardware parts of the snapshot: batteries, controllers, relays, storage settings, generator, live data.

Re-exported by `iqgateway.models`, which is where to import them from.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any


@dataclass(frozen=True, slots=True)
class EnchargeBattery:
    """One IQ Battery from `/ivp/ensemble/inventory`, with its power from `/ivp/ensemble/power`."""

    serial: str
    soc_percent: float | None
    temperature: float | None
    temperature_unit: str | None
    max_cell_temp_c: float | None
    capacity_wh: float | None
    communicating: bool | None
    operating: bool | None
    dc_switch_off: bool | None
    admin_state: int | None
    admin_state_str: str | None
    led_status: int | None
    last_report_date: int | None
    installed_date: int | None
    part_number: str | None
    firmware_version: str | None
    bmu_firmware_version: str | None
    revision: int | None
    comm_level_sub_ghz: int | None
    comm_level_2_4_ghz: int | None
    # from /ivp/ensemble/power (None when that endpoint has no entry for this battery)
    power_soc_percent: float | None = None
    real_power_w: float | None = None
    apparent_power_va: float | None = None


@dataclass(frozen=True, slots=True)
class EnchargeAggregate:
    """IQ battery totals from `/ivp/ensemble/secctrl`."""

    soc_percent: float | None
    available_energy_wh: float | None
    backup_reserve_wh: float | None
    max_available_capacity_wh: float | None
    reserve_soc_percent: float | None  # adjusted backup SoC
    configured_reserve_soc_percent: float | None


@dataclass(frozen=True, slots=True)
class ControllerIdentity:
    """What every controller of `/ivp/ensemble/inventory` (Enpower, collar, C6 combiner) reports alike."""

    serial_number: str
    part_number: str | None
    admin_state: int | None
    admin_state_str: str | None
    firmware_loaded_date: int | None
    firmware_version: str | None
    installed_date: int | None
    last_report_date: int | None
    communicating: bool | None


@dataclass(frozen=True, slots=True)
class Enpower(ControllerIdentity):
    """The IQ System Controller (Enpower) from `/ivp/ensemble/inventory`."""

    grid_mode: str | None
    comm_level_2_4_ghz: int | None
    comm_level_sub_ghz: int | None
    mains_admin_state: str | None
    mains_oper_state: str | None
    operating: bool | None
    temperature: float | None
    temperature_unit: str | None
    zigbee_dongle_fw_version: str | None


@dataclass(frozen=True, slots=True)
class AcbUnit:
    """One AC Battery from `/inventory.json` (type ACB), with its last report from the v1 inverter list."""

    serial_num: str
    part_num: str | None
    sleep_enabled: bool | None
    charge_status: str | None
    device_status: tuple[str, ...]
    soc_percent: float | None
    max_cell_temp_c: float | None
    communicating: bool | None
    operating: bool | None
    producing: bool | None
    sleep_min_soc: float | None
    sleep_max_soc: float | None
    last_report_date: int | None
    last_report_watts: float | None
    max_report_watts: float | None


@dataclass(frozen=True, slots=True)
class AcBatteries:
    """AC batteries: aggregate from production.json `storage`, units from inventory.json."""

    power_w: float | None
    charge_wh: float | None
    soc_percent: float | None
    state: str | None  # "charging" / "discharging" / "idle" / "full"
    batteries: int | None
    units: Mapping[str, AcbUnit] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class BatteryAggregate:
    """IQ + AC batteries combined (secctrl `agg_soc`, `Max_energy`, `ENC_agg_avail_energy` + `ACB_agg_energy`)."""

    soc_percent: float | None
    available_energy_wh: float | None
    max_available_capacity_wh: float | None


@dataclass(frozen=True, slots=True)
class DryContact:
    """A relay: state from `/ivp/ensemble/dry_contacts`, settings from `/ivp/ss/dry_contact_settings`."""

    id: str
    status: str | None  # "open" / "closed"
    type: str | None = None
    load_name: str | None = None
    mode: str | None = None
    grid_action: str | None = None
    micro_grid_action: str | None = None
    generator_action: str | None = None
    soc_low: float | None = None
    soc_high: float | None = None
    override: bool | None = None
    manual_override: bool | None = None
    priority: float | None = None
    black_start: float | None = None
    essential_start_time: float | None = None
    essential_end_time: float | None = None
    pv_serial_nb: tuple[str, ...] = ()
    # the settings document exactly as the device sent it (API key names), for read-modify-write
    settings_raw: Mapping[str, Any] | None = None


@dataclass(frozen=True, slots=True)
class StorageSettings:
    """The battery settings of the tariff (`/admin/lib/tariff` `storage_settings`)."""

    mode: str | None  # a StorageMode value ("savings-mode" is reported as "economy")
    operation_mode_sub_type: str | None
    reserve_soc_percent: float | None
    very_low_soc_percent: float | None
    charge_from_grid: bool | None
    date: str | None
    opt_schedules: bool | None


@dataclass(frozen=True, slots=True)
class Collar(ControllerIdentity):
    """The IQ Meter Collar from `/ivp/ensemble/inventory`."""

    mid_state: str | None
    grid_state: str | None
    temperature: float | None
    temperature_unit: str | None
    control_error: int | None
    collar_state: str | None


@dataclass(frozen=True, slots=True)
class C6Combiner(ControllerIdentity):
    """The IQ Combiner 6C controller from `/ivp/ensemble/inventory`."""

    dmir_version: str | None


@dataclass(frozen=True, slots=True)
class GeneratorState:
    """`/ivp/ensemble/generator`."""

    admin_state: str | None
    oper_state: str | None
    admin_mode: int | None
    schedule: int | None
    start_soc: float | None
    stop_soc: float | None
    exc_on: int | None
    present: bool | None
    type: int | None


@dataclass(frozen=True, slots=True)
class Generator:
    """A configured generator: its state and its configuration documents as the device sent them."""

    state: GeneratorState | None
    config: Mapping[str, Any] | None  # `/ivp/ss/gen_config` document
    schedule: Mapping[str, Any] | None  # `/ivp/ss/gen_schedule` document
    mode: Mapping[str, Any] | None  # `/ivp/ss/gen_mode` document (`gen_cmd`)


@dataclass(frozen=True, slots=True)
class LivePhasePower:
    """One phase of a live meter."""

    power_w: float | None
    apparent_power_va: float | None


@dataclass(frozen=True, slots=True)
class LiveMeter:
    """One power flow of `/ivp/livedata/status` (pv, storage, grid, load, generator), total and per phase."""

    power_w: float | None
    apparent_power_va: float | None
    phases: Mapping[str, LivePhasePower] | None = None


@dataclass(frozen=True, slots=True)
class LiveData:
    """`/ivp/livedata/status`: power flows at about one second resolution (signs as the device gives them)."""

    last_update: int | None
    stream_enabled: bool | None
    pv: LiveMeter | None
    storage: LiveMeter | None
    grid: LiveMeter | None
    load: LiveMeter | None
    generator: LiveMeter | None
    soc_percent: float | None = None

"""Ensemble documents: `/ivp/ensemble/inventory`, `power`, `secctrl`, `generator`."""

from __future__ import annotations

from collections.abc import Mapping
from types import MappingProxyType
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from ..physics import BatteryState
    from .context import Scene


def _encharge(scene: Scene, index: int, bat: BatteryState) -> dict[str, Any]:
    hw = scene.hw
    spec = scene.house.config.batteries[index]
    installed = hw.installed + 60 * index
    grid = "grid-tied" if scene.house.controls.grid_connected else "off-grid"
    return {
        "part_num": hw.battery_part,
        "serial_num": bat.serial,
        "installed": installed,
        "device_status": ["envoy.global.ok", "prop.done"],
        "last_rpt_date": scene.ts - (scene.ts + 41 * index) % 120,
        "admin_state": 6,
        "admin_state_str": "ENCHG_STATE_READY",
        "created_date": installed,
        "img_load_date": installed,
        "img_pnum_running": "3.0.7545_rel/31.33",
        "bmu_fw_version": "3.8.63",
        "communicating": True,
        "sleep_enabled": False,
        "percentFull": round(bat.soc),
        "temperature": bat.temperature,
        "maxCellTemp": bat.temperature + 1,
        "reported_enc_grid_state": grid,
        "comm_level_sub_ghz": 4,
        "comm_level_2_4_ghz": 4,
        "led_status": 12 if bat.power_w == 0 else 14 if bat.power_w < 0 else 13,
        "dc_switch_off": False,
        "encharge_rev": 3,
        "encharge_capacity": round(spec.capacity_wh),
        "phase": ("ph-a", "ph-b", "ph-c")[max(spec.phase, 0)],
        "der_index": 2,
    }


def _enpower(scene: Scene) -> dict[str, Any]:
    hw = scene.hw
    closed = scene.house.controls.grid_connected
    state = "closed" if closed else "open"
    return {
        "part_num": "861-01381-r05",
        "serial_num": hw.enpower_serial,
        "installed": hw.installed,
        "device_status": ["envoy.global.ok", "prop.done"],
        "last_rpt_date": scene.ts - scene.ts % 30,
        "admin_state": 24 if closed else 25,
        "admin_state_str": "ENPWR_STATE_OPER_CLOSED" if closed else "ENPWR_STATE_OPER_OPEN",
        "created_date": hw.installed,
        "img_load_date": hw.installed,
        "img_pnum_running": "2.0.6936_rel/31.43",
        "communicating": True,
        "temperature": 79,
        "comm_level_sub_ghz": 5,
        "comm_level_2_4_ghz": 5,
        "mains_admin_state": state,
        "mains_oper_state": state,
        "Enpwr_grid_mode": "multimode-ongrid" if closed else "multimode-offgrid",
        "Enchg_grid_mode": "multimode-ongrid" if closed else "multimode-offgrid",
        "Enpwr_relay_state_bm": 15664 if closed else 1,
        "Enpwr_curr_state_id": 16 if closed else 17,
    }


def _collar(scene: Scene) -> dict[str, Any]:
    hw = scene.hw
    on_grid = scene.house.controls.grid_connected
    return {
        "part_num": "865-00400-r22",
        "serial_num": hw.collar_serial,
        "installed": hw.installed,
        "device_status": ["envoy.global.ok", "prop.done"],
        "last_rpt_date": scene.ts - scene.ts % 60,
        "admin_state": 88 if on_grid else 89,
        "admin_state_str": "ENCMN_MDE_ON_GRID" if on_grid else "ENCMN_MDE_OFF_GRID",
        "created_date": hw.installed,
        "img_load_date": hw.installed,
        "img_pnum_running": "3.0.6-D0",
        "communicating": True,
        "temperature": 42,
        "mid_state": "close" if on_grid else "open",
        "grid_state": "on_grid" if on_grid else "off_grid",
        "control_error": 0,
        "collar_state": "Installed",
    }


def _c6(scene: Scene) -> dict[str, Any]:
    hw = scene.hw
    return {
        "part_num": "800-02403-r08",
        "serial_num": hw.c6_serial,
        "installed": hw.installed,
        "last_rpt_date": scene.ts - scene.ts % 60,
        "admin_state": 82,
        "admin_state_str": "ENCMN_C6_CC_READY",
        "created_date": hw.installed,
        "img_load_date": hw.installed,
        "fw_version": "0.1.20-D1",
        "dmir_version": "0.1.20-D1",
        "communicating": True,
    }


def inventory(scene: Scene) -> list[dict[str, Any]]:
    hw = scene.hw
    groups: list[dict[str, Any]] = []
    if hw.battery_kind == "encharge" or hw.enpower:
        bats = scene.batteries() if hw.battery_kind == "encharge" else []
        groups.append({"type": "ENCHARGE", "devices": [_encharge(scene, j, b) for j, b in enumerate(bats)]})
    if hw.enpower:
        groups.append({"type": "ENPOWER", "devices": [_enpower(scene)]})
    if hw.collar:
        groups.append({"type": "COLLAR", "devices": [_collar(scene)]})
        groups.append({"type": "C6 COMBINER CONTROLLER", "devices": [_c6(scene)]})
        groups.append(
            {
                "type": "C6 RGM",
                "devices": [
                    {
                        "part_num": "800-02403-r08",
                        "serial_num": str(int(hw.c6_serial) + 1),
                        "installed": hw.installed,
                        "FW Version": "2.2.1-D4119",
                        "Device State": 80,
                    }
                ],
            }
        )
    return groups


def power(scene: Scene) -> dict[str, Any]:
    devices: list[dict[str, Any]] = []
    if scene.hw.battery_kind == "encharge":
        for bat in scene.batteries():
            mw = round(bat.power_w) * 1000
            devices.append(
                {"serial_num": bat.serial, "real_power_mw": mw, "apparent_power_mva": mw, "soc": round(bat.soc)}
            )
    return {"devices:": devices}


def secctrl(scene: Scene) -> dict[str, Any]:
    hw = scene.hw
    ctl = scene.house.controls
    bats = scene.batteries()
    specs = scene.house.config.batteries
    enc = [(b, s) for b, s in zip(bats, specs, strict=True) if s.kind == "encharge"]
    acb = [(b, s) for b, s in zip(bats, specs, strict=True) if s.kind == "acb"]
    enc_cap = round(sum(s.capacity_wh for _, s in enc))
    enc_stored = round(sum(b.energy_wh for b, _ in enc))
    acb_cap = round(sum(s.capacity_wh for _, s in acb))
    acb_stored = round(sum(b.energy_wh for b, _ in acb))
    enc_soc = round(100 * enc_stored / enc_cap) if enc_cap else 0
    acb_soc = round(100 * acb_stored / acb_cap) if acb_cap else 0
    total_cap = enc_cap + acb_cap
    reserve = round(ctl.reserve_soc) if total_cap else 0
    doc: dict[str, Any] = {
        "shutdown": False,
        "freq_bias_hz": 0.0,
        "voltage_bias_v": 0.0,
        "freq_bias_hz_q8": 0,
        "voltage_bias_v_q5": 0,
        "freq_bias_hz_phaseb": 0.0,
        "voltage_bias_v_phaseb": 0.0,
        "freq_bias_hz_q8_phaseb": 0,
        "voltage_bias_v_q5_phaseb": 0,
        "freq_bias_hz_phasec": 0.0,
        "voltage_bias_v_phasec": 0.0,
        "freq_bias_hz_q8_phasec": 0,
        "voltage_bias_v_q5_phasec": 0,
    }
    if hw.version >= (8, 3):
        doc["offgrid_secctrl"] = {
            "F": 0.0,
            "V": 0.0,
            "Vd_neg": 0.0,
            "Vq_neg": 0.0,
            "Vd_zero": 0.0,
            "Vq_zero": 0.0,
            "is_active": not ctl.grid_connected,
            "is_system_balanced": True,
        }
    doc.update(
        {
            "configured_backup_soc": reserve,
            "adjusted_backup_soc": reserve,
            "agg_soc": round(100 * (enc_stored + acb_stored) / total_cap) if total_cap else 0,
            "Max_energy": total_cap,
            "ENC_agg_soc": enc_soc,
            "ENC_agg_soh": 100 if enc_cap else 0,
            "ENC_agg_backup_energy": round(enc_cap * reserve / 100),
            "ENC_agg_avail_energy": enc_stored,
            "Enc_commissioned_capacity": enc_cap,
            "Enc_max_available_capacity": enc_cap,
            "ACB_agg_soc": acb_soc,
            "ACB_agg_energy": acb_stored,
        }
    )
    if hw.version >= (8,):
        doc.update(
            {
                "VLS_Limit": round(ctl.very_low_soc),
                "soc_rec_enabled": False,
                "soc_recovery_entry": 0,
                "soc_recovery_exit": 10,
                "Commission_in_progress": False,
                "ESS_in_progress": False,
            }
        )
    if hw.collar:
        doc["ESS_R3_To_R4_in_progress"] = False
    return doc


GEN_ADMIN_MODES: Mapping[str, int] = MappingProxyType({"off": 0, "on": 1, "auto": 2})


def generator(scene: Scene) -> dict[str, Any]:
    ctl = scene.house.controls
    if not scene.hw.generator:
        return {
            "admin_state": "unknown",
            "oper_state": "open",
            "admin_mode": 0,
            "schedule": 0,
            "start_soc": 100,
            "stop_soc": -1,
            "exc_on": 0,
            "present": 0,
            "type": 1,
        }
    running = scene.house.generator_running
    return {
        "admin_state": "closed" if running else "open",
        "oper_state": "closed" if running else "open",
        "admin_mode": GEN_ADMIN_MODES.get(ctl.generator_cmd, 0),
        "schedule": 1,
        "start_soc": round(ctl.generator_start_soc),
        "stop_soc": round(ctl.generator_stop_soc),
        "exc_on": 0,
        "present": 1,
        "type": 1,
    }

"""Per-device documents: `/ivp/pdm/device_data` and `/inventory.json`."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from .meters import METER_EIDS, channel_eid, ct_phases

if TYPE_CHECKING:
    from ..physics import BatteryState, InverterReport
    from .context import Scene

DEVICE_DATA_LIMIT = 50
PCU_BASE_EID = 553648384
PCU_BASE_CHANNEL = 1627390225
ACB_BASE_EID = 721420544
ACB_BASE_CHANNEL = 1795162385
REPORT_SECONDS = 300
# an inverter's device_status by what it produces (both conditions as real devices show them)
PCU_STATUS = {
    "ok": ["envoy.global.ok"],
    "shaded": ["envoy.cond_flags.pcu_ctrl.dc-pwr-low"],
    "fault": ["envoy.cond_flags.obs_strs.failure"],
}


def pcu_eid(index: int) -> int:
    return PCU_BASE_EID + 256 * index


def _pcu(scene: Scene, index: int, rep: InverterReport) -> dict[str, Any]:
    chan = PCU_BASE_CHANNEL + 256 * index
    ac_volts = scene.volts(0) * (2 if scene.hw.phases == 2 else 1)
    max_w = round(scene.house.config.inverters[index].max_w)
    watts = round(rep.watts)
    return {
        "devName": "pcu",
        "sn": rep.serial,
        "active": True,
        "modGone": False,
        "channels": [
            {
                "chanEid": chan,
                "created": rep.report_ts,
                "wattHours": {
                    "today": round(rep.today_wh),
                    "yesterday": round(rep.yesterday_wh),
                    "week": round(rep.week_wh),
                },
                "watts": {"now": watts, "nowUsed": 0, "max": max_w},
                "lastReading": {
                    "eid": chan,
                    "interval_type": 0,
                    "endDate": rep.report_ts,
                    "duration": REPORT_SECONDS,
                    "flags": 0,
                    "flags_hex": "0x0000000000000000",
                    "joulesProduced": round(rep.watts * REPORT_SECONDS),
                    "acVoltageINmV": round(ac_volts * 1000),
                    "acFrequencyINmHz": round(scene.freq() * 1000),
                    "dcVoltageINmV": round(rep.dc_volts * 1000),
                    "dcCurrentINmA": round(rep.watts / 0.965 / rep.dc_volts * 1000) if rep.dc_volts else 0,
                    "channelTemp": rep.temperature,
                    "pwrConvErrSecs": rep.conversion_error_s,
                    "pwrConvMaxErrCycles": round(rep.conversion_error_s * scene.freq()),
                    "joulesUsed": 0,
                    "leadingVArs": 0,
                    "laggingVArs": round(rep.watts * 0.08),
                    "acCurrentInmA": round(rep.watts / ac_volts * 1000) if ac_volts else 0,
                    "l1NAcVoltageInmV": 0,
                    "l2NAcVoltageInmV": 0,
                    "l3NAcVoltageInmV": 0,
                    "rssi": 106,
                    "issi": 70,
                },
                "lifetime": {
                    "createdTime": scene.hw.installed,
                    "duration": rep.report_ts - scene.hw.installed,
                    "joulesProduced": round(rep.lifetime_wh * 3600),
                },
            }
        ],
    }


def _eim(scene: Scene, kind: str, number: int) -> dict[str, Any]:
    eid = METER_EIDS[kind]
    phases = ct_phases(scene, kind)
    ts = scene.ts - scene.ts % 900
    channels: list[dict[str, Any]] = []
    n_channels = 4 if scene.hw.version >= (8, 3) else 3
    for i in range(n_channels):
        chan = channel_eid(eid, i)
        if i >= len(phases):
            channels.append(
                {
                    "chanEid": chan,
                    "created": 0,
                    "wattHours": {"today": 0, "yesterday": 0, "week": 0},
                    "watts": {"now": 0, "nowUsed": 0, "max": 0},
                    "lastReading": {},
                    "lifetime": {},
                }
            )
            continue
        ph = phases[i]
        cum = {
            "wh_dlvd_cum": round(ph.delivered_wh),
            "varh_lead_cum": round(ph.varh_lead),
            "varh_lag_cum": round(ph.varh_lag),
            "vah_cum": round(ph.vah),
        }
        channels.append(
            {
                "chanEid": chan,
                "created": ts,
                "wattHours": {"today": round(ph.today_wh), "yesterday": 0, "week": round(ph.week_wh)},
                "watts": {"now": round(ph.watts) & 0xFFFFFFFF, "nowUsed": 0, "max": round(abs(ph.watts) * 1.5)},
                "lastReading": {
                    "eid": chan,
                    "interval_type": 0,
                    "endDate": ts,
                    "duration": 900,
                    "curr_w": round(ph.watts),
                    **cum,
                    "rms_mvolt": round(ph.volts * 1000),
                    "rms_mamp": round(ph.amps * 1000),
                    "freq_mhz": round(scene.freq() * 1000),
                    "wh_pos": round(ph.delivered_wh),
                    "wh_neg": round(ph.received_wh),
                },
                "lifetime": {"createdTime": scene.hw.installed, "duration": ts - scene.hw.installed, **cum},
            }
        )
    return {
        "devName": "eim",
        "sn": f"{scene.hw.serial}EIM{number}",
        "active": True,
        "modGone": True,
        "channels": channels,
    }


def _acb(scene: Scene, index: int, bat: BatteryState) -> dict[str, Any]:
    chan = ACB_BASE_CHANNEL + 256 * index
    end = scene.ts - (scene.ts + 97 * index) % REPORT_SECONDS
    watts = round(bat.power_w)
    return {
        "devName": "acb",
        "sn": bat.serial,
        "active": True,
        "modGone": False,
        "channels": [
            {
                "chanEid": chan,
                "created": end,
                "wattHours": {"today": 0, "yesterday": 0, "week": 0},
                "watts": {"now": abs(watts), "nowUsed": 1 if watts < 0 else 0, "max": 271},
                "lastReading": {
                    "eid": chan,
                    "interval_type": 0,
                    "endDate": end,
                    "duration": REPORT_SECONDS,
                    "flags": 3149824,
                    "flags_hex": "0x0000000000301000",
                    "joulesProduced": max(watts, 0) * REPORT_SECONDS,
                    "acVoltageINmV": round(scene.volts(0) * 1000),
                    "acFrequencyINmHz": round(scene.freq() * 1000),
                    "dcVoltageINmV": round(21000 + bat.soc * 30),
                    "dcCurrentINmA": round(abs(bat.power_w) / 22.0 * 1000),
                    "channelTemp": bat.temperature + 4,
                    "pwrConvErrSecs": 0,
                    "pwrConvMaxErrCycles": 0,
                    "joulesUsed": max(-watts, 0) * REPORT_SECONDS,
                    "leadingVArs": 0,
                    "laggingVArs": 0,
                    "SOC": round(bat.soc),
                    "SOH": 95,
                    "minCellTemp": bat.temperature,
                    "maxCellTemp": bat.temperature + 1,
                    "totVoltage": round(21000 + bat.soc * 30),
                    "vendor_data": "00" * 96,
                },
                "lifetime": {
                    "createdTime": scene.hw.installed,
                    "duration": end - scene.hw.installed,
                    "joulesProduced": round(bat.discharged_wh * 3600),
                    "joulesUsed": round(bat.charged_wh * 3600),
                },
            }
        ],
    }


def device_data(scene: Scene) -> dict[str, Any]:
    """All devices, keyed by eid in ascending order; only the first 50 are detailed."""
    entries: list[tuple[int, Any]] = []
    for i, rep in enumerate(scene.house.inverter_reports(scene.t)):
        entries.append((pcu_eid(i), lambda i=i, rep=rep: _pcu(scene, i, rep)))
    number = 0
    for kind in ("production", "net-consumption", "total-consumption"):
        if scene.hw.has_meter(kind):
            number += 1
            entries.append((METER_EIDS[kind], lambda kind=kind, n=number: _eim(scene, kind, n)))
    if scene.hw.battery_kind == "acb":
        for j, bat in enumerate(scene.batteries()):
            entries.append((ACB_BASE_EID + 256 * j, lambda j=j, bat=bat: _acb(scene, j, bat)))
    entries.sort(key=lambda e: e[0])
    doc: dict[str, Any] = {str(eid): make() for eid, make in entries[:DEVICE_DATA_LIMIT]}
    doc["deviceCount"] = len(entries)
    doc["deviceDataLimit"] = DEVICE_DATA_LIMIT
    return doc


def _inventory_pcu(scene: Scene, index: int, rep: InverterReport) -> dict[str, Any]:
    hw = scene.hw
    installed = str(hw.installed + 3 * index)
    return {
        "part_num": hw.inverter_part,
        "installed": installed,
        "serial_num": rep.serial,
        "device_status": PCU_STATUS[rep.output],
        "last_rpt_date": str(rep.report_ts),
        "admin_state": 2,
        "dev_type": 1,
        "created_date": installed,
        "img_load_date": "0",
        "img_pnum_running": "521-00005-r06-v02.61.01",
        "ptpn": "549-00040-r01-v02.61.01",
        "chaneid": PCU_BASE_CHANNEL + 256 * index,
        "device_control": [{"gficlearset": False}],
        "producing": rep.watts > 0 and rep.communicating,
        "communicating": rep.communicating,
        "provisioned": True,
        "operating": rep.communicating and rep.output != "fault",
        "phase": ("ph-a", "ph-b", "ph-c")[scene.house.config.inverters[index].phase],
    }


def _inventory_acb(scene: Scene, index: int, bat: BatteryState) -> dict[str, Any]:
    hw = scene.hw
    installed = str(hw.installed + 50 * index)
    sleep = scene.house.controls.acb_sleep.get(bat.serial)
    state = "discharging" if bat.power_w > 5 else "charging" if bat.power_w < -5 else "idle"
    return {
        "part_num": hw.battery_part,
        "installed": installed,
        "serial_num": bat.serial,
        "device_status": ["envoy.global.ok"],
        "last_rpt_date": str(scene.ts - (scene.ts + 97 * index) % REPORT_SECONDS),
        "admin_state": 2,
        "dev_type": 11,
        "created_date": installed,
        "img_load_date": installed,
        "img_pnum_running": "520-00092-r01-v02.13.02",
        "ptpn": "540-00155-r01-v02.13.01",
        "chaneid": ACB_BASE_CHANNEL + 256 * index,
        "device_control": [{"gficlearset": False}],
        "producing": bat.power_w > 0,
        "communicating": True,
        "provisioned": True,
        "operating": True,
        "sleep_enabled": sleep is not None,
        "percentFull": round(bat.soc),
        "maxCellTemp": bat.temperature + 1,
        "sleep_min_soc": sleep[0] if sleep else 25,
        "sleep_max_soc": sleep[1] if sleep else 30,
        "charge_status": state,
    }


def _inventory_esub(scene: Scene) -> dict[str, Any]:
    hw = scene.hw
    return {
        "part_num": "800-01855-r01",
        "installed": str(hw.installed),
        "serial_num": hw.enpower_serial[:-4] + "0002",
        "device_status": ["envoy.global.ok"],
        "last_rpt_date": str(scene.ts - scene.ts % 60),
        "admin_state": 1,
        "dev_type": 19,
        "created_date": str(hw.installed),
        "img_load_date": "0",
        "img_pnum_running": "523-00001-r01-v01.18.00",
        "ptpn": "551-00064-r01-v01.18.00",
        "chaneid": 1929380113,
        "device_control": [{"gficlearset": False}],
        "producing": False,
        "communicating": True,
        "operating": True,
    }


def inventory(scene: Scene) -> list[dict[str, Any]]:
    reports = scene.house.inverter_reports(scene.t)
    acbs = scene.batteries() if scene.hw.battery_kind == "acb" else []
    return [
        {"type": "PCU", "devices": [_inventory_pcu(scene, i, r) for i, r in enumerate(reports)]},
        {"type": "ACB", "devices": [_inventory_acb(scene, j, b) for j, b in enumerate(acbs)]},
        {"type": "NSRB", "devices": []},
        {"type": "ESUB", "devices": [_inventory_esub(scene)] if scene.hw.enpower else []},
    ]

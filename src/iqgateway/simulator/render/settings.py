"""The device's stored settings documents (what control writes change), in their initial state."""

from __future__ import annotations

from typing import Any

RELAY_IDS = ("NC1", "NC2", "NO1", "NO2")
_DAYS = ("Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat")


def tariff(
    *, mode: str, reserve: float, very_low: int, currency: str, date: int, firmware: tuple[int, ...]
) -> dict[str, Any]:
    """The tariff document; firmware 8 added the optimised-schedules flag and a few schedule fields."""
    doc = _tariff(mode=mode, reserve=reserve, very_low=very_low, currency=currency, date=date)
    if firmware < (8,):
        del doc["tariff"]["storage_settings"]["opt_schedules"]
        for key in ("filename", "batt_mode", "opt_schedules"):
            del doc["schedule"][key]
        for season in doc["tariff"]["seasons"]:
            for day in season["days"]:
                del day["peak_rule"]
    return doc


def _tariff(*, mode: str, reserve: float, very_low: int, currency: str, date: int) -> dict[str, Any]:
    whole_day = [{"start": 0, "duration": 1440, "setting": "ZN"}]

    def season_days() -> list[dict[str, Any]]:
        return [
            {
                "id": "all_days",
                "days": "Mon,Tue,Wed,Thu,Fri,Sat,Sun",
                "must_charge_start": 0,
                "must_charge_duration": 0,
                "must_charge_mode": "CG",
                "peak_rule": "DL",
                "enable_discharge_to_grid": False,
                "periods": [{"id": "period_1", "start": 0, "rate": 0.14}],
            }
        ]

    return {
        "tariff": {
            "currency": {"code": currency},
            "logger": "mylogger",
            "date": str(date),
            "storage_settings": {
                "mode": mode,
                "operation_mode_sub_type": "",
                "reserved_soc": float(reserve),
                "very_low_soc": very_low,
                "charge_from_grid": False,
                "date": str(date),
                "opt_schedules": False,
            },
            "single_rate": {"rate": 0.14, "sell": 0.02},
            "seasons": [
                {"id": "summer", "start": "6/1", "days": season_days(), "tiers": []},
                {"id": "winter", "start": "12/1", "days": season_days(), "tiers": []},
            ],
            "seasons_sell": [],
        },
        "schedule": {
            "filename": "Tariff",
            "source": "Tariff",
            "date": "2026-05-08 07:33:20 UTC",
            "version": "00.00.02",
            "reserved_soc": float(reserve),
            "very_low_soc": very_low,
            "charge_from_grid": False,
            "batt_mode": mode,
            "battery_mode": mode,
            "operation_mode_sub_type": "",
            "opt_schedules": False,
            "override": False,
            "override_backup_soc": 30.0,
            "override_chg_dischg_rate": 0.0,
            "override_tou_mode": "StorageTouMode_DEFAULT_TOU_MODE",
            "schedule": {
                "Disable": [{day: [{"start": 0, "duration": 1440, "setting": "ID"}]} for day in _DAYS],
                "tariff": [
                    {"start": "6/1", "end": "12/1", **{day: list(whole_day) for day in _DAYS}},
                    {"start": "12/1", "end": "6/1", **{day: list(whole_day) for day in _DAYS}},
                ],
            },
        },
    }


def dry_contacts(status: str) -> dict[str, Any]:
    return {"dry_contacts": [{"id": rid, "status": status} for rid in RELAY_IDS]}


def dry_contact_settings(*, variant: str) -> dict[str, Any]:
    """Relay settings as the firmware shapes them: "basic", "enpower" (8.2+) or "collar" (8.3 collar)."""
    relays: list[dict[str, Any]] = []
    for n, rid in enumerate(RELAY_IDS, start=1):
        used = variant == "enpower" and n <= 2
        item: dict[str, Any] = {
            "id": rid,
            "type": "LOAD" if used else "NONE",
            "grid_action": "apply" if used else "none",
            "micro_grid_action": "shed" if used else "none",
            "gen_action": "apply" if used else "none",
        }
        if variant == "collar":
            item["safe_state_action"] = "shed"
        if variant in ("enpower", "collar"):
            item["essential_start_time"] = 32400.0
            item["essential_end_time"] = 57600.0
            item["priority"] = float(n)
            item["black_s_start"] = 5.0 if variant == "enpower" else 10000.0
        if variant == "collar":
            item["black_start_retries"] = 10000.0
            item["action_retries"] = 1.0
        item["override"] = "true" if used else "false"
        if variant in ("enpower", "collar"):
            item["manual_override"] = "true" if variant == "enpower" else "false"
        item["load_name"] = ("Water heater", "Pool pump")[n - 1] if used else ""
        item["mode"] = "manual"
        item["soc_low"] = 30.0
        item["soc_high"] = 70.0
        if variant == "collar":
            item["pv_phase_select"] = []
        item["pv_serial_nb"] = []
        relays.append(item)
    return {"dry_contacts": relays}


def gen_config(generator_id: str) -> dict[str, Any]:
    return {
        "max_cont_gen_amps": 60.0,
        "min_gen_loading_perc": 5,
        "max_gen_efficiency_perc": 100,
        "name_plate_rating_wat": 22.0,
        "start_method": "auto",
        "warm_up_mins": 5,
        "cool_down_mins": 5,
        "gen_type": "Standby",
        "model": "G007042-3, G007043-3 (22kW)",
        "manufacturer": "Generac",
        "last_updated_by": "ITK",
        "generator_id": generator_id,
        "charge_from_generator": True,
    }


def gen_schedule() -> dict[str, Any]:
    return {
        "exercise_config": {"freq_in_weeks": 3, "start": 945, "duration": 20, "day": "Sat"},
        "default_soc": {"start_soc": 30, "stop_soc": 70},
        "schedule": {
            "default": [
                {
                    "id": "always_on",
                    "start": "1/1",
                    "end": "12/31",
                    "days": [
                        {
                            "id": "all_days",
                            "week_days": "Mon,Tue,Wed,Thu,Fri,Sat,Sun",
                            "periods": [
                                {
                                    "id": "normal_1",
                                    "start": 0.0,
                                    "duration": 1440.0,
                                    "start_soc": 100.0,
                                    "stop_soc": -1.0,
                                    "setting": "AON",
                                }
                            ],
                        }
                    ],
                }
            ]
        },
        "last_updated_by": "ITK",
    }


def gen_mode(cmd: str) -> dict[str, Any]:
    return {"gen_cmd": cmd, "last_updated_by": "ITK"}

"""Synthetic profiles answer every endpoint with documents shaped exactly like the real captures."""

from __future__ import annotations

import json
from typing import Any

import pytest

from iqgateway.simulator.profiles import PROFILES, ProfileSource
from iqgateway.simulator.source import NOT_FOUND_BODY

from .profile_helpers import capture_json, get_json


# ------------------------------------------------------------------ structural comparison
def _kind(value: Any) -> str:
    if isinstance(value, bool):
        return "bool"
    if isinstance(value, int | float):
        return "number"
    if value is None:
        return "null"
    return type(value).__name__


def shape_diff(actual: Any, reference: Any, where: str = "$") -> list[str]:
    """Where `actual` differs from `reference` in key names, nesting and value types (not values).

    A list element must match the shape of some element of the reference list; an empty reference
    list or a null reference value constrains nothing.
    """
    if reference is None:
        return []
    if actual is None and isinstance(reference, str):
        return []  # the device answers null for a string it does not know (an address not assigned yet)
    if _kind(actual) != _kind(reference):
        return [f"{where}: {_kind(actual)} where the device has {_kind(reference)}"]
    if isinstance(reference, dict):
        out: list[str] = []
        # objects keyed by device id (eid, serial) are maps: each entry must look like one of the device's
        ref_ids = [key for key in reference if key.isdigit()]
        act_ids = [key for key in actual if key.isdigit()]
        if ref_ids:
            entries = [reference[key] for key in ref_ids]
            out += shape_diff([actual[key] for key in act_ids], entries, f"{where}.<id>")
            reference = {k: v for k, v in reference.items() if k not in ref_ids}
            actual = {k: v for k, v in actual.items() if k not in act_ids}
        missing = sorted(set(reference) - set(actual))
        extra = sorted(set(actual) - set(reference))
        if missing:
            out.append(f"{where}: missing keys {missing}")
        if extra:
            out.append(f"{where}: extra keys {extra}")
        for key in sorted(set(reference) & set(actual)):
            out += shape_diff(actual[key], reference[key], f"{where}.{key}")
        return out
    if isinstance(reference, list):
        out = []
        if not reference:
            return out
        for i, item in enumerate(actual):
            tries = [shape_diff(item, ref, f"{where}[{i}]") for ref in reference]
            best = min(tries, key=len)
            out += best
        return out
    return []


def test_shape_diff_catches_drift() -> None:
    ref = {"a": 1, "b": [{"x": "s", "y": 2.5}], "c": {"d": True}}
    assert shape_diff({"a": 2.0, "b": [{"x": "t", "y": 3}], "c": {"d": False}}, ref) == []
    assert shape_diff({"a": "1", "b": [], "c": {"d": True}}, ref) == ["$.a: str where the device has number"]
    assert shape_diff({"a": 1, "b": [{"x": "s"}], "c": {"d": 1}}, ref) == [
        "$.b[0]: missing keys ['y']",
        "$.c.d: number where the device has bool",
    ]
    assert shape_diff({"a": 1, "b": [], "c": {"d": True}, "e": 0}, ref) == ["$: extra keys ['e']"]


# ------------------------------------------------------------------ which capture each endpoint copies
ENDPOINTS: dict[str, tuple[str, str]] = {
    # name -> (request path, query)
    "production.json_details_1": ("/production.json", "details=1"),
    "production.json": ("/production.json", ""),
    "production": ("/production", ""),
    "api_v1_production": ("/api/v1/production", ""),
    "api_v1_production_inverters": ("/api/v1/production/inverters", ""),
    "ivp_pdm_device_data": ("/ivp/pdm/device_data", ""),
    "ivp_meters": ("/ivp/meters", ""),
    "ivp_meters_readings": ("/ivp/meters/readings", ""),
    "ivp_meters_reports": ("/ivp/meters/reports", ""),
    "inventory.json_deleted_1": ("/inventory.json", "deleted=1"),
    "ivp_ensemble_inventory": ("/ivp/ensemble/inventory", ""),
    "ivp_ensemble_power": ("/ivp/ensemble/power", ""),
    "ivp_ensemble_secctrl": ("/ivp/ensemble/secctrl", ""),
    "ivp_ensemble_generator": ("/ivp/ensemble/generator", ""),
    "ivp_ensemble_dry_contacts": ("/ivp/ensemble/dry_contacts", ""),
    "ivp_ss_dry_contact_settings": ("/ivp/ss/dry_contact_settings", ""),
    "admin_lib_tariff": ("/admin/lib/tariff", ""),
    "ivp_ss_gen_config": ("/ivp/ss/gen_config", ""),
    "ivp_ss_gen_schedule": ("/ivp/ss/gen_schedule", ""),
    "ivp_ss_gen_mode": ("/ivp/ss/gen_mode", ""),
    "home": ("/home", ""),
}

GEN = "8.3.5169_with_generator"
ACB = "8.3.5169_ACB_inventory"
ACB_82 = "8.2.4382_ACB"
BAT_SPLIT = "8.2.4286_with_3cts_and_battery_split"
DD = "8.2.4345_with_device_data"
THREE = "7.6.175_with_cts_3phase"
COLLAR = "8.3.1598_collar"
STD = "7.6.175_standard"

# profile -> endpoint file -> the capture(s) whose file it must match (every one of them)
REFERENCES: dict[str, dict[str, tuple[str, ...]]] = {
    "legacy": {
        "api_v1_production": ("3.8.10", "3.17.3"),
        "api_v1_production_inverters": ("3.8.10", "3.17.3", "3.9.36"),
    },
    "standard": {
        "production.json": (STD,),
        "production.json_details_1": (STD,),
        "production": (STD,),
        "api_v1_production": (STD,),
        "api_v1_production_inverters": (STD,),
        "ivp_ensemble_inventory": (STD,),
        "ivp_ensemble_power": (STD,),
        "ivp_ensemble_dry_contacts": (STD,),
        "ivp_ss_dry_contact_settings": (STD,),
        "inventory.json_deleted_1": (GEN,),
        "home": ("7.6.175", GEN),
    },
    "metered": {
        "production.json_details_1": (DD,),
        "production.json": (DD,),
        "production": (DD,),
        "api_v1_production": (DD,),
        "api_v1_production_inverters": (DD,),
        "ivp_pdm_device_data": (DD,),
        "ivp_meters": (DD,),
        "ivp_meters_readings": (DD,),
        "ivp_meters_reports": (GEN,),
        "ivp_ensemble_secctrl": (DD,),
        "ivp_ensemble_generator": (DD,),
        "ivp_ensemble_dry_contacts": (DD,),
        "ivp_ss_dry_contact_settings": (ACB_82,),
        "admin_lib_tariff": (DD,),
        "ivp_ss_gen_config": (DD,),
        "ivp_ss_gen_schedule": (DD,),
        "ivp_ensemble_power": (DD,),
        "inventory.json_deleted_1": (GEN,),
        "home": (GEN,),
    },
    "metered-3phase": {
        "production.json_details_1": (THREE, "7.3.466_with_cts_3phase"),
        "production": (THREE,),
        "api_v1_production": (THREE,),
        "api_v1_production_inverters": (THREE,),
        "ivp_meters": (THREE, "7.3.466_with_cts_3phase"),
        "ivp_meters_readings": (THREE, "7.3.466_with_cts_3phase"),
        "ivp_ensemble_inventory": (THREE,),
        "ivp_ensemble_power": (THREE,),
        "ivp_ensemble_secctrl": (THREE,),
        "ivp_ensemble_generator": (THREE,),
        "ivp_ensemble_dry_contacts": (THREE,),
        "ivp_ss_dry_contact_settings": (THREE,),
        "admin_lib_tariff": (THREE,),
        "ivp_ss_gen_config": (THREE,),
        "ivp_ss_gen_schedule": (THREE,),
        "home": ("7.6.175",),
    },
    "total-consumption-ct": {
        "production.json_details_1": (GEN,),
        "production.json": (GEN,),
        "production": (GEN,),
        "api_v1_production": (GEN,),
        "api_v1_production_inverters": (GEN,),
        "ivp_pdm_device_data": (GEN,),
        "ivp_meters": (GEN,),
        "ivp_meters_readings": (GEN,),
        "ivp_meters_reports": (GEN,),
        "ivp_ensemble_secctrl": (GEN,),
        "admin_lib_tariff": (GEN,),
        "ivp_ensemble_dry_contacts": (ACB,),
        "ivp_ss_dry_contact_settings": (ACB,),
        "ivp_ensemble_generator": (ACB,),
        "ivp_ss_gen_config": (ACB,),
        "ivp_ss_gen_schedule": (ACB,),
        "ivp_ensemble_inventory": (ACB,),
        "ivp_ensemble_power": (ACB,),
        "inventory.json_deleted_1": (GEN,),
        "home": (GEN,),
    },
    "battery-total-ct": {
        "production.json_details_1": (GEN,),
        "production.json": (GEN,),
        "production": (GEN,),
        "api_v1_production": (GEN,),
        "api_v1_production_inverters": (GEN,),
        "ivp_pdm_device_data": (GEN,),
        "ivp_meters": (GEN, BAT_SPLIT),
        "ivp_meters_readings": (GEN, BAT_SPLIT),
        "ivp_meters_reports": (GEN,),
        "ivp_ensemble_inventory": (GEN, BAT_SPLIT),
        "ivp_ensemble_power": (GEN, BAT_SPLIT),
        "ivp_ensemble_secctrl": (GEN,),
        "admin_lib_tariff": (GEN,),
        "inventory.json_deleted_1": (GEN,),
        "home": (GEN,),
    },
    "battery-eu": {
        "production.json_details_1": (BAT_SPLIT, THREE),
        "production": (DD,),
        "api_v1_production": (ACB_82,),
        "api_v1_production_inverters": (ACB_82,),
        "ivp_pdm_device_data": (DD,),
        "ivp_meters": (BAT_SPLIT, THREE),
        "ivp_meters_readings": (BAT_SPLIT, THREE),
        "ivp_ensemble_inventory": (ACB_82, BAT_SPLIT),
        "ivp_ensemble_power": (ACB_82, BAT_SPLIT),
        "ivp_ensemble_secctrl": (ACB_82, BAT_SPLIT),
        "ivp_ensemble_generator": (ACB_82,),
        "ivp_ensemble_dry_contacts": (ACB_82,),
        "ivp_ss_dry_contact_settings": (ACB_82,),
        "admin_lib_tariff": (DD,),
        "ivp_ss_gen_config": (ACB_82,),
        "ivp_ss_gen_schedule": (ACB_82,),
        "inventory.json_deleted_1": (GEN,),
        "home": (GEN,),
    },
    "full-us": {
        "production.json_details_1": (GEN,),
        "production.json": (GEN,),
        "production": (GEN,),
        "api_v1_production": (GEN,),
        "api_v1_production_inverters": (GEN,),
        "ivp_pdm_device_data": (GEN,),
        "ivp_meters": (GEN, BAT_SPLIT),
        "ivp_meters_readings": (GEN, BAT_SPLIT),
        "ivp_meters_reports": (GEN,),
        "ivp_ensemble_inventory": (GEN, BAT_SPLIT),
        "ivp_ensemble_power": (GEN, BAT_SPLIT),
        "ivp_ensemble_secctrl": (GEN,),
        "ivp_ensemble_generator": (GEN,),
        "ivp_ensemble_dry_contacts": (GEN,),
        "ivp_ss_dry_contact_settings": (GEN,),
        "admin_lib_tariff": (GEN,),
        "ivp_ss_gen_config": (GEN,),
        "ivp_ss_gen_schedule": (GEN,),
        "ivp_ss_gen_mode": (GEN,),
        "inventory.json_deleted_1": (GEN,),
        "home": (GEN,),
    },
    "acb": {
        "production.json_details_1": (ACB, ACB_82),
        "production.json": (ACB,),
        "production": (ACB,),
        "api_v1_production": (ACB,),
        "api_v1_production_inverters": (ACB,),
        "ivp_pdm_device_data": (ACB,),
        "ivp_meters": (ACB,),
        "ivp_meters_readings": (ACB,),
        "ivp_meters_reports": (GEN,),
        "inventory.json_deleted_1": (ACB,),
        "ivp_ensemble_inventory": (ACB,),
        "ivp_ensemble_power": (ACB,),
        "ivp_ensemble_secctrl": (ACB,),
        "ivp_ensemble_generator": (ACB,),
        "ivp_ensemble_dry_contacts": (ACB,),
        "ivp_ss_dry_contact_settings": (ACB,),
        "admin_lib_tariff": (ACB,),
        "ivp_ss_gen_config": (ACB,),
        "ivp_ss_gen_schedule": (ACB,),
        "home": (ACB,),
    },
    "collar": {
        "production.json_details_1": (COLLAR,),
        "production": (COLLAR,),
        "api_v1_production": (COLLAR,),
        "api_v1_production_inverters": (COLLAR,),
        "ivp_pdm_device_data": (GEN,),
        "ivp_meters": (COLLAR,),
        "ivp_meters_readings": (COLLAR,),
        "ivp_meters_reports": (GEN,),
        "ivp_ensemble_inventory": (COLLAR,),
        "ivp_ensemble_power": (COLLAR,),
        "ivp_ensemble_secctrl": (COLLAR,),
        "ivp_ensemble_generator": (COLLAR,),
        "ivp_ensemble_dry_contacts": (COLLAR,),
        "ivp_ss_dry_contact_settings": (COLLAR,),
        "admin_lib_tariff": (COLLAR,),
        "ivp_ss_gen_config": (COLLAR,),
        "ivp_ss_gen_schedule": (COLLAR,),
        "inventory.json_deleted_1": (GEN,),
        "home": (COLLAR,),
    },
}

# endpoints a profile must NOT serve (the matching device answers 404 or does not have them)
ABSENT: dict[str, tuple[str, ...]] = {
    "legacy": ("/home", "/ivp/meters", "/ivp/ensemble/inventory", "/ivp/livedata/status", "/admin/lib/tariff"),
    "standard": ("/ivp/pdm/device_data", "/ivp/meters/reports", "/ivp/ensemble/secctrl", "/admin/lib/tariff"),
    "metered-3phase": ("/ivp/pdm/device_data", "/ivp/ss/gen_mode"),
    "metered": ("/ivp/ss/gen_mode", "/admin/lib/acb_config"),
    "full-us": ("/admin/lib/acb_config", "/no/such/endpoint"),
}

LIVEDATA_METER = dict.fromkeys(
    [
        "agg_p_mw",
        "agg_s_mva",
        "agg_p_ph_a_mw",
        "agg_p_ph_b_mw",
        "agg_p_ph_c_mw",
        "agg_s_ph_a_mva",
        "agg_s_ph_b_mva",
        "agg_s_ph_c_mva",
    ],
    0,
)
LIVEDATA_SHAPE: dict[str, Any] = {  # ENVOY-API.md "Live data"
    "connection": {"mqtt_state": "", "prov_state": "", "auth_state": "", "sc_stream": "", "sc_debug": ""},
    "meters": {
        **dict.fromkeys(
            [
                "last_update",
                "soc",
                "main_relay_state",
                "gen_relay_state",
                "backup_bat_mode",
                "backup_soc",
                "is_split_phase",
                "phase_count",
                "enc_agg_soc",
                "enc_agg_energy",
                "acb_agg_soc",
                "acb_agg_energy",
            ],
            0,
        ),
        **{name: LIVEDATA_METER for name in ("pv", "storage", "grid", "load", "generator")},
    },
    "tasks": {"task_id": 0, "timestamp": 0},
    "counters": None,
}


REFERENCES["metered-500"] = REFERENCES["metered"]  # the same device, 500 inverters

CASES = [(profile, endpoint) for profile, refs in REFERENCES.items() for endpoint in refs]


@pytest.mark.parametrize(("profile", "endpoint"), CASES, ids=[f"{p}-{e}" for p, e in CASES])
def test_endpoint_shape_matches_capture(sources: dict[str, ProfileSource], profile: str, endpoint: str) -> None:
    path, query = ENDPOINTS[endpoint]
    actual = get_json(sources[profile], path, query)
    for capture in REFERENCES[profile][endpoint]:
        reference = capture_json(capture, endpoint)
        assert shape_diff(actual, reference) == [], f"{profile} {endpoint} vs {capture}"


def test_every_profile_has_references() -> None:
    assert set(REFERENCES) == set(PROFILES)


@pytest.mark.parametrize("profile", [p for p in PROFILES if p != "legacy"])
def test_livedata_shape_and_stream(sources: dict[str, ProfileSource], profile: str) -> None:
    source = sources[profile]
    doc = get_json(source, "/ivp/livedata/status")
    assert shape_diff(doc, LIVEDATA_SHAPE) == []
    reply = source.respond("POST", "/ivp/livedata/stream", "", b'{"enable":1}')
    assert (reply.status, json.loads(reply.body)) == (200, {"sc_stream": "enabled"})
    doc = get_json(source, "/ivp/livedata/status")
    assert doc["connection"]["sc_stream"] == "enabled"
    meters = doc["meters"]
    # the device's own balance: load = grid + pv + storage (milliwatts)
    balance = meters["grid"]["agg_p_mw"] + meters["pv"]["agg_p_mw"] + meters["storage"]["agg_p_mw"]
    assert abs(meters["load"]["agg_p_mw"] + -balance) <= 3


@pytest.mark.parametrize("profile", list(ABSENT))
def test_endpoints_the_device_does_not_have(sources: dict[str, ProfileSource], profile: str) -> None:
    for path in ABSENT[profile]:
        reply = sources[profile].respond("GET", path, "", b"")
        assert (reply.status, reply.body) == (404, NOT_FOUND_BODY), path

"""Synthetic profiles answer every endpoint with documents shaped exactly like the real captures."""

from __future__ import annotations

import itertools
import json
import xml.etree.ElementTree as ET
from datetime import datetime
from typing import Any

import pytest

from iqgateway.simulator.clock import SimClock
from iqgateway.simulator.profiles import PROFILES, ProfileSource, make_profile
from iqgateway.simulator.source import NOT_FOUND_BODY
from tests.shared import CAPTURES

START = datetime(2026, 6, 21, 13, 5)


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


def capture_json(capture: str, name: str) -> Any:
    path = CAPTURES / capture / name
    if not path.is_file() and name == "production.json_details_1":
        path = CAPTURES / capture / "production.json"
    return json.loads(path.read_text())


def new_profile(name: str, **kw: Any) -> ProfileSource:
    return make_profile(name, clock=SimClock(START, speed=0, tz="America/Chicago"), seed=3, **kw)


def get_json(source: ProfileSource, path: str, query: str = "") -> Any:
    reply = source.respond("GET", path, query, b"")
    assert reply.status == 200, f"{path}: {reply.status} {reply.body[:80]!r}"
    assert reply.content_type == "application/json"
    return json.loads(reply.body)


@pytest.fixture(scope="module")
def sources() -> dict[str, ProfileSource]:
    return {name: new_profile(name) for name in PROFILES}


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


def _info(source: ProfileSource) -> ET.Element:
    reply = source.respond("GET", "/info", "", b"")
    assert (reply.status, reply.content_type) == (200, "text/xml")
    return ET.fromstring(reply.body)


@pytest.mark.parametrize("profile", PROFILES)
def test_info_xml_like_the_device(sources: dict[str, ProfileSource], profile: str) -> None:
    source = sources[profile]
    root = _info(source)
    legacy = profile == "legacy"
    reference = ET.fromstring((CAPTURES / ("3.8.10" if legacy else GEN) / "info").read_bytes())
    device, ref_device = root.find("device"), reference.find("device")
    assert device is not None
    assert ref_device is not None
    assert [c.tag for c in device] == [c.tag for c in ref_device]
    assert device.findtext("sn") == source.serial
    software = device.findtext("software") or ""
    assert software[0] in "RDM"
    assert software[1:] == source.firmware
    if not legacy:
        assert device.findtext("imeter") == ("false" if profile == "standard" else "true")
        assert root.findtext("web-tokens") == "true"
    assert root.find("package") is not None


def test_legacy_pages_are_html() -> None:
    source = new_profile("legacy")
    page = source.respond("GET", "/production", "", b"")
    assert (page.status, page.content_type) == (200, "text/html")
    watts_now = get_json(source, "/api/v1/production")["wattsNow"]
    assert b"System Energy Production" in page.body
    assert f"{watts_now / 1000:5.3g} kW".encode() in page.body or f"{watts_now:5.0f} W".encode() in page.body
    not_json = source.respond("GET", "/production.json", "", b"")
    assert not_json.status == 200
    assert b"Page Not Found" in not_json.body
    inverters = get_json(source, "/api/v1/production/inverters")
    assert len(inverters) == 12
    assert all("devType" not in inv for inv in inverters)


def test_sizes_200_inverters_and_device_data_limit() -> None:
    source = new_profile("full-us", inverters=200, batteries=4)
    inverters = get_json(source, "/api/v1/production/inverters")
    assert len(inverters) == 200
    assert len({inv["serialNumber"] for inv in inverters}) == 200
    data = get_json(source, "/ivp/pdm/device_data")
    devices = {k: v for k, v in data.items() if k not in ("deviceCount", "deviceDataLimit")}
    assert len(devices) == 50
    assert data["deviceDataLimit"] == 50
    assert data["deviceCount"] == 200 + 2  # inverters + production and consumption CTs
    assert [d["sn"] for d in devices.values()] == [inv["serialNumber"] for inv in inverters[:50]]
    production = get_json(source, "/production.json", "details=1")
    assert production["production"][0]["activeCount"] == 200
    assert (
        production["production"][0]["wNow"] == sum(inv["lastReportWatts"] for inv in inverters)
        or abs(production["production"][0]["wNow"] - sum(inv["lastReportWatts"] for inv in inverters)) <= 200
    )
    inventory = get_json(source, "/ivp/ensemble/inventory")
    encharge = next(g for g in inventory if g["type"] == "ENCHARGE")
    assert len(encharge["devices"]) == 4
    assert len(get_json(source, "/ivp/ensemble/power")["devices:"]) == 4


def test_defaults_and_counts_per_profile(sources: dict[str, ProfileSource]) -> None:
    counts = {name: len(get_json(src, "/api/v1/production/inverters")) for name, src in sources.items()}
    assert counts == {
        "legacy": 12,
        "standard": 16,
        "metered": 16,
        "metered-500": 500,
        "metered-3phase": 18,
        "total-consumption-ct": 16,
        "battery-eu": 16,
        "full-us": 20,
        "acb": 8 + 2,  # AC Batteries are listed with devType 11
        "collar": 17,
        "battery-total-ct": 16,
    }
    meters = get_json(sources["collar"], "/ivp/meters")
    assert [(m["measurementType"], m["state"]) for m in meters] == [
        ("production", "enabled"),
        ("net-consumption", "enabled"),
        ("storage", "enabled"),
        ("backfeed", "enabled"),
        ("load", "disabled"),
        ("evse", "disabled"),
        ("pv3p", "disabled"),
    ]
    full = get_json(sources["full-us"], "/ivp/ensemble/dry_contacts")
    assert [r["id"] for r in full["dry_contacts"]] == ["NC1", "NC2", "NO1", "NO2"]
    three = get_json(sources["metered-3phase"], "/production.json", "details=1")
    assert len(three["production"][1]["lines"]) == 3
    assert {m["phaseMode"] for m in get_json(sources["battery-eu"], "/ivp/meters")} == {"three"}
    assert get_json(sources["full-us"], "/ivp/ensemble/generator")["present"] == 1


def test_same_seed_same_answers_and_seed_changes_them() -> None:
    a, b = new_profile("metered", inverters=5), new_profile("metered", inverters=5)
    for src in (a, b):
        src.clock.advance(3600)
    doc_a = get_json(a, "/ivp/meters/readings")
    assert doc_a == get_json(b, "/ivp/meters/readings")
    other = make_profile("metered", inverters=5, clock=SimClock(START, speed=0, tz="America/Chicago"), seed=4)
    other.clock.advance(3600)
    assert get_json(other, "/ivp/meters/readings") != doc_a


def test_counters_do_not_depend_on_polling_rate() -> None:
    often, once = new_profile("full-us"), new_profile("full-us")
    for _ in range(120):
        often.clock.advance(37)
        get_json(often, "/production.json", "details=1")
    once.clock.advance(37 * 120)
    assert get_json(often, "/ivp/meters/readings") == get_json(once, "/ivp/meters/readings")
    assert get_json(often, "/api/v1/production/inverters") == get_json(once, "/api/v1/production/inverters")


def test_hooks_reboot_upgrade_reset_lifetime() -> None:
    source = new_profile("standard")
    before = get_json(source, "/api/v1/production")
    assert before["wattHoursToday"] > 1000  # 13:05 on a June day
    source.reboot()
    source.clock.advance(300)
    after = get_json(source, "/api/v1/production")
    assert 0 <= after["wattHoursToday"] < 1000
    assert after["wattHoursLifetime"] >= before["wattHoursLifetime"]
    source.reset_lifetime()
    assert get_json(source, "/api/v1/production")["wattHoursLifetime"] == 0
    source.clock.advance(600)
    assert 0 < get_json(source, "/api/v1/production")["wattHoursLifetime"] < 2000
    source.upgrade_firmware("D8.2.4345")
    assert source.firmware == "8.2.4345"
    assert _info(source).findtext("device/software") == "D8.2.4345"
    assert source.respond("GET", "/ivp/pdm/device_data", "", b"").status == 200


def test_phase_values_are_plausible(sources: dict[str, ProfileSource]) -> None:
    us = get_json(sources["full-us"], "/ivp/meters/readings")
    eu = get_json(sources["metered-3phase"], "/ivp/meters/readings")
    for channel in us[0]["channels"][:2]:
        assert 115 < channel["voltage"] < 127
        assert 59.9 < channel["freq"] < 60.1
    assert us[0]["channels"][2]["voltage"] == 0.0
    assert 235 < us[0]["voltage"] < 254  # split phase: the two legs add up
    for channel in eu[0]["channels"]:
        assert 225 < channel["voltage"] < 242
        assert 49.9 < channel["freq"] < 50.1
        if channel["activePower"] > 50:
            assert 0.5 < channel["pwrFactor"] <= 1.0
            assert channel["current"] == pytest.approx(channel["apparentPower"] / channel["voltage"], rel=0.01)


def test_inverters_change_only_at_their_own_report_times() -> None:
    source = new_profile("metered", inverters=6)
    seen: dict[str, list[tuple[int, int]]] = {}
    for _ in range(40):
        source.clock.advance(30)
        now = source.clock.timestamp()
        for inv in get_json(source, "/api/v1/production/inverters"):
            assert now - 300 < inv["lastReportDate"] <= now
            seen.setdefault(inv["serialNumber"], []).append((inv["lastReportDate"], inv["lastReportWatts"]))
    offsets = set()
    for history in seen.values():
        dates = sorted({date for date, _ in history})
        assert all(b - a == 300 for a, b in itertools.pairwise(dates))
        assert len(dates) in (4, 5)  # 20 minutes seen: a report every 5 minutes
        for date in dates:
            assert len({watts for d, watts in history if d == date}) == 1
        offsets.add(dates[0] % 300)
    assert len(offsets) > 1  # staggered, not all at once

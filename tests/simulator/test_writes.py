"""Control writes: on a capture's documents (apply_write) and on a synthetic profile's state."""

from __future__ import annotations

import copy
import json
from datetime import datetime
from typing import Any

import aiohttp
import pytest

from iqgateway.auth.passwords import installer_password
from iqgateway.simulator.clock import SimClock
from iqgateway.simulator.profiles import ProfileSource, make_profile
from iqgateway.simulator.source import Reply
from iqgateway.simulator.writes import apply_write
from tests.shared import CAPTURES
from tests.simulator.conftest import DeviceClient

GEN = "8.3.5169_with_generator"
BAT_SPLIT = "8.2.4286_with_3cts_and_battery_split"
OLD_BAT = "8.2.127_with_3cts_and_battery_split"
ACB = "8.3.5169_ACB_inventory"

PATHS = {
    "ivp_ensemble_inventory": "/ivp/ensemble/inventory",
    "ivp_ensemble_dry_contacts": "/ivp/ensemble/dry_contacts",
    "ivp_ss_dry_contact_settings": "/ivp/ss/dry_contact_settings",
    "admin_lib_tariff": "/admin/lib/tariff",
    "ivp_ss_gen_config": "/ivp/ss/gen_config",
    "ivp_ss_gen_schedule": "/ivp/ss/gen_schedule",
    "ivp_ss_gen_mode": "/ivp/ss/gen_mode",
    "ivp_ensemble_generator": "/ivp/ensemble/generator",
    "ivp_ensemble_status": "/ivp/ensemble/status",
    "inventory.json_deleted_1": "/inventory.json",
}


def capture_documents(capture: str) -> dict[str, Any]:
    docs: dict[str, Any] = {}
    for name, path in PATHS.items():
        file = CAPTURES / capture / name
        if file.is_file():
            docs[path] = json.loads(file.read_text())
    return docs


def firmware_of(capture: str) -> tuple[int, ...]:
    text = (CAPTURES / capture / "info").read_text()
    software = text.split("<software>")[1].split("</software>")[0]
    return tuple(int(p) for p in software[1:].split("."))


def write(docs: dict[str, Any], capture: str, method: str, path: str, body: Any) -> Reply:
    raw = body if isinstance(body, bytes) else json.dumps(body).encode()
    reply = apply_write(docs, method, path, raw, firmware=firmware_of(capture))
    assert reply is not None
    assert reply.content_type == "application/json"
    json.loads(reply.body)  # every answer, refusals included, is JSON
    return reply


def enpower(docs: dict[str, Any]) -> dict[str, Any]:
    group = next(g for g in docs["/ivp/ensemble/inventory"] if g["type"] == "ENPOWER")
    device: dict[str, Any] = group["devices"][0]
    return device


# ------------------------------------------------------------------ apply_write on captures
def test_grid_relay() -> None:
    docs = capture_documents(GEN)
    assert enpower(docs)["mains_admin_state"] == "closed"
    reply = write(docs, GEN, "POST", "/ivp/ensemble/relay", {"mains_admin_state": "open"})
    assert (reply.status, json.loads(reply.body)) == (200, {"mains_admin_state": "open"})
    assert (enpower(docs)["mains_admin_state"], enpower(docs)["mains_oper_state"]) == ("open", "open")
    assert docs["/ivp/ensemble/status"]["relay"]["mains_admin_state"] == "open"
    assert write(docs, GEN, "POST", "/ivp/ensemble/relay", {"mains_admin_state": "ajar"}).status == 400
    assert write(docs, GEN, "POST", "/ivp/ensemble/relay", {"mains_admin_state": True}).status == 400
    assert enpower(docs)["mains_admin_state"] == "open"
    no_enpower = capture_documents(ACB)
    assert write(no_enpower, ACB, "POST", "/ivp/ensemble/relay", {"mains_admin_state": "open"}).status == 400


def test_bad_bodies_are_400_with_a_json_error() -> None:
    docs = capture_documents(GEN)
    before = copy.deepcopy(docs)
    for body in (b"{not json", b"\xff\xfe", b"[1, 2]", b'"open"', b"{}"):
        reply = write(docs, GEN, "POST", "/ivp/ensemble/dry_contacts", body)
        assert reply.status == 400
        error = json.loads(reply.body)
        assert error["error"] == "400 - Bad Request"
        assert error["message"]
    assert docs == before


def test_not_a_write() -> None:
    docs = capture_documents(GEN)
    assert apply_write(docs, "GET", "/admin/lib/tariff", b"", firmware=(8, 3, 5169)) is None
    assert apply_write(docs, "POST", "/production.json", b"{}", firmware=(8, 3, 5169)) is None
    reply = apply_write(docs, "PUT", "/ivp/ensemble/relay", b"{}", firmware=(8, 3, 5169))
    assert reply is not None
    assert reply.status == 405


def test_relay_open_close() -> None:
    docs = capture_documents(GEN)
    reply = write(docs, GEN, "POST", "/ivp/ensemble/dry_contacts", {"dry_contacts": {"id": "NC2", "status": "open"}})
    assert reply.status == 200
    assert [r["status"] for r in docs["/ivp/ensemble/dry_contacts"]["dry_contacts"]] == [
        "closed",
        "open",
        "closed",
        "closed",
    ]
    bad_id = {"dry_contacts": {"id": "NC9", "status": "open"}}
    assert write(docs, GEN, "POST", "/ivp/ensemble/dry_contacts", bad_id).status == 400
    bad_state = {"dry_contacts": {"id": "NC1", "status": "half"}}
    assert write(docs, GEN, "POST", "/ivp/ensemble/dry_contacts", bad_state).status == 400


def test_relay_settings() -> None:
    docs = capture_documents(GEN)
    nc1 = dict(docs["/ivp/ss/dry_contact_settings"]["dry_contacts"][0])
    nc1.update(load_name="Pool pump", mode="soc", soc_low=25, soc_high=80, grid_action="shed", override=False)
    reply = write(docs, GEN, "POST", "/ivp/ss/dry_contact_settings", {"dry_contacts": nc1})
    assert reply.status == 200
    stored = docs["/ivp/ss/dry_contact_settings"]["dry_contacts"][0]
    assert (stored["load_name"], stored["mode"], stored["grid_action"]) == ("Pool pump", "soc", "shed")
    assert (stored["soc_low"], stored["soc_high"]) == (25.0, 80.0)
    assert stored["override"] == "false"  # the device keeps its booleans as strings
    assert isinstance(stored["soc_low"], float)
    for change in ({"mode": "sometimes"}, {"soc_low": 90, "soc_high": 10}, {"soc_low": "low"}, {"soc_high": 120}):
        body = {"dry_contacts": {"id": "NC2", **change}}
        assert write(docs, GEN, "POST", "/ivp/ss/dry_contact_settings", body).status == 400, change
    assert docs["/ivp/ss/dry_contact_settings"]["dry_contacts"][1]["mode"] == "manual"


def _tariff_put(docs: dict[str, Any], capture: str, **settings: Any) -> Reply:
    tariff = copy.deepcopy(docs["/admin/lib/tariff"]["tariff"])
    tariff["storage_settings"].update(settings)
    return write(docs, capture, "PUT", "/admin/lib/tariff", {"tariff": tariff})


def test_tariff_reserve_and_charge_from_grid() -> None:
    docs = capture_documents(GEN)
    reply = _tariff_put(docs, GEN, reserved_soc=35.0, charge_from_grid=True, mode="backup")
    assert reply.status == 200
    stored = docs["/admin/lib/tariff"]
    settings = stored["tariff"]["storage_settings"]
    assert (settings["reserved_soc"], settings["charge_from_grid"], settings["mode"]) == (35.0, True, "backup")
    assert (stored["schedule"]["reserved_soc"], stored["schedule"]["batt_mode"]) == (35.0, "backup")
    assert json.loads(reply.body)["tariff"]["storage_settings"]["mode"] == "backup"
    for bad in ({"mode": "turbo"}, {"reserved_soc": 150}, {"charge_from_grid": "yes"}, {"reserved_soc": "35"}):
        assert _tariff_put(docs, GEN, **bad).status == 400, bad
    assert write(docs, GEN, "PUT", "/admin/lib/tariff", {"tariff": {"currency": {}}}).status == 400
    assert docs["/admin/lib/tariff"]["tariff"]["storage_settings"]["reserved_soc"] == 35.0


def test_opt_schedules_quirk_on_8_2_4200_and_later() -> None:
    docs = capture_documents(BAT_SPLIT)  # fw 8.2.4286, stored opt_schedules true, self-consumption
    settings = docs["/admin/lib/tariff"]["tariff"]["storage_settings"]
    assert (settings["opt_schedules"], settings["mode"]) == (True, "self-consumption")
    assert _tariff_put(docs, BAT_SPLIT, mode="backup", reserved_soc=40.0).status == 200
    settings = docs["/admin/lib/tariff"]["tariff"]["storage_settings"]
    assert (settings["mode"], settings["reserved_soc"]) == ("self-consumption", 40.0)  # mode ignored, reserve kept
    assert _tariff_put(docs, BAT_SPLIT, mode="backup", opt_schedules=False).status == 200
    settings = docs["/admin/lib/tariff"]["tariff"]["storage_settings"]
    assert (settings["mode"], settings["opt_schedules"]) == ("backup", False)
    # sending opt_schedules true blocks the mode change even when the stored flag is false
    assert _tariff_put(docs, BAT_SPLIT, mode="economy", opt_schedules=True).status == 200
    assert docs["/admin/lib/tariff"]["tariff"]["storage_settings"]["mode"] == "backup"


def test_no_opt_schedules_quirk_before_8_2_4200() -> None:
    docs = capture_documents(OLD_BAT)  # fw 8.2.127
    docs["/admin/lib/tariff"]["tariff"]["storage_settings"]["opt_schedules"] = True
    assert _tariff_put(docs, OLD_BAT, mode="backup").status == 200
    assert docs["/admin/lib/tariff"]["tariff"]["storage_settings"]["mode"] == "backup"


def test_acb_sleep_and_wake() -> None:
    docs = capture_documents(ACB)
    body = {"acb_sleep": [{"serial_num": "121917000000", "sleep_min_soc": 20, "sleep_max_soc": 40}]}
    reply = write(docs, ACB, "PUT", "/admin/lib/acb_config", body)
    assert reply.status == 200
    assert docs["/admin/lib/acb_config"] == body
    acb = next(g for g in docs["/inventory.json"] if g["type"] == "ACB")["devices"][0]
    assert (acb["sleep_enabled"], acb["sleep_min_soc"], acb["sleep_max_soc"]) == (True, 20, 40)
    reply = write(docs, ACB, "DELETE", "/admin/lib/acb_config", {"acb_sleep": [{"serial_num": "121917000000"}]})
    assert reply.status == 200
    assert docs["/admin/lib/acb_config"] == {"acb_sleep": []}
    assert acb["sleep_enabled"] is False
    unknown = {"acb_sleep": [{"serial_num": "999", "sleep_min_soc": 20, "sleep_max_soc": 40}]}
    assert write(docs, ACB, "PUT", "/admin/lib/acb_config", unknown).status == 400
    inverted = {"acb_sleep": [{"serial_num": "121917000000", "sleep_min_soc": 50, "sleep_max_soc": 40}]}
    assert write(docs, ACB, "PUT", "/admin/lib/acb_config", inverted).status == 400


def test_generator_mode_schedule_config() -> None:
    docs = capture_documents(GEN)
    reply = write(docs, GEN, "POST", "/ivp/ss/gen_mode", {"gen_cmd": "auto"})
    assert reply.status == 200
    assert docs["/ivp/ss/gen_mode"]["gen_cmd"] == "auto"
    assert docs["/ivp/ensemble/generator"]["admin_mode"] == 2
    assert write(docs, GEN, "POST", "/ivp/ss/gen_mode", {"gen_cmd": "maybe"}).status == 400
    schedule = copy.deepcopy(docs["/ivp/ss/gen_schedule"])
    schedule["exercise_config"]["day"] = "Sun"
    assert write(docs, GEN, "POST", "/ivp/ss/gen_schedule", schedule).status == 200
    assert docs["/ivp/ss/gen_schedule"]["exercise_config"]["day"] == "Sun"
    config = copy.deepcopy(docs["/ivp/ss/gen_config"])
    config["warm_up_mins"] = 7
    assert write(docs, GEN, "POST", "/ivp/ss/gen_config", config).status == 200
    assert docs["/ivp/ss/gen_config"]["warm_up_mins"] == 7
    del config["model"]
    assert write(docs, GEN, "POST", "/ivp/ss/gen_config", config).status == 400
    assert write(docs, GEN, "POST", "/ivp/ss/gen_config", {**config, "model": "x", "colour": "red"}).status == 400
    no_generator = capture_documents(BAT_SPLIT)  # gen_config {}
    assert write(no_generator, BAT_SPLIT, "POST", "/ivp/ss/gen_mode", {"gen_cmd": "on"}).status == 400


# ------------------------------------------------------------------ writes on a synthetic profile
def profile(name: str, hour: int = 21, **kw: Any) -> ProfileSource:
    clock = SimClock(datetime(2026, 6, 21, hour, 0), speed=0, tz="America/Chicago")
    return make_profile(name, clock=clock, seed=2, **kw)


def get(source: ProfileSource, path: str, query: str = "") -> Any:
    reply = source.respond("GET", path, query, b"")
    assert reply.status == 200, path
    return json.loads(reply.body)


def post(source: ProfileSource, path: str, body: Any, method: str = "POST") -> Reply:
    return source.respond(method, path, "", json.dumps(body).encode())


def net_watts(source: ProfileSource) -> float:
    return float(next(r for r in get(source, "/ivp/meters/readings") if r["eid"] == 704643584)["activePower"])


def storage_watts(source: ProfileSource) -> float:
    return float(next(r for r in get(source, "/ivp/meters/readings") if r["eid"] == 704643840)["activePower"])


def test_profile_grid_off_islands_the_house() -> None:
    source = profile("full-us", hour=23)
    assert _set_storage(source, reserved_soc=100.0).status == 200  # batteries idle: the house imports
    assert net_watts(source) > 100
    assert post(source, "/ivp/ensemble/relay", {"mains_admin_state": "open"}).status == 200
    inventory = get(source, "/ivp/ensemble/inventory")
    device = next(g for g in inventory if g["type"] == "ENPOWER")["devices"][0]
    assert (device["mains_admin_state"], device["mains_oper_state"]) == ("open", "open")
    assert net_watts(source) == 0.0
    assert storage_watts(source) > 100  # the batteries carry the house at night
    source.clock.advance(1800)
    live = get(source, "/ivp/livedata/status")["meters"]
    assert live["grid"]["agg_p_mw"] == 0
    assert live["main_relay_state"] == 0
    assert live["load"]["agg_p_mw"] == pytest.approx(live["pv"]["agg_p_mw"] + live["storage"]["agg_p_mw"], abs=3)
    assert post(source, "/ivp/ensemble/relay", {"mains_admin_state": "closed"}).status == 200
    source.clock.advance(60)
    assert net_watts(source) != 0.0


def test_profile_generator_runs_off_grid() -> None:
    source = profile("full-us", hour=23, batteries=1)
    assert get(source, "/ivp/ensemble/generator")["admin_state"] == "open"
    assert post(source, "/ivp/ss/gen_mode", {"gen_cmd": "on"}).status == 200
    assert post(source, "/ivp/ensemble/relay", {"mains_admin_state": "open"}).status == 200
    generator = get(source, "/ivp/ensemble/generator")
    assert (generator["admin_state"], generator["admin_mode"]) == ("closed", 1)
    assert get(source, "/ivp/livedata/status")["meters"]["generator"]["agg_p_mw"] > 0
    assert get(source, "/ivp/ss/gen_mode")["gen_cmd"] == "on"


def test_profile_dry_contact_and_settings_visible_on_next_read() -> None:
    source = profile("full-us")
    assert post(source, "/ivp/ensemble/dry_contacts", {"dry_contacts": {"id": "NC1", "status": "open"}}).status == 200
    assert get(source, "/ivp/ensemble/dry_contacts")["dry_contacts"][0] == {"id": "NC1", "status": "open"}
    change = {"dry_contacts": {"id": "NO1", "load_name": "EV charger", "soc_low": 40.0}}
    assert post(source, "/ivp/ss/dry_contact_settings", change).status == 200
    no1 = get(source, "/ivp/ss/dry_contact_settings")["dry_contacts"][2]
    assert (no1["load_name"], no1["soc_low"]) == ("EV charger", 40.0)


def _set_storage(source: ProfileSource, **settings: Any) -> Reply:
    tariff = get(source, "/admin/lib/tariff")["tariff"]
    tariff["storage_settings"].update(settings)
    return post(source, "/admin/lib/tariff", {"tariff": tariff}, method="PUT")


def test_profile_storage_mode_and_reserve_drive_the_batteries() -> None:
    source = profile("full-us", hour=20)
    assert storage_watts(source) > 100  # self-consumption: discharging in the evening
    assert _set_storage(source, mode="backup").status == 200
    assert get(source, "/admin/lib/tariff")["tariff"]["storage_settings"]["mode"] == "backup"
    assert storage_watts(source) <= 0  # backup keeps the energy for an outage
    assert _set_storage(source, mode="self-consumption", reserved_soc=90.0).status == 200
    assert get(source, "/ivp/ensemble/secctrl")["configured_backup_soc"] == 90
    start = {d["serial_num"]: d["soc"] for d in get(source, "/ivp/ensemble/power")["devices:"]}
    assert all(soc < 90 for soc in start.values())
    for _ in range(12):  # below the reserve the batteries hold (no charging from the grid)
        source.clock.advance(600)
        for device in get(source, "/ivp/ensemble/power")["devices:"]:
            assert device["soc"] >= start[device["serial_num"]] - 1
    assert storage_watts(source) == 0.0
    assert _set_storage(source, mode="backup", charge_from_grid=True).status == 200
    source.clock.advance(120)
    assert storage_watts(source) < -100  # charging from the grid
    assert net_watts(source) > 100


def test_profile_opt_schedules_quirk() -> None:
    source = profile("full-us")  # fw 8.3.5169
    assert _set_storage(source, opt_schedules=True).status == 200
    assert _set_storage(source, mode="backup").status == 200
    assert get(source, "/admin/lib/tariff")["tariff"]["storage_settings"]["mode"] == "self-consumption"
    assert storage_watts(source) > 100  # still self-consumption: discharging
    assert _set_storage(source, mode="backup", opt_schedules=False).status == 200
    assert get(source, "/admin/lib/tariff")["tariff"]["storage_settings"]["mode"] == "backup"
    assert storage_watts(source) <= 0


def test_profile_acb_sleep() -> None:
    source = profile("acb", hour=20)
    serial = get(source, "/inventory.json", "deleted=1")[1]["devices"][0]["serial_num"]
    body = {"acb_sleep": [{"serial_num": serial, "sleep_min_soc": 0, "sleep_max_soc": 100}]}
    assert post(source, "/admin/lib/acb_config", body, method="PUT").status == 200
    source.clock.advance(300)
    acb = get(source, "/inventory.json", "deleted=1")[1]["devices"][0]
    assert (acb["sleep_enabled"], acb["sleep_min_soc"], acb["sleep_max_soc"]) == (True, 0, 100)
    assert acb["charge_status"] == "idle"
    assert get(source, "/admin/lib/acb_config") == body
    assert post(source, "/admin/lib/acb_config", {"acb_sleep": [{"serial_num": serial}]}, "DELETE").status == 200
    assert get(source, "/inventory.json", "deleted=1")[1]["devices"][0]["sleep_enabled"] is False


def test_profile_rejects_bad_writes_without_changing_state() -> None:
    source = profile("full-us")
    before = get(source, "/admin/lib/tariff")
    reply = source.respond("PUT", "/admin/lib/tariff", "", b"{oops")
    assert reply.status == 400
    assert "message" in json.loads(reply.body)
    assert get(source, "/admin/lib/tariff") == before
    legacy = profile("legacy")
    assert legacy.respond("POST", "/ivp/ensemble/relay", "", b'{"mains_admin_state":"open"}').status == 404


# ------------------------------------------------------------------ over real HTTP
async def test_profile_over_http(http: aiohttp.ClientSession) -> None:
    testing = pytest.importorskip("iqgateway.simulator.testing")
    clock = SimClock(datetime(2026, 6, 21, 12, 0), speed=0, tz="America/Chicago")
    async with testing.profile_envoy("full-us", clock=clock, seed=2) as envoy:
        client = DeviceClient(http, envoy.url, token=envoy.mint_token())
        info = await client.get("/info")
        assert info.status == 200
        assert f"<sn>{envoy.source.serial}</sn>".encode() in info.body
        answer = await client.get("/production.json?details=1")
        assert answer.status == 200
        doc = json.loads(answer.body)
        assert doc["production"][0]["activeCount"] == 20
        assert len(doc["production"][1]["lines"]) == 2
        relay = json.dumps({"mains_admin_state": "open"}).encode()
        headers = {"Content-Type": "application/json"}
        written = await client.request("POST", "/ivp/ensemble/relay", body=relay, headers=headers)
        assert written.status == 200
        inventory = json.loads((await client.get("/ivp/ensemble/inventory")).body)
        device = next(g for g in inventory if g["type"] == "ENPOWER")["devices"][0]
        assert device["mains_admin_state"] == "open"
        readings = json.loads((await client.get("/ivp/meters/readings")).body)
        assert next(r for r in readings if r["eid"] == 704643584)["activePower"] == 0.0


async def test_legacy_profile_over_http_with_digest(http: aiohttp.ClientSession) -> None:
    testing = pytest.importorskip("iqgateway.simulator.testing")
    async with testing.profile_envoy("legacy", seed=1) as envoy:
        assert envoy.url.startswith("http://")
        serial = envoy.source.serial
        client = DeviceClient(http, envoy.url, user="installer", password=installer_password(serial))
        answer = await client.get("/api/v1/production/inverters")
        assert answer.status == 200
        assert len(json.loads(answer.body)) == 12

"""Every capture, replayed by our simulator over real HTTP(S), read by the Gateway end to end.

setup -> authenticate (Digest installer below firmware 7, a simulator-minted token above) -> probe ->
update, then the snapshot is compared with numbers read straight from the capture's files.
"""

from __future__ import annotations

import math
from collections import Counter
from typing import Any

import pytest

from iqgateway import AuthKind, Feature, GatewayData
from iqgateway.simulator.server import SimulatedEnvoy
from iqgateway.simulator.testing import replay_envoy
from tests.lib.conftest import capture_json, connected
from tests.shared import capture_firmware, capture_names, capture_serial


def _close(got: float | None, want: float) -> bool:
    return got is not None and math.isclose(got, want, rel_tol=1e-6, abs_tol=1e-6)


def _production_doc(name: str, source: str) -> Any:
    if source.startswith("/production.json"):
        return capture_json(name, "production.json_details_1") or capture_json(name, "production.json")
    return capture_json(name, "production")


def _check_production(name: str, data: GatewayData) -> None:
    source = data.features.production_source
    assert source is not None
    assert data.production is not None
    if source == "/api/v1/production":
        v1 = capture_json(name, "api_v1_production")
        assert _close(data.production.wh_lifetime, v1["wattHoursLifetime"])
        assert _close(data.production.watts_now, v1["wattsNow"])
        return
    doc = _production_doc(name, source)
    entries = [e for e in doc["production"] if isinstance(e, dict)]
    lifetimes = [e["whLifetime"] for e in entries if "whLifetime" in e]
    assert any(_close(data.production.wh_lifetime, v) for v in lifetimes), (data.production, lifetimes)


def _check_inverters(name: str, data: GatewayData) -> None:
    source = data.features.inverter_source
    if source == "/api/v1/production/inverters":
        listed = capture_json(name, "api_v1_production_inverters")
        watts = {i["serialNumber"]: i["lastReportWatts"] for i in listed}
        micro = {i["serialNumber"] for i in listed if i.get("devType") != 11}
        assert micro <= set(data.inverters) <= set(watts)
        for serial, inverter in data.inverters.items():
            assert inverter.last_report_watts == watts[serial]
    elif source == "/ivp/pdm/device_data":
        doc = capture_json(name, "ivp_pdm_device_data")
        pcus = {d["sn"]: d for d in doc.values() if isinstance(d, dict) and d.get("devName") == "pcu"}
        assert set(data.inverters) == set(pcus)
        serial, device = next(iter(pcus.items()))
        reading = device["channels"][0]["lastReading"]
        assert _close(data.inverters[serial].ac_voltage_v, reading["acVoltageINmV"] / 1000)
    else:
        assert Feature.INVERTERS not in data.features


def _check_meters(name: str, data: GatewayData) -> None:
    if Feature.CT_METERS not in data.features:
        return
    meters = capture_json(name, "ivp_meters")
    readings = {r["eid"]: r for r in capture_json(name, "ivp_meters_readings")}
    checked = 0
    for meter in meters:
        kind = meter["measurementType"]
        if meter["state"] != "enabled" or kind not in data.meters:
            continue
        assert _close(data.meters[kind].active_power_w, readings[meter["eid"]]["activePower"])
        checked += 1
    assert checked >= 1


def _inventory(name: str, kind: str) -> list[dict[str, Any]]:
    doc = capture_json(name, "ivp_ensemble_inventory")
    if not isinstance(doc, list):
        return []
    return [d for group in doc if isinstance(group, dict) and group.get("type") == kind for d in group["devices"]]


def _check_ensemble(name: str, data: GatewayData) -> None:
    batteries = _inventory(name, "ENCHARGE")
    if batteries:
        assert data.encharge is not None
        for battery in batteries:
            assert data.encharge[battery["serial_num"]].soc_percent == battery["percentFull"]
    enpowers = _inventory(name, "ENPOWER")
    if enpowers:
        assert data.enpower is not None
        assert data.enpower.serial_number == enpowers[0]["serial_num"]
        assert data.enpower.mains_admin_state == enpowers[0]["mains_admin_state"]
    else:
        assert data.enpower is None
    relays = capture_json(name, "ivp_ensemble_dry_contacts")
    if Feature.DRY_CONTACTS in data.features:
        assert data.dry_contacts is not None
        assert {rid: r.status for rid, r in data.dry_contacts.items()} == {
            r["id"]: r["status"] for r in relays["dry_contacts"]
        }
    tariff = capture_json(name, "admin_lib_tariff")
    settings = (tariff or {}).get("tariff", {}).get("storage_settings")
    if settings is None:
        assert data.storage_settings is None
    else:
        assert data.storage_settings is not None
        mode = settings["mode"]
        assert data.storage_settings.mode == ("economy" if mode == "savings-mode" else mode)


def _check_requests(envoy: SimulatedEnvoy) -> None:
    """A read asks each endpoint once: the probe's answers are the first update's data."""
    answered = Counter(r.path for r in envoy.stats.log if r.status != 401)
    twice = {path: n for path, n in answered.items() if n > 1}
    assert not twice


@pytest.mark.parametrize("name", capture_names())
async def test_capture_reads_end_to_end(name: str) -> None:
    firmware = capture_firmware(name)
    async with replay_envoy(name) as envoy, connected(envoy) as gateway:
        data = await gateway.update()
        assert gateway.auth_kind is (AuthKind.TOKEN if firmware >= (7,) else AuthKind.DIGEST)
        assert data.info.serial == capture_serial(name)
        assert data.info.firmware_version[:3] == firmware[:3]
        assert gateway.data is data
        _check_production(name, data)
        _check_inverters(name, data)
        _check_meters(name, data)
        _check_ensemble(name, data)
        _check_requests(envoy)
        for status in data.endpoints.values():
            assert status.path in data.features.endpoints

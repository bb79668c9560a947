"""Diagnostics: every section present, fixtures only on request, and no secret or serial anywhere."""

from __future__ import annotations

import json
from typing import Any

from custom_components.enphase_envoy.const import OPTION_DIAGNOSTICS_INCLUDE_FIXTURES
from custom_components.enphase_envoy.diagnostics import async_get_config_entry_diagnostics, scrub, to_jsonable
from homeassistant.core import HomeAssistant

from iqgateway.simulator.enlighten import SimulatedCloud
from tests.shared import CAPTURES, capture_serial, capture_version

from .common import CLOUD_PASSWORD, CLOUD_USER, envoy_entry_data, setup_envoy_entry
from .conftest import StartEnvoy

BATTERY = "8.2.4286_with_3cts_and_battery_split"
OLD = "5.0.62"
SECTIONS = {
    "config_entry",
    "envoy_properties",
    "raw_data",
    "envoy_model_data",
    "envoy_entities_by_device",
    "corrections",
    "fixtures",
}


def serials_in_capture(capture: str) -> set[str]:
    """Every serial number the capture's JSON documents name (inverters, batteries, Enpower)."""
    found: set[str] = {capture_serial(capture)}

    def walk(node: Any) -> None:
        if isinstance(node, dict):
            for key, value in node.items():
                if key in ("serialNumber", "serial_num", "serial_number") and isinstance(value, str | int):
                    found.add(str(value))
                walk(value)
        elif isinstance(node, list):
            for item in node:
                walk(item)

    for path in (CAPTURES / capture).iterdir():
        if path.name.endswith("_log.json") or path.name == "info":
            continue
        try:
            walk(json.loads(path.read_bytes()))
        except ValueError:
            continue
    return {s for s in found if len(s) >= 6}


async def test_diagnostics_with_fixtures(
    hass: HomeAssistant, start_envoy: StartEnvoy, start_cloud: Any
) -> None:
    cloud: SimulatedCloud = await start_cloud()
    envoy = await start_envoy(BATTERY, cloud=cloud)
    envoy.faults.add("500", "/ivp/meters")  # one endpoint fails: the report still comes
    entry = await setup_envoy_entry(
        hass, envoy, manual_token=False, options={OPTION_DIAGNOSTICS_INCLUDE_FIXTURES: True}
    )
    token = entry.data["token"]
    report = await async_get_config_entry_diagnostics(hass, entry)
    assert set(report) == SECTIONS

    dump = json.dumps(report)
    secrets = serials_in_capture(BATTERY) | {token, CLOUD_USER, CLOUD_PASSWORD}
    assert len(secrets) > 5  # the Envoy, its batteries and Enpower, token, credentials
    for secret in secrets:
        assert secret not in dump, secret
    assert token.split(".")[1] not in dump  # not even the token's payload

    assert report["config_entry"]["data"]["password"] == "**REDACTED**"
    assert report["config_entry"]["data"]["username"] == "**REDACTED**"
    properties = report["envoy_properties"]
    assert properties["firmware"] == capture_version(BATTERY)
    assert properties["serial"] == "**REDACTED**"
    assert properties["auth_kind"] == "token"

    model = report["envoy_model_data"]
    production = json.loads((CAPTURES / BATTERY / "production.json").read_bytes())
    assert model["production"]["watts_now"] == production["production"][1]["wNow"]
    assert len(model["encharge"]) == len(
        {k for k in serials_in_capture(BATTERY) if k.startswith("4923")}
    )  # devices stay apart: one stand-in per serial

    fixtures = report["fixtures"]
    assert fixtures["/info"]["status"] == 200
    assert "**REDACTED**" in fixtures["/info"]["body"]
    assert fixtures["/ivp/meters"]["status"] == 500
    readings = next(v for k, v in fixtures.items() if k.startswith("/ivp/meters/readings"))
    assert readings["status"] == 200
    assert report["raw_data"]
    assert report["envoy_entities_by_device"]
    devices = [d["device"] for d in report["envoy_entities_by_device"]]
    idents = [ident for d in devices for ident in d["identifiers"]]
    relays = {"NC1", "NC2", "NO1", "NO2"}  # relay ids are not serial numbers
    assert relays <= set(idents)
    assert all(ident.startswith("**REDACTED") for ident in idents if ident not in relays)


async def test_diagnostics_without_fixtures(hass: HomeAssistant, start_envoy: StartEnvoy) -> None:
    envoy = await start_envoy(OLD)
    entry = await setup_envoy_entry(hass, envoy)
    envoy.stats.reset()
    report = await async_get_config_entry_diagnostics(hass, entry)
    assert report["fixtures"] == {}
    assert envoy.stats.requests == 0  # nothing fetched without the option
    assert capture_serial(OLD) not in json.dumps(report)
    assert report["envoy_properties"]["auth_kind"] == "digest"
    assert report["config_entry"]["title"] == "**REDACTED**"


async def test_diagnostics_failing_fetch(hass: HomeAssistant, start_envoy: StartEnvoy) -> None:
    envoy = await start_envoy(OLD)
    entry = await setup_envoy_entry(hass, envoy, options={OPTION_DIAGNOSTICS_INCLUDE_FIXTURES: True})
    await envoy.stop()  # the device is gone while the report is made
    report = await async_get_config_entry_diagnostics(hass, entry)
    fixtures = report["fixtures"]
    assert fixtures["/info"]["error"]
    assert all(item["error"] for item in fixtures.values())
    assert list(fixtures.values())[-1]["error"] == "skipped: the device stopped answering"


def test_scrub_and_jsonable() -> None:
    data = {"1234567890": {"note": "envoy 1234567890 token eyJabc.eyJdef.sig"}, "list": [b"bytes", {1, 2}]}
    out = scrub(to_jsonable(data), {"1234567890": "**REDACTED**"})
    assert out == {"**REDACTED**": {"note": "envoy **REDACTED** token **REDACTED**"}, "list": ["bytes", [1, 2]]}
    assert str(to_jsonable(envoy_entry_data)).startswith("<function")

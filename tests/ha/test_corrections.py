"""Firmware faults in Home Assistant: a removed inverter goes unavailable and can be removed, the lifetime
consumption does not jump when the total-consumption fault starts or stops, diagnostics show the corrections."""

from __future__ import annotations

import copy
import json
from collections.abc import Mapping
from datetime import timedelta
from types import MappingProxyType
from typing import Any

import pytest
from custom_components.enphase_envoy import async_remove_config_entry_device
from custom_components.enphase_envoy.const import DOMAIN
from custom_components.enphase_envoy.diagnostics import async_get_config_entry_diagnostics
from freezegun.api import FrozenDateTimeFactory
from homeassistant.components.sensor import DOMAIN as SENSOR
from homeassistant.const import STATE_UNAVAILABLE, STATE_UNKNOWN
from homeassistant.core import HomeAssistant
from homeassistant.helpers import device_registry as dr
from pytest_homeassistant_custom_component.common import MockConfigEntry

from iqgateway.simulator.server import SimulatedEnvoy
from tests.ha.actions import device_document, state_of
from tests.ha.common import setup_envoy_entry
from tests.ha.conftest import StartEnvoy
from tests.shared import CAPTURES

REAL = "8.3.5169_with_generator"
TOTAL_IS_NET = "synthetic/8.3.5433_total_is_net"
REMOVED = "482208990020"
MWH = 1e6


def segment(doc: dict[str, Any], kind: str) -> dict[str, Any]:
    return next(s for part in ("production", "consumption") for s in doc[part] if s.get("measurementType") == kind)


async def next_poll(hass: HomeAssistant, freezer: FrozenDateTimeFactory, entry: MockConfigEntry) -> None:
    """The next update once every polled document is due again (the production document is read hourly where the
    CT readings carry the power)."""
    freezer.tick(timedelta(minutes=61))
    await entry.runtime_data.async_refresh()
    await hass.async_block_till_done()


def lifetime_consumption_wh(hass: HomeAssistant, serial: str) -> float:
    return float(state_of(hass, SENSOR, f"{serial}_lifetime_consumption")) * MWH


async def test_removed_inverter_goes_unavailable_and_can_be_removed(
    hass: HomeAssistant, start_envoy: StartEnvoy, freezer: FrozenDateTimeFactory
) -> None:
    envoy = await start_envoy(REAL)
    entry = await setup_envoy_entry(hass, envoy)
    device_data: dict[str, Any] = copy.deepcopy(device_document(envoy, "/ivp/pdm/device_data"))
    entries = {d["sn"]: d for d in device_data.values() if isinstance(d, dict) and d.get("devName") == "pcu"}
    assert state_of(hass, SENSOR, REMOVED) == str(entries[REMOVED]["channels"][0]["watts"]["now"])
    registry = dr.async_get(hass)
    gone = registry.async_get_device(identifiers={(DOMAIN, REMOVED)})
    kept = registry.async_get_device(identifiers={(DOMAIN, "482208990001")})
    assert gone is not None
    assert kept is not None
    assert not await async_remove_config_entry_device(hass, entry, gone)  # still current

    entries[REMOVED]["active"] = False  # firmware 8.3.5289+: the removed inverter stays, marked inactive
    envoy.source.documents["/ivp/pdm/device_data"] = device_data  # type: ignore[attr-defined]
    await next_poll(hass, freezer, entry)

    assert REMOVED not in entry.runtime_data.data.inverters
    assert state_of(hass, SENSOR, REMOVED) == STATE_UNAVAILABLE
    assert state_of(hass, SENSOR, "482208990001") == str(entries["482208990001"]["channels"][0]["watts"]["now"])
    assert await async_remove_config_entry_device(hass, entry, gone)
    assert not await async_remove_config_entry_device(hass, entry, kept)

    report = await async_get_config_entry_diagnostics(hass, entry)
    (correction,) = report["corrections"]
    assert correction["kind"] == "inactive_inverter"
    assert correction["raw"] == entries[REMOVED]["channels"][0]["watts"]["now"]
    leaked = REMOVED in json.dumps(report)
    assert not leaked  # the serial is redacted, in the correction's path too
    assert correction["path"].startswith("inverters.**REDACTED")


async def test_lifetime_consumption_holds_across_the_total_consumption_fault(
    hass: HomeAssistant, start_envoy: StartEnvoy, freezer: FrozenDateTimeFactory
) -> None:
    envoy = await start_envoy(TOTAL_IS_NET)
    serial = envoy.source.serial
    entry = await setup_envoy_entry(hass, envoy)
    faulty = json.loads((CAPTURES / TOTAL_IS_NET / "production.json_details_1").read_text())
    net, prod = segment(faulty, "net-consumption"), segment(faulty, "production")
    shown = lifetime_consumption_wh(hass, serial)
    assert abs(shown - (net["whLifetime"] + prod["whLifetime"])) < 1  # corrected: net + production

    report = await async_get_config_entry_diagnostics(hass, entry)
    paths = {c["path"] for c in report["corrections"] if c["kind"] == "total_consumption"}
    assert "consumption_total.wh_lifetime" in paths

    real = json.loads((CAPTURES / REAL / "production.json_details_1").read_text())
    assert segment(real, "total-consumption")["whLifetime"] != net["whLifetime"] + prod["whLifetime"]
    await switch_production(hass, freezer, entry, envoy, real)  # the firmware is fixed
    assert abs(lifetime_consumption_wh(hass, serial) - shown) < 1  # no jump: the guard re-based the counter
    assert not any(c.kind == "total_consumption" for c in entry.runtime_data.data.corrections)

    later = copy.deepcopy(real)
    segment(later, "total-consumption")["whLifetime"] += 2000
    await switch_production(hass, freezer, entry, envoy, later)
    assert abs(lifetime_consumption_wh(hass, serial) - (shown + 2000)) < 1  # the device's increase shows

    await switch_production(hass, freezer, entry, envoy, faulty)  # and the fault comes back
    assert abs(lifetime_consumption_wh(hass, serial) - (shown + 2000)) < 1


async def switch_production(
    hass: HomeAssistant, freezer: FrozenDateTimeFactory, entry: MockConfigEntry, envoy: SimulatedEnvoy,
    doc: dict[str, Any],
) -> None:
    envoy.source.documents["/production.json"] = doc  # type: ignore[attr-defined]
    await next_poll(hass, freezer, entry)


SHOWN: Mapping[str, set[str]] = MappingProxyType({  # synthetic capture -> the correction kinds in diagnostics
    "synthetic/8.3.5433_today_is_lifetime": {"implausible_daily"},
    "synthetic/8.3.5433_short_device_data": {"missing_inverter"},
    "synthetic/8.2.4286_placeholder_batteries": {"placeholder_serials", "implausible_daily"},
})


@pytest.mark.parametrize("capture", sorted(SHOWN))
async def test_corrected_values_and_their_corrections_in_home_assistant(
    hass: HomeAssistant, start_envoy: StartEnvoy, capture: str
) -> None:
    envoy = await start_envoy(capture)
    serial = envoy.source.serial
    entry = await setup_envoy_entry(hass, envoy)
    folder = CAPTURES / capture
    if capture.endswith("today_is_lifetime"):
        doc = json.loads((folder / "production.json_details_1").read_text())
        assert segment(doc, "production")["whToday"] == segment(doc, "production")["whLifetime"]
        assert state_of(hass, SENSOR, f"{serial}_daily_production") == STATE_UNKNOWN
        assert state_of(hass, SENSOR, f"{serial}_daily_consumption") == STATE_UNKNOWN
        lifetime = float(state_of(hass, SENSOR, f"{serial}_lifetime_production")) * MWH
        assert abs(lifetime - segment(doc, "production")["whLifetime"]) < 1
    elif capture.endswith("short_device_data"):
        v1 = {e["serialNumber"]: e for e in json.loads((folder / "api_v1_production_inverters").read_text())}
        assert state_of(hass, SENSOR, "482208990019") == str(v1["482208990019"]["lastReportWatts"])
        assert dr.async_get(hass).async_get_device(identifiers={(DOMAIN, "482208990020")}) is not None
    else:
        inventory = json.loads((folder / "ivp_ensemble_inventory").read_text())
        units = next(g["devices"] for g in inventory if g["type"] == "ENCHARGE")
        registry = dr.async_get(hass)
        for position, unit in enumerate(units, start=1):
            assert registry.async_get_device(identifiers={(DOMAIN, f"999999999999_{position}")}) is not None
            assert state_of(hass, SENSOR, f"999999999999_{position}_soc") == str(unit["percentFull"])
    report = await async_get_config_entry_diagnostics(hass, entry)
    assert {c["kind"] for c in report["corrections"]} == SHOWN[capture]

"""Hardware that appears later gets its device and entities without a reload; hardware that leaves goes unavailable."""

from __future__ import annotations

import time
from datetime import timedelta
from typing import Any

from custom_components.enphase_envoy.const import DOMAIN
from freezegun.api import FrozenDateTimeFactory
from homeassistant.components.sensor import DOMAIN as SENSOR
from homeassistant.const import STATE_UNAVAILABLE
from homeassistant.core import HomeAssistant
from homeassistant.helpers import device_registry as dr
from homeassistant.helpers import entity_registry as er

from iqgateway.simulator.server import SimulatedEnvoy
from tests.ha.actions import device_document, state_of
from tests.ha.common import setup_envoy_entry
from tests.ha.conftest import StartEnvoy

CAPTURE = "7.6.175_standard"  # inverters read from /api/v1/production/inverters
INVERTERS = "/api/v1/production/inverters"
NEW_SERIAL = "482399000001"


def set_inverters(envoy: SimulatedEnvoy, inverters: list[dict[str, Any]]) -> None:
    envoy.source.documents[INVERTERS] = inverters  # type: ignore[attr-defined]


async def next_poll(hass: HomeAssistant, freezer: FrozenDateTimeFactory, entry_id: str) -> None:
    """The coordinator's next update, once the inverter list is due again (it is read every few minutes)."""
    freezer.tick(timedelta(minutes=6))
    entry = hass.config_entries.async_get_entry(entry_id)
    assert entry is not None
    await entry.runtime_data.async_refresh()
    await hass.async_block_till_done()


async def test_new_inverter_is_added_and_a_gone_one_goes_unavailable(
    hass: HomeAssistant, start_envoy: StartEnvoy, freezer: FrozenDateTimeFactory
) -> None:
    envoy = await start_envoy(CAPTURE)
    entry = await setup_envoy_entry(hass, envoy)
    registry = er.async_get(hass)
    captured: list[dict[str, Any]] = list(device_document(envoy, INVERTERS))
    first = captured[0]["serialNumber"]
    assert registry.async_get_entity_id(SENSOR, DOMAIN, NEW_SERIAL) is None
    before = {e.unique_id for e in er.async_entries_for_config_entry(registry, entry.entry_id)}

    newcomer = {
        "serialNumber": NEW_SERIAL,
        "lastReportDate": int(time.time()),
        "devType": 1,
        "lastReportWatts": 187,
        "maxReportWatts": 295,
    }
    set_inverters(envoy, [*captured, newcomer])
    await next_poll(hass, freezer, entry.entry_id)

    assert state_of(hass, SENSOR, NEW_SERIAL) == "187"
    after = {e.unique_id for e in er.async_entries_for_config_entry(registry, entry.entry_id)}
    # the v1 list has power, maximum and report time (no DC/AC details)
    assert after - before == {NEW_SERIAL, f"{NEW_SERIAL}_last_reported", f"{NEW_SERIAL}_max_reported"}
    device = dr.async_get(hass).async_get_device(identifiers={(DOMAIN, NEW_SERIAL)})
    assert device is not None
    assert device.name == f"Inverter {NEW_SERIAL}"
    envoy_device = dr.async_get(hass).async_get_device(identifiers={(DOMAIN, envoy.source.serial)})
    assert envoy_device is not None
    assert device.via_device_id == envoy_device.id

    # the first inverter is replaced: its sensors stay (history) but are unavailable
    set_inverters(envoy, [*captured[1:], newcomer])
    await next_poll(hass, freezer, entry.entry_id)
    assert state_of(hass, SENSOR, first) == STATE_UNAVAILABLE
    assert state_of(hass, SENSOR, NEW_SERIAL) == "187"
    assert state_of(hass, SENSOR, captured[1]["serialNumber"]) == str(captured[1]["lastReportWatts"])

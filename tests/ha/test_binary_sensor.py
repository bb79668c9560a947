"""Binary sensors and the collar / C6 combiner devices, read from a capture with an IQ Meter Collar."""

from __future__ import annotations

import json
from typing import Any

from custom_components.enphase_envoy.const import DOMAIN
from homeassistant.components.binary_sensor import DOMAIN as BINARY_SENSOR
from homeassistant.components.sensor import DOMAIN as SENSOR
from homeassistant.const import STATE_OFF, STATE_ON
from homeassistant.core import HomeAssistant
from homeassistant.helpers import device_registry as dr

from tests.ha.actions import state_of
from tests.ha.common import setup_envoy_entry
from tests.ha.conftest import StartEnvoy
from tests.shared import CAPTURES


def inventory(capture: str) -> dict[str, list[dict[str, Any]]]:
    doc = json.loads((CAPTURES / capture / "ivp_ensemble_inventory").read_text())
    return {group["type"]: group["devices"] for group in doc}


def on_off(value: bool) -> str:
    return STATE_ON if value else STATE_OFF


async def test_collar_combiner_and_battery_states(
    hass: HomeAssistant, start_envoy: StartEnvoy, entity_registry_enabled_by_default: None
) -> None:
    capture = "8.3.1598_collar"
    envoy = await start_envoy(capture)
    await setup_envoy_entry(hass, envoy)
    devices = inventory(capture)

    for battery in devices["ENCHARGE"]:
        serial = battery["serial_num"]
        assert state_of(hass, BINARY_SENSOR, f"{serial}_communicating") == on_off(battery["communicating"])
        assert state_of(hass, BINARY_SENSOR, f"{serial}_dc_switch") == on_off(not battery["dc_switch_off"])

    collar = devices["COLLAR"][0]
    serial = collar["serial_num"]
    assert state_of(hass, BINARY_SENSOR, f"{serial}_communicating") == on_off(collar["communicating"])
    assert state_of(hass, SENSOR, f"{serial}_grid_state") == collar["grid_state"]
    assert state_of(hass, SENSOR, f"{serial}_mid_state") == collar["mid_state"]
    assert state_of(hass, SENSOR, f"{serial}_admin_state_str") == collar["admin_state_str"]
    assert float(state_of(hass, SENSOR, f"{serial}_temperature")) == collar["temperature"]
    device = dr.async_get(hass).async_get_device(identifiers={(DOMAIN, serial)})
    assert device is not None
    expected = (f"Collar {serial}", "IQ Meter Collar", collar["img_pnum_running"])
    assert (device.name, device.model, device.sw_version) == expected

    combiner = devices["C6 COMBINER CONTROLLER"][0]
    serial = combiner["serial_num"]
    assert state_of(hass, BINARY_SENSOR, f"{serial}_communicating") == on_off(combiner["communicating"])
    device = dr.async_get(hass).async_get_device(identifiers={(DOMAIN, serial)})
    assert device is not None
    assert device.name == f"C6 Combiner {serial}"


async def test_enpower_grid_status(hass: HomeAssistant, start_envoy: StartEnvoy) -> None:
    capture = "8.3.5169_with_generator"
    envoy = await start_envoy(capture)
    await setup_envoy_entry(hass, envoy)
    enpower = inventory(capture)["ENPOWER"][0]
    serial = enpower["serial_num"]
    grid_up = enpower["mains_oper_state"] == "closed"
    assert state_of(hass, BINARY_SENSOR, f"{serial}_mains_oper_state") == on_off(grid_up)
    assert state_of(hass, BINARY_SENSOR, f"{serial}_communicating") == on_off(enpower["communicating"])

"""AC battery buttons put a unit to sleep and wake it up on the simulated Envoy."""

from __future__ import annotations

from typing import Any

import pytest
from homeassistant.components.button.const import DOMAIN as BUTTON
from homeassistant.components.button.const import SERVICE_PRESS
from homeassistant.components.sensor import DOMAIN as SENSOR
from homeassistant.core import HomeAssistant
from homeassistant.exceptions import HomeAssistantError

from iqgateway.simulator.server import SimulatedEnvoy
from tests.ha.actions import call, device_document, read_device, state_of
from tests.ha.common import setup_envoy_entry
from tests.ha.conftest import StartEnvoy

CAPTURE = "8.3.5169_ACB_inventory"  # two AC batteries: 121917000000 and 122047000000
UNIT, OTHER = "121917000000", "122047000000"


def acb_inventory(envoy: SimulatedEnvoy, serial: str) -> dict[str, Any]:
    doc = device_document(envoy, "/inventory.json")
    group = next(g for g in doc if g.get("type") == "ACB")
    return next(d for d in group["devices"] if d["serial_num"] == serial)


async def test_sleep_and_wake(hass: HomeAssistant, start_envoy: StartEnvoy) -> None:
    envoy = await start_envoy(CAPTURE)
    await setup_envoy_entry(hass, envoy)
    assert state_of(hass, SENSOR, f"{UNIT}_acb_battery_sleep_state") == "awake"

    await call(hass, BUTTON, SERVICE_PRESS, f"{UNIT}_acb_sleep")
    config = device_document(envoy, "/admin/lib/acb_config")["acb_sleep"]
    assert [entry["serial_num"] for entry in config] == [UNIT]
    # the unit's configured sleep window (25-30 %) is the one asked for
    assert (config[0]["sleep_min_soc"], config[0]["sleep_max_soc"]) == (25, 30)
    assert acb_inventory(envoy, UNIT)["sleep_enabled"] is True
    assert acb_inventory(envoy, OTHER)["sleep_enabled"] is False
    # SoC 2 % is below the 25-30 % window: the unit is on its way to sleep
    assert state_of(hass, SENSOR, f"{UNIT}_acb_battery_sleep_state") == "going_to_sleep"
    assert state_of(hass, SENSOR, f"{OTHER}_acb_battery_sleep_state") == "awake"

    await call(hass, BUTTON, SERVICE_PRESS, f"{UNIT}_acb_wake")
    assert acb_inventory(envoy, UNIT)["sleep_enabled"] is False
    assert device_document(envoy, "/admin/lib/acb_config")["acb_sleep"] == []
    assert state_of(hass, SENSOR, f"{UNIT}_acb_battery_sleep_state") == "awake"


async def test_failed_press_raises_a_translated_error(hass: HomeAssistant, start_envoy: StartEnvoy) -> None:
    envoy = await start_envoy(CAPTURE)
    await setup_envoy_entry(hass, envoy)
    envoy.faults.add_spec("500:/admin/lib/acb_config")

    with pytest.raises(HomeAssistantError) as caught:
        await call(hass, BUTTON, SERVICE_PRESS, f"{UNIT}_acb_sleep")

    err = caught.value
    assert err.translation_domain == "enphase_envoy"
    assert err.translation_placeholders is not None
    assert err.translation_placeholders["action"] == "press"
    assert "/admin/lib/acb_config" in err.translation_placeholders["reason"]
    assert f"button.ac_battery_{UNIT}_sleep" in str(err)


async def test_acb_profile_sleep_and_wake(hass: HomeAssistant, start_envoy: StartEnvoy) -> None:
    """A synthetic AC battery system: the buttons change what the device reports about the unit."""
    envoy = await start_envoy(profile="acb")
    await setup_envoy_entry(hass, envoy)
    before = await read_device(envoy)
    assert before.acb is not None
    serial, other = sorted(before.acb.units)
    assert before.acb.units[serial].sleep_enabled is False

    await call(hass, BUTTON, SERVICE_PRESS, f"{serial}_acb_sleep")
    asleep = await read_device(envoy)
    assert asleep.acb is not None
    assert (asleep.acb.units[serial].sleep_enabled, asleep.acb.units[other].sleep_enabled) == (True, False)
    assert state_of(hass, SENSOR, f"{serial}_acb_battery_sleep_state") in ("going_to_sleep", "asleep")

    await call(hass, BUTTON, SERVICE_PRESS, f"{serial}_acb_wake")
    awake = await read_device(envoy)
    assert awake.acb is not None
    assert awake.acb.units[serial].sleep_enabled is False
    assert state_of(hass, SENSOR, f"{serial}_acb_battery_sleep_state") == "awake"

"""Switches change the simulated Envoy: the Enpower's grid relay, a load relay, charging from the grid."""

from __future__ import annotations

import pytest
from homeassistant.components.switch.const import DOMAIN as SWITCH
from homeassistant.const import SERVICE_TOGGLE, SERVICE_TURN_OFF, SERVICE_TURN_ON, STATE_OFF, STATE_ON
from homeassistant.core import HomeAssistant
from homeassistant.exceptions import HomeAssistantError

from tests.ha.actions import call, enpower_inventory, read_device, relay_status, state_of, tariff_storage
from tests.ha.common import setup_envoy_entry
from tests.ha.conftest import StartEnvoy

CAPTURE = "8.3.5169_with_generator"  # Enpower 202411990001 with four relays, IQ battery settings
ENPOWER = "202411990001"


async def test_grid_switch_opens_and_closes_the_enpower_relay(hass: HomeAssistant, start_envoy: StartEnvoy) -> None:
    envoy = await start_envoy(CAPTURE)
    await setup_envoy_entry(hass, envoy)
    uid = f"{ENPOWER}_mains_admin_state"
    assert state_of(hass, SWITCH, uid) == STATE_ON
    assert enpower_inventory(envoy)["mains_admin_state"] == "closed"

    await call(hass, SWITCH, SERVICE_TURN_OFF, uid)
    assert enpower_inventory(envoy)["mains_admin_state"] == "open"
    assert state_of(hass, SWITCH, uid) == STATE_OFF

    await call(hass, SWITCH, SERVICE_TOGGLE, uid)
    assert enpower_inventory(envoy)["mains_admin_state"] == "closed"
    assert state_of(hass, SWITCH, uid) == STATE_ON


async def test_relay_switch(hass: HomeAssistant, start_envoy: StartEnvoy) -> None:
    envoy = await start_envoy(CAPTURE)
    await setup_envoy_entry(hass, envoy)
    uid = f"{ENPOWER}_relay_NC1_relay_status"
    assert state_of(hass, SWITCH, uid) == STATE_ON

    await call(hass, SWITCH, SERVICE_TURN_OFF, uid)
    assert relay_status(envoy, "NC1") == "open"
    assert relay_status(envoy, "NC2") == "closed"
    assert state_of(hass, SWITCH, uid) == STATE_OFF

    await call(hass, SWITCH, SERVICE_TURN_ON, uid)
    assert relay_status(envoy, "NC1") == "closed"
    assert state_of(hass, SWITCH, uid) == STATE_ON


async def test_charge_from_grid(hass: HomeAssistant, start_envoy: StartEnvoy) -> None:
    envoy = await start_envoy(CAPTURE)
    await setup_envoy_entry(hass, envoy)
    uid = f"{ENPOWER}_charge_from_grid"
    assert state_of(hass, SWITCH, uid) == STATE_OFF

    await call(hass, SWITCH, SERVICE_TURN_ON, uid)
    assert tariff_storage(envoy)["charge_from_grid"] is True
    assert tariff_storage(envoy)["mode"] == "self-consumption"  # only what was asked changes
    assert state_of(hass, SWITCH, uid) == STATE_ON


async def test_failed_switch_raises_a_translated_error(hass: HomeAssistant, start_envoy: StartEnvoy) -> None:
    envoy = await start_envoy(CAPTURE)
    await setup_envoy_entry(hass, envoy)
    uid = f"{ENPOWER}_relay_NC1_relay_status"
    envoy.faults.add_spec("500:/ivp/ensemble/dry_contacts")

    with pytest.raises(HomeAssistantError) as caught:
        await call(hass, SWITCH, SERVICE_TURN_OFF, uid)

    err = caught.value
    assert err.translation_domain == "enphase_envoy"
    assert err.translation_key == "action_rejected"  # a write the device answers 500 to
    assert err.translation_placeholders is not None
    assert err.translation_placeholders["action"] == "turn off"
    assert envoy.address in err.translation_placeholders["host"]
    assert "/ivp/ensemble/dry_contacts" in err.translation_placeholders["reason"]
    assert "refused to turn off switch.ac_water_heater: " in str(err), str(err)
    assert state_of(hass, SWITCH, uid) == STATE_ON


async def test_full_us_profile_switches(hass: HomeAssistant, start_envoy: StartEnvoy) -> None:
    """A synthetic full system: the switches change what the device itself then reports."""
    envoy = await start_envoy(profile="full-us")
    await setup_envoy_entry(hass, envoy)
    before = await read_device(envoy)
    assert before.enpower is not None
    enpower = before.enpower.serial_number
    assert before.storage_settings is not None
    assert before.storage_settings.charge_from_grid is False

    await call(hass, SWITCH, SERVICE_TURN_OFF, f"{enpower}_mains_admin_state")
    await call(hass, SWITCH, SERVICE_TURN_OFF, f"{enpower}_relay_NC2_relay_status")
    await call(hass, SWITCH, SERVICE_TURN_ON, f"{enpower}_charge_from_grid")

    after = await read_device(envoy)
    assert after.enpower is not None
    assert after.enpower.mains_admin_state == "open"
    assert after.dry_contacts is not None
    assert (after.dry_contacts["NC2"].status, after.dry_contacts["NC1"].status) == ("open", "closed")
    assert after.storage_settings is not None
    assert after.storage_settings.charge_from_grid is True
    assert state_of(hass, SWITCH, f"{enpower}_mains_admin_state") == STATE_OFF
    assert state_of(hass, SWITCH, f"{enpower}_relay_NC2_relay_status") == STATE_OFF
    assert state_of(hass, SWITCH, f"{enpower}_charge_from_grid") == STATE_ON

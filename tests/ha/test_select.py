"""Selects change the simulated Envoy: storage mode, a relay's mode and actions, the generator mode."""

from __future__ import annotations

import pytest
from homeassistant.components.select import ATTR_OPTION, SERVICE_SELECT_OPTION
from homeassistant.components.select import DOMAIN as SELECT
from homeassistant.core import HomeAssistant
from homeassistant.exceptions import HomeAssistantError

from tests.ha.actions import call, device_document, read_device, relay_setting, state_of, tariff_storage
from tests.ha.common import setup_envoy_entry
from tests.ha.conftest import StartEnvoy

CAPTURE = "8.3.5169_with_generator"
ENPOWER = "202411990001"


async def test_storage_mode(hass: HomeAssistant, start_envoy: StartEnvoy) -> None:
    envoy = await start_envoy(CAPTURE)
    await setup_envoy_entry(hass, envoy)
    uid = f"{ENPOWER}_storage_mode"
    assert state_of(hass, SELECT, uid) == "self_consumption"

    await call(hass, SELECT, SERVICE_SELECT_OPTION, uid, **{ATTR_OPTION: "backup"})
    assert tariff_storage(envoy)["mode"] == "backup"
    assert state_of(hass, SELECT, uid) == "backup"

    await call(hass, SELECT, SERVICE_SELECT_OPTION, uid, **{ATTR_OPTION: "savings"})
    assert tariff_storage(envoy)["mode"] in ("economy", "savings-mode")
    assert state_of(hass, SELECT, uid) == "savings"


async def test_relay_mode_and_actions(hass: HomeAssistant, start_envoy: StartEnvoy) -> None:
    envoy = await start_envoy(CAPTURE)
    await setup_envoy_entry(hass, envoy)
    mode, grid = f"{ENPOWER}_relay_NC1_mode", f"{ENPOWER}_relay_NC1_grid_action"
    generator = f"{ENPOWER}_relay_NC1_generator_action"
    assert (state_of(hass, SELECT, mode), state_of(hass, SELECT, grid)) == ("standard", "powered")

    await call(hass, SELECT, SERVICE_SELECT_OPTION, mode, **{ATTR_OPTION: "battery"})
    await call(hass, SELECT, SERVICE_SELECT_OPTION, grid, **{ATTR_OPTION: "not_powered"})
    await call(hass, SELECT, SERVICE_SELECT_OPTION, generator, **{ATTR_OPTION: "schedule"})
    settings = relay_setting(envoy, "NC1")
    assert (settings["mode"], settings["grid_action"], settings["gen_action"]) == ("soc", "shed", "schedule")
    assert settings["micro_grid_action"] == "shed"
    assert state_of(hass, SELECT, mode) == "battery"
    assert state_of(hass, SELECT, grid) == "not_powered"
    assert state_of(hass, SELECT, generator) == "schedule"


async def test_generator_mode(hass: HomeAssistant, start_envoy: StartEnvoy) -> None:
    envoy = await start_envoy(CAPTURE)
    await setup_envoy_entry(hass, envoy)
    uid = f"{ENPOWER}_generator_mode"
    assert device_document(envoy, "/ivp/ss/gen_mode")["gen_cmd"] == "on"
    assert state_of(hass, SELECT, uid) == "on"

    await call(hass, SELECT, SERVICE_SELECT_OPTION, uid, **{ATTR_OPTION: "auto"})
    assert device_document(envoy, "/ivp/ss/gen_mode")["gen_cmd"] == "auto"
    assert state_of(hass, SELECT, uid) == "auto"


async def test_failed_select_raises_a_translated_error(hass: HomeAssistant, start_envoy: StartEnvoy) -> None:
    envoy = await start_envoy(CAPTURE)
    await setup_envoy_entry(hass, envoy)
    envoy.faults.add_spec("503:/admin/lib/tariff")

    with pytest.raises(HomeAssistantError) as caught:
        await call(hass, SELECT, SERVICE_SELECT_OPTION, f"{ENPOWER}_storage_mode", **{ATTR_OPTION: "backup"})

    err = caught.value
    assert err.translation_domain == "enphase_envoy"
    assert err.translation_placeholders is not None
    assert err.translation_placeholders["action"] == "change"
    assert "/admin/lib/tariff" in err.translation_placeholders["reason"]
    assert "select.enpower_202411990001_storage_mode" in str(err)
    assert tariff_storage(envoy)["mode"] == "self-consumption"
    assert state_of(hass, SELECT, f"{ENPOWER}_storage_mode") == "self_consumption"


async def test_full_us_profile_selects(hass: HomeAssistant, start_envoy: StartEnvoy) -> None:
    """A synthetic full system: storage mode, relay settings and generator mode change on the device."""
    envoy = await start_envoy(profile="full-us")
    await setup_envoy_entry(hass, envoy)
    before = await read_device(envoy)
    assert before.enpower is not None
    enpower = before.enpower.serial_number

    await call(hass, SELECT, SERVICE_SELECT_OPTION, f"{enpower}_storage_mode", **{ATTR_OPTION: "backup"})
    await call(hass, SELECT, SERVICE_SELECT_OPTION, f"{enpower}_relay_NC1_microgrid_action", **{ATTR_OPTION: "powered"})
    await call(hass, SELECT, SERVICE_SELECT_OPTION, f"{enpower}_generator_mode", **{ATTR_OPTION: "on"})

    after = await read_device(envoy)
    assert after.storage_settings is not None
    assert after.storage_settings.mode == "backup"
    assert after.dry_contacts is not None
    assert after.dry_contacts["NC1"].micro_grid_action == "apply"
    assert after.generator is not None
    assert after.generator.mode is not None
    assert after.generator.mode["gen_cmd"] == "on"
    assert state_of(hass, SELECT, f"{enpower}_storage_mode") == "backup"
    assert state_of(hass, SELECT, f"{enpower}_relay_NC1_microgrid_action") == "powered"
    assert state_of(hass, SELECT, f"{enpower}_generator_mode") == "on"

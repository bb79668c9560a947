"""Numbers change the simulated Envoy: the battery reserve, a relay's cutoff and restore levels."""

from __future__ import annotations

import pytest
from homeassistant.components.number.const import ATTR_VALUE, SERVICE_SET_VALUE
from homeassistant.components.number.const import DOMAIN as NUMBER
from homeassistant.core import HomeAssistant
from homeassistant.exceptions import HomeAssistantError

from tests.ha.actions import call, read_device, relay_setting, state_of, tariff_storage
from tests.ha.common import setup_envoy_entry
from tests.ha.conftest import StartEnvoy

CAPTURE = "8.3.5169_with_generator"
ENPOWER = "202411990001"


async def test_reserve_soc(hass: HomeAssistant, start_envoy: StartEnvoy) -> None:
    envoy = await start_envoy(CAPTURE)
    await setup_envoy_entry(hass, envoy)
    uid = f"{ENPOWER}_reserve_soc"
    assert float(state_of(hass, NUMBER, uid)) == 0.0

    await call(hass, NUMBER, SERVICE_SET_VALUE, uid, **{ATTR_VALUE: 40})
    assert tariff_storage(envoy)["reserved_soc"] == 40
    assert tariff_storage(envoy)["charge_from_grid"] is False
    assert float(state_of(hass, NUMBER, uid)) == 40.0


async def test_relay_battery_levels(hass: HomeAssistant, start_envoy: StartEnvoy) -> None:
    envoy = await start_envoy(CAPTURE)
    await setup_envoy_entry(hass, envoy)
    low, high = f"{ENPOWER}_relay_NC2_soc_low", f"{ENPOWER}_relay_NC2_soc_high"
    assert (float(state_of(hass, NUMBER, low)), float(state_of(hass, NUMBER, high))) == (30.0, 70.0)

    await call(hass, NUMBER, SERVICE_SET_VALUE, low, **{ATTR_VALUE: 25})
    await call(hass, NUMBER, SERVICE_SET_VALUE, high, **{ATTR_VALUE: 80})
    settings = relay_setting(envoy, "NC2")
    assert (settings["soc_low"], settings["soc_high"]) == (25, 80)
    assert settings["load_name"] == "Mini split/Range"  # the rest of the relay's settings are kept
    assert relay_setting(envoy, "NC1")["soc_low"] == 30.0
    assert (float(state_of(hass, NUMBER, low)), float(state_of(hass, NUMBER, high))) == (25.0, 80.0)


async def test_failed_reserve_raises_a_translated_error(hass: HomeAssistant, start_envoy: StartEnvoy) -> None:
    envoy = await start_envoy(CAPTURE)
    await setup_envoy_entry(hass, envoy)
    envoy.faults.add_spec("reset:/admin/lib/tariff")

    with pytest.raises(HomeAssistantError) as caught:
        await call(hass, NUMBER, SERVICE_SET_VALUE, f"{ENPOWER}_reserve_soc", **{ATTR_VALUE: 50})

    err = caught.value
    assert err.translation_key in ("action_failed", "action_rejected")
    assert err.translation_placeholders is not None
    assert err.translation_placeholders["action"] == "set"
    assert "/admin/lib/tariff" in err.translation_placeholders["reason"]
    assert "number.enpower_202411990001_reserve_battery_level" in str(err)
    assert tariff_storage(envoy)["reserved_soc"] == 0.0


async def test_full_us_profile_numbers(hass: HomeAssistant, start_envoy: StartEnvoy) -> None:
    """A synthetic full system: the reserve and a relay's cutoff level change on the device."""
    envoy = await start_envoy(profile="full-us")
    await setup_envoy_entry(hass, envoy)
    before = await read_device(envoy)
    assert before.enpower is not None
    enpower = before.enpower.serial_number

    await call(hass, NUMBER, SERVICE_SET_VALUE, f"{enpower}_reserve_soc", **{ATTR_VALUE: 35})
    await call(hass, NUMBER, SERVICE_SET_VALUE, f"{enpower}_relay_NC1_soc_low", **{ATTR_VALUE: 15})

    after = await read_device(envoy)
    assert after.storage_settings is not None
    assert after.storage_settings.reserve_soc_percent == 35
    assert after.dry_contacts is not None
    assert after.dry_contacts["NC1"].soc_low == 15
    assert float(state_of(hass, NUMBER, f"{enpower}_reserve_soc")) == 35.0
    assert float(state_of(hass, NUMBER, f"{enpower}_relay_NC1_soc_low")) == 15.0

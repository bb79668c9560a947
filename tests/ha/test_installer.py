"""Installer-grade entities against the simulator: an owner token gets none of them and a repair issue saying
why; an installer token gets them, and each write shows up on the next read."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from custom_components.enphase_envoy.const import (
    DOMAIN,
    OPTION_ALLOW_GRID_PROFILE,
    OPTION_DIAGNOSTICS_INCLUDE_FIXTURES,
    OPTION_DISABLE_KEEP_ALIVE,
    OPTION_PLC_CHECK,
)
from custom_components.enphase_envoy.diagnostics import async_get_config_entry_diagnostics
from custom_components.enphase_envoy.installer import control_error, installer_issue_id
from homeassistant.components.number.const import DOMAIN as NUMBER
from homeassistant.components.number.const import SERVICE_SET_VALUE
from homeassistant.components.select import DOMAIN as SELECT
from homeassistant.components.select import SERVICE_SELECT_OPTION
from homeassistant.components.sensor import DOMAIN as SENSOR
from homeassistant.components.switch.const import DOMAIN as SWITCH
from homeassistant.const import SERVICE_TURN_OFF, SERVICE_TURN_ON, STATE_OFF, STATE_ON
from homeassistant.core import HomeAssistant
from homeassistant.exceptions import HomeAssistantError
from homeassistant.helpers import entity_registry as er
from homeassistant.helpers import issue_registry as ir
from pytest_homeassistant_custom_component.common import MockConfigEntry

from iqgateway import (
    CapabilityName,
    CapabilityState,
    CapabilityUnavailable,
    ControlRejected,
    Gateway,
    GatewayData,
    InstallerRoleRequired,
)
from iqgateway.simulator.server import SimulatedEnvoy
from tests.ha.actions import call, entity_id, state_of
from tests.ha.common import envoy_entry_data, setup_envoy_entry
from tests.ha.conftest import StartEnvoy

PROFILE = "metered"
INSTALLER_KEYS = {
    SWITCH: ("production_enabled", "dpel_enabled"),
    NUMBER: ("dpel_limit",),
    SELECT: ("dpel_mode", "grid_profile"),
    SENSOR: ("grid_profile",),
}


async def installer_entry(
    hass: HomeAssistant, envoy: SimulatedEnvoy, options: dict[str, Any] | None = None
) -> MockConfigEntry:
    data = envoy_entry_data(envoy, token=envoy.mint_token(user="installer"))
    return await setup_envoy_entry(hass, envoy, data=data, options=options)


async def read_back(envoy: SimulatedEnvoy) -> GatewayData:
    """What the simulated Envoy reports now, read over HTTPS by a Gateway of its own with an installer token."""
    gateway = Gateway(envoy.url, token=envoy.mint_token(user="installer"))
    try:
        await gateway.setup()
        await gateway.authenticate()
        await gateway.probe()
        return await gateway.update()
    finally:
        await gateway.close()


async def refresh(hass: HomeAssistant, entry: MockConfigEntry) -> None:
    await entry.runtime_data.async_refresh()
    await hass.async_block_till_done()


def unique_ids(hass: HomeAssistant, entry: MockConfigEntry, domain: str) -> set[str]:
    return {e.unique_id for e in er.async_entries_for_config_entry(er.async_get(hass), entry.entry_id)
            if e.domain == domain}


async def test_owner_token_gets_no_installer_entities_and_an_issue_says_why(
    hass: HomeAssistant, start_envoy: StartEnvoy
) -> None:
    envoy = await start_envoy(profile=PROFILE)
    entry = await setup_envoy_entry(hass, envoy)  # the simulator's default token is an owner's
    serial = envoy.source.serial
    report = entry.runtime_data.gateway.capabilities
    assert report is not None
    assert report.role == "owner"
    production = report.get(CapabilityName.PRODUCTION_POWER_MODE)
    assert production.state is CapabilityState.NEEDS_INSTALLER

    for domain, keys in INSTALLER_KEYS.items():
        present = unique_ids(hass, entry, domain)
        assert not {f"{serial}_{key}" for key in keys} & present, domain

    issue = ir.async_get(hass).async_get_issue(DOMAIN, installer_issue_id(entry.entry_id))
    assert issue is not None
    assert issue.translation_key == "needs_installer_role"
    assert issue.translation_placeholders is not None
    missing = issue.translation_placeholders["missing"]
    assert f"- production power mode: {production.reason}" in missing.splitlines()
    assert "export limit" in missing
    assert "grid profile" in missing
    assert "realtime stream" not in missing  # the stream has its own issue
    assert issue.translation_placeholders["role"] == "owner"

    diagnostics = await async_get_config_entry_diagnostics(hass, entry)
    in_report = diagnostics["envoy_properties"]["capabilities"]
    assert in_report["role"] == "owner"
    assert in_report["capabilities"]["production_power_mode"] == {
        "state": "needs_installer_role", "reason": production.reason,
    }

    await hass.config_entries.async_unload(entry.entry_id)
    assert ir.async_get(hass).async_get_issue(DOMAIN, installer_issue_id(entry.entry_id)) is None


async def test_production_switch_writes_and_reads_back(hass: HomeAssistant, start_envoy: StartEnvoy) -> None:
    envoy = await start_envoy(profile=PROFILE)
    entry = await installer_entry(hass, envoy)
    uid = f"{envoy.source.serial}_production_enabled"
    assert ir.async_get(hass).async_get_issue(DOMAIN, installer_issue_id(entry.entry_id)) is None
    assert state_of(hass, SWITCH, uid) == STATE_ON

    await call(hass, SWITCH, SERVICE_TURN_OFF, uid)
    assert state_of(hass, SWITCH, uid) == STATE_OFF
    assert (await read_back(envoy)).power_forced_off is True
    await refresh(hass, entry)
    assert state_of(hass, SWITCH, uid) == STATE_OFF

    await call(hass, SWITCH, SERVICE_TURN_ON, uid)
    assert (await read_back(envoy)).power_forced_off is False
    await refresh(hass, entry)
    assert state_of(hass, SWITCH, uid) == STATE_ON


async def test_power_limit_writes_and_reads_back(hass: HomeAssistant, start_envoy: StartEnvoy) -> None:
    envoy = await start_envoy(profile=PROFILE)
    entry = await installer_entry(hass, envoy)
    serial = envoy.source.serial
    before = (await read_back(envoy)).dpel
    assert before is not None

    await call(hass, SWITCH, SERVICE_TURN_ON, f"{serial}_dpel_enabled")
    await call(hass, NUMBER, SERVICE_SET_VALUE, f"{serial}_dpel_limit", value=1500)
    await call(hass, SELECT, SERVICE_SELECT_OPTION, f"{serial}_dpel_mode", option="production_limit")

    device = (await read_back(envoy)).dpel
    assert device is not None
    assert (device.enabled, device.limit_w, device.export_limit) == (True, 1500, False)
    assert device.slew_rate == before.slew_rate  # only what was asked changed
    await refresh(hass, entry)
    assert state_of(hass, SWITCH, f"{serial}_dpel_enabled") == STATE_ON
    assert float(state_of(hass, NUMBER, f"{serial}_dpel_limit")) == 1500
    assert state_of(hass, SELECT, f"{serial}_dpel_mode") == "production_limit"

    await call(hass, SWITCH, SERVICE_TURN_OFF, f"{serial}_dpel_enabled")
    assert (await read_back(envoy)).dpel == device.__class__(
        enabled=False, export_limit=False, limit_w=1500, slew_rate=device.slew_rate, dynamic=device.dynamic
    )
    await refresh(hass, entry)
    assert state_of(hass, SWITCH, f"{serial}_dpel_enabled") == STATE_OFF


async def test_grid_profile_select_needs_the_option(hass: HomeAssistant, start_envoy: StartEnvoy) -> None:
    envoy = await start_envoy(profile=PROFILE)
    entry = await installer_entry(hass, envoy)
    serial = envoy.source.serial
    profile = (await read_back(envoy)).grid_profile
    assert profile is not None
    assert len(profile.profiles) >= 2
    sensor = hass.states.get(entity_id(hass, SENSOR, f"{serial}_grid_profile"))
    assert sensor is not None
    assert sensor.state == profile.selected_name
    assert sensor.attributes["profile_id"] == profile.selected_id
    other = next(p for p in profile.profiles if p.id != profile.selected_id)

    with pytest.raises(HomeAssistantError) as caught:
        await call(hass, SELECT, SERVICE_SELECT_OPTION, f"{serial}_grid_profile", option=other.name)
    assert caught.value.translation_key == "grid_profile_changes_off"
    assert "Allow grid profile changes" in str(caught.value)
    assert (await read_back(envoy)).grid_profile == profile  # nothing was sent

    hass.config_entries.async_update_entry(entry, options={OPTION_ALLOW_GRID_PROFILE: True})
    await call(hass, SELECT, SERVICE_SELECT_OPTION, f"{serial}_grid_profile", option=other.name)
    changed = (await read_back(envoy)).grid_profile
    assert changed is not None
    assert (changed.selected_id, changed.selected_name) == (other.id, other.name)
    await refresh(hass, entry)
    assert state_of(hass, SELECT, f"{serial}_grid_profile") == other.name
    assert state_of(hass, SENSOR, f"{serial}_grid_profile") == other.name


async def test_plc_levels_only_with_the_option(hass: HomeAssistant, start_envoy: StartEnvoy) -> None:
    envoy = await start_envoy(profile=PROFILE)
    entry = await installer_entry(hass, envoy)
    assert not any(uid.endswith("_plc_signal_level") for uid in unique_ids(hass, entry, SENSOR))
    await hass.config_entries.async_remove(entry.entry_id)

    entry = await installer_entry(hass, envoy, options={OPTION_PLC_CHECK: True})
    levels = entry.runtime_data.data.plc_levels
    assert levels
    for serial, level in levels.items():
        assert int(state_of(hass, SENSOR, f"{serial}_plc_signal_level")) == level


async def test_refused_writes_raise_translated_errors(hass: HomeAssistant, start_envoy: StartEnvoy) -> None:
    envoy = await start_envoy(profile=PROFILE)
    await installer_entry(hass, envoy)
    uid = f"{envoy.source.serial}_production_enabled"

    envoy.faults.add_spec("401:/ivp/mod/603980032/mode/power")  # the device no longer takes the token as installer
    with pytest.raises(HomeAssistantError) as caught:
        await call(hass, SWITCH, SERVICE_TURN_OFF, uid)
    assert caught.value.translation_domain == DOMAIN
    assert caught.value.translation_key == "installer_role_required"
    placeholders = caught.value.translation_placeholders or {}
    assert placeholders["action"] == "turn off"
    assert envoy.address in placeholders["host"]
    assert "/ivp/mod/603980032/mode/power" in placeholders["reason"]
    assert "needs an installer token" in str(caught.value)
    assert state_of(hass, SWITCH, uid) == STATE_ON
    envoy.faults.clear()
    assert (await read_back(envoy)).power_forced_off is False  # nothing changed


def test_each_refusal_has_its_own_translated_message() -> None:
    host, endpoint = "192.0.2.7", "/ivp/ss/dpel"
    cases = {
        InstallerRoleRequired("refused (HTTP 401)", host=host, endpoint=endpoint): "installer_role_required",
        ControlRejected("reads back enable=false", host=host, endpoint=endpoint): "action_rejected",
        CapabilityUnavailable("not on this firmware", host=host, endpoint=endpoint): "capability_unavailable",
    }
    translations = json.loads((Path(__file__).parents[2] / "custom_components/enphase_envoy/strings.json").read_text())
    for err, key in cases.items():
        error = control_error(err, "set", "number.envoy_power_limit", host)
        assert (error.translation_domain, error.translation_key) == (DOMAIN, key)
        assert error.translation_placeholders == {
            "action": "set", "entity": "number.envoy_power_limit", "host": host, "reason": f"{endpoint}: {err.message}",
        }
        assert "{reason}" in translations["exceptions"][key]["message"]


async def test_options_flow_sets_the_installer_options(hass: HomeAssistant, start_envoy: StartEnvoy) -> None:
    envoy = await start_envoy(profile=PROFILE)
    entry = await installer_entry(hass, envoy)
    assert entry.runtime_data.gateway.plc_check_enabled is False
    result = await hass.config_entries.options.async_init(entry.entry_id)
    result = await hass.config_entries.options.async_configure(
        result["flow_id"],
        {OPTION_DIAGNOSTICS_INCLUDE_FIXTURES: False, OPTION_DISABLE_KEEP_ALIVE: False, OPTION_PLC_CHECK: True,
         OPTION_ALLOW_GRID_PROFILE: True},
    )
    await hass.async_block_till_done()
    assert entry.options[OPTION_PLC_CHECK] is True
    assert entry.options[OPTION_ALLOW_GRID_PROFILE] is True
    assert entry.runtime_data.gateway.plc_check_enabled is True  # the entry reloaded with the opt-in


async def test_the_issue_goes_once_the_token_allows_the_features(
    hass: HomeAssistant, start_envoy: StartEnvoy
) -> None:
    envoy = await start_envoy(profile=PROFILE)
    entry = await setup_envoy_entry(hass, envoy)
    issues = ir.async_get(hass)
    assert issues.async_get_issue(DOMAIN, installer_issue_id(entry.entry_id)) is not None

    installer = envoy_entry_data(envoy, token=envoy.mint_token(user="installer"))
    hass.config_entries.async_update_entry(entry, data=installer)  # what Reconfigure with an installer token does
    assert await hass.config_entries.async_reload(entry.entry_id)
    await hass.async_block_till_done()
    assert issues.async_get_issue(DOMAIN, installer_issue_id(entry.entry_id)) is None
    assert state_of(hass, SWITCH, f"{envoy.source.serial}_production_enabled") == STATE_ON

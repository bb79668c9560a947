"""Entry setup, unload, options reload, keep-alive and device removal against the simulator."""

from __future__ import annotations

from datetime import timedelta

import pytest
from custom_components.enphase_envoy import async_remove_config_entry_device
from custom_components.enphase_envoy.const import DOMAIN, OPTION_DIAGNOSTICS_INCLUDE_FIXTURES, OPTION_DISABLE_KEEP_ALIVE
from freezegun.api import FrozenDateTimeFactory
from homeassistant.config_entries import SOURCE_REAUTH, ConfigEntry, ConfigEntryState
from homeassistant.const import CONF_HOST, CONF_NAME, CONF_PASSWORD, CONF_TOKEN, CONF_USERNAME
from homeassistant.core import HomeAssistant
from homeassistant.helpers import device_registry as dr
from pytest_homeassistant_custom_component.common import async_fire_time_changed

from iqgateway import AuthKind
from tests.shared import capture_serial, capture_version, free_port

from .common import envoy_entry_data, setup_envoy_entry
from .conftest import StartEnvoy

OLD = "5.0.62"
TOKEN = "7.6.175_standard"


def state_of(entry: ConfigEntry) -> ConfigEntryState:
    """The entry's state now (a function call keeps mypy from narrowing it across awaits)."""
    return entry.state


async def poll(hass: HomeAssistant, freezer: FrozenDateTimeFactory, seconds: float = 61) -> None:
    """Let the coordinator's own timer fire once."""
    freezer.tick(timedelta(seconds=seconds))
    async_fire_time_changed(hass)
    await hass.async_block_till_done(wait_background_tasks=True)


async def test_setup_and_unload_token_firmware(hass: HomeAssistant, start_envoy: StartEnvoy) -> None:
    envoy = await start_envoy(TOKEN)
    entry = await setup_envoy_entry(hass, envoy)
    assert entry.state is ConfigEntryState.LOADED
    coordinator = entry.runtime_data
    assert coordinator.data.info.serial == capture_serial(TOKEN)
    assert coordinator.data.info.firmware == capture_version(TOKEN)
    assert coordinator.gateway.auth_kind is AuthKind.TOKEN
    assert coordinator.update_interval == timedelta(seconds=60)
    assert await hass.config_entries.async_unload(entry.entry_id)
    assert state_of(entry) is ConfigEntryState.NOT_LOADED


async def test_setup_digest_firmware(hass: HomeAssistant, start_envoy: StartEnvoy) -> None:
    envoy = await start_envoy(OLD)
    entry = await setup_envoy_entry(hass, envoy)
    assert entry.state is ConfigEntryState.LOADED
    assert entry.runtime_data.gateway.auth_kind is AuthKind.DIGEST
    assert entry.runtime_data.data.info.serial == capture_serial(OLD)


async def test_setup_with_core_entry_data(hass: HomeAssistant, start_envoy: StartEnvoy) -> None:
    """The entry HA core's integration leaves (cloud credentials plus token, no manual flag) works unchanged."""
    envoy = await start_envoy(TOKEN)
    serial = capture_serial(TOKEN)
    token = envoy.mint_token()
    data = {
        CONF_HOST: envoy.address,
        CONF_NAME: f"Envoy {serial}",
        CONF_USERNAME: "someone@example.com",
        CONF_PASSWORD: "never-sent-anywhere",
        CONF_TOKEN: token,
    }
    entry = await setup_envoy_entry(hass, envoy, data=data)
    assert entry.state is ConfigEntryState.LOADED
    assert entry.data[CONF_TOKEN] == token
    assert entry.runtime_data.data.info.serial == serial


async def test_setup_device_unreachable_retries(hass: HomeAssistant, start_envoy: StartEnvoy) -> None:
    envoy = await start_envoy(OLD)
    data = envoy_entry_data(envoy) | {CONF_HOST: f"127.0.0.1:{free_port()}"}
    entry = await setup_envoy_entry(hass, envoy, data=data)
    assert entry.state is ConfigEntryState.SETUP_RETRY


async def test_setup_expired_token_starts_reauth(hass: HomeAssistant, start_envoy: StartEnvoy) -> None:
    envoy = await start_envoy(TOKEN)
    data = envoy_entry_data(envoy, token=envoy.mint_token(days=-1))
    entry = await setup_envoy_entry(hass, envoy, data=data)
    assert entry.state is ConfigEntryState.SETUP_ERROR
    flows = hass.config_entries.flow.async_progress_by_handler(DOMAIN)
    assert [f["context"]["source"] for f in flows] == [SOURCE_REAUTH]


async def test_setup_unsupported_device(hass: HomeAssistant, start_envoy: StartEnvoy) -> None:
    envoy = await start_envoy(OLD)
    envoy.faults.add("404", "/info")  # no identity: not an Envoy, or firmware below 3.9
    entry = await setup_envoy_entry(hass, envoy)
    assert entry.state is ConfigEntryState.SETUP_ERROR


async def test_keep_alive_and_disabled_keep_alive(
    hass: HomeAssistant, start_envoy: StartEnvoy, freezer: FrozenDateTimeFactory
) -> None:
    """Default: a setup's many requests share a connection or two. disable_keep_alive: every request
    opens its own connection, at setup and at every poll (once the connection Home Assistant's pool kept
    from before the option carried its last request)."""
    envoy = await start_envoy(TOKEN)
    entry = await setup_envoy_entry(hass, envoy)
    envoy.stats.reset()
    assert await hass.config_entries.async_reload(entry.entry_id)
    await hass.async_block_till_done()
    assert envoy.stats.requests > 5
    assert envoy.stats.connections_opened <= 2

    envoy.stats.reset()
    result = await hass.config_entries.options.async_init(entry.entry_id)
    await hass.config_entries.options.async_configure(
        result["flow_id"], {OPTION_DIAGNOSTICS_INCLUDE_FIXTURES: False, OPTION_DISABLE_KEEP_ALIVE: True}
    )
    await hass.async_block_till_done()
    assert entry.state is ConfigEntryState.LOADED
    assert envoy.stats.requests > 5
    assert envoy.stats.connections_opened >= envoy.stats.requests - 1
    envoy.stats.reset()
    for _ in range(6):  # an unmetered device's power follows its inverter list: not every poll asks
        await poll(hass, freezer)
    assert envoy.stats.requests >= 2
    assert envoy.stats.connections_opened == envoy.stats.requests


async def test_token_stored_in_data_does_not_reload(hass: HomeAssistant, start_envoy: StartEnvoy) -> None:
    envoy = await start_envoy(TOKEN)
    entry = await setup_envoy_entry(hass, envoy)
    first = entry.runtime_data
    hass.config_entries.async_update_entry(entry, data={**entry.data, CONF_TOKEN: envoy.mint_token()})
    await hass.async_block_till_done()
    assert entry.runtime_data is first


@pytest.mark.parametrize("capture", [TOKEN, "8.2.4382_ACB", "8.3.1598_collar", "8.2.4286_with_3cts_and_battery_split"])
async def test_remove_stale_device_only(hass: HomeAssistant, start_envoy: StartEnvoy, capture: str) -> None:
    """Every device the Envoy still reports stays; a device it no longer reports may be removed."""
    envoy = await start_envoy(capture)
    entry = await setup_envoy_entry(hass, envoy)
    assert entry.state is ConfigEntryState.LOADED
    registry = dr.async_get(hass)
    devices = dr.async_entries_for_config_entry(registry, entry.entry_id)
    assert any((DOMAIN, capture_serial(capture)) in d.identifiers for d in devices)
    assert len(devices) > 1
    for device in devices:
        assert not await async_remove_config_entry_device(hass, entry, device), device.name
    gone = registry.async_get_or_create(config_entry_id=entry.entry_id, identifiers={(DOMAIN, "999999999999")})
    assert await async_remove_config_entry_device(hass, entry, gone)

"""Reauthentication and reconfiguration: new credentials or a new host, always for the same Envoy."""

from __future__ import annotations

from typing import Any

import jwt
from custom_components.enphase_envoy.const import (
    CONF_USE_MANUAL_TOKEN,
    DOMAIN,
)
from homeassistant.config_entries import ConfigEntryState
from homeassistant.const import CONF_HOST, CONF_NAME, CONF_PASSWORD, CONF_TOKEN, CONF_USERNAME
from homeassistant.core import HomeAssistant
from homeassistant.data_entry_flow import FlowResultType
from pytest_homeassistant_custom_component.common import MockConfigEntry

from iqgateway.simulator.enlighten import SimulatedCloud
from tests.shared import capture_serial, free_port

from .common import CLOUD_PASSWORD, CLOUD_USER, setup_envoy_entry
from .conftest import StartEnvoy

OLD = "5.0.62"  # Digest firmware
TOKEN = "7.6.175_standard"  # token firmware
OTHER_TOKEN = "8.2.4345_with_device_data"  # a different token device


# ---------------------------------------------------------------------------------------------- reauth


async def test_reauth_with_new_token(hass: HomeAssistant, start_envoy: StartEnvoy) -> None:
    envoy = await start_envoy(TOKEN)
    entry = await setup_envoy_entry(hass, envoy)
    result = await entry.start_reauth_flow(hass)
    assert result["type"] is FlowResultType.FORM
    assert result["step_id"] == "reauth_confirm"
    result = await hass.config_entries.flow.async_configure(
        result["flow_id"], {CONF_TOKEN: envoy.mint_token(days=-2), CONF_USE_MANUAL_TOKEN: True}
    )
    assert result["errors"] == {"base": "invalid_auth"}
    token = envoy.mint_token(days=200)
    result = await hass.config_entries.flow.async_configure(
        result["flow_id"], {CONF_TOKEN: token, CONF_USE_MANUAL_TOKEN: True}
    )
    assert result["type"] is FlowResultType.ABORT
    assert result["reason"] == "reauth_successful"
    assert entry.data[CONF_TOKEN] == token
    await hass.async_block_till_done()
    assert entry.state is ConfigEntryState.LOADED


async def test_reauth_with_cloud_credentials(hass: HomeAssistant, start_envoy: StartEnvoy, start_cloud: Any) -> None:
    cloud: SimulatedCloud = await start_cloud()
    envoy = await start_envoy(TOKEN, cloud=cloud)
    entry = await setup_envoy_entry(hass, envoy)
    result = await entry.start_reauth_flow(hass)
    result = await hass.config_entries.flow.async_configure(
        result["flow_id"], {CONF_USERNAME: CLOUD_USER, CONF_PASSWORD: CLOUD_PASSWORD, CONF_USE_MANUAL_TOKEN: False}
    )
    assert result["reason"] == "reauth_successful"
    assert entry.data[CONF_USERNAME] == CLOUD_USER
    assert entry.data[CONF_USE_MANUAL_TOKEN] is False
    assert cloud.tokens_issued == 1
    assert jwt.decode(entry.data[CONF_TOKEN], options={"verify_signature": False})["aud"] == capture_serial(TOKEN)


async def test_reauth_other_device_at_host(hass: HomeAssistant, start_envoy: StartEnvoy) -> None:
    other = await start_envoy(OTHER_TOKEN)
    entry = MockConfigEntry(
        domain=DOMAIN, unique_id=capture_serial(TOKEN), data={CONF_HOST: other.address, CONF_NAME: "Envoy"}
    )
    entry.add_to_hass(hass)
    result = await entry.start_reauth_flow(hass)
    result = await hass.config_entries.flow.async_configure(
        result["flow_id"], {CONF_TOKEN: other.mint_token(), CONF_USE_MANUAL_TOKEN: True}
    )
    assert result["type"] is FlowResultType.ABORT
    assert result["reason"] == "unique_id_mismatch"


# ---------------------------------------------------------------------------------------------- reconfigure


async def test_reconfigure_new_host(hass: HomeAssistant, start_envoy: StartEnvoy) -> None:
    old = await start_envoy(OLD)
    entry = await setup_envoy_entry(hass, old)
    new = await start_envoy(OLD)
    result = await entry.start_reconfigure_flow(hass)
    assert result["type"] is FlowResultType.FORM
    assert result["step_id"] == "reconfigure"
    result = await hass.config_entries.flow.async_configure(
        result["flow_id"], {CONF_HOST: f"127.0.0.1:{free_port()}", CONF_USERNAME: "installer"}
    )
    assert result["errors"] == {"base": "cannot_connect"}
    result = await hass.config_entries.flow.async_configure(
        result["flow_id"], {CONF_HOST: new.address, CONF_USERNAME: "installer"}
    )
    assert result["type"] is FlowResultType.ABORT
    assert result["reason"] == "reconfigure_successful"
    assert entry.data[CONF_HOST] == new.address
    await hass.async_block_till_done()
    assert entry.state is ConfigEntryState.LOADED
    assert entry.runtime_data.gateway.host == new.address


async def test_reconfigure_keeps_stored_token(hass: HomeAssistant, start_envoy: StartEnvoy) -> None:
    envoy = await start_envoy(TOKEN)
    entry = await setup_envoy_entry(hass, envoy)
    token = entry.data[CONF_TOKEN]
    result = await entry.start_reconfigure_flow(hass)
    result = await hass.config_entries.flow.async_configure(
        result["flow_id"], {CONF_HOST: envoy.address, CONF_USE_MANUAL_TOKEN: True}
    )
    assert result["reason"] == "reconfigure_successful"
    assert entry.data[CONF_TOKEN] == token


async def test_reconfigure_other_device_aborts(hass: HomeAssistant, start_envoy: StartEnvoy) -> None:
    envoy = await start_envoy(TOKEN)
    entry = await setup_envoy_entry(hass, envoy)
    other = await start_envoy(OTHER_TOKEN)
    result = await entry.start_reconfigure_flow(hass)
    result = await hass.config_entries.flow.async_configure(
        result["flow_id"], {CONF_HOST: other.address, CONF_TOKEN: other.mint_token(), CONF_USE_MANUAL_TOKEN: True}
    )
    assert result["type"] is FlowResultType.ABORT
    assert result["reason"] == "unique_id_mismatch"
    assert entry.data[CONF_HOST] == envoy.address

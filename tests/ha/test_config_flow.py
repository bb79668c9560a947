"""Config flow against the simulator: user, zeroconf, reauth, reconfigure and options, every error and abort."""

from __future__ import annotations

from ipaddress import ip_address
from typing import Any
from unittest.mock import patch

import jwt
from custom_components.enphase_envoy.const import (
    CONF_USE_MANUAL_TOKEN,
    DOMAIN,
)
from homeassistant.config_entries import SOURCE_IGNORE, SOURCE_USER, SOURCE_ZEROCONF, ConfigEntryState
from homeassistant.const import CONF_HOST, CONF_NAME, CONF_PASSWORD, CONF_TOKEN, CONF_USERNAME
from homeassistant.core import HomeAssistant
from homeassistant.data_entry_flow import FlowResultType
from homeassistant.helpers.service_info.zeroconf import ZeroconfServiceInfo
from pytest_homeassistant_custom_component.common import MockConfigEntry

from iqgateway.simulator.enlighten import SimulatedCloud
from tests.shared import capture_serial, capture_version, free_port

from .common import CLOUD_PASSWORD, CLOUD_USER, setup_envoy_entry
from .conftest import StartEnvoy

OLD = "5.0.62"  # Digest firmware
TOKEN = "7.6.175_standard"  # token firmware
OTHER_TOKEN = "8.2.4345_with_device_data"  # a different token device


def zeroconf_info(
    serial: str | None, firmware: str, port: int, *, address: str = "127.0.0.1", extra: tuple[str, ...] = ()
) -> ZeroconfServiceInfo:
    properties: dict[str, Any] = {"protovers": firmware}
    if serial is not None:
        properties["serialnum"] = serial
    return ZeroconfServiceInfo(
        ip_address=ip_address(address),
        ip_addresses=[ip_address(address), *(ip_address(a) for a in extra)],
        hostname="envoy.local.",
        name="Envoy._enphase-envoy._tcp.local.",
        port=port,
        type="_enphase-envoy._tcp.local.",
        properties=properties,
    )


def reason(result: Any) -> str:
    """The reason text shown with a form's error."""
    placeholders = result["description_placeholders"]
    assert placeholders is not None
    return str(placeholders["reason"])


def schema_keys(result: Any) -> dict[str, Any]:
    schema = result["data_schema"]
    assert schema is not None
    return {str(key): key for key in schema.schema}


async def user_flow(hass: HomeAssistant, user_input: dict[str, Any]) -> Any:
    result = await hass.config_entries.flow.async_init(DOMAIN, context={"source": SOURCE_USER})
    assert result["type"] is FlowResultType.FORM
    assert result["step_id"] == "user"
    return await hass.config_entries.flow.async_configure(result["flow_id"], user_input)


# ---------------------------------------------------------------------------------------------- user step


async def test_user_digest_firmware(hass: HomeAssistant, start_envoy: StartEnvoy) -> None:
    envoy = await start_envoy(OLD)
    serial = capture_serial(OLD)
    result = await user_flow(hass, {CONF_HOST: envoy.address, CONF_USERNAME: "installer", CONF_PASSWORD: ""})
    assert result["type"] is FlowResultType.CREATE_ENTRY
    assert result["title"] == f"Envoy {serial}"
    assert result["result"].unique_id == serial
    assert result["data"] == {
        CONF_HOST: envoy.address,
        CONF_NAME: f"Envoy {serial}",
        CONF_USERNAME: "installer",
        CONF_PASSWORD: "",
        CONF_TOKEN: "",
        CONF_USE_MANUAL_TOKEN: False,
    }
    await hass.async_block_till_done()
    assert result["result"].state is ConfigEntryState.LOADED


async def test_user_manual_token(hass: HomeAssistant, start_envoy: StartEnvoy) -> None:
    envoy = await start_envoy(TOKEN)
    serial = capture_serial(TOKEN)
    token = envoy.mint_token()
    result = await user_flow(
        hass, {CONF_HOST: envoy.address, CONF_TOKEN: token, CONF_USE_MANUAL_TOKEN: True}
    )
    assert result["type"] is FlowResultType.CREATE_ENTRY
    assert result["title"] == f"Envoy {serial}"
    assert result["data"][CONF_TOKEN] == token
    assert result["data"][CONF_USE_MANUAL_TOKEN] is True
    await hass.async_block_till_done()
    assert result["result"].state is ConfigEntryState.LOADED


async def test_user_cloud_login(
    hass: HomeAssistant, start_envoy: StartEnvoy, start_cloud: Any
) -> None:
    cloud: SimulatedCloud = await start_cloud()
    envoy = await start_envoy(TOKEN, cloud=cloud)
    serial = capture_serial(TOKEN)
    result = await user_flow(
        hass, {CONF_HOST: envoy.address, CONF_USERNAME: CLOUD_USER, CONF_PASSWORD: CLOUD_PASSWORD}
    )
    assert result["type"] is FlowResultType.CREATE_ENTRY
    data = result["data"]
    assert data[CONF_USE_MANUAL_TOKEN] is False
    assert data[CONF_USERNAME] == CLOUD_USER
    claims = jwt.decode(data[CONF_TOKEN], options={"verify_signature": False})
    assert claims["aud"] == serial
    assert cloud.tokens_issued == 1
    await hass.async_block_till_done()
    assert result["result"].state is ConfigEntryState.LOADED


async def test_user_cannot_connect_then_recovers(hass: HomeAssistant, start_envoy: StartEnvoy) -> None:
    dead = f"127.0.0.1:{free_port()}"
    result = await hass.config_entries.flow.async_init(DOMAIN, context={"source": SOURCE_USER})
    result = await hass.config_entries.flow.async_configure(
        result["flow_id"], {CONF_HOST: dead, CONF_USERNAME: "installer"}
    )
    assert result["type"] is FlowResultType.FORM
    assert result["errors"] == {"base": "cannot_connect"}
    assert dead in reason(result)
    envoy = await start_envoy(OLD)
    result = await hass.config_entries.flow.async_configure(
        result["flow_id"], {CONF_HOST: envoy.address, CONF_USERNAME: "installer"}
    )
    assert result["type"] is FlowResultType.CREATE_ENTRY
    assert result["result"].unique_id == capture_serial(OLD)


async def test_user_wrong_digest_password(hass: HomeAssistant, start_envoy: StartEnvoy) -> None:
    envoy = await start_envoy(OLD)
    result = await user_flow(
        hass, {CONF_HOST: envoy.address, CONF_USERNAME: "installer", CONF_PASSWORD: "not-the-password"}
    )
    assert result["type"] is FlowResultType.FORM
    assert result["errors"] == {"base": "invalid_auth"}
    assert reason(result)


async def test_user_expired_token(hass: HomeAssistant, start_envoy: StartEnvoy) -> None:
    envoy = await start_envoy(TOKEN)
    result = await user_flow(
        hass, {CONF_HOST: envoy.address, CONF_TOKEN: envoy.mint_token(days=-1), CONF_USE_MANUAL_TOKEN: True}
    )
    assert result["type"] is FlowResultType.FORM
    assert result["errors"] == {"base": "invalid_auth"}
    assert "expired" in reason(result).lower()


async def test_user_manual_flag_without_token(hass: HomeAssistant, start_envoy: StartEnvoy) -> None:
    envoy = await start_envoy(TOKEN)
    result = await user_flow(hass, {CONF_HOST: envoy.address, CONF_USE_MANUAL_TOKEN: True})
    assert result["errors"] == {"base": "invalid_auth"}


async def test_user_mfa_account(hass: HomeAssistant, start_envoy: StartEnvoy, start_cloud: Any) -> None:
    cloud: SimulatedCloud = await start_cloud(
        accounts={"mfa@example.com": "secret-of-mfa-account"}, mfa_accounts=["mfa@example.com"]
    )
    envoy = await start_envoy(TOKEN, cloud=cloud)
    result = await user_flow(
        hass, {CONF_HOST: envoy.address, CONF_USERNAME: "mfa@example.com", CONF_PASSWORD: "secret-of-mfa-account"}
    )
    assert result["type"] is FlowResultType.FORM
    assert result["errors"] == {"base": "invalid_auth"}
    assert "token" in reason(result).lower()


async def test_user_wrong_cloud_password(hass: HomeAssistant, start_envoy: StartEnvoy, start_cloud: Any) -> None:
    cloud: SimulatedCloud = await start_cloud()
    envoy = await start_envoy(TOKEN, cloud=cloud)
    result = await user_flow(
        hass, {CONF_HOST: envoy.address, CONF_USERNAME: CLOUD_USER, CONF_PASSWORD: "wrong password"}
    )
    assert result["errors"] == {"base": "invalid_auth"}


async def test_user_cloud_down(hass: HomeAssistant, start_envoy: StartEnvoy, start_cloud: Any) -> None:
    cloud: SimulatedCloud = await start_cloud()
    envoy = await start_envoy(TOKEN, cloud=cloud)
    await cloud.down("refuse")
    result = await user_flow(
        hass, {CONF_HOST: envoy.address, CONF_USERNAME: CLOUD_USER, CONF_PASSWORD: CLOUD_PASSWORD}
    )
    assert result["errors"] == {"base": "cannot_connect"}


class _Broken:
    """A gateway whose setup fails with an error no one expects (a bug)."""

    async def setup(self) -> None:
        raise RuntimeError("boom")

    async def close(self) -> None:
        return None


async def test_user_unknown_error(hass: HomeAssistant) -> None:
    with patch("custom_components.enphase_envoy.config_flow.make_gateway", return_value=_Broken()):
        result = await user_flow(hass, {CONF_HOST: "127.0.0.1:1"})
    assert result["errors"] == {"base": "unknown"}
    assert reason(result) == "RuntimeError: boom"


async def test_user_already_configured(hass: HomeAssistant, start_envoy: StartEnvoy) -> None:
    envoy = await start_envoy(OLD)
    await setup_envoy_entry(hass, envoy)
    result = await user_flow(hass, {CONF_HOST: envoy.address, CONF_USERNAME: "installer"})
    assert result["type"] is FlowResultType.ABORT
    assert result["reason"] == "already_configured"


# ---------------------------------------------------------------------------------------------- zeroconf


async def test_zeroconf_new_device(hass: HomeAssistant, start_envoy: StartEnvoy) -> None:
    envoy = await start_envoy(OLD)
    serial = capture_serial(OLD)
    result = await hass.config_entries.flow.async_init(
        DOMAIN, context={"source": SOURCE_ZEROCONF}, data=zeroconf_info(serial, capture_version(OLD), envoy.port)
    )
    assert result["type"] is FlowResultType.FORM
    assert result["step_id"] == "user"
    schema = schema_keys(result)
    assert schema[CONF_HOST].default() == envoy.address
    assert schema[CONF_USERNAME].default() == "installer"  # protovers < 7
    flows = hass.config_entries.flow.async_progress()
    assert flows[0]["context"]["title_placeholders"] == {"serial": serial, "host": envoy.address}
    result = await hass.config_entries.flow.async_configure(
        result["flow_id"], {CONF_HOST: envoy.address, CONF_USERNAME: "installer"}
    )
    assert result["type"] is FlowResultType.CREATE_ENTRY
    assert result["result"].unique_id == serial


async def test_zeroconf_token_firmware_no_installer_default(hass: HomeAssistant, start_envoy: StartEnvoy) -> None:
    envoy = await start_envoy(TOKEN)
    result = await hass.config_entries.flow.async_init(
        DOMAIN,
        context={"source": SOURCE_ZEROCONF},
        data=zeroconf_info(capture_serial(TOKEN), capture_version(TOKEN), envoy.port),
    )
    schema = schema_keys(result)
    assert schema[CONF_USERNAME].default() == ""


async def test_zeroconf_ipv6_aborts(hass: HomeAssistant) -> None:
    result = await hass.config_entries.flow.async_init(
        DOMAIN,
        context={"source": SOURCE_ZEROCONF},
        data=zeroconf_info("122302045041", "7.6.175", 80, address="fe80::1"),
    )
    assert result["type"] is FlowResultType.ABORT
    assert result["reason"] == "not_ipv4_address"


async def test_zeroconf_without_serial_aborts(hass: HomeAssistant) -> None:
    result = await hass.config_entries.flow.async_init(
        DOMAIN, context={"source": SOURCE_ZEROCONF}, data=zeroconf_info(None, "7.6.175", 80)
    )
    assert result["type"] is FlowResultType.ABORT
    assert result["reason"] == "not_envoy_device"


async def test_zeroconf_ignored_device(hass: HomeAssistant) -> None:
    MockConfigEntry(domain=DOMAIN, unique_id="122302045041", source=SOURCE_IGNORE, data={}).add_to_hass(hass)
    result = await hass.config_entries.flow.async_init(
        DOMAIN, context={"source": SOURCE_ZEROCONF}, data=zeroconf_info("122302045041", "7.6.175", 80)
    )
    assert result["type"] is FlowResultType.ABORT
    assert result["reason"] == "already_configured"


async def test_zeroconf_known_device_new_address(hass: HomeAssistant, start_envoy: StartEnvoy) -> None:
    old = await start_envoy(TOKEN)
    entry = await setup_envoy_entry(hass, old)
    assert entry.state is ConfigEntryState.LOADED
    first = entry.runtime_data
    await old.stop()  # the device left that address ...
    new = await start_envoy(TOKEN)  # ... and answers at another one
    result = await hass.config_entries.flow.async_init(
        DOMAIN,
        context={"source": SOURCE_ZEROCONF},
        data=zeroconf_info(capture_serial(TOKEN), capture_version(TOKEN), new.port),
    )
    assert result["type"] is FlowResultType.ABORT
    assert result["reason"] == "already_configured"
    await hass.async_block_till_done()
    assert entry.data[CONF_HOST] == new.address
    assert entry.state is ConfigEntryState.LOADED
    assert entry.runtime_data is not first  # reloaded
    assert entry.runtime_data.gateway.host == new.address


async def test_zeroconf_same_address_keeps_entry(hass: HomeAssistant, start_envoy: StartEnvoy) -> None:
    envoy = await start_envoy(TOKEN)
    entry = await setup_envoy_entry(hass, envoy)
    first = entry.runtime_data
    result = await hass.config_entries.flow.async_init(
        DOMAIN,
        context={"source": SOURCE_ZEROCONF},
        data=zeroconf_info(capture_serial(TOKEN), capture_version(TOKEN), envoy.port),
    )
    assert result["reason"] == "already_configured"
    await hass.async_block_till_done()
    assert entry.runtime_data is first


async def test_zeroconf_two_interfaces_do_not_flap(hass: HomeAssistant, start_envoy: StartEnvoy) -> None:
    """One device answering on two addresses: announcements of the other one never move the entry."""
    wired = await start_envoy(TOKEN)
    wifi = await start_envoy(TOKEN)  # same serial, second address
    entry = await setup_envoy_entry(hass, wired)
    first = entry.runtime_data
    serial, firmware = capture_serial(TOKEN), capture_version(TOKEN)
    for _ in range(2):
        for port in (wifi.port, wired.port):
            result = await hass.config_entries.flow.async_init(
                DOMAIN, context={"source": SOURCE_ZEROCONF}, data=zeroconf_info(serial, firmware, port)
            )
            assert result["reason"] == "already_configured"
            await hass.async_block_till_done()
            assert entry.data[CONF_HOST] == wired.address
    assert entry.runtime_data is first  # never reloaded


async def test_zeroconf_configured_address_among_announced(hass: HomeAssistant, start_envoy: StartEnvoy) -> None:
    """An announcement listing several addresses, the configured one among them, changes nothing (no probe)."""
    entry = MockConfigEntry(
        domain=DOMAIN, unique_id="122302045041", data={CONF_HOST: "192.0.2.7", CONF_NAME: "Envoy 122302045041"}
    )
    entry.add_to_hass(hass)
    result = await hass.config_entries.flow.async_init(
        DOMAIN,
        context={"source": SOURCE_ZEROCONF},
        data=zeroconf_info("122302045041", "7.6.175", 80, address="192.0.2.8", extra=("192.0.2.7",)),
    )
    assert result["reason"] == "already_configured"
    assert entry.data[CONF_HOST] == "192.0.2.7"


async def test_zeroconf_other_device_at_configured_address(hass: HomeAssistant, start_envoy: StartEnvoy) -> None:
    """The configured address now answers with another serial: the announced address wins."""
    other = await start_envoy(OTHER_TOKEN)
    serial = capture_serial(TOKEN)
    entry = MockConfigEntry(
        domain=DOMAIN, unique_id=serial, data={CONF_HOST: other.address, CONF_NAME: f"Envoy {serial}"}
    )
    entry.add_to_hass(hass)
    moved = await start_envoy(TOKEN)
    result = await hass.config_entries.flow.async_init(
        DOMAIN, context={"source": SOURCE_ZEROCONF}, data=zeroconf_info(serial, capture_version(TOKEN), moved.port)
    )
    assert result["reason"] == "already_configured"
    assert entry.data[CONF_HOST] == moved.address

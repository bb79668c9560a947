"""Helpers shared by the Home Assistant tests: config entries for a simulated Envoy."""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

from custom_components.enphase_envoy.const import CONF_USE_MANUAL_TOKEN, DOMAIN
from homeassistant.const import CONF_HOST, CONF_NAME, CONF_PASSWORD, CONF_TOKEN, CONF_USERNAME
from homeassistant.core import HomeAssistant
from pytest_homeassistant_custom_component.common import MockConfigEntry

from iqgateway.simulator.enlighten import DEMO_EMAIL, DEMO_PASSWORD
from iqgateway.simulator.server import SimulatedEnvoy

# The simulated cloud's default account (not a real secret).
CLOUD_USER = DEMO_EMAIL
CLOUD_PASSWORD = DEMO_PASSWORD


def firmware_major(envoy: SimulatedEnvoy) -> int:
    """The simulated device's firmware major version ("D8.3.5169" -> 8)."""
    found = re.search(r"\d+", str(envoy.source.firmware))
    return int(found.group()) if found else 0


def envoy_entry_data(
    envoy: SimulatedEnvoy,
    *,
    manual_token: bool = True,
    username: str | None = None,
    password: str | None = None,
    token: str | None = None,
) -> dict[str, Any]:
    """Entry data for `envoy`: fw < 7 installer/blank password; fw >= 7 a token minted by the simulator.

    manual_token=True: the token was pasted (use_manual_token set, no cloud credentials);
    manual_token=False: the data core's integration writes (cloud username/password plus the token).
    """
    serial = envoy.source.serial
    data: dict[str, Any] = {CONF_HOST: envoy.address, CONF_NAME: f"Envoy {serial}"}
    if firmware_major(envoy) < 7:
        return data | {CONF_USERNAME: username or "installer", CONF_PASSWORD: password or ""}
    token = token or envoy.mint_token()
    if manual_token:
        return data | {CONF_USERNAME: "", CONF_PASSWORD: "", CONF_TOKEN: token, CONF_USE_MANUAL_TOKEN: True}
    return data | {
        CONF_USERNAME: username or CLOUD_USER,
        CONF_PASSWORD: password or CLOUD_PASSWORD,
        CONF_TOKEN: token,
    }


async def setup_envoy_entry(
    hass: HomeAssistant,
    envoy: SimulatedEnvoy,
    *,
    options: Mapping[str, Any] | None = None,
    manual_token: bool = True,
    data: Mapping[str, Any] | None = None,
) -> MockConfigEntry:
    """Add a config entry for `envoy` (see envoy_entry_data), set it up and wait until HA is idle."""
    serial = envoy.source.serial
    entry = MockConfigEntry(
        domain=DOMAIN,
        unique_id=serial,
        title=f"Envoy {serial}",
        data=dict(data) if data is not None else envoy_entry_data(envoy, manual_token=manual_token),
        options=dict(options or {}),
    )
    entry.add_to_hass(hass)
    await hass.config_entries.async_setup(entry.entry_id)
    await hass.async_block_till_done()
    return entry


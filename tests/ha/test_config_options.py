"""The options flow (reloads the entry when an option changed), the secret fields, and the translations."""

from __future__ import annotations

import json
import re
from pathlib import Path

from custom_components.enphase_envoy.const import (
    CONF_USE_MANUAL_TOKEN,
    DOMAIN,
    OPTION_DIAGNOSTICS_INCLUDE_FIXTURES,
    OPTION_DISABLE_KEEP_ALIVE,
)
from homeassistant.config_entries import SOURCE_USER, ConfigEntryState
from homeassistant.const import CONF_HOST, CONF_PASSWORD, CONF_TOKEN, CONF_USERNAME
from homeassistant.core import HomeAssistant
from homeassistant.data_entry_flow import FlowResultType

from tests.shared import capture_serial

from .common import setup_envoy_entry
from .conftest import StartEnvoy

OLD = "5.0.62"  # Digest firmware



# ---------------------------------------------------------------------------------------------- options


async def test_options_flow(hass: HomeAssistant, start_envoy: StartEnvoy) -> None:
    envoy = await start_envoy(OLD)
    entry = await setup_envoy_entry(hass, envoy)
    first = entry.runtime_data
    result = await hass.config_entries.options.async_init(entry.entry_id)
    assert result["type"] is FlowResultType.FORM
    assert result["step_id"] == "init"
    assert result["description_placeholders"] == {"serial": capture_serial(OLD), "host": envoy.address}
    result = await hass.config_entries.options.async_configure(
        result["flow_id"], {OPTION_DIAGNOSTICS_INCLUDE_FIXTURES: True, OPTION_DISABLE_KEEP_ALIVE: True}
    )
    assert result["type"] is FlowResultType.CREATE_ENTRY
    assert entry.options == {OPTION_DIAGNOSTICS_INCLUDE_FIXTURES: True, OPTION_DISABLE_KEEP_ALIVE: True}
    await hass.async_block_till_done()
    assert entry.state is ConfigEntryState.LOADED
    assert entry.runtime_data is not first  # options reload the entry
    assert not entry.update_listeners  # the flow reloads (Home Assistant 2026.12 breaks reloads with a listener)

    second = entry.runtime_data
    result = await hass.config_entries.options.async_init(entry.entry_id)
    result = await hass.config_entries.options.async_configure(
        result["flow_id"], {OPTION_DIAGNOSTICS_INCLUDE_FIXTURES: True, OPTION_DISABLE_KEEP_ALIVE: True}
    )
    assert result["type"] is FlowResultType.CREATE_ENTRY
    await hass.async_block_till_done()
    assert entry.runtime_data is second  # unchanged options: no reload


async def test_secret_fields_are_password_fields(hass: HomeAssistant) -> None:
    result = await hass.config_entries.flow.async_init(DOMAIN, context={"source": SOURCE_USER})
    assert result["data_schema"] is not None
    schema = result["data_schema"].schema
    kinds = {str(key): getattr(value, "config", {}).get("type") for key, value in schema.items()}
    assert kinds == {CONF_HOST: None, CONF_USERNAME: None, CONF_PASSWORD: "password", CONF_TOKEN: "password",
                     CONF_USE_MANUAL_TOKEN: None}


# ---------------------------------------------------------------------------------------------- translations


FOLDER = Path(__file__).resolve().parents[2] / "custom_components" / "enphase_envoy"


def test_translations_are_a_copy_of_strings() -> None:
    strings = json.loads((FOLDER / "strings.json").read_text())
    assert strings == json.loads((FOLDER / "translations" / "en.json").read_text())
    assert "[%key:" not in (FOLDER / "strings.json").read_text()  # custom integrations get no key references


def test_every_error_and_abort_is_translated() -> None:
    strings = json.loads((FOLDER / "strings.json").read_text())
    source = (FOLDER / "config_flow.py").read_text() + (FOLDER / "coordinator.py").read_text()
    for reason in set(re.findall(r'reason="([a-z_0-9]+)"', source)) | {"already_configured", "unique_id_mismatch"}:
        assert reason in strings["config"]["abort"], reason
    for error in set(re.findall(r'CheckFailed\("([a-z_]+)"', source)) | {"unknown"}:
        assert error in strings["config"]["error"], error
    for key in set(re.findall(r'translation_key="([a-z_]+)"', source)):
        assert key in strings["exceptions"], key
    for issue in ("manual_token_expiring", "token_refresh_failed"):
        assert issue in strings["issues"]

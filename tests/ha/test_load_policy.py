"""The load policy in Home Assistant: options change it, diagnostics show it, per-endpoint sensors (disabled)."""

from __future__ import annotations

from datetime import time

import pytest
from custom_components.enphase_envoy.const import (
    OPTION_QUIET_END,
    OPTION_QUIET_START,
    OPTION_QUIET_WINDOW,
    OPTION_SLOW_REQUEST_S,
)
from custom_components.enphase_envoy.diagnostics import async_get_config_entry_diagnostics
from homeassistant.config_entries import ConfigEntryState
from homeassistant.core import HomeAssistant
from homeassistant.data_entry_flow import FlowResultType, InvalidData
from homeassistant.helpers import entity_registry as er

from tests.shared import capture_serial

from .common import setup_envoy_entry
from .conftest import StartEnvoy

CAPTURE = "8.3.5169_with_generator"
READINGS = "/ivp/meters/readings"


async def test_load_sensors_are_diagnostic_and_disabled_by_default(hass: HomeAssistant,
                                                                  start_envoy: StartEnvoy) -> None:
    envoy = await start_envoy(CAPTURE)
    entry = await setup_envoy_entry(hass, envoy)
    registry = er.async_get(hass)
    serial = capture_serial(CAPTURE)
    entity_id = registry.async_get_entity_id("sensor", "enphase_envoy", f"{serial}_load_ivp_meters_readings_latency")
    assert entity_id is not None
    reg = registry.async_get(entity_id)
    assert reg is not None
    assert reg.disabled_by is er.RegistryEntryDisabler.INTEGRATION
    assert reg.entity_category == "diagnostic"
    assert reg.original_name == f"{READINGS} latency"
    keys = {e.unique_id for e in er.async_entries_for_config_entry(registry, entry.entry_id)
            if e.unique_id.startswith(f"{serial}_load_ivp_meters_readings_")}
    assert keys == {f"{serial}_load_ivp_meters_readings_{k}" for k in ("latency", "latency_p95", "failures",
                                                                        "interval")}


async def test_enabled_load_sensors_show_the_load_report(
    hass: HomeAssistant, start_envoy: StartEnvoy, entity_registry_enabled_by_default: None
) -> None:
    envoy = await start_envoy(CAPTURE)
    entry = await setup_envoy_entry(hass, envoy)
    await entry.runtime_data.async_refresh()
    await hass.async_block_till_done()
    report = entry.runtime_data.gateway.load_report()["endpoints"][READINGS]
    serial = capture_serial(CAPTURE)
    registry = er.async_get(hass)

    def state(key: str) -> str:
        entity_id = registry.async_get_entity_id("sensor", "enphase_envoy", f"{serial}_load_ivp_meters_readings_{key}")
        assert entity_id is not None
        found = hass.states.get(entity_id)
        assert found is not None
        return found.state

    assert float(state("latency")) == pytest.approx(report["latency_last_s"])
    assert float(state("latency")) > 0
    assert float(state("latency_p95")) == pytest.approx(report["latency_p95_s"])
    assert state("failures") == "0.0"
    assert state("interval") == "0.0"  # live power: every update


async def test_options_change_the_policy_and_diagnostics_show_it(hass: HomeAssistant, start_envoy: StartEnvoy) -> None:
    envoy = await start_envoy(CAPTURE)
    entry = await setup_envoy_entry(hass, envoy)
    assert entry.runtime_data.gateway.policy.quiet_start == time(22, 58)
    result = await hass.config_entries.options.async_init(entry.entry_id)
    result = await hass.config_entries.options.async_configure(
        result["flow_id"], {OPTION_QUIET_WINDOW: True, OPTION_QUIET_START: "22:30", OPTION_QUIET_END: "23:15",
                            OPTION_SLOW_REQUEST_S: 20},
    )
    assert result["type"] is FlowResultType.CREATE_ENTRY
    await hass.async_block_till_done()
    assert entry.state is ConfigEntryState.LOADED
    policy = entry.runtime_data.gateway.policy
    assert (policy.quiet_start, policy.quiet_end, policy.slow_s) == (time(22, 30), time(23, 15), 20.0)
    diagnostics = await async_get_config_entry_diagnostics(hass, entry)
    load = diagnostics["envoy_properties"]["load"]
    assert load["policy"]["quiet_start"] == "22:30"
    assert load["policy"]["slow_s"] == 20.0
    assert READINGS in load["endpoints"]
    daily = diagnostics["envoy_properties"]["daily_energy"]
    assert daily["enabled"] is True
    assert daily["time_zone"] == hass.config.time_zone
    assert "production" in daily["figures"]


async def test_a_bad_quiet_time_is_refused_by_the_form(hass: HomeAssistant, start_envoy: StartEnvoy) -> None:
    envoy = await start_envoy(CAPTURE)
    entry = await setup_envoy_entry(hass, envoy)
    result = await hass.config_entries.options.async_init(entry.entry_id)
    with pytest.raises(InvalidData, match="quiet_start"):
        await hass.config_entries.options.async_configure(result["flow_id"], {OPTION_QUIET_START: "25:00"})
    assert entry.runtime_data.gateway.policy.quiet_start == time(22, 58)

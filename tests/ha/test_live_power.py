"""Live power: the option, the sensors refreshed every few seconds, one request per refresh, quiet fallback.

Home Assistant's clock (freezer) and the profile simulator's frozen clock move together; the coordinators'
own timers fire (async_fire_time_changed) and the simulated device counts what it was asked.
"""

from __future__ import annotations

import json
import logging
from collections import Counter
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest
import voluptuous as vol
from custom_components.enphase_envoy import sensor_beyond
from custom_components.enphase_envoy.const import (
    DOMAIN,
    OPTION_DIAGNOSTICS_INCLUDE_FIXTURES,
    OPTION_DISABLE_KEEP_ALIVE,
    OPTION_LIVE_POWER,
    OPTION_LIVE_POWER_INTERVAL,
)
from custom_components.enphase_envoy.diagnostics import async_get_config_entry_diagnostics
from freezegun.api import FrozenDateTimeFactory
from homeassistant.config_entries import ConfigEntryState
from homeassistant.const import ATTR_UNIT_OF_MEASUREMENT
from homeassistant.core import HomeAssistant
from homeassistant.data_entry_flow import FlowResultType
from homeassistant.helpers import entity_registry as er
from pytest_homeassistant_custom_component.common import MockConfigEntry, async_fire_time_changed

from iqgateway.live import LIVEDATA_STREAM
from iqgateway.simulator.clock import SimClock
from iqgateway.simulator.profiles import ProfileSource, make_profile, profile_timezone
from iqgateway.simulator.server import SimulatedEnvoy
from tests.shared import capture_version

from .common import setup_envoy_entry
from .conftest import StartEnvoy

LIVEDATA = "/ivp/livedata/status"
LIVE_PATHS = {LIVEDATA, LIVEDATA_STREAM}
PROFILE = "full-us"  # split phase, IQ batteries: every flow
FLOWS = ("solar", "grid", "battery", "load")
WATTS = {"W": 1.0, "kW": 1e3}
NO_LIVE_DATA = "7.6.175_standard"


def live_options(interval_s: int = 5) -> dict[str, Any]:
    return {OPTION_LIVE_POWER: True, OPTION_LIVE_POWER_INTERVAL: interval_s}


def start_clocks(freezer: FrozenDateTimeFactory) -> SimClock:
    tz = ZoneInfo(profile_timezone(PROFILE))
    begin = datetime(2027, 6, 21, 13, 0, 30, tzinfo=tz)  # afternoon: solar, export and a battery at work
    freezer.move_to(begin)
    return SimClock(begin, speed=0, tz=tz)


@asynccontextmanager
async def live_envoy(clock: SimClock, seed: int = 0) -> AsyncIterator[SimulatedEnvoy]:
    async with SimulatedEnvoy(make_profile(PROFILE, clock=clock, seed=seed)) as envoy:
        yield envoy


def profile_of(envoy: SimulatedEnvoy) -> ProfileSource:
    source = envoy.source
    assert isinstance(source, ProfileSource)
    return source


def live_entity(hass: HomeAssistant, serial: str, key: str) -> str | None:
    return er.async_get(hass).async_get_entity_id("sensor", DOMAIN, f"{serial}_{key}")


def watts(hass: HomeAssistant, entity_id: str) -> float:
    state = hass.states.get(entity_id)
    assert state is not None, entity_id
    return float(state.state) * WATTS[state.attributes[ATTR_UNIT_OF_MEASUREMENT]]


async def tick(hass: HomeAssistant, freezer: FrozenDateTimeFactory, clock: SimClock, seconds: float) -> None:
    """Both clocks move on; whichever coordinator timer is due fires."""
    freezer.tick(timedelta(seconds=seconds))
    clock.advance(seconds)
    async_fire_time_changed(hass)
    await hass.async_block_till_done(wait_background_tasks=True)


def regular_requests(envoy: SimulatedEnvoy) -> Counter[str]:
    """Requests per endpoint, live data left out."""
    return Counter({path: n for path, n in envoy.stats.per_endpoint.items() if path not in LIVE_PATHS})


async def run_two_minutes(
    hass: HomeAssistant, freezer: FrozenDateTimeFactory, clock: SimClock, envoy: SimulatedEnvoy, entry: MockConfigEntry
) -> Counter[str]:
    """Two minutes in 5 s ticks after setup: the regular requests made."""
    envoy.stats.reset()
    for _ in range(24):
        await tick(hass, freezer, clock, 5)
    assert entry.runtime_data.last_update_success
    return regular_requests(envoy)


async def test_live_power_sensors_follow_the_device_every_interval(
    hass: HomeAssistant, socket_enabled: None, freezer: FrozenDateTimeFactory, entity_registry_enabled_by_default: None
) -> None:
    clock = start_clocks(freezer)
    async with live_envoy(clock) as envoy:
        source = profile_of(envoy)
        entry = await setup_envoy_entry(hass, envoy, options=live_options(5))
        assert entry.state is ConfigEntryState.LOADED
        serial = source.serial
        ids = {flow: live_entity(hass, serial, f"live_{flow}_power") for flow in FLOWS}
        phase_ids = {
            (flow, phase): live_entity(hass, serial, f"live_{flow}_power_{phase}")
            for flow in FLOWS
            for phase in ("l1", "l2")
        }
        assert all(ids.values()), ids
        assert all(phase_ids.values()), phase_ids
        assert live_entity(hass, serial, "live_grid_power_l3") is None  # split phase: two lines
        assert source.livedata_enabled  # the stream was switched on

        envoy.stats.reset()
        for interval in range(1, 25):  # two minutes of 5 s intervals
            before = envoy.stats.count(LIVEDATA)
            enables = envoy.stats.count(LIVEDATA_STREAM)
            await tick(hass, freezer, clock, 5)
            assert envoy.stats.count(LIVEDATA) == before + 1, interval  # one live request per interval
            assert envoy.stats.count(LIVEDATA_STREAM) - enables <= 1
            flows = source.house.flows(clock.timestamp())
            expected = {"solar": flows.pv, "grid": flows.grid, "battery": flows.battery, "load": flows.load}
            for flow, entity_id in ids.items():
                assert entity_id is not None
                assert watts(hass, entity_id) == pytest.approx(expected[flow], abs=0.5), (interval, flow)
            phases = {"grid": flows.grid_ph, "load": flows.load_ph, "solar": flows.pv_ph, "battery": flows.battery_ph}
            for (flow, phase), entity_id in phase_ids.items():
                assert entity_id is not None
                index = int(phase[1]) - 1
                assert watts(hass, entity_id) == pytest.approx(phases[flow][index], abs=0.5), (interval, flow, phase)
        assert 1 <= envoy.stats.count(LIVEDATA_STREAM) <= 3  # re-sent about once a minute
        grid = hass.states.get(str(ids["grid"]))
        assert grid is not None
        assert grid.attributes["device_class"] == "power"
        assert grid.attributes["state_class"] == "measurement"

        report = await async_get_config_entry_diagnostics(hass, entry)
        live = report["envoy_properties"]["live_power"]
        assert live["enabled"] is True
        assert live["supported"] is True
        assert live["reason"] is None
        assert live["interval_s"] == 5
        assert await hass.config_entries.async_unload(entry.entry_id)


async def test_live_power_leaves_the_regular_cycle_alone(
    hass: HomeAssistant, socket_enabled: None, freezer: FrozenDateTimeFactory
) -> None:
    """The same two minutes with and without live power: the same regular requests, plus one live GET per 5 s."""
    clock = start_clocks(freezer)
    async with live_envoy(clock, seed=1) as envoy:
        entry = await setup_envoy_entry(hass, envoy)
        without = await run_two_minutes(hass, freezer, clock, envoy, entry)
        assert envoy.stats.count(LIVEDATA) == 0
        assert await hass.config_entries.async_unload(entry.entry_id)

    clock = start_clocks(freezer)
    async with live_envoy(clock, seed=2) as envoy:
        entry = await setup_envoy_entry(hass, envoy, options=live_options(5))
        with_live = await run_two_minutes(hass, freezer, clock, envoy, entry)
        assert envoy.stats.count(LIVEDATA) == 24
        assert envoy.stats.count(LIVEDATA_STREAM) <= 3
        assert await hass.config_entries.async_unload(entry.entry_id)

    assert without["/ivp/meters/readings"] == 2  # two regular updates in two minutes
    assert with_live == without


async def test_the_interval_option_sets_the_pace(
    hass: HomeAssistant, socket_enabled: None, freezer: FrozenDateTimeFactory
) -> None:
    clock = start_clocks(freezer)
    async with live_envoy(clock) as envoy:
        entry = await setup_envoy_entry(hass, envoy, options=live_options(2))
        envoy.stats.reset()
        await tick(hass, freezer, clock, 1)
        assert envoy.stats.count(LIVEDATA) == 0
        await tick(hass, freezer, clock, 1)
        assert envoy.stats.count(LIVEDATA) == 1
        for _ in range(10):
            await tick(hass, freezer, clock, 2)
        assert envoy.stats.count(LIVEDATA) == 11
        assert await hass.config_entries.async_unload(entry.entry_id)


async def test_no_live_power_entities_without_the_option(
    hass: HomeAssistant, socket_enabled: None, freezer: FrozenDateTimeFactory
) -> None:
    clock = start_clocks(freezer)
    async with live_envoy(clock) as envoy:
        entry = await setup_envoy_entry(hass, envoy)
        unique_ids = {e.unique_id for e in er.async_entries_for_config_entry(er.async_get(hass), entry.entry_id)}
        assert not [u for u in unique_ids if "_live_" in u]
        assert entry.runtime_data.live is None
        assert envoy.stats.count(LIVEDATA_STREAM) == 0
        report = await async_get_config_entry_diagnostics(hass, entry)
        assert report["envoy_properties"]["live_power"] == {"enabled": False}
        assert await hass.config_entries.async_unload(entry.entry_id)


async def test_firmware_without_live_data_falls_back_quietly(
    hass: HomeAssistant,
    start_envoy: StartEnvoy,
    freezer: FrozenDateTimeFactory,
    caplog: pytest.LogCaptureFixture,
) -> None:
    caplog.set_level(logging.WARNING)
    envoy = await start_envoy(NO_LIVE_DATA)
    entry = await setup_envoy_entry(hass, envoy, options=live_options(5))
    assert entry.state is ConfigEntryState.LOADED
    unique_ids = {e.unique_id for e in er.async_entries_for_config_entry(er.async_get(hass), entry.entry_id)}
    assert not [u for u in unique_ids if "_live_" in u]
    assert envoy.stats.count(LIVEDATA_STREAM) == 0
    envoy.stats.reset()  # the setup probe asked for the live data once (404): nothing after that
    for _ in range(6):
        freezer.tick(timedelta(seconds=5))
        async_fire_time_changed(hass)
        await hass.async_block_till_done(wait_background_tasks=True)
    assert envoy.stats.count(LIVEDATA) == 0
    assert envoy.stats.count(LIVEDATA_STREAM) == 0
    assert entry.runtime_data.last_update_success

    report = await async_get_config_entry_diagnostics(hass, entry)
    live = report["envoy_properties"]["live_power"]
    assert live["enabled"] is True
    assert live["supported"] is False
    assert live["polling"] is False
    assert LIVEDATA in live["reason"]
    assert capture_version(NO_LIVE_DATA) in live["reason"]
    assert not [r for r in caplog.records if r.name.startswith(("custom_components", "iqgateway"))]
    assert await hass.config_entries.async_unload(entry.entry_id)


async def test_options_flow_turns_live_power_on(
    hass: HomeAssistant, socket_enabled: None, freezer: FrozenDateTimeFactory
) -> None:
    clock = start_clocks(freezer)
    async with live_envoy(clock) as envoy:
        entry = await setup_envoy_entry(hass, envoy)
        serial = profile_of(envoy).serial
        assert live_entity(hass, serial, "live_grid_power") is None

        result = await hass.config_entries.options.async_init(entry.entry_id)
        with pytest.raises(vol.Invalid):  # faster than once a second is refused
            await hass.config_entries.options.async_configure(
                result["flow_id"],
                {OPTION_DIAGNOSTICS_INCLUDE_FIXTURES: False, OPTION_DISABLE_KEEP_ALIVE: False,
                 OPTION_LIVE_POWER: True, OPTION_LIVE_POWER_INTERVAL: 0},
            )
        result = await hass.config_entries.options.async_init(entry.entry_id)
        result = await hass.config_entries.options.async_configure(
            result["flow_id"],
            {OPTION_DIAGNOSTICS_INCLUDE_FIXTURES: False, OPTION_DISABLE_KEEP_ALIVE: False,
             OPTION_LIVE_POWER: True, OPTION_LIVE_POWER_INTERVAL: 3},
        )
        assert result["type"] is FlowResultType.CREATE_ENTRY
        await hass.async_block_till_done()
        assert entry.options[OPTION_LIVE_POWER] is True
        assert entry.options[OPTION_LIVE_POWER_INTERVAL] == 3
        assert entry.state is ConfigEntryState.LOADED
        live = entry.runtime_data.live
        assert live is not None
        assert live.update_interval == timedelta(seconds=3)
        assert live_entity(hass, serial, "live_grid_power") is not None

        # the other options form keeps the live power settings as they are
        result = await hass.config_entries.options.async_init(entry.entry_id)
        result = await hass.config_entries.options.async_configure(
            result["flow_id"], {OPTION_DIAGNOSTICS_INCLUDE_FIXTURES: True, OPTION_DISABLE_KEEP_ALIVE: False}
        )
        assert entry.options[OPTION_LIVE_POWER] is True
        assert entry.options[OPTION_LIVE_POWER_INTERVAL] == 3
        await hass.async_block_till_done()
        assert await hass.config_entries.async_unload(entry.entry_id)


def test_every_sensor_beyond_core_is_named() -> None:
    """strings.json (and en.json) name every derived energy and live power sensor, per phase with the phase."""
    component = Path(sensor_beyond.__file__).parent
    names = json.loads((component / "strings.json").read_text())["entity"]["sensor"]
    english = json.loads((component / "translations" / "en.json").read_text())["entity"]["sensor"]
    descriptions = sensor_beyond.beyond_sensor_descriptions()
    assert len(descriptions) == 2 * 4 + 2 + 4 * 4  # grid import/export (+3 phases), battery, 4 live flows (+3 phases)
    for description in descriptions:
        key = description.translation_key
        assert key is not None
        assert names[key] == english[key]
        assert ("{phase_name}" in names[key]["name"]) == bool(description.translation_placeholders), key

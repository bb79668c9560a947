"""Grid import/export energy of a total-consumption-CT installation, inside Home Assistant over a simulated day.

The profile simulator's clock is frozen and moved a minute at a time together with Home Assistant's (freezer),
so the Gateway's fetch times are the simulated ones; after each move the coordinator refreshes over real
HTTPS. The simulated device reports its net-consumption lifetime counter the way real ones do: balanced
(imported minus exported), falling while the house exports.
"""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from custom_components.enphase_envoy.const import DOMAIN
from freezegun.api import FrozenDateTimeFactory
from homeassistant.config_entries import ConfigEntryState
from homeassistant.const import ATTR_UNIT_OF_MEASUREMENT
from homeassistant.core import HomeAssistant, State
from homeassistant.helpers import entity_registry as er
from pytest_homeassistant_custom_component.common import (
    MockConfigEntry,
    async_mock_restore_state_shutdown_restart,
    mock_restore_cache_with_extra_data,
)

from iqgateway import GatewayData
from iqgateway.derived import GridEnergy
from iqgateway.simulator.clock import SimClock
from iqgateway.simulator.physics import Energy
from iqgateway.simulator.profiles import ProfileSource, make_profile, profile_timezone
from iqgateway.simulator.server import SimulatedEnvoy
from tests.simulator.sources import NetCounterReset

from .common import setup_envoy_entry
from .conftest import StartEnvoy

PROFILE = "total-consumption-ct"
STEP_S = 60
DAY_STEPS = 24 * 60
PHASES = ("L1", "L2")
SCALE = {"Wh": 1.0, "kWh": 1e3, "MWh": 1e6}
GRID_KEYS = ("grid_energy_imported", "grid_energy_exported")


def day_start(profile: str, offset_s: float = 0.0) -> datetime:
    """Local midnight of a June day in the profile's time zone, plus `offset_s`."""
    tz = ZoneInfo(profile_timezone(profile))
    return datetime(2027, 6, 21, tzinfo=tz) + timedelta(seconds=offset_s)


def start_clocks(freezer: FrozenDateTimeFactory, profile: str, offset_s: float = 0.0) -> SimClock:
    """Home Assistant's clock frozen at a June midnight (plus an offset), and a frozen simulator clock there."""
    begin = day_start(profile, offset_s)
    freezer.move_to(begin)
    assert begin.tzinfo is not None
    return SimClock(begin, speed=0, tz=begin.tzinfo)


@asynccontextmanager
async def balanced_envoy(clock: SimClock) -> AsyncIterator[SimulatedEnvoy]:
    """The total-consumption-CT profile over HTTPS (its net counter can be made to restart at 0)."""
    async with SimulatedEnvoy(NetCounterReset(make_profile(PROFILE, clock=clock))) as envoy:
        yield envoy


def resettable(envoy: SimulatedEnvoy) -> NetCounterReset:
    source = envoy.source
    assert isinstance(source, NetCounterReset)
    return source


def profile_of(envoy: SimulatedEnvoy) -> ProfileSource:
    return resettable(envoy).inner


def net_counters(data: GatewayData) -> tuple[float, dict[str, float]]:
    """The balanced net counter (total and per phase) exactly as the device sent it in the snapshot's answer."""
    doc: Any = data.raw["/production.json?details=1"]
    net = next(e for e in doc["consumption"] if e["measurementType"] == "net-consumption")
    lines = {name: float(line["whLifetime"]) for name, line in zip(PHASES, net["lines"], strict=True)}
    return float(net["whLifetime"]), lines


def entity_id_of(hass: HomeAssistant, serial: str, key: str) -> str:
    entity_id = er.async_get(hass).async_get_entity_id("sensor", DOMAIN, f"{serial}_{key}")
    assert entity_id is not None, key
    return entity_id


def wh(hass: HomeAssistant, entity_id: str) -> float:
    """A sensor's state in Wh, whatever unit Home Assistant shows it in."""
    state = hass.states.get(entity_id)
    assert state is not None, entity_id
    return float(state.state) * SCALE[state.attributes[ATTR_UNIT_OF_MEASUREMENT]]


class GridSensors:
    """One entry's grid energy sensors (total and per phase), read in Wh."""

    def __init__(self, hass: HomeAssistant, serial: str) -> None:
        self.hass = hass
        self.total_ids = tuple(entity_id_of(hass, serial, key) for key in GRID_KEYS)
        self.phase_ids = {
            name: tuple(entity_id_of(hass, serial, f"{key}_{name.lower()}") for key in GRID_KEYS) for name in PHASES
        }

    def total(self) -> tuple[float, float]:
        imported, exported = self.total_ids
        return wh(self.hass, imported), wh(self.hass, exported)

    def phase(self, name: str) -> tuple[float, float]:
        imported, exported = self.phase_ids[name]
        return wh(self.hass, imported), wh(self.hass, exported)

    def everything(self) -> list[float]:
        values = list(self.total())
        for name in PHASES:
            values += self.phase(name)
        return values


async def step(hass: HomeAssistant, freezer: FrozenDateTimeFactory, clock: SimClock, entry: MockConfigEntry) -> None:
    """A minute later on both clocks, and a refresh of the coordinator."""
    freezer.tick(timedelta(seconds=STEP_S))
    clock.advance(STEP_S)
    await entry.runtime_data.async_refresh()
    await hass.async_block_till_done()


async def restart(hass: HomeAssistant, entry: MockConfigEntry) -> None:
    """Home Assistant stops (the restore states go to storage and are read back) and sets the entry up again."""
    assert await hass.config_entries.async_unload(entry.entry_id)
    await hass.async_block_till_done()
    await async_mock_restore_state_shutdown_restart(hass)
    assert await hass.config_entries.async_setup(entry.entry_id)
    await hass.async_block_till_done()
    assert entry.state is ConfigEntryState.LOADED


async def test_grid_energy_over_a_day_follows_the_net_counter(
    hass: HomeAssistant,
    socket_enabled: None,
    freezer: FrozenDateTimeFactory,
    entity_registry_enabled_by_default: None,
) -> None:
    clock = start_clocks(freezer, PROFILE)
    async with balanced_envoy(clock) as envoy:
        house = profile_of(envoy).house
        entry = await setup_envoy_entry(hass, envoy)
        assert entry.state is ConfigEntryState.LOADED
        sensors = GridSensors(hass, envoy.source.serial)
        first_net, first_phases = net_counters(entry.runtime_data.data)
        start_energy: Energy = house.energy(clock.timestamp())
        assert sensors.everything() == [0.0] * 6  # counting starts at the first reading

        state = hass.states.get(sensors.total_ids[0])
        assert state is not None
        assert "balanced net-consumption lifetime counter" in state.attributes["description"]
        assert state.attributes["state_class"] == "total_increasing"
        assert state.attributes["device_class"] == "energy"

        glitches = {3 * 60: "spike", 13 * 60: "zero", 13 * 60 + 30: "spike", 20 * 60: "zero"}
        for minute in range(1, DAY_STEPS + 1):
            kind = glitches.get(minute)
            if kind is not None:
                envoy.faults.add(kind, "/production.json", count=1)
            if minute == 12 * 60:
                before = sensors.everything()
                await restart(hass, entry)
                assert sensors.everything() == pytest.approx(before, abs=1e-6)  # restored: no jump
            previous = sensors.everything()
            await step(hass, freezer, clock, entry)
            now = sensors.everything()
            assert all(n >= p - 1e-6 for n, p in zip(now, previous, strict=True)), minute
            if kind is not None:
                seen, _ = net_counters(entry.runtime_data.data)
                assert seen == 0 or seen > 2**31  # the glitch reached the integration ...
                assert now == pytest.approx(previous, abs=1e-6), minute  # ... and moved nothing
        last_net, last_phases = net_counters(entry.runtime_data.data)
        end_energy: Energy = house.energy(clock.timestamp())
        imported, exported = sensors.total()
        phases = {name: sensors.phase(name) for name in PHASES}
        assert await hass.config_entries.async_unload(entry.entry_id)

    # a June day: the house exports at noon and imports at night
    assert exported > 1000
    assert imported > 1000
    # import - export is exactly what the balanced counter moved (in total and per phase)
    assert abs((imported - exported) - (last_net - first_net)) < 0.01
    physics = end_energy.minus(start_energy)
    assert imported == pytest.approx(physics.imported, abs=1.0)
    assert exported == pytest.approx(physics.exported, abs=1.0)
    for index, name in enumerate(PHASES):
        phase_imported, phase_exported = phases[name]
        assert abs((phase_imported - phase_exported) - (last_phases[name] - first_phases[name])) < 0.01
        assert phase_imported == pytest.approx(physics.imported_ph[index], abs=1.0)
        assert phase_exported == pytest.approx(physics.exported_ph[index], abs=1.0)


async def test_a_net_counter_reset_is_not_counted(
    hass: HomeAssistant, socket_enabled: None, freezer: FrozenDateTimeFactory
) -> None:
    clock = start_clocks(freezer, PROFILE, offset_s=11 * 3600)  # around noon: exporting, the counter falls
    reset_minute = 30
    async with balanced_envoy(clock) as envoy:
        entry = await setup_envoy_entry(hass, envoy)
        serial = envoy.source.serial
        imported_id, exported_id = (entity_id_of(hass, serial, key) for key in GRID_KEYS)
        nets = [net_counters(entry.runtime_data.data)[0]]
        for minute in range(1, 61):
            if minute == reset_minute:
                resettable(envoy).reset()
            before = (wh(hass, imported_id), wh(hass, exported_id))
            await step(hass, freezer, clock, entry)
            nets.append(net_counters(entry.runtime_data.data)[0])
            if minute == reset_minute:
                assert nets[-1] == 0
                assert (wh(hass, imported_id), wh(hass, exported_id)) == pytest.approx(before, abs=1e-6)
        imported, exported = wh(hass, imported_id), wh(hass, exported_id)
        assert await hass.config_entries.async_unload(entry.entry_id)
    assert exported > 500
    # counted: the steps before the reset and those after the counter was seen growing again from 0
    counted = (nets[reset_minute - 1] - nets[0]) + (nets[-1] - nets[reset_minute])
    assert abs((imported - exported) - counted) < 0.01


async def test_restored_totals_continue(
    hass: HomeAssistant,
    socket_enabled: None,
    freezer: FrozenDateTimeFactory,
    caplog: pytest.LogCaptureFixture,
) -> None:
    """Totals saved by an earlier run are what the sensors show; a counter far from the saved one is not a step."""
    clock = start_clocks(freezer, PROFILE, offset_s=20 * 3600)
    saved = GridEnergy()
    earlier = clock.timestamp() - 7200
    saved.observe(earlier, 1000.0, {"L1": 400.0, "L2": 600.0})
    saved.observe(earlier + 3600, 3234.5, {"L1": 1400.0, "L2": 1834.5})
    async with balanced_envoy(clock) as envoy:
        serial = envoy.source.serial
        registry = er.async_get(hass)
        ids = {key: registry.async_get_or_create("sensor", DOMAIN, f"{serial}_{key}").entity_id for key in GRID_KEYS}
        state = saved.to_state()
        mock_restore_cache_with_extra_data(
            hass,
            [
                (State(ids["grid_energy_imported"], "2234.5"), state),
                (State(ids["grid_energy_exported"], "0.0"), state),
            ],
        )
        caplog.set_level(logging.WARNING)
        entry = await setup_envoy_entry(hass, envoy)
        assert wh(hass, ids["grid_energy_imported"]) == pytest.approx(2234.5)
        assert wh(hass, ids["grid_energy_exported"]) == 0.0
        net = [net_counters(entry.runtime_data.data)[0]]
        for _ in range(3):
            await step(hass, freezer, clock, entry)
            net.append(net_counters(entry.runtime_data.data)[0])
        imported, exported = wh(hass, ids["grid_energy_imported"]), wh(hass, ids["grid_energy_exported"])
        assert await hass.config_entries.async_unload(entry.entry_id)
    assert abs(net[0] - 3234.5) > 100_001  # farther from the saved reading than 100 kW could move it in an hour
    # followed once a second reading confirmed it: the steps from there on are counted, the jump is not
    assert abs((imported - exported) - 2234.5 - (net[-1] - net[0])) < 0.01
    assert not [r for r in caplog.records if "afresh" in r.getMessage()]


async def test_an_unreadable_saved_state_starts_afresh(
    hass: HomeAssistant, socket_enabled: None, freezer: FrozenDateTimeFactory, caplog: pytest.LogCaptureFixture
) -> None:
    clock = start_clocks(freezer, PROFILE, offset_s=6 * 3600)
    async with balanced_envoy(clock) as envoy:
        serial = envoy.source.serial
        entity_id = er.async_get(hass).async_get_or_create(
            "sensor", DOMAIN, f"{serial}_grid_energy_imported"
        ).entity_id
        mock_restore_cache_with_extra_data(hass, [(State(entity_id, "5.0"), {"version": 1, "total": "nonsense"})])
        caplog.set_level(logging.WARNING)
        entry = await setup_envoy_entry(hass, envoy)
        assert wh(hass, entity_id) == 0.0
        assert any("Starting the grid energy totals afresh" in r.getMessage() for r in caplog.records)
        assert await hass.config_entries.async_unload(entry.entry_id)


async def test_grid_energy_entities_only_without_a_net_ct(
    hass: HomeAssistant, socket_enabled: None, start_envoy: StartEnvoy, freezer: FrozenDateTimeFactory
) -> None:
    clock = start_clocks(freezer, PROFILE, offset_s=9 * 3600)
    registry = er.async_get(hass)
    async with balanced_envoy(clock) as envoy:
        entry = await setup_envoy_entry(hass, envoy)
        serial = envoy.source.serial
        for key in GRID_KEYS:
            total = registry.async_get(entity_id_of(hass, serial, key))
            assert total is not None
            assert total.disabled_by is None
            for name in PHASES:  # per phase: created disabled, like every phase sensor
                phase = registry.async_get(entity_id_of(hass, serial, f"{key}_{name.lower()}"))
                assert phase is not None
                assert phase.disabled_by is er.RegistryEntryDisabler.INTEGRATION
            assert registry.async_get_entity_id("sensor", DOMAIN, f"{serial}_{key}_l3") is None
        assert await hass.config_entries.async_unload(entry.entry_id)

    metered = await start_envoy(profile="metered")  # production and net-consumption CTs: the device counts both ways
    entry = await setup_envoy_entry(hass, metered)
    assert entry.state is ConfigEntryState.LOADED
    unique_ids = {e.unique_id for e in er.async_entries_for_config_entry(registry, entry.entry_id)}
    assert f"{metered.source.serial}_lifetime_net_consumption" in unique_ids
    assert not [u for u in unique_ids if "grid_energy" in u]


async def test_totals_advance_while_their_sensors_are_disabled(
    hass: HomeAssistant, socket_enabled: None, freezer: FrozenDateTimeFactory
) -> None:
    """The coordinator feeds the totals: with their sensors disabled for half an hour (and the entry reloaded
    twice, through the Store), the re-enabled sensors show what the house imported and exported meanwhile."""
    clock = start_clocks(freezer, PROFILE, offset_s=8 * 3600)
    async with balanced_envoy(clock) as envoy:
        house = profile_of(envoy).house
        entry = await setup_envoy_entry(hass, envoy)
        registry = er.async_get(hass)
        ids = tuple(entity_id_of(hass, envoy.source.serial, key) for key in GRID_KEYS)
        for _ in range(5):
            await step(hass, freezer, clock, entry)
        before = tuple(wh(hass, entity_id) for entity_id in ids)
        start_energy: Energy = house.energy(clock.timestamp())
        for entity_id in ids:
            registry.async_update_entity(entity_id, disabled_by=er.RegistryEntryDisabler.USER)
        assert await hass.config_entries.async_reload(entry.entry_id)
        await hass.async_block_till_done()
        assert all(hass.states.get(entity_id) is None for entity_id in ids)
        for _ in range(30):
            await step(hass, freezer, clock, entry)
        physics = house.energy(clock.timestamp()).minus(start_energy)
        for entity_id in ids:
            registry.async_update_entity(entity_id, disabled_by=None)
        assert await hass.config_entries.async_reload(entry.entry_id)
        await hass.async_block_till_done()
        after = tuple(wh(hass, entity_id) for entity_id in ids)
        assert await hass.config_entries.async_unload(entry.entry_id)
    assert physics.imported + physics.exported > 50  # the house moved energy over the grid meanwhile
    assert after[0] - before[0] == pytest.approx(physics.imported, abs=1.0)
    assert after[1] - before[1] == pytest.approx(physics.exported, abs=1.0)

"""Battery energy charged/discharged for batteries without a storage CT, inside Home Assistant over a simulated day.

Home Assistant's clock and the profile simulator's are frozen and moved a minute at a time together; the
samples fall in the middle of the simulator's physics steps, whose battery flows it integrates itself
(physics.House.energy): the sensors must match those within 1 %.
"""

from __future__ import annotations

import dataclasses
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

import pytest
from freezegun.api import FrozenDateTimeFactory
from homeassistant.config_entries import ConfigEntryState
from homeassistant.core import HomeAssistant
from homeassistant.helpers import entity_registry as er
from pytest_homeassistant_custom_component.common import MockConfigEntry

from iqgateway.simulator.clock import SimClock
from iqgateway.simulator.physics import Energy
from iqgateway.simulator.profiles import ProfileSource, make_profile
from iqgateway.simulator.server import SimulatedEnvoy

from .common import setup_envoy_entry
from .test_grid_energy import DAY_STEPS, entity_id_of, restart, start_clocks, step, wh

BATTERY_KEYS = ("battery_energy_charged", "battery_energy_discharged")
GARBAGE_MINUTES = (5 * 60, 17 * 60)
SPIKE_MINUTES = (4 * 60, 15 * 60)
RESTART_MINUTE = 12 * 60


def without_storage_ct(source: ProfileSource) -> ProfileSource:
    """The same installation with its storage CT left out (IQ batteries whose energy no CT counts)."""
    hw = source.hardware
    source.hardware = dataclasses.replace(hw, ct_enabled=tuple(ct for ct in hw.ct_enabled if ct != "storage"))
    return source


@asynccontextmanager
async def battery_envoy(source: ProfileSource) -> AsyncIterator[SimulatedEnvoy]:
    async with SimulatedEnvoy(source) as envoy:
        yield envoy


async def battery_day(
    hass: HomeAssistant,
    freezer: FrozenDateTimeFactory,
    clock: SimClock,
    source: ProfileSource,
    garbage_path: str | None,
) -> tuple[float, float, Energy, str]:
    """A day of minute updates with glitches and a restart: (charged Wh, discharged Wh, physics, description).

    `garbage_path`: the battery power endpoint that answers garbage twice (the snapshot keeps its last good
    data); None where the power comes with the required production document (a failed update instead).
    """
    async with battery_envoy(source) as envoy:
        entry: MockConfigEntry = await setup_envoy_entry(hass, envoy)
        assert entry.state is ConfigEntryState.LOADED
        serial = source.serial
        charged_id, discharged_id = (entity_id_of(hass, serial, key) for key in BATTERY_KEYS)

        def values() -> tuple[float, float]:
            return wh(hass, charged_id), wh(hass, discharged_id)

        assert values() == (0.0, 0.0)
        start_energy: Energy = source.house.energy(clock.timestamp())
        for minute in range(1, DAY_STEPS + 1):
            garbage = garbage_path is not None and minute in GARBAGE_MINUTES
            if garbage:  # the power answer is unreadable: the snapshot keeps the old power
                envoy.faults.add("garbage", str(garbage_path), count=1)
            if minute in SPIKE_MINUTES:  # the production counters spike by 2^32 Wh or drop to 0 for one answer
                envoy.faults.add("spike" if minute < 12 * 60 else "zero", "/production.json", count=1)
            if minute == RESTART_MINUTE:
                before = values()
                await restart(hass, entry)
                assert values() == pytest.approx(before, abs=1e-6)  # restored: no jump
            previous = values()
            await step(hass, freezer, clock, entry)
            now = values()
            assert now[0] >= previous[0] - 1e-6
            assert now[1] >= previous[1] - 1e-6
            if garbage:
                assert entry.runtime_data.data.endpoints[str(garbage_path)].stale
                assert now == pytest.approx(previous, abs=1e-6), minute
            # a minute's battery energy is bounded by the batteries' power: never a glitch's jump
            limit = sum(bat.max_power_w for bat in source.house.config.batteries) / 60 * 1.02
            assert now[0] - previous[0] <= limit
            assert now[1] - previous[1] <= limit
        end_energy: Energy = source.house.energy(clock.timestamp())
        state = hass.states.get(charged_id)
        assert state is not None
        assert state.attributes["state_class"] == "total_increasing"
        assert state.attributes["device_class"] == "energy"
        description = str(state.attributes["description"])
        charged, discharged = values()
        assert await hass.config_entries.async_unload(entry.entry_id)
    return charged, discharged, end_energy.minus(start_energy), description


async def test_iq_battery_energy_over_a_day(
    hass: HomeAssistant, socket_enabled: None, freezer: FrozenDateTimeFactory
) -> None:
    clock = start_clocks(freezer, "battery-eu", offset_s=30)  # samples in the middle of the physics' steps
    source = without_storage_ct(make_profile("battery-eu", clock=clock))
    charged, discharged, physics, description = await battery_day(
        hass, freezer, clock, source, "/ivp/ensemble/power"
    )
    assert physics.charged > 500
    assert physics.discharged > 500
    assert charged == pytest.approx(physics.charged, rel=0.01)
    assert discharged == pytest.approx(physics.discharged, rel=0.01)
    assert "/ivp/ensemble/power" in description
    assert "trapezoidal" in description


async def test_ac_battery_energy_over_a_day(
    hass: HomeAssistant, socket_enabled: None, freezer: FrozenDateTimeFactory
) -> None:
    clock = start_clocks(freezer, "acb", offset_s=30)
    source = make_profile("acb", clock=clock)
    assert "storage" not in source.hardware.ct_enabled
    charged, discharged, physics, description = await battery_day(hass, freezer, clock, source, None)
    assert physics.charged > 100
    assert physics.discharged > 100
    assert charged == pytest.approx(physics.charged, rel=0.01)
    assert discharged == pytest.approx(physics.discharged, rel=0.01)
    assert "storage wNow" in description


async def test_no_battery_energy_where_a_storage_ct_counts_it(
    hass: HomeAssistant, socket_enabled: None, freezer: FrozenDateTimeFactory
) -> None:
    clock = start_clocks(freezer, "battery-eu", offset_s=12 * 3600)
    source = make_profile("battery-eu", clock=clock)
    async with battery_envoy(source) as envoy:
        entry = await setup_envoy_entry(hass, envoy)
        unique_ids = {e.unique_id for e in er.async_entries_for_config_entry(er.async_get(hass), entry.entry_id)}
        assert f"{source.serial}_lifetime_battery_charged" in unique_ids  # the storage CT's own counters
        assert not [u for u in unique_ids if "battery_energy" in u]
        assert await hass.config_entries.async_unload(entry.entry_id)

    source = without_storage_ct(make_profile("battery-eu", clock=clock))
    async with battery_envoy(source) as envoy:
        entry = await setup_envoy_entry(hass, envoy)
        registry = er.async_get(hass)
        for key in BATTERY_KEYS:
            entity = registry.async_get(entity_id_of(hass, source.serial, key))
            assert entity is not None
            assert entity.disabled_by is None
        unique_ids = {e.unique_id for e in er.async_entries_for_config_entry(registry, entry.entry_id)}
        assert f"{source.serial}_lifetime_battery_charged" not in unique_ids
        assert await hass.config_entries.async_unload(entry.entry_id)

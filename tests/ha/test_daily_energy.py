"""Today / last seven days in Home Assistant over a simulated week, rebuilt from the lifetime counters.

Home Assistant's time zone is the profile's (America/New_York), its clock frozen and moved with the
simulator's, half an hour at a time, across the US daylight-saving change (8 March 2026, 23 hours).
The week has a 2^32 spike, the device out of reach over midnight, two restarts of the entry (one mid-day, one
at midnight: the closes come back from the Store), and the device reports today = lifetime on the day of the
midnight restart, so only the stored closes know that day. Every evening the daily sensors (core's unique_ids)
equal what the simulated house produced and consumed since its midnight.

Two profiles: "total-consumption-ct", and "battery-total-ct" (batteries with a storage CT), where the
sensors beyond core (grid import/export, battery charged/discharged today) are checked the same way.
"""

from __future__ import annotations

from datetime import datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from custom_components.enphase_envoy.const import DOMAIN
from freezegun.api import FrozenDateTimeFactory
from homeassistant.config_entries import ConfigEntryState
from homeassistant.const import ATTR_UNIT_OF_MEASUREMENT
from homeassistant.core import HomeAssistant
from homeassistant.helpers import entity_registry as er
from pytest_homeassistant_custom_component.common import MockConfigEntry

from iqgateway.simulator.clock import SimClock
from iqgateway.simulator.physics import Energy
from iqgateway.simulator.profiles import make_profile, profile_timezone
from iqgateway.simulator.server import SimulatedEnvoy

from .common import setup_envoy_entry

PROFILES = ("total-consumption-ct", "battery-total-ct")
ZONE = ZoneInfo(profile_timezone(PROFILES[0]))
STEP = timedelta(minutes=30)
START = datetime(2026, 3, 4, 15, 0, tzinfo=ZONE)
END = datetime(2026, 3, 12, 0, 0, tzinfo=ZONE)
SCALE = {"Wh": 1.0, "kWh": 1e3, "MWh": 1e6}
KEYS = ("daily_production", "daily_consumption", "lifetime_production", "lifetime_consumption")
# the battery profile's daily sensors beyond core, and the simulated house's matching sums
BEYOND = {"daily_grid_import": "imported", "daily_grid_export": "exported", "daily_battery_charged": "charged",
          "daily_battery_discharged": "discharged"}
CORE = {"daily_production": "pv", "daily_consumption": "load"}
DROP_DAY = "2026-03-07"  # its midnight passed unseen: only counters with the device's own "today" place it


def wh(hass: HomeAssistant, serial: str, key: str) -> float | None:
    entity_id = er.async_get(hass).async_get_entity_id("sensor", DOMAIN, f"{serial}_{key}")
    assert entity_id is not None, key
    state = hass.states.get(entity_id)
    assert state is not None, entity_id
    if state.state in ("unknown", "unavailable"):
        return None
    return float(state.state) * SCALE[state.attributes[ATTR_UNIT_OF_MEASUREMENT]]


async def restart(hass: HomeAssistant, entry: MockConfigEntry) -> None:
    assert await hass.config_entries.async_unload(entry.entry_id)
    await hass.async_block_till_done()
    assert await hass.config_entries.async_setup(entry.entry_id)
    await hass.async_block_till_done()
    assert entry.state is ConfigEntryState.LOADED


@pytest.mark.quiet_window
@pytest.mark.parametrize("profile", PROFILES)
async def test_a_week_of_daily_sensors_matches_the_simulated_house(
    hass: HomeAssistant, hass_storage: dict[str, Any], socket_enabled: None, freezer: FrozenDateTimeFactory,
    profile: str,
) -> None:
    assert profile_timezone(profile) == str(ZONE)
    battery = profile == "battery-total-ct"
    keys = (*KEYS, *BEYOND) if battery else KEYS
    await hass.config.async_set_time_zone(str(ZONE))
    freezer.move_to(START)
    clock = SimClock(START, speed=0, tz=ZONE)
    source = make_profile(profile, clock=clock)
    house = source.house
    midnights: dict[str, Energy] = {}
    evenings: dict[str, tuple[Energy, dict[str, float | None]]] = {}
    lifetimes: dict[str, float] = {}
    dailies: dict[str, tuple[str, float]] = {}
    quiet_steps = 0
    async with SimulatedEnvoy(source) as envoy:
        entry = await setup_envoy_entry(hass, envoy)
        assert entry.state is ConfigEntryState.LOADED
        serial = source.serial
        lifetoday = drop = None
        while (now := datetime.fromtimestamp(clock.timestamp(), ZONE)) < END:
            day = now.date().isoformat()
            if (now.hour, now.minute) == (0, 0):
                midnights[day] = house.energy(clock.timestamp())
            if now == datetime(2026, 3, 5, 13, 0, tzinfo=ZONE):
                envoy.faults.add("spike", "/production.json", count=1)
            if now == datetime(2026, 3, 7, 0, 0, tzinfo=ZONE):
                drop = envoy.faults.add("500")  # out of reach (a retried reset would sleep on HA's frozen clock)
            if now == datetime(2026, 3, 7, 2, 0, tzinfo=ZONE) and drop is not None:
                envoy.faults.remove(drop)
            if now == datetime(2026, 3, 9, 0, 0, tzinfo=ZONE):  # the day HA comes back: only the Store knows it
                lifetoday = envoy.faults.add("lifetoday", "/production.json")
            if now == datetime(2026, 3, 10, 0, 0, tzinfo=ZONE) and lifetoday is not None:
                envoy.faults.remove(lifetoday)
            if time(22, 58) <= now.time() < time(23, 6):
                held = dict(envoy.stats.per_endpoint)
            if now in (datetime(2026, 3, 7, 12, 0, tzinfo=ZONE), datetime(2026, 3, 9, 0, 0, tzinfo=ZONE)):
                await restart(hass, entry)  # the set-up reads the device at once
            else:
                await entry.runtime_data.async_refresh()
            await hass.async_block_till_done()
            if time(22, 58) <= now.time() < time(23, 6):  # the quiet window: nothing asked, values held
                assert dict(envoy.stats.per_endpoint) == held, now
                quiet_steps += 1
            values = {key: wh(hass, serial, key) for key in keys}
            for key in ("lifetime_production", "lifetime_consumption"):
                value = values[key]
                if value is not None:
                    assert value >= lifetimes.get(key, 0.0) - 1e-6, (key, now)  # never steps back
                    lifetimes[key] = value
            for key in (*CORE, *BEYOND) if battery else CORE:
                value = values[key]
                if value is None:
                    continue
                before = dailies.get(key)
                if before is not None and before[0] == day:
                    assert value >= before[1] - 1e-6, (key, now)  # never steps back within a day
                dailies[key] = (day, value)
            if (now.hour, now.minute) == (23, 30):
                evenings[day] = (house.energy(clock.timestamp()), values)
            freezer.tick(STEP)
            clock.advance(STEP.total_seconds())
        device_figures = entry.runtime_data.gateway.daily_figures
        assert await hass.config_entries.async_unload(entry.entry_id)
        stored = hass_storage[f"{DOMAIN}.daily_energy.{entry.entry_id}"]["data"]["counters"]["production"]
        assert sorted(stored["closes"])[-1] == "2026-03-11"

    assert quiet_steps == 8  # 23:00 every night
    assert sorted(evenings)[0] == "2026-03-04"
    days = sorted(midnights)
    assert days == [f"2026-03-{d:02d}" for d in range(5, 12)]
    for day in days:
        energy, values = evenings[day]
        physics = energy.minus(midnights[day])
        for key, attribute in CORE.items():
            assert values[key] == pytest.approx(getattr(physics, attribute), rel=0.005, abs=10.0), (day, key)
        if battery and day != DROP_DAY:
            for key, attribute in BEYOND.items():
                assert values[key] == pytest.approx(getattr(physics, attribute), rel=0.005, abs=10.0), (day, key)
    assert not device_figures["production"].device_disagrees  # the last day: the device agrees again

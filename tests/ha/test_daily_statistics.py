"""The recorder's long-term statistics of the lifetime and daily energy sensors over the simulated week.

Home Assistant runs with the recorder (in-memory database) on the battery profile's week: a 2^32 spike, the
device out of reach from 22:00 to 02:00 (its midnight passes unseen), two restarts (one mid-day, one at
midnight), the DST change and a day of today = lifetime. Every hour the statistics are compiled; then the
hourly `state` of the lifetime sensors never steps back, no hourly change of `sum` (lifetime or daily sensor)
is more than the simulated house made of that energy between the readings the two hours end with, and each
local day's change of a daily sensor's `sum` is what the house made from its midnight to the day's last
reading, within 0.5 %.

Home Assistant reads the device on its own timer too (the frozen clock jumps half an hour a step, so the
coordinator's interval is always due): every successful update, whoever asked for it, is a reading here.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from itertools import pairwise
from typing import Any

import pytest
from custom_components.enphase_envoy.const import DOMAIN
from freezegun.api import FrozenDateTimeFactory
from homeassistant.components.recorder.core import Recorder
from homeassistant.config_entries import ConfigEntryState
from homeassistant.core import HomeAssistant, callback
from homeassistant.helpers import entity_registry as er
from homeassistant.helpers.recorder import get_instance
from pytest_homeassistant_custom_component.common import MockConfigEntry
from pytest_homeassistant_custom_component.components.recorder.common import (
    async_wait_recording_done,
    do_adhoc_statistics,
    statistics_during_period,
)

from iqgateway import GatewayData
from iqgateway.derived.daily_energy import local_midnight
from iqgateway.derived.daily_readings import lifetime_time
from iqgateway.simulator.clock import SimClock
from iqgateway.simulator.physics import Energy, House
from iqgateway.simulator.profiles import make_profile
from iqgateway.simulator.server import SimulatedEnvoy

from .common import setup_envoy_entry
from .test_daily_energy import END, START, STEP, ZONE, restart

PROFILE = "battery-total-ct"
# sensor key -> the simulated house's counter it follows
SENSORS = {
    "lifetime_production": "pv", "lifetime_consumption": "load",
    "daily_production": "pv", "daily_consumption": "load",
    "daily_grid_import": "imported", "daily_grid_export": "exported",
    "daily_battery_charged": "charged", "daily_battery_discharged": "discharged",
}
LIFETIME = ("lifetime_production", "lifetime_consumption")


@pytest.fixture
def mock_recorder_before_hass(async_test_recorder: Any) -> None:
    """The recorder's database is set up before Home Assistant (the custom integrations fixture starts it)."""


def at(hour: datetime) -> datetime:
    return hour.astimezone(UTC)


async def compile_hour_ending(hass: HomeAssistant, end: datetime) -> None:
    """The statistics of the hour before `end` (its last five minutes compile the hour)."""
    do_adhoc_statistics(hass, start=at(end) - timedelta(minutes=5))
    await async_wait_recording_done(hass)


DROP = (datetime(2026, 3, 6, 22, 0, tzinfo=ZONE), datetime(2026, 3, 7, 2, 0, tzinfo=ZONE))
RESTARTS = (datetime(2026, 3, 7, 12, 0, tzinfo=ZONE), datetime(2026, 3, 9, 0, 0, tzinfo=ZONE))
DAILY = tuple(key for key in SENSORS if key.startswith("daily_"))
# daily counters built from a lifetime counter alone: the device reports no "today" for them
NO_DEVICE_TODAY = tuple(key for key in DAILY if "grid" in key or "battery" in key)


@dataclass
class Seen:
    """What the test saw: every successful update's moment and the house then, and the house at each midnight."""

    readings: list[tuple[float, Energy]] = field(default_factory=list)
    midnights: dict[date, Energy] = field(default_factory=dict)


def track(entry: MockConfigEntry, clock: SimClock, house: House, seen: Seen) -> Callable[[], None]:
    """Record every successful update of the entry's coordinator (its own timer's too); returns the unsubscribe."""
    coordinator = entry.runtime_data

    @callback
    def updated() -> None:
        now = clock.timestamp()
        if coordinator.last_update_success and fresh(coordinator.data, now) and (
                not seen.readings or seen.readings[-1][0] < now):
            seen.readings.append((now, house.energy(now)))

    unsubscribe: Callable[[], None] = coordinator.async_add_listener(updated)
    return unsubscribe


def fresh(data: GatewayData, now: float) -> bool:
    """The snapshot's counters were read now (not held through the quiet window or an outage)."""
    return lifetime_time(data) == now


@pytest.mark.quiet_window
async def test_statistics_never_step_back_or_spike_over_the_week(
    recorder_mock: Recorder, hass: HomeAssistant, socket_enabled: None, freezer: FrozenDateTimeFactory
) -> None:
    await hass.config.async_set_time_zone(str(ZONE))
    freezer.move_to(START)
    clock = SimClock(START, speed=0, tz=ZONE)
    source = make_profile(PROFILE, clock=clock)
    house = source.house
    seen = Seen()
    async with SimulatedEnvoy(source) as envoy:
        entry = await setup_envoy_entry(hass, envoy)
        assert entry.state is ConfigEntryState.LOADED
        untrack = track(entry, clock, house, seen)
        lifetoday = drop = None
        while (now := datetime.fromtimestamp(clock.timestamp(), ZONE)) < END:
            if (now.hour, now.minute) == (0, 0):
                seen.midnights[now.date()] = house.energy(clock.timestamp())
            if now.minute == 0 and seen.readings:
                await compile_hour_ending(hass, now)
            if now == datetime(2026, 3, 5, 13, 0, tzinfo=ZONE):
                envoy.faults.add("spike", "/production.json", count=1)
            if now == DROP[0]:
                drop = envoy.faults.add("500")
            if now == DROP[1] and drop is not None:
                envoy.faults.remove(drop)
            if now == datetime(2026, 3, 9, 0, 0, tzinfo=ZONE):
                lifetoday = envoy.faults.add("lifetoday", "/production.json")
            if now == datetime(2026, 3, 10, 0, 0, tzinfo=ZONE) and lifetoday is not None:
                envoy.faults.remove(lifetoday)
            if now in RESTARTS:
                untrack()
                await restart(hass, entry)
                untrack = track(entry, clock, house, seen)
                if entry.runtime_data.last_update_success and fresh(entry.runtime_data.data, clock.timestamp()):
                    seen.readings.append((clock.timestamp(), house.energy(clock.timestamp())))
            else:
                await entry.runtime_data.async_refresh()
            await hass.async_block_till_done()
            freezer.tick(STEP)
            clock.advance(STEP.total_seconds())
        await compile_hour_ending(hass, END)
        untrack()
        registry = er.async_get(hass)
        ids = {}
        for key in SENSORS:
            entity_id = registry.async_get_entity_id("sensor", DOMAIN, f"{source.serial}_{key}")
            assert entity_id is not None, key
            ids[entity_id] = key
        stats: dict[str, list[dict[str, Any]]] = await get_instance(hass).async_add_executor_job(
            statistics_during_period, hass, at(START), at(END), set(ids), "hour", {"energy": "Wh"},
            {"state", "sum"})
        assert await hass.config_entries.async_unload(entry.entry_id)

    readings = seen.readings
    assert not any(DROP[0].timestamp() < t < DROP[1].timestamp() for t, _ in readings)  # midnight unseen
    hours = int((END - START).total_seconds() // 3600)
    errors: dict[str, dict[date, float]] = {}
    for entity_id, key in ids.items():
        rows = stats[entity_id]
        # a row per hour once the sensor has a value (the daily ones from the first midnight)
        assert len(rows) >= hours - 33, (key, len(rows))
        attribute = SENSORS[key]
        for before, row in pairwise(rows):
            made = energy_between(readings, before["end"], row["end"], attribute)
            change = row["sum"] - before["sum"]
            assert -1e-6 <= change <= made * 1.005 + 10.0, (key, datetime.fromtimestamp(row["start"], ZONE))
            if key in LIFETIME:
                assert row["state"] >= before["state"] - 1e-6, (key, datetime.fromtimestamp(row["start"], ZONE))
        if key in LIFETIME:
            total = rows[-1]["sum"] - rows[0]["sum"]
            assert total == pytest.approx(energy_between(readings, rows[0]["end"], rows[-1]["end"], attribute),
                                          rel=0.005, abs=10.0), key
        else:  # a daily sensor's week is the sum of its days (what each day's last reading showed)
            errors[key] = daily_errors(rows, readings, seen.midnights, attribute)
    days = sorted(seen.midnights)
    assert days == [date(2026, 3, d) for d in range(5, 12)]
    table = "\n".join(f"{key:26}" + " ".join(f"{errors[key].get(day, float('nan')):+7.2%}" for day in days)
                      for key in DAILY)
    print(f"per-day error of the recorder's daily sums, {days[0]} .. {days[-1]}:\n{table}")
    unseen = DROP[1].date()  # its midnight passed while the device was out of reach
    for key in DAILY:
        assert set(errors[key]) == set(days), key
        for day in days:
            if key in NO_DEVICE_TODAY and day in (unseen - timedelta(days=1), unseen):
                continue
            assert abs(errors[key][day]) <= 0.005, (key, day, table)
    # Counters without a device "today" (built from a lifetime counter alone) over the unseen midnight: nothing
    # was read from 22:00 to 02:00, so the close is a straight line over the gap, off by how unevenly the house
    # drew then (grid import: about 490 Wh, 6 %, given to the day after). The day before never shows its share
    # (its sensor is unavailable until the outage ends), so it looks exact. Bounded here, not within 0.5 %.
    for key in NO_DEVICE_TODAY:
        assert all(abs(errors[key][d]) <= 0.10 for d in (unseen - timedelta(days=1), unseen)), (key, table)


def daily_errors(rows: list[dict[str, Any]], readings: list[tuple[float, Energy]], midnights: dict[date, Energy],
                 attribute: str) -> dict[date, float]:
    """Per local day: how far the change of the daily sensor's `sum` over the day's hours is from what the
    house made from that midnight to the day's last reading (a share of the latter)."""
    off, made = daily_errors_wh(rows, readings, midnights, attribute)
    return {day: off[day] / made[day] if made[day] > 10.0 else off[day] / 10.0 * 0.005 for day in off}


def daily_errors_wh(rows: list[dict[str, Any]], readings: list[tuple[float, Energy]], midnights: dict[date, Energy],
                    attribute: str) -> tuple[dict[date, float], dict[date, float]]:
    """Per local day: (the daily sensor's `sum` change minus what the house made, what the house made), in Wh."""
    off: dict[date, float] = {}
    made: dict[date, float] = {}
    for day, midnight in midnights.items():
        start = local_midnight(day, ZONE)
        end = local_midnight(day + timedelta(days=1), ZONE)
        ending_at_start = [row["sum"] for row in rows if row["end"] <= start]
        # a sensor's statistics starting that midnight: its sum counts from its first value, today = 0 is lower
        first = rows[0]["sum"] - rows[0]["state"] if rows[0]["start"] == start else None
        baseline = ending_at_start[-1] if ending_at_start else first
        last = [energy for t, energy in readings if start <= t < end]
        if baseline is None or not last:
            continue
        want = float(getattr(last[-1], attribute) - getattr(midnight, attribute))
        got = [row["sum"] for row in rows if row["end"] <= end][-1] - baseline
        off[day], made[day] = got - want, want
    return off, made


def energy_between(readings: list[tuple[float, Energy]], start: float, end: float, attribute: str) -> float:
    """What the house made of `attribute` between the last readings before `start` and before `end`."""
    first = last_before(readings, start)
    last = last_before(readings, end)
    return float(getattr(last, attribute) - getattr(first, attribute))


def last_before(readings: list[tuple[float, Energy]], moment: float) -> Energy:
    return [energy for t, energy in readings if t < moment][-1]

"""Energy counter faults and device-wide states, end to end (see test_fault_reactions.py): spikes, zeros,
resets and reboots never reach the snapshot as steps; nightly stalls, freezes and firmware upgrades are ridden out."""

from __future__ import annotations

import asyncio
import dataclasses
import datetime
import time

import orjson
import pytest

from iqgateway.errors import DeviceTimeout
from iqgateway.simulator.clock import SimClock
from iqgateway.simulator.faults import SPIKE_WH
from iqgateway.simulator.testing import profile_envoy, replay_envoy
from iqgateway.snapshot import snapshot_dict
from tests.shared import CAPTURES

from .fault_helpers import (
    EVERY_UPDATE,
    FULL_US,
    PRODUCTION,
    READINGS,
    STANDARD,
    STANDARD_TZ,
    V1_PRODUCTION,
    assert_names,
    assert_production_is_the_device_documents,
    device_doc,
    eim,
    faulted,
    frozen,
    logged,
    polling,
)

# ---------------------------------------------------------------------- energy counter faults


async def test_one_poll_2_32_spike_never_reaches_the_snapshot() -> None:
    async with profile_envoy(FULL_US, clock=frozen()) as envoy, polling(envoy) as gateway:
        first = await gateway.update()
        doc = device_doc(envoy, "/production.json", "details=1")
        envoy.faults.add("spike", "/production.json", count=4)
        raw = await gateway.fetch_raw(PRODUCTION)
        spiked = orjson.loads(raw.body)
        assert eim(spiked, "production", "production")["whLifetime"] == (
            eim(doc, "production", "production")["whLifetime"] + SPIKE_WH
        )
        for _ in range(3):
            data = await gateway.update()
            assert snapshot_dict(data)["production"] == snapshot_dict(first)["production"]
            assert snapshot_dict(data)["consumption_total"] == snapshot_dict(first)["consumption_total"]
            assert snapshot_dict(data)["consumption_net"] == snapshot_dict(first)["consumption_net"]
        assert [entry.path for entry in faulted(envoy, "spikex4")] == [PRODUCTION] * 4
        assert data.production is not None
        assert data.production.wh_lifetime == eim(doc, "production", "production")["whLifetime"]


async def test_one_poll_zero_is_held() -> None:
    async with profile_envoy(FULL_US, clock=frozen()) as envoy, polling(envoy) as gateway:
        first = await gateway.update()
        envoy.faults.add("zero", "/production.json")
        second = await gateway.update()
        assert [entry.path for entry in faulted(envoy, "zerox1")] == [PRODUCTION]
        assert snapshot_dict(second)["production"] == snapshot_dict(first)["production"]
        assert snapshot_dict(second)["consumption_net"] == snapshot_dict(first)["consumption_net"]
        assert_production_is_the_device_documents(second, envoy)


async def test_lifetime_reset_is_held_until_it_persists() -> None:
    async with profile_envoy(STANDARD, clock=frozen(tz=STANDARD_TZ)) as envoy, polling(envoy) as gateway:
        first = await gateway.update()
        assert gateway.features is not None
        assert gateway.features.production_source == V1_PRODUCTION
        before = device_doc(envoy, V1_PRODUCTION)
        assert first.production is not None
        assert first.production.wh_lifetime == before["wattHoursLifetime"]
        envoy.faults.add("reset_lifetime", V1_PRODUCTION)
        seen = []
        for _ in range(3):
            data = await gateway.update()
            assert data.production is not None
            seen.append(data.production.wh_lifetime)
        assert [entry.path for entry in faulted(envoy, "reset_lifetimex1")] == [V1_PRODUCTION]
        after = device_doc(envoy, V1_PRODUCTION)
        assert after["wattHoursLifetime"] < before["wattHoursLifetime"]
        # held for two polls, accepted on the third: the device really restarted the counter
        assert seen == [before["wattHoursLifetime"], before["wattHoursLifetime"], after["wattHoursLifetime"]]


async def test_reboot_is_ridden_out_and_the_daily_reset_accepted_once_it_persists() -> None:
    async with profile_envoy(STANDARD, clock=frozen(tz=STANDARD_TZ)) as envoy, polling(envoy) as gateway:
        first = await gateway.update()
        before = device_doc(envoy, V1_PRODUCTION)
        assert first.production is not None
        assert first.production.wh_today == before["wattHoursToday"] > 0
        reboot = envoy.faults.add("reboot", V1_PRODUCTION, seconds=1.0)
        seen = []
        for _ in range(3):
            data = await gateway.update()  # the first rides out the boot's 503s with its retries
            assert data.production is not None
            seen.append((data.production.wh_today, data.production.wh_lifetime))
        assert envoy.faults.remaining(reboot) == 0  # it happened
        log = [(entry.status, entry.fault) for entry in envoy.stats.log if entry.path == V1_PRODUCTION]
        assert log[1:] == [(503, "boot"), (503, "boot"), (200, None), (200, None), (200, None)]
        after = device_doc(envoy, V1_PRODUCTION)
        assert after["wattHoursToday"] < before["wattHoursToday"]
        assert after["wattHoursLifetime"] == before["wattHoursLifetime"]
        today_before, today_after = before["wattHoursToday"], after["wattHoursToday"]
        lifetime = before["wattHoursLifetime"]
        assert seen == [(today_before, lifetime), (today_before, lifetime), (today_after, lifetime)]


async def test_reboot_on_a_new_local_day_resets_today_at_once_and_keeps_the_lifetime() -> None:
    before_midnight = datetime.datetime(2026, 6, 15, 23, 58)
    # the guard judges days in the host's local time: the device lives in the same zone here
    local = before_midnight.astimezone().tzinfo
    assert local is not None
    clock = SimClock(before_midnight, speed=0, tz=local)
    async with profile_envoy(STANDARD, clock=clock) as envoy, polling(envoy, clock=clock.timestamp) as gateway:
        first = await gateway.update()
        before = device_doc(envoy, V1_PRODUCTION)
        assert first.production is not None
        assert first.production.wh_today == before["wattHoursToday"] > 0
        clock.advance(20 * 60)  # 00:18 the next day
        reboot = envoy.faults.add("reboot", V1_PRODUCTION, seconds=0.5)
        data = await gateway.update()
        assert envoy.faults.remaining(reboot) == 0
        assert faulted(envoy, "boot")[0].path == V1_PRODUCTION
        after = device_doc(envoy, V1_PRODUCTION)
        assert after["wattHoursToday"] < before["wattHoursToday"]
        assert data.production is not None
        assert data.production.wh_today == after["wattHoursToday"]  # the daily reset, accepted at once
        assert data.production.wh_lifetime == after["wattHoursLifetime"] >= before["wattHoursLifetime"]


# ---------------------------------------------------------------------- device-wide states


async def test_nightly_stall_fails_bounded_and_recovers_after_the_window() -> None:
    clock = frozen(datetime.datetime(2026, 6, 15, 22, 58))
    async with profile_envoy(FULL_US, clock=clock) as envoy, polling(envoy, update_deadline=1.5) as gateway:
        first = await gateway.update()
        envoy.faults.add("stall", seconds=3.0)
        healthy = await gateway.update()  # 22:58: outside the window
        assert not faulted(envoy, "stall")
        assert_production_is_the_device_documents(healthy, envoy)
        clock.advance(3 * 60)  # 23:01
        began = time.monotonic()
        with pytest.raises(DeviceTimeout) as caught:
            await gateway.update()
        assert time.monotonic() - began < 1.5 + 1.5
        assert_names(caught.value, envoy, PRODUCTION)
        await logged(envoy, "/production.json", envoy.stats.count("/production.json") + 1)
        assert [(entry.path, entry.status) for entry in faulted(envoy, "stall")] == [(PRODUCTION, None)]
        assert gateway.data is healthy
        clock.advance(5 * 60)  # 23:06: the window is over
        healed = await gateway.update()
        assert not healed.endpoints[PRODUCTION].stale
        assert_production_is_the_device_documents(healed, envoy)
        assert healed.production == first.production


async def test_freeze_when_polled_too_fast_fails_bounded_without_retries() -> None:
    options = {"request_timeout": 0.5, "update_deadline": 2.5}
    async with profile_envoy(FULL_US, clock=frozen()) as envoy, polling(envoy, **options) as gateway:
        first = await gateway.update()
        assert gateway.features is not None
        order = [PRODUCTION, *(path for path in gateway.features.endpoints if path != PRODUCTION)]
        envoy.faults.add("freeze", requests=3, window_s=60.0)
        asked = envoy.stats.requests
        # the 4th request within the window freezes the device: the rest of this update goes unanswered
        survived = await gateway.update()
        assert envoy.faults.frozen
        assert {path for path, status in survived.endpoints.items() if status.stale} == set(order[3:])
        assert survived.production == first.production
        assert survived.encharge == first.encharge  # kept from the last good answers
        await logged(envoy, order[3].split("?")[0], 2)
        assert faulted(envoy, "freeze")[0].path == order[3]
        assert envoy.stats.requests - asked <= len(order)  # every endpoint asked at most once: no retries
        # the frozen device answers nothing: the next update fails bounded, naming the production source
        asked = envoy.stats.count("/production.json")
        with pytest.raises(DeviceTimeout) as caught:
            await gateway.update()
        assert_names(caught.value, envoy, PRODUCTION)
        await logged(envoy, "/production.json", asked + 1)
        await asyncio.sleep(0.3)
        assert envoy.stats.count("/production.json") == asked + 1  # one try: a timeout is not retried
        assert faulted(envoy, "freeze")[-1].path == PRODUCTION
        envoy.faults.clear()  # as after a power cycle
        healed = await gateway.update()
        assert not any(status.stale for status in healed.endpoints.values())
        assert_production_is_the_device_documents(healed, envoy)


async def test_firmware_upgrade_is_noticed_by_the_identity_check_and_reprobed() -> None:
    cadence = dataclasses.replace(EVERY_UPDATE, identity_check_s=0.0)
    async with profile_envoy(FULL_US, clock=frozen()) as envoy, polling(envoy, cadence=cadence) as gateway:
        first = await gateway.update()
        assert first.info.firmware == "8.3.5169"
        envoy.faults.add("upgrade", READINGS, version="8.3.5200")
        await gateway.update()  # the upgrade happens during this update
        assert [entry.path for entry in faulted(envoy, "upgradex1")] == [READINGS]
        assert envoy.source.firmware == "8.3.5200"
        probes = envoy.stats.count("/api/v1/production/inverters")
        checks = envoy.stats.count("/auth/check_jwt")
        upgraded = await gateway.update()
        assert gateway.info is not None
        assert gateway.info.firmware == "8.3.5200"
        assert upgraded.info.firmware == "8.3.5200"
        assert envoy.stats.count("/api/v1/production/inverters") == probes + 1  # probed again
        assert envoy.stats.count("/auth/check_jwt") == checks + 1  # authenticated again
        assert_production_is_the_device_documents(upgraded, envoy)


async def test_firmware_upgrade_on_a_replayed_capture() -> None:
    capture = CAPTURES / "8.1.41"
    cadence = dataclasses.replace(EVERY_UPDATE, identity_check_s=0.0)
    async with replay_envoy(capture) as envoy, polling(envoy, cadence=cadence) as gateway:
        first = await gateway.update()
        assert first.info.firmware == "8.1.41"
        envoy.faults.add("upgrade", "/ivp/ensemble/power", version="8.2.4345")
        await gateway.update()
        assert [entry.path for entry in faulted(envoy, "upgradex1")] == ["/ivp/ensemble/power"]
        upgraded = await gateway.update()
        assert upgraded.info.firmware == "8.2.4345"
        assert upgraded.info.serial == first.info.serial
        doc = orjson.loads((capture / "production.json").read_bytes())
        assert upgraded.production is not None
        assert upgraded.production.wh_lifetime in [e.get("whLifetime") for e in doc["production"]]

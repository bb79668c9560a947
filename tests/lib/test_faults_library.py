"""A faulty device: hangs, resets, 503s, truncated and garbage answers degrade only what they feed."""

from __future__ import annotations

import asyncio

import pytest

from iqgateway import Cadence, CommunicationError, DeviceTimeout, DeviceUnavailable, Gateway, InvalidResponse
from iqgateway.simulator.testing import replay_envoy
from tests.lib.conftest import capture_json, connected, credentials

# fault handling on optional endpoints: read every endpoint on every update
EVERY_UPDATE = Cadence.every_cycle()

CAPTURE = "8.1.41"  # token, production.json, inverters, batteries, Enpower, relays
PRODUCTION = "/production.json?details=1"


async def test_hang_on_an_optional_endpoint() -> None:
    async with replay_envoy(CAPTURE) as envoy, connected(envoy, request_timeout=2.0, cadence=EVERY_UPDATE) as gateway:
        before = await gateway.update()
        envoy.faults.add("hang", "/ivp/ensemble/secctrl", seconds=3)
        after = await gateway.update()
        assert after.endpoints["/ivp/ensemble/secctrl"].stale
        assert after.encharge_aggregate == before.encharge_aggregate
        assert not after.endpoints[PRODUCTION].stale
        assert not after.endpoints["/ivp/ensemble/inventory"].stale
        assert after.production == before.production


async def test_reset_on_an_optional_endpoint_is_retried_a_bounded_number_of_times() -> None:
    async with replay_envoy(CAPTURE) as envoy, connected(envoy, cadence=EVERY_UPDATE) as gateway:
        await gateway.update()
        asked = envoy.stats.count("/ivp/ensemble/dry_contacts")
        envoy.faults.add("reset", "/ivp/ensemble/dry_contacts")
        data = await gateway.update()
        # two tries of ours; aiohttp repeats a request once by itself when a pooled connection drops
        assert asked + 2 <= envoy.stats.count("/ivp/ensemble/dry_contacts") <= asked + 4
        status = data.endpoints["/ivp/ensemble/dry_contacts"]
        assert status.stale
        assert data.dry_contacts is not None
        relays = capture_json(CAPTURE, "ivp_ensemble_dry_contacts")["dry_contacts"]
        assert {rid: r.status for rid, r in data.dry_contacts.items()} == {r["id"]: r["status"] for r in relays}


async def test_one_503_on_production_then_recovery() -> None:
    async with replay_envoy(CAPTURE) as envoy, connected(envoy) as gateway:
        first = await gateway.update()
        envoy.faults.add("503", "/production.json", count=1)
        second = await gateway.update()
        assert not second.endpoints[PRODUCTION].stale
        assert second.production == first.production


async def test_one_503_during_the_probe() -> None:
    async with replay_envoy(CAPTURE, faults=["503x1:/production.json"]) as envoy, connected(envoy) as gateway:
        data = await gateway.update()
        assert data.features.production_source == PRODUCTION
        lifetime = capture_json(CAPTURE, "production.json")["production"]
        assert data.production is not None
        assert data.production.wh_lifetime in [e.get("whLifetime") for e in lifetime]


async def test_truncated_production_fails_the_update_naming_it() -> None:
    async with replay_envoy(CAPTURE) as envoy, connected(envoy) as gateway:
        good = await gateway.update()
        envoy.faults.add("truncate", "/production.json")
        with pytest.raises(InvalidResponse) as caught:
            await gateway.update()
        assert "/production.json" in str(caught.value)
        assert envoy.address in str(caught.value)
        assert gateway.data is good  # the last snapshot stays


@pytest.mark.parametrize("kind", ["truncate", "garbage", "drift", "empty", "500"])
async def test_broken_optional_answer_keeps_the_last_good_one(kind: str) -> None:
    async with replay_envoy(CAPTURE) as envoy, connected(envoy, cadence=EVERY_UPDATE) as gateway:
        before = await gateway.update()
        envoy.faults.add(kind, "/ivp/ensemble/inventory")
        after = await gateway.update()
        assert after.endpoints["/ivp/ensemble/inventory"].stale
        assert after.encharge == before.encharge
        assert after.enpower == before.enpower
        for path in (PRODUCTION, "/ivp/ensemble/power", "/ivp/ensemble/dry_contacts"):
            assert not after.endpoints[path].stale
        envoy.faults.clear()
        healed = await gateway.update()
        assert not healed.endpoints["/ivp/ensemble/inventory"].stale


async def test_garbage_on_an_optional_endpoint_from_the_start() -> None:
    power = capture_json(CAPTURE, "ivp_ensemble_power")["devices:"]
    inventory = capture_json(CAPTURE, "ivp_ensemble_inventory")
    batteries = {d["serial_num"] for group in inventory if group["type"] == "ENCHARGE" for d in group["devices"]}
    async with replay_envoy(CAPTURE, faults=["garbage:/ivp/ensemble/power"]) as envoy, connected(envoy) as gateway:
        data = await gateway.update()
        status = data.endpoints["/ivp/ensemble/power"]
        assert status.stale
        assert status.error is not None
        assert "not JSON" in status.error
        assert data.encharge is not None
        assert set(data.encharge) == batteries
        assert all(battery.real_power_w is None for battery in data.encharge.values())
        # what the other endpoints feed is whole
        assert not data.endpoints[PRODUCTION].stale
        assert data.enpower is not None
        assert data.enpower.serial_number
        assert data.dry_contacts is not None
        assert set(data.dry_contacts) >= {"NC1", "NO1"}
        envoy.faults.clear()
        healed = await gateway.update()
        assert not healed.endpoints["/ivp/ensemble/power"].stale
        assert healed.encharge is not None
        assert {serial: battery.real_power_w for serial, battery in healed.encharge.items()} == {
            entry["serial_num"]: entry["real_power_mw"] / 1000 for entry in power}


async def test_device_wide_503_is_a_short_typed_error() -> None:
    async with replay_envoy(CAPTURE, faults=["503"]) as envoy:
        async with Gateway(envoy.url, **credentials(envoy)) as gateway:
            with pytest.raises(DeviceUnavailable) as caught:
                await gateway.probe()
        assert len(str(caught.value)) < 300
        assert envoy.stats.requests <= 10


async def test_device_wide_reset_on_a_digest_device() -> None:
    async with replay_envoy("5.0.62", faults=["reset"]) as envoy:
        async with Gateway(envoy.url, username="installer") as gateway:
            with pytest.raises(CommunicationError) as caught:
                await gateway.probe()
        assert "not answering" in str(caught.value)
        assert envoy.stats.requests <= 15


async def test_update_deadline_names_the_endpoint_in_flight() -> None:
    async with replay_envoy(CAPTURE) as envoy, connected(envoy) as gateway:
        await gateway.update()
        gateway.update_deadline = 1.5
        envoy.faults.add("hang", "/production.json", seconds=5)
        async with asyncio.timeout(10):
            with pytest.raises(DeviceTimeout) as caught:
                await gateway.update()
        assert "/production.json" in str(caught.value)


async def test_energy_spike_does_not_step_the_lifetime() -> None:
    async with replay_envoy(CAPTURE) as envoy, connected(envoy) as gateway:
        first = await gateway.update()
        envoy.faults.add("spike", "/production.json")
        second = await gateway.update()
        assert first.production is not None
        assert second.production is not None
        assert second.production.wh_lifetime == first.production.wh_lifetime


async def test_deadline_also_bounds_the_retry_backoff() -> None:
    async with replay_envoy(CAPTURE) as envoy, connected(envoy) as gateway:
        await gateway.update()
        gateway.update_deadline = 1.0
        envoy.faults.add("503", "/production.json")
        async with asyncio.timeout(10):
            with pytest.raises(DeviceTimeout, match="deadline") as caught:
                await gateway.update()
        assert caught.value.endpoint == PRODUCTION

"""Every simulator fault kind, end to end: the simulator produces it, the Gateway reacts as it must.

Each test shows both sides: the simulated device's own record of the fault (`envoy.stats`, the fault
label in its request log) and the library's reaction over real HTTP(S) on 127.0.0.1 — a typed error
from iqgateway.errors naming host and endpoint, or an update that survives (stale part, last good data
kept, recovered on the next update). Profiles run on a frozen SimClock, so a healthy device answers the
same documents every time and the expected values are read from the profile's own documents.
"""

from __future__ import annotations

import asyncio
import dataclasses
import datetime
import time
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

import orjson
import pytest

from iqgateway import Cadence, Gateway
from iqgateway.errors import (
    AuthenticationRequired,
    CommunicationError,
    DeviceTimeout,
    DeviceUnavailable,
    HttpStatusError,
    InvalidCredentials,
    InvalidResponse,
    IQGatewayError,
)
from iqgateway.models import GatewayData
from iqgateway.simulator.accounting import RequestRecord
from iqgateway.simulator.clock import SimClock
from iqgateway.simulator.faults import SPIKE_WH
from iqgateway.simulator.server import SimulatedEnvoy
from iqgateway.simulator.testing import profile_envoy, replay_envoy
from iqgateway.snapshot import snapshot_dict
from tests.shared import CAPTURES

# full-us: firmware 8.3.5169 (token auth), CTs, batteries, Enpower, generator; production from production.json
FULL_US = "full-us"
FULL_US_TZ = "America/Chicago"
# standard: firmware 7.6.175, no CT; production (and its counters) from /api/v1/production
STANDARD = "standard"
STANDARD_TZ = "America/Denver"

PRODUCTION = "/production.json?details=1"
V1_PRODUCTION = "/api/v1/production"
READINGS = "/ivp/meters/readings"
POWER = "/ivp/ensemble/power"
INVENTORY = "/ivp/ensemble/inventory"

EVERY_UPDATE = Cadence.every_cycle()
NOON = datetime.datetime(2026, 6, 15, 12, 0)


def frozen(at: datetime.datetime = NOON, tz: str = FULL_US_TZ) -> SimClock:
    """A device clock that stands still (only advance() moves it): the profile answers the same every time."""
    return SimClock(at, speed=0, tz=tz)


@asynccontextmanager
async def polling(envoy: SimulatedEnvoy, **kw: Any) -> AsyncIterator[Gateway]:
    """A Gateway with a token minted by the device, reading every endpoint on every update, short timeouts."""
    options: dict[str, Any] = {
        "token": envoy.mint_token(),
        "cadence": EVERY_UPDATE,
        "request_timeout": 1.0,
        "update_deadline": 4.0,
        **kw,
    }
    async with Gateway(envoy.url, **options) as gateway:
        yield gateway


def device_doc(envoy: SimulatedEnvoy, path: str, query: str = "") -> Any:
    """The document the simulated device answers right now, straight from its source (no faults)."""
    return orjson.loads(envoy.source.respond("GET", path, query, b"").body)


def eim(doc: Any, section: str, measurement: str) -> dict[str, Any]:
    entry: dict[str, Any] = next(
        e for e in doc[section] if e.get("type") == "eim" and e.get("measurementType") == measurement
    )
    return entry


def faulted(envoy: SimulatedEnvoy, label: str) -> list[RequestRecord]:
    """The requests the device shaped with the fault `label` (its own request log)."""
    return [entry for entry in envoy.stats.log if entry.fault == label]


async def logged(envoy: SimulatedEnvoy, path: str, count: int, within_s: float = 5.0) -> int:
    """Wait until the device has logged `count` requests of `path` (it logs a delayed or hung request only
    when it ends, after the client gave up); the count then."""
    async with asyncio.timeout(within_s):
        while envoy.stats.count(path) < count:
            await asyncio.sleep(0.05)
    return envoy.stats.count(path)


def assert_names(err: IQGatewayError, envoy: SimulatedEnvoy, endpoint: str) -> None:
    assert err.host == envoy.address
    assert err.endpoint == endpoint
    assert envoy.address in str(err)
    assert endpoint in str(err)


def assert_production_is_the_device_documents(data: GatewayData, envoy: SimulatedEnvoy) -> None:
    doc = device_doc(envoy, "/production.json", "details=1")
    assert data.production is not None
    assert data.production.wh_lifetime == eim(doc, "production", "production")["whLifetime"]
    assert data.production.wh_today == eim(doc, "production", "production")["whToday"]
    assert data.consumption_total is not None
    assert data.consumption_total.wh_lifetime == eim(doc, "consumption", "total-consumption")["whLifetime"]


# ---------------------------------------------------------------------- latency


async def test_latency_within_the_request_timeout_is_waited_for() -> None:
    async with profile_envoy(FULL_US, clock=frozen()) as envoy, polling(envoy, request_timeout=2.0) as gateway:
        first = await gateway.update()
        envoy.faults.add("latency", READINGS, seconds=0.4)
        second = await gateway.update()
        delayed = faulted(envoy, "latency")
        assert [entry.path for entry in delayed] == [READINGS]
        assert delayed[0].status == 200
        assert delayed[0].duration_s >= 0.4
        assert not second.endpoints[READINGS].stale
        assert second.meters == first.meters
        readings = {r["eid"]: r for r in device_doc(envoy, READINGS)}
        production_ct = second.meters["production"]
        assert production_ct.energy_delivered_wh in {r["actEnergyDlvd"] for r in readings.values()}


async def test_latency_past_the_request_timeout_on_an_optional_endpoint_leaves_it_stale() -> None:
    async with profile_envoy(FULL_US, clock=frozen()) as envoy, polling(envoy, request_timeout=0.5) as gateway:
        first = await gateway.update()
        envoy.faults.add("latency", POWER, seconds=2.0)
        asked = envoy.stats.count(POWER)
        second = await gateway.update()
        await logged(envoy, POWER, asked + 1)  # logged unanswered once the client gave up
        assert [(entry.path, entry.status) for entry in faulted(envoy, "latency")] == [(POWER, None)]
        status = second.endpoints[POWER]
        assert status.stale
        assert status.error is not None
        assert "no answer within 0.5 s" in status.error
        assert second.encharge == first.encharge
        assert not second.endpoints[PRODUCTION].stale
        assert_production_is_the_device_documents(second, envoy)


async def test_latency_past_the_deadline_on_the_production_source_is_a_device_timeout() -> None:
    async with profile_envoy(FULL_US, clock=frozen()) as envoy, polling(envoy, update_deadline=1.5) as gateway:
        first = await gateway.update()
        envoy.faults.add("latency", "/production.json", seconds=3.0)
        asked = envoy.stats.count("/production.json")
        with pytest.raises(DeviceTimeout) as caught:
            await gateway.update()
        assert_names(caught.value, envoy, PRODUCTION)
        assert gateway.data is first
        await logged(envoy, "/production.json", asked + 1)
        await asyncio.sleep(0.2)
        assert envoy.stats.count("/production.json") == asked + 1  # a timeout is never retried
        # the client gave up before the delayed answer was due: the device logs it unanswered
        assert [(entry.path, entry.status) for entry in faulted(envoy, "latency")] == [(PRODUCTION, None)]


# ---------------------------------------------------------------------- connection faults


async def test_hang_on_the_production_source_is_a_bounded_device_timeout() -> None:
    async with profile_envoy(FULL_US, clock=frozen()) as envoy, polling(envoy, update_deadline=1.5) as gateway:
        first = await gateway.update()
        hang = envoy.faults.add("hang", "/production.json", seconds=2.0)
        asked = envoy.stats.count("/production.json")
        async with asyncio.timeout(1.5 + 2.0):
            with pytest.raises(DeviceTimeout) as caught:
                await gateway.update()
        assert_names(caught.value, envoy, PRODUCTION)
        assert gateway.data is first
        await logged(envoy, "/production.json", asked + 1)  # the device logs the hang when it closes
        assert [(entry.path, entry.status) for entry in faulted(envoy, "hang")] == [(PRODUCTION, None)]
        envoy.faults.remove(hang)
        healed = await gateway.update()
        assert envoy.stats.count("/production.json") == asked + 2  # the timeout was not retried
        assert not healed.endpoints[PRODUCTION].stale
        assert_production_is_the_device_documents(healed, envoy)


async def test_connection_reset_is_a_communication_error_after_bounded_retries() -> None:
    async with profile_envoy(FULL_US, clock=frozen()) as envoy, polling(envoy) as gateway:
        first = await gateway.update()
        envoy.faults.add("reset", "/production.json")
        asked = envoy.stats.count("/production.json")
        with pytest.raises(CommunicationError) as caught:
            await gateway.update()
        assert not isinstance(caught.value, DeviceTimeout)
        assert_names(caught.value, envoy, PRODUCTION)
        reset = faulted(envoy, "reset")
        assert {(entry.path, entry.status) for entry in reset} == {(PRODUCTION, None)}
        # two tries of ours; aiohttp repeats a GET once by itself when a pooled connection drops
        assert 2 <= envoy.stats.count("/production.json") - asked <= 4
        assert gateway.data is first
        envoy.faults.clear()
        healed = await gateway.update()
        assert_production_is_the_device_documents(healed, envoy)


# ---------------------------------------------------------------------- HTTP status faults


@pytest.mark.parametrize("code", [500, 502, 404])
async def test_error_status_on_the_production_source_is_an_http_status_error(code: int) -> None:
    async with profile_envoy(FULL_US, clock=frozen()) as envoy, polling(envoy) as gateway:
        first = await gateway.update()
        envoy.faults.add(str(code), "/production.json", count=1)
        with pytest.raises(HttpStatusError) as caught:
            await gateway.update()
        assert caught.value.status == code
        assert_names(caught.value, envoy, PRODUCTION)
        assert [(entry.path, entry.status) for entry in faulted(envoy, f"{code}x1")] == [(PRODUCTION, code)]
        assert gateway.data is first
        healed = await gateway.update()  # the fault was used up: the next update reads again
        assert_production_is_the_device_documents(healed, envoy)


async def test_500_on_an_optional_endpoint_keeps_its_last_good_data() -> None:
    async with profile_envoy(FULL_US, clock=frozen()) as envoy, polling(envoy) as gateway:
        first = await gateway.update()
        envoy.faults.add("500", INVENTORY)
        second = await gateway.update()
        assert {entry.status for entry in faulted(envoy, "500")} == {500}
        status = second.endpoints[INVENTORY]
        assert status.stale
        assert status.error == "unexpected HTTP status 500"
        serials = {battery["serial_num"] for group in device_doc(envoy, INVENTORY) if group["type"] == "ENCHARGE"
                   for battery in group["devices"]}
        assert set(second.encharge or {}) == serials
        assert second.encharge == first.encharge
        assert second.enpower == first.enpower
        envoy.faults.clear()
        healed = await gateway.update()
        assert not healed.endpoints[INVENTORY].stale


async def test_a_few_503_are_ridden_out_by_the_retries() -> None:
    async with profile_envoy(FULL_US, clock=frozen()) as envoy, polling(envoy) as gateway:
        await gateway.update()
        envoy.faults.add("503", "/production.json", count=2)
        data = await gateway.update()
        production = [entry for entry in envoy.stats.log if entry.path == PRODUCTION]
        assert [(entry.status, entry.fault) for entry in production[-3:]] == [
            (503, "503x2"), (503, "503x2"), (200, None)
        ]
        assert not data.endpoints[PRODUCTION].stale
        assert_production_is_the_device_documents(data, envoy)


async def test_503_while_booting_fails_typed_then_recovers() -> None:
    async with profile_envoy(FULL_US, clock=frozen()) as envoy, polling(envoy) as gateway:
        first = await gateway.update()
        envoy.faults.add("boot", seconds=3.0)
        assert envoy.faults.booting()
        asked = envoy.stats.count("/production.json")
        with pytest.raises(DeviceUnavailable) as caught:
            await gateway.update()
        assert_names(caught.value, envoy, PRODUCTION)
        assert envoy.stats.count("/production.json") - asked == 3  # 1 + the transport's two retries
        assert {entry.status for entry in faulted(envoy, "boot")} == {503}
        assert gateway.data is first
        while envoy.faults.booting():
            await asyncio.sleep(0.1)
        healed = await gateway.update()
        assert not any(status.stale for status in healed.endpoints.values())
        assert_production_is_the_device_documents(healed, envoy)


async def test_boot_from_power_on_fails_the_first_update_typed_then_recovers() -> None:
    async with profile_envoy(FULL_US, clock=frozen(), faults=["boot=3"]) as envoy, polling(envoy) as gateway:
        with pytest.raises(DeviceUnavailable) as caught:
            await gateway.update()
        # /info answers while booting; the token check is the first request refused
        assert_names(caught.value, envoy, "/auth/check_jwt")
        log = [(entry.path, entry.status, entry.fault) for entry in envoy.stats.log]
        assert log == [("/info", 200, None)] + [("/auth/check_jwt", 503, "boot")] * 3
        while envoy.faults.booting():
            await asyncio.sleep(0.1)
        data = await gateway.update()
        assert_production_is_the_device_documents(data, envoy)


# ---------------------------------------------------------------------- authentication faults


async def test_401_on_the_production_source_is_authentication_required() -> None:
    async with profile_envoy(FULL_US, clock=frozen()) as envoy, polling(envoy) as gateway:
        first = await gateway.update()
        envoy.faults.add("401", "/production.json")
        checks = envoy.stats.count("/auth/check_jwt")
        asked = envoy.stats.count("/production.json")
        with pytest.raises(AuthenticationRequired) as caught:
            await gateway.update()
        assert_names(caught.value, envoy, PRODUCTION)
        # the token is checked once more and the source asked once more, then it gives up
        assert envoy.stats.count("/auth/check_jwt") == checks + 1
        assert envoy.stats.count("/production.json") == asked + 2
        assert {entry.status for entry in faulted(envoy, "401")} == {401}
        assert gateway.data is first


async def test_token_revoked_mid_run_is_invalid_credentials_at_the_token_check() -> None:
    async with profile_envoy(FULL_US, clock=frozen()) as envoy, polling(envoy) as gateway:
        first = await gateway.update()
        envoy.faults.add("revoke", "/production.json")
        asked = len(envoy.stats.log)
        with pytest.raises(InvalidCredentials) as caught:
            await gateway.update()
        # the refused production source makes the library check its token again: the device rejects it there
        assert_names(caught.value, envoy, "/auth/check_jwt")
        assert "revoked" in caught.value.message
        refused = [(entry.path, entry.status, entry.fault) for entry in list(envoy.stats.log)[asked:]]
        assert refused == [(PRODUCTION, 401, "revokex1"), ("/auth/check_jwt", 401, None)]
        assert gateway.data is first
        asked = len(envoy.stats.log)
        with pytest.raises(InvalidCredentials):
            await gateway.update()
        again = [(entry.path, entry.status) for entry in list(envoy.stats.log)[asked:]]
        assert again == [(PRODUCTION, 401), ("/auth/check_jwt", 401)]  # no retry loop against a revoked token


# ---------------------------------------------------------------------- body faults


@pytest.mark.parametrize(
    ("kind", "why"),
    [
        ("garbage", "a body that is not JSON"),
        ("truncate", "a body that is not JSON"),
        ("drift", "not the expected document"),
        ("wrongtype", "not the expected document"),
        ("empty", "an empty body"),
    ],
)
async def test_broken_production_answer_is_invalid_response(kind: str, why: str) -> None:
    async with profile_envoy(FULL_US, clock=frozen()) as envoy, polling(envoy) as gateway:
        first = await gateway.update()
        envoy.faults.add(kind, "/production.json", count=1)
        with pytest.raises(InvalidResponse) as caught:
            await gateway.update()
        assert_names(caught.value, envoy, PRODUCTION)
        assert why in caught.value.message
        assert [(entry.path, entry.status) for entry in faulted(envoy, f"{kind}x1")] == [(PRODUCTION, 200)]
        assert gateway.data is first
        healed = await gateway.update()
        assert_production_is_the_device_documents(healed, envoy)


@pytest.mark.parametrize(
    "kind",
    [
        "garbage",
        "truncate",
        "drift",
        "wrongtype",
        "empty",
    ],
)
async def test_broken_optional_answer_keeps_the_last_good_data(kind: str) -> None:
    async with profile_envoy(FULL_US, clock=frozen()) as envoy, polling(envoy) as gateway:
        first = await gateway.update()
        envoy.faults.add(kind, POWER)
        second = await gateway.update()
        assert {entry.path for entry in faulted(envoy, kind)} == {POWER}
        status = second.endpoints[POWER]
        assert status.stale
        assert status.error is not None
        assert second.encharge == first.encharge
        assert second.battery_aggregate == first.battery_aggregate
        power = {d["serial_num"]: d["real_power_mw"] for d in device_doc(envoy, POWER)["devices:"]}
        assert {serial: battery.real_power_w for serial, battery in (second.encharge or {}).items()} == {
            serial: mw / 1000 for serial, mw in power.items()
        }
        assert not second.endpoints[PRODUCTION].stale
        envoy.faults.clear()
        healed = await gateway.update()
        assert not healed.endpoints[POWER].stale


@pytest.mark.parametrize(
    ("kind", "path"),
    [
        ("wrongtype", READINGS),
        ("wrongtype", "/ivp/meters"),
        ("wrongtype", INVENTORY),
        ("wrongtype", "/ivp/ensemble/secctrl"),
        ("drift", "/admin/lib/tariff"),
        ("drift", "/ivp/ss/dry_contact_settings"),
        ("wrongtype", "/ivp/pdm/device_data"),
        ("wrongtype", "/admin/lib/tariff"),
        ("wrongtype", "/ivp/ss/dry_contact_settings"),
        ("drift", "/ivp/ensemble/generator"),
    ],
)
async def test_wrong_shaped_optional_answer_never_reaches_the_snapshot(kind: str, path: str) -> None:
    async with profile_envoy(FULL_US, clock=frozen()) as envoy, polling(envoy) as gateway:
        first = await gateway.update()
        envoy.faults.add(kind, path, count=1)
        second = await gateway.update()
        assert [entry.path for entry in faulted(envoy, f"{kind}x1")] == [path]
        status = second.endpoints[path]
        assert status.stale
        assert status.error is not None
        assert "not the expected document" in status.error
        volatile = ("updated_at", "parts_updated_at", "endpoints")
        unchanged = {key: value for key, value in snapshot_dict(first).items() if key not in volatile}
        assert {key: snapshot_dict(second)[key] for key in unchanged} == unchanged
        assert_production_is_the_device_documents(second, envoy)


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

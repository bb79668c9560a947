"""Every simulator fault kind, end to end: the simulator produces it, the Gateway reacts as it must.

Each test shows both sides: the simulated device's own record of the fault (`envoy.stats`, the fault
label in its request log) and the library's reaction over real HTTP(S) on 127.0.0.1 — a typed error
from iqgateway.errors naming host and endpoint, or an update that survives (stale part, last good data
kept, recovered on the next update). Profiles run on a frozen SimClock, so a healthy device answers the
same documents every time and the expected values are read from the profile's own documents.
"""

from __future__ import annotations

import asyncio

import pytest

from iqgateway.errors import (
    AuthenticationRequired,
    CommunicationError,
    DeviceTimeout,
    DeviceUnavailable,
    HttpStatusError,
    InvalidCredentials,
    InvalidResponse,
)
from iqgateway.simulator.testing import profile_envoy
from iqgateway.snapshot import snapshot_dict

from .fault_helpers import (
    FULL_US,
    INVENTORY,
    POWER,
    PRODUCTION,
    READINGS,
    assert_names,
    assert_production_is_the_device_documents,
    device_doc,
    faulted,
    frozen,
    logged,
    polling,
)

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

"""Each fault kind does what it says, switched on by the Python API, at start, or through the admin API."""

from __future__ import annotations

import asyncio
import datetime
import time
from typing import Any

import aiohttp
import orjson
import pytest

from iqgateway.auth.passwords import installer_password
from iqgateway.simulator.faults import SPIKE_WH, parse_fault
from iqgateway.simulator.replay import ReplaySource
from iqgateway.simulator.server import SimulatedEnvoy
from iqgateway.simulator.source import Reply
from iqgateway.simulator.testing import replay_envoy
from tests.shared import capture_serial
from tests.simulator.conftest import GENERATOR, LEGACY, DeviceClient

PRODUCTION = (GENERATOR / "api_v1_production").read_bytes()
METERS = (GENERATOR / "ivp_meters").read_bytes()


def open_client(http: aiohttp.ClientSession, envoy: SimulatedEnvoy) -> DeviceClient:
    return DeviceClient(http, envoy.url, token=envoy.mint_token())


async def test_hang_gives_no_answer(http: aiohttp.ClientSession) -> None:
    async with replay_envoy(GENERATOR) as envoy:
        envoy.faults.add("hang", "/ivp/meters", seconds=30)
        client = open_client(http, envoy)
        with pytest.raises(asyncio.TimeoutError):
            await client.get("/ivp/meters", timeout=0.5)
        assert (await client.get("/api/v1/production")).body == PRODUCTION
        hung = [entry for entry in envoy.stats.log if entry.path == "/ivp/meters"]
        assert hung[0].status is None
        assert hung[0].fault == "hang"


async def test_hang_ends_with_a_closed_connection(http: aiohttp.ClientSession) -> None:
    async with replay_envoy(GENERATOR, faults=["hang=0.2:/ivp/meters"]) as envoy:
        with pytest.raises(aiohttp.ServerDisconnectedError):
            await open_client(http, envoy).get("/ivp/meters", timeout=5)


async def test_reset_closes_the_connection(http: aiohttp.ClientSession) -> None:
    async with replay_envoy(GENERATOR) as envoy:
        envoy.faults.add("reset", "/ivp/meters")
        client = open_client(http, envoy)
        with pytest.raises(aiohttp.ClientConnectionError):
            await client.get("/ivp/meters")  # aiohttp retries a reset GET once: it meets the reset again
        assert all(entry.fault == "reset" and entry.status is None for entry in envoy.stats.log)
        envoy.faults.clear()
        assert (await client.get("/ivp/meters")).body == METERS


async def test_status_fault_with_count_then_recovery(http: aiohttp.ClientSession) -> None:
    async with replay_envoy(GENERATOR, faults=["503x2:/api/v1/production"]) as envoy:
        client = open_client(http, envoy)
        answers = [await client.get("/api/v1/production") for _ in range(3)]
        assert [a.status for a in answers] == [503, 503, 200]
        assert b"503" in answers[0].body
        assert answers[0].headers["Content-Type"] == "text/html"
        assert answers[2].body == PRODUCTION
        assert (await client.get("/ivp/meters")).status == 200


async def test_401_fault_on_digest_device_challenges_again(http: aiohttp.ClientSession) -> None:
    async with replay_envoy(LEGACY, faults=["401:/api/v1/production"]) as envoy:
        client = DeviceClient(http, envoy.url, user="installer", password=installer_password(capture_serial(LEGACY)))
        answer = await client.get("/api/v1/production")
        assert answer.status == 401
        assert answer.headers["WWW-Authenticate"].startswith("Digest ")
        assert (await client.get("/production.json")).status == 200


async def test_boot_period_answers_503_except_info(http: aiohttp.ClientSession) -> None:
    async with replay_envoy(GENERATOR, faults=["boot=0.6"]) as envoy:
        client = open_client(http, envoy)
        assert (await client.get("/info")).status == 200
        assert (await client.get("/api/v1/production")).status == 503
        await asyncio.sleep(0.7)
        assert (await client.get("/api/v1/production")).body == PRODUCTION


async def test_reboot_through_admin_api_drops_sessions(http: aiohttp.ClientSession) -> None:
    async with replay_envoy(GENERATOR) as envoy:
        client = open_client(http, envoy)
        check = await client.get("/auth/check_jwt")
        cookie = check.headers["Set-Cookie"].split(";")[0]
        async with http.post(f"{envoy.url}/__simulator__/reboot", json={"boot_s": 0.4}, ssl=False) as response:
            assert response.status == 200
        assert (await client.get("/api/v1/production")).status == 503
        await asyncio.sleep(0.5)
        async with aiohttp.ClientSession() as bare:
            stale = await DeviceClient(bare, envoy.url).get("/api/v1/production", headers={"Cookie": cookie})
            assert stale.status == 401
        assert (await client.get("/api/v1/production")).status == 200


async def test_body_faults(http: aiohttp.ClientSession) -> None:
    async with replay_envoy(GENERATOR) as envoy:
        client = open_client(http, envoy)
        faults = envoy.faults

        faults.add("garbage", "/api/v1/production", count=1)
        garbage = await client.get("/api/v1/production")
        assert garbage.status == 200
        with pytest.raises(UnicodeDecodeError):
            garbage.body.decode()
        with pytest.raises(orjson.JSONDecodeError):
            orjson.loads(garbage.body)

        faults.add("truncate", "/api/v1/production", count=1)
        cut = await client.get("/api/v1/production")
        assert cut.body == PRODUCTION[: len(PRODUCTION) // 2]
        assert int(cut.headers["Content-Length"]) == len(PRODUCTION) // 2

        faults.add("drift", "/api/v1/production", count=1)
        drift = orjson.loads((await client.get("/api/v1/production")).body)
        assert set(drift) == {f"{key}_v2" for key in orjson.loads(PRODUCTION)}

        faults.add("wrongtype", "/api/v1/production", count=1)
        wrong = orjson.loads((await client.get("/api/v1/production")).body)
        original = orjson.loads(PRODUCTION)
        assert wrong["wattHoursToday"] == str(original["wattHoursToday"])
        assert wrong["wattHoursSevenDays"] is None

        faults.add("empty", "/api/v1/production", count=1)
        empty = await client.get("/api/v1/production")
        assert (empty.status, empty.body) == (200, b"")

        assert (await client.get("/api/v1/production")).body == PRODUCTION
        assert [e.fault for e in list(envoy.stats.log)[-6:]] == ["garbagex1", "truncatex1", "driftx1", "wrongtypex1",
                                                           "emptyx1", None]  # fmt: skip


async def test_spike_and_zero_hit_one_production_answer(http: aiohttp.ClientSession) -> None:
    original = orjson.loads(PRODUCTION)
    async with replay_envoy(GENERATOR, faults=["spike"]) as envoy:
        client = open_client(http, envoy)
        assert (await client.get("/ivp/meters")).body == METERS  # no counters here: the spike waits
        spiked = orjson.loads((await client.get("/api/v1/production")).body)
        assert spiked["wattHoursToday"] == original["wattHoursToday"] + SPIKE_WH
        assert spiked["wattHoursLifetime"] == original["wattHoursLifetime"] + SPIKE_WH
        assert spiked["wattsNow"] == original["wattsNow"]
        assert (await client.get("/api/v1/production")).body == PRODUCTION
        envoy.faults.add("zero")
        zeroed = orjson.loads((await client.get("/production.json")).body)
        assert zeroed["production"][0]["whLifetime"] == 0
        assert (await client.get("/production.json")).body == (GENERATOR / "production.json").read_bytes()


async def test_lifetoday_reports_the_daily_counters_as_lifetime(http: aiohttp.ClientSession) -> None:
    original = orjson.loads(PRODUCTION)
    async with replay_envoy(GENERATOR, faults=["lifetoday:/api/v1/production"]) as envoy:
        client = open_client(http, envoy)
        for _ in range(2):  # while it is on
            broken = orjson.loads((await client.get("/api/v1/production")).body)
            assert broken["wattHoursToday"] == original["wattHoursLifetime"]
            assert broken["wattHoursSevenDays"] == original["wattHoursLifetime"]
            assert broken["wattHoursLifetime"] == original["wattHoursLifetime"]
        envoy.faults.clear()
        assert (await client.get("/api/v1/production")).body == PRODUCTION


def test_hourly_hang_spec() -> None:
    fault = parse_fault("hourly=15:/ivp/pdm/device_data")
    assert (fault.kind, fault.pattern, fault.params) == ("hourly", "/ivp/pdm/device_data", {"minute": 15})
    with pytest.raises(ValueError, match="0-59"):
        parse_fault("hourly=75")


async def test_latency_fault_delays_the_answer(http: aiohttp.ClientSession) -> None:
    async with replay_envoy(GENERATOR, faults=["latency=0.3:/api/v1/production"]) as envoy:
        client = open_client(http, envoy)
        began = time.monotonic()
        answer = await client.get("/api/v1/production")
        assert time.monotonic() - began >= 0.3
        assert answer.body == PRODUCTION
        assert envoy.stats.log[-1].fault == "latency"


async def test_replayed_latency_only_when_asked(http: aiohttp.ClientSession) -> None:
    capture = GENERATOR.parent / "8.3.5169_ACB_inventory"
    log = orjson.loads((capture / "api_v1_production_inverters_log.json").read_bytes())
    async with replay_envoy(capture, latency=True, auth="none") as envoy:
        began = time.monotonic()
        answer = await DeviceClient(http, envoy.url).get("/api/v1/production/inverters")
        assert time.monotonic() - began >= log["duration_seconds"]
        assert answer.body == (capture / "api_v1_production_inverters").read_bytes()


class NightClock:
    def __init__(self, hour: int, minute: int) -> None:
        self.moment = datetime.datetime(2026, 6, 1, hour, minute)

    def now(self) -> datetime.datetime:
        return self.moment


class ClockedReplay:
    """A replayed device with a clock, as synthetic profiles have."""

    def __init__(self, clock: NightClock) -> None:
        self._replay = ReplaySource(GENERATOR)
        self.clock = clock

    @property
    def serial(self) -> str:
        return self._replay.serial

    @property
    def firmware(self) -> str:
        return self._replay.firmware

    def respond(self, method: str, path: str, query: str, body: bytes) -> Reply:
        return self._replay.respond(method, path, query, body)


async def test_nightly_stall_follows_the_device_clock(http: aiohttp.ClientSession) -> None:
    clock = NightClock(22, 59)
    async with SimulatedEnvoy(ClockedReplay(clock), faults=["stall=30"]) as envoy:
        client = open_client(http, envoy)
        assert (await client.get("/api/v1/production")).body == PRODUCTION
        clock.moment = clock.moment.replace(hour=23, minute=2)
        with pytest.raises(asyncio.TimeoutError):
            await client.get("/api/v1/production", timeout=0.5)
        clock.moment = clock.moment.replace(minute=6)
        assert (await client.get("/api/v1/production")).body == PRODUCTION


async def test_freeze_when_polled_too_fast_until_reboot(http: aiohttp.ClientSession) -> None:
    async with replay_envoy(GENERATOR, faults=["freeze=3/60"]) as envoy:
        client = open_client(http, envoy)
        for _ in range(3):
            assert (await client.get("/api/v1/production")).status == 200
        with pytest.raises(asyncio.TimeoutError):
            await client.get("/api/v1/production", timeout=0.5)
        with pytest.raises(asyncio.TimeoutError):
            await client.get("/info", timeout=0.5)
        assert envoy.faults.frozen
        envoy.reboot(boot_s=0)
        assert (await client.get("/info")).status == 200


async def test_action_faults_upgrade_and_revoke(http: aiohttp.ClientSession) -> None:
    async with replay_envoy(GENERATOR, faults=["upgrade=8.3.6000:/ivp/meters", "revoke:/ivp/ensemble/power"]) as envoy:
        client = open_client(http, envoy)
        assert b"<software>D8.3.5169</software>" in (await client.get("/info")).body
        assert (await client.get("/ivp/meters")).status == 200
        assert b"<software>D8.3.6000</software>" in (await client.get("/info")).body
        assert (await client.get("/ivp/ensemble/power")).status == 401
        assert (await client.get("/ivp/meters")).status == 401


async def test_admin_api_faults_stats_and_actions(http: aiohttp.ClientSession) -> None:
    async with replay_envoy(GENERATOR) as envoy:
        admin = f"{envoy.url}/__simulator__"
        client = open_client(http, envoy)

        async def call(method: str, route: str, body: dict[str, Any] | None = None) -> Any:
            async with http.request(method, admin + route, json=body, ssl=False) as response:
                assert response.status == 200, await response.text()
                return await response.json()

        added = await call("POST", "/faults", {"spec": "500x1:/ivp/meters"})
        assert added["kind"] == "status"
        await call("POST", "/faults", {"kind": "hang", "path": "/home", "params": {"seconds": 9}})
        listed = await call("GET", "/faults")
        assert [f["label"] for f in listed["faults"]] == ["500x1", "hang"]
        assert (await client.get("/ivp/meters")).status == 500
        await call("DELETE", "/faults")
        assert envoy.faults.faults == ()
        await call("POST", "/reset_lifetime")
        assert orjson.loads((await client.get("/api/v1/production")).body)["wattHoursLifetime"] == 0
        upgraded = await call("POST", "/upgrade", {"version": "8.3.6001"})
        assert upgraded["firmware"] == "8.3.6001"
        token = (await call("POST", "/token", {"days": 1}))["token"]
        assert (await DeviceClient(http, envoy.url, token=token).get("/ivp/meters")).status == 200
        stats = await call("GET", "/stats?log=1")
        assert stats["per_status"]["500"] == 1
        assert stats["log"][0]["path"] == "/ivp/meters"
        async with http.post(admin + "/faults", json={"spec": "nonsense"}, ssl=False) as response:
            assert response.status == 400


@pytest.mark.parametrize(
    ("spec", "kind", "pattern", "count", "params"),
    [
        ("hang=30:/ivp/meters", "hang", "/ivp/meters", None, {"seconds": 30.0}),
        ("503x3", "status", "*", 3, {"code": 503}),
        ("boot=20", "boot", "*", None, {"seconds": 20.0}),
        ("freeze=20/60", "freeze", "*", None, {"requests": 20, "window_s": 60.0}),
        ("spike:/production.json", "spike", "/production.json", 1, {}),
        ("upgrade=8.3.5200", "upgrade", "*", 1, {"version": "8.3.5200"}),
        ("latency=2.5:/ivp/ensemble/*", "latency", "/ivp/ensemble/*", None, {"seconds": 2.5}),
        ("inverter_fault=482200000001", "inverter_fault", "*", None, {"serial": "482200000001"}),
        ("shade=482200000002", "shade", "*", None, {"serial": "482200000002"}),
    ],
)
def test_fault_specs(spec: str, kind: str, pattern: str, count: int | None, params: dict[str, Any]) -> None:
    fault = parse_fault(spec)
    assert (fault.kind, fault.pattern, fault.count, dict(fault.params)) == (kind, pattern, count, params)


@pytest.mark.parametrize(
    "spec", ["", "explode", "hang=soon", "200", "upgrade", "503x0", "reset=3", "shade", "inverter_offlinex2=4822"]
)
def test_bad_fault_specs(spec: str) -> None:
    with pytest.raises(ValueError, match="fault"):
        parse_fault(spec)


def test_star_spares_info_and_query_patterns() -> None:
    everything = parse_fault("500")
    assert not everything.matches("/info", "")
    assert everything.matches("/ivp/meters", "")
    details = parse_fault("500:/production.json?details=1")
    assert details.matches("/production.json", "details=1")
    assert not details.matches("/production.json", "")

"""Per-endpoint cadence: what is due, what is skipped, retries at the next due time, freshness in the snapshot."""

from __future__ import annotations

import asyncio

import pytest

from iqgateway import Cadence
from iqgateway.schedule import Schedule, meters_carry_power, meters_carry_storage
from iqgateway.simulator.testing import replay_envoy
from tests.lib.conftest import connected
from tests.lib.test_assemble_captures import read_capture

CAPTURE = "8.1.41"
PATHS = (
    "/production.json?details=1",
    "/api/v1/production/inverters",
    "/ivp/meters",
    "/ivp/meters/readings",
    "/admin/lib/tariff",
    "/home",
)


def test_default_cadence_per_family() -> None:
    cadence = Cadence()
    assert cadence.interval("/production.json?details=1") == 0
    assert cadence.interval("/api/v1/production") == 0
    assert cadence.interval("/ivp/meters/readings") == 0
    assert cadence.interval("/ivp/ensemble/power") == 0
    assert cadence.interval("/ivp/ensemble/inventory") == 300
    assert cadence.interval("/ivp/ensemble/secctrl") == 300
    assert cadence.interval("/api/v1/production/inverters") == 300
    assert cadence.interval("/ivp/pdm/device_data") == 300
    assert cadence.interval("/ivp/meters") == 3600
    assert cadence.interval("/admin/lib/tariff") == 3600
    assert cadence.interval("/ivp/ss/dry_contact_settings") == 3600
    assert cadence.interval("/ivp/ss/gen_mode") == 3600
    assert cadence.interval("/inventory.json?deleted=1") == 300
    assert cadence.interval("/home") is None
    # with live CT power, the production documents only give energy counters: every 5 minutes
    assert cadence.interval("/production.json?details=1", metered=True) == 300
    assert cadence.interval("/production", metered=True) == 300
    assert cadence.interval("/api/v1/production", metered=True) == 0
    assert cadence.interval("/ivp/meters/readings", metered=True) == 0
    assert cadence.interval("/ivp/ensemble/power", metered=True) == 0
    # a storage CT: the readings carry the battery power, the per-battery breakdown follows every 5 minutes
    assert cadence.interval("/ivp/ensemble/power", metered=True, storage_metered=True) == 300
    assert cadence.interval("/ivp/meters/readings", metered=True, storage_metered=True) == 0
    assert cadence.interval("/production.json?details=1", metered=True, storage_metered=True) == 300
    every = Cadence.every_cycle()
    assert all(every.interval(p) == 0 for p in PATHS)


def test_due_times() -> None:
    schedule = Schedule()
    schedule.meters_carry_power = True  # production + net-consumption CTs
    t0 = 1_000_000.0
    assert schedule.due(PATHS, t0) == PATHS[:5]  # /home only on demand
    for path in PATHS[:5]:
        schedule.fetched(path, t0)
    # live CT power every update; the slow production document only for its counters
    assert schedule.due(PATHS, t0 + 60) == ("/ivp/meters/readings",)
    assert "/api/v1/production/inverters" in schedule.due(PATHS, t0 + 300)
    assert "/production.json?details=1" in schedule.due(PATHS, t0 + 300)
    assert "/ivp/meters" not in schedule.due(PATHS, t0 + 900)
    assert "/ivp/meters" in schedule.due(PATHS, t0 + 3600)
    # a poll a little early still counts (no whole interval lost to jitter)
    assert "/api/v1/production/inverters" in schedule.due(PATHS, t0 + 298)


def test_production_document_is_read_every_update_unless_ct_readings_carry_the_power() -> None:
    t0 = 1_000_000.0
    # CT readings that do not carry every power figure (a total-consumption CT only): the document stays live
    schedule = Schedule()
    paths = ("/production.json?details=1", "/ivp/meters/readings")
    for path in schedule.due(paths, t0):
        schedule.fetched(path, t0)
    assert schedule.due(paths, t0 + 60) == paths
    # no CTs at all
    schedule = Schedule()
    paths = ("/production.json?details=1", "/api/v1/production/inverters")
    assert schedule.due(paths, t0) == paths
    for path in paths:
        schedule.fetched(path, t0)
    assert schedule.due(paths, t0 + 60) == ("/production.json?details=1",)


@pytest.mark.parametrize("phase_s", [0.0, 0.5, 17.0, 59.5])
@pytest.mark.parametrize("poll_s", [60.0, 45.0])
def test_an_endpoint_is_read_once_per_interval_whatever_the_poll_phase(phase_s: float, poll_s: float) -> None:
    schedule = Schedule()
    path = "/ivp/pdm/device_data"
    t0 = 1_000_000.0 + phase_s
    reads = 0
    now = t0
    while now < t0 + 3600:
        if path in schedule.due((path,), now):
            schedule.fetched(path, now)
            # a replayed device: its inverters' last report never moves on
            schedule.expect_next_report(path, last_report=t0 - 1234, now=now)
            reads += 1
        now += poll_s
    assert reads == 12


def test_home_is_never_read_by_an_update() -> None:
    schedule = Schedule()
    assert schedule.due(("/home",), 1_000_000.0) == ()
    assert schedule.due(("/home",), 1_100_000.0) == ()


def test_inverters_follow_their_reports() -> None:
    schedule = Schedule()
    now = 1_000_000.0
    path = "/api/v1/production/inverters"
    schedule.expect_next_report(path, last_report=now - 310, now=now)
    # the inverters reported 10 s before an interval ago: the next report is due now + 20 s grace ... but at
    # least half an interval away; the report after that is more than an interval away: one interval it is
    assert schedule.next_due(path) == now + 300
    schedule.expect_next_report(path, last_report=now - 150, now=now)
    assert schedule.next_due(path) == now + 170
    schedule.expect_next_report(path, last_report=now - 5000, now=now)  # a stale clock: on its grid, soon
    due = schedule.next_due(path)
    assert due is not None
    assert now + 150 <= due <= now + 300


async def test_default_cadence_asks_less_than_every_cycle() -> None:
    counts = {}
    for name, cadence in (("default", Cadence()), ("every", Cadence.every_cycle())):
        async with replay_envoy(CAPTURE) as envoy, connected(envoy, cadence=cadence) as gateway:
            await gateway.update()
            envoy.stats.reset()
            await gateway.update()
            await gateway.update()
            counts[name] = envoy.stats.requests
            if name == "default":
                # live data every cycle (8.1.41 has no CTs: the production document is live) while it changes:
                # alike in the first two reads, it follows the inverter list; slow-moving data not at all
                assert envoy.stats.count("/production.json") == 1
                assert envoy.stats.count("/ivp/ensemble/power") == 2
                assert envoy.stats.count("/ivp/ensemble/inventory") == 0
                assert envoy.stats.count("/api/v1/production/inverters") == 0
                assert envoy.stats.count("/ivp/ss/dry_contact_settings") == 0
    assert counts["default"] < counts["every"]


async def test_freshness_and_retry_at_the_next_due_time() -> None:
    path = "/ivp/ensemble/secctrl"
    cadence = Cadence(intervals={**Cadence().intervals, path: 2.0})
    async with replay_envoy(CAPTURE) as envoy, connected(envoy, cadence=cadence) as gateway:
        first = await gateway.update()
        good_at = first.endpoints[path].fetched_at
        asked = envoy.stats.count(path)
        second = await gateway.update()  # not due yet
        assert envoy.stats.count(path) == asked
        assert second.endpoints[path].fetched_at == good_at
        age = second.endpoints[path].age_s
        assert age is not None
        assert age > 0
        assert not second.endpoints[path].stale

        envoy.faults.add("503", path)
        await asyncio.sleep(2.1)
        third = await gateway.update()  # due: asked, fails, keeps the old data
        assert envoy.stats.count(path) == asked + 3  # bounded retries
        assert third.endpoints[path].stale
        assert third.endpoints[path].fetched_at == good_at
        assert third.encharge_aggregate == first.encharge_aggregate
        fourth = await gateway.update()  # a failed endpoint waits for its next due time
        assert envoy.stats.count(path) == asked + 3
        assert fourth.endpoints[path].stale

        envoy.faults.clear()
        await asyncio.sleep(2.1)
        fifth = await gateway.update()
        assert envoy.stats.count(path) == asked + 4
        assert not fifth.endpoints[path].stale
        fetched_at = fifth.endpoints[path].fetched_at
        assert fetched_at is not None
        assert good_at is not None
        assert fetched_at > good_at
        assert gateway.endpoint_due_at(path) is not None


async def test_identity_check_notices_a_firmware_upgrade() -> None:
    cadence = Cadence(identity_check_s=2.0)
    async with replay_envoy(CAPTURE) as envoy, connected(envoy, cadence=cadence) as gateway:
        first = await gateway.update()
        assert first.info.firmware == "8.1.41"
        await gateway.update()  # too soon for another /info
        assert envoy.stats.count("/info") == 1
        envoy.upgrade_firmware("8.3.5200")
        await asyncio.sleep(2.1)
        data = await gateway.update()
        assert data.info.firmware == "8.3.5200"
        assert envoy.stats.count("/info") == 2
        assert envoy.stats.count("/auth/check_jwt") == 2  # authenticated and probed again
        assert data.production == first.production


@pytest.mark.parametrize(
    ("capture", "carry"),
    [("8.3.5169_with_generator", True), ("7.6.175_with_cts_3phase", True), ("7.6.175_standard", False),
     ("8.2.4264_metered_noct", False), ("8.2.4382_ACB", False)],
)
def test_which_ct_readings_carry_the_power(capture: str, carry: bool) -> None:
    assert meters_carry_power(read_capture(capture).features) is carry


@pytest.mark.parametrize(
    ("capture", "carry"),
    [("8.2.4286_with_3cts_and_battery_split", True), ("8.3.5169_with_generator", False),
     ("7.6.175_standard", False), ("8.2.4382_ACB", False)],
)
def test_which_ct_readings_carry_the_battery_power(capture: str, carry: bool) -> None:
    assert meters_carry_storage(read_capture(capture).features) is carry


async def test_with_a_storage_ct_battery_power_comes_from_the_readings_alone() -> None:
    clock = FakeClock(1_780_000_000.0)
    async with (
        replay_envoy("8.2.4286_with_3cts_and_battery_split") as envoy,
        connected(envoy, clock=clock) as gateway,
    ):
        await gateway.update()
        envoy.stats.reset()
        for _ in range(10):
            clock.advance(60)
            data = await gateway.update()
            assert data.endpoints["/ivp/meters/readings"].fetched_at == clock.now
        assert envoy.stats.count("/ivp/meters/readings") == 10
        assert envoy.stats.count("/ivp/ensemble/power") == 2  # every 5 minutes, not every update
    assert data.meters["storage"].active_power_w == pytest.approx(-7083.656, abs=0.01)  # the capture's storage CT


class FakeClock:
    """Epoch seconds that move only when told to."""

    def __init__(self, start: float) -> None:
        self.now = start

    def __call__(self) -> float:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += seconds


async def test_an_injected_clock_drives_the_schedule_and_the_timestamps() -> None:
    start = 1_780_000_000.0
    clock = FakeClock(start)
    async with (
        replay_envoy("8.3.5169_with_generator") as envoy,
        connected(envoy, clock=clock) as gateway,
    ):
        assert gateway.features is not None
        assert {"/ivp/meters/readings", "/production.json?details=1"} <= set(gateway.features.endpoints)
        first = await gateway.update()
        assert first.updated_at == start
        envoy.stats.reset()
        readings: list[int] = []
        production: list[int] = []
        for _ in range(10):  # ten minutes of updates, a minute apart on the injected clock (milliseconds of real time)
            clock.advance(60)
            data = await gateway.update()
            assert data.updated_at == clock.now
            readings.append(envoy.stats.count("/ivp/meters/readings"))
            production.append(envoy.stats.count("/production.json"))
    # live CT power every update; the production document (energy counters, advanced between its reads by the
    # CT counters) hourly on the injected clock
    assert readings == list(range(1, 11))
    assert production == [0] * 10
    assert data.endpoints["/production.json?details=1"].fetched_at == start
    assert gateway.endpoint_due_at("/production.json?details=1") == start + 3600
    assert gateway.load_report()["endpoints"]["/production.json?details=1"]["interval_s"] == 3600
    assert data.endpoints["/ivp/meters/readings"].fetched_at == start + 600


@pytest.mark.parametrize("offset_s", [0.0, 37.0])
async def test_a_replayed_device_is_asked_the_same_each_hour_whatever_the_phase(offset_s: float) -> None:
    counts = []
    for _ in range(2):  # twice the same hour: the same requests
        clock = FakeClock(1_780_000_000.0 + offset_s)
        async with replay_envoy("8.2.4345_with_device_data") as envoy, connected(envoy, clock=clock) as gateway:
            await gateway.update()
            envoy.stats.reset()
            for _ in range(60):
                clock.advance(60)
                await gateway.update()
            counts.append(dict(envoy.stats.per_endpoint))
    assert counts[0] == counts[1]
    assert counts[0]["/ivp/pdm/device_data"] == 12  # the inverters report every 5 minutes

"""LivePower against the simulator over real HTTPS: one request per poll, the stream enable, quiet fallback."""

from __future__ import annotations

import logging
from datetime import datetime
from zoneinfo import ZoneInfo

import pytest

from iqgateway import FeatureNotAvailable, Gateway
from iqgateway.live import LIVEDATA_STREAM, LivePower
from iqgateway.simulator.clock import SimClock
from iqgateway.simulator.profiles import ProfileSource, profile_timezone
from iqgateway.simulator.testing import profile_envoy, replay_envoy
from tests.lib.conftest import connected, credentials

LIVEDATA = "/ivp/livedata/status"


def support(live: LivePower) -> bool | None:
    return live.supported


class FakeMonotonic:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


async def test_each_poll_is_one_request_and_the_stream_is_renewed_once_a_minute() -> None:
    tz = ZoneInfo(profile_timezone("full-us"))
    clock = SimClock(datetime(2026, 6, 21, 13, 0, 30, tzinfo=tz), speed=0, tz=tz)
    async with profile_envoy("full-us", clock=clock) as envoy, connected(envoy) as gateway:
        source = envoy.source
        assert isinstance(source, ProfileSource)
        monotonic = FakeMonotonic()
        live = LivePower(gateway, clock=monotonic)
        assert await live.start()
        assert envoy.stats.count(LIVEDATA_STREAM) == 1
        assert source.livedata_enabled
        polls = 37
        for _ in range(polls):
            monotonic.now += 5
            clock.advance(5)
            requests = envoy.stats.requests
            enables = envoy.stats.count(LIVEDATA_STREAM)
            reads = envoy.stats.count(LIVEDATA)
            data = await live.poll()
            assert envoy.stats.count(LIVEDATA) == reads + 1
            assert envoy.stats.requests - requests == 1 + (envoy.stats.count(LIVEDATA_STREAM) - enables)
            assert envoy.stats.count(LIVEDATA_STREAM) - enables <= 1
            flows = source.house.flows(clock.timestamp())
            assert data.stream_enabled is True
            assert data.grid is not None
            assert data.pv is not None
            assert data.storage is not None
            assert data.load is not None
            assert data.grid.power_w == pytest.approx(flows.grid, abs=0.001)
            assert data.pv.power_w == pytest.approx(flows.pv, abs=0.001)
            assert data.storage.power_w == pytest.approx(flows.battery, abs=0.001)
            assert data.load.power_w == pytest.approx(flows.load, abs=0.001)
            assert data.grid.phases is not None
            assert set(data.grid.phases) == {"L1", "L2"}  # split phase: the device's third, unused phase is dropped
            assert data.grid.phases["L1"].power_w == pytest.approx(flows.grid_ph[0], abs=0.001)
            assert data.grid.phases["L2"].power_w == pytest.approx(flows.grid_ph[1], abs=0.001)
            assert data.last_update == int(clock.timestamp())
        # 185 s of polling: the enable at start, then at 60, 120 and 180 s
        assert envoy.stats.count(LIVEDATA_STREAM) == 4
        assert live.supported is True
        assert live.reason is None
        assert live.last is data


async def test_a_firmware_without_live_data_falls_back_quietly(caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.WARNING)
    async with replay_envoy("7.6.175_standard") as envoy, connected(envoy) as gateway:
        before = envoy.stats.requests
        live = LivePower(gateway)
        assert not await live.start()
        assert live.supported is False
        assert live.reason is not None
        assert LIVEDATA in live.reason
        assert "7.6.175" in live.reason
        with pytest.raises(FeatureNotAvailable, match="no live power"):
            await live.poll()
        assert envoy.stats.requests == before
    assert not [r for r in caplog.records if r.name.startswith("iqgateway")]


async def test_an_unprobed_gateway_learns_at_the_first_poll() -> None:
    async with replay_envoy("8.3.5169_with_generator") as envoy, Gateway(envoy.url, **credentials(envoy)) as gateway:
        await gateway.setup()
        await gateway.authenticate()
        live = LivePower(gateway)
        assert await live.start()  # nothing known yet
        assert live.supported is None
        reads = envoy.stats.count(LIVEDATA)
        with pytest.raises(FeatureNotAvailable):
            await live.poll()
        assert envoy.stats.count(LIVEDATA) == reads + 1
        assert support(live) is False
        assert live.reason is not None
        assert "404" in live.reason
        requests = envoy.stats.requests
        with pytest.raises(FeatureNotAvailable):
            await live.poll()
        assert envoy.stats.requests == requests


async def test_old_firmware_has_no_live_data() -> None:
    async with replay_envoy("5.0.62") as envoy, connected(envoy) as gateway:
        before = envoy.stats.requests
        live = LivePower(gateway)
        assert not await live.start()
        assert live.reason is not None
        assert "5.0.62" in live.reason
        assert envoy.stats.requests == before

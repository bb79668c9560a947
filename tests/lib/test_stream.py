"""MeterStream against the simulator's /stream/meter over real HTTP(S): frames, bursts, reconnects, roles, fallback.

The simulator streams fast (`hz`) so the field's timings (1 Hz, 4 s stalls) shrink to fractions of a second.
With `mark` on, frame k carries the capture's p + k + 0.25 W, so a frame shown twice or lost shows.
"""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

import pytest

from iqgateway import FeatureNotAvailable, Gateway, InvalidResponse, MeterStream, StreamFrame, StreamRoleError
from iqgateway.simulator.meter_stream import StreamSettings
from iqgateway.simulator.replay import ReplaySource
from iqgateway.simulator.server import SimulatedEnvoy
from iqgateway.simulator.testing import profile_envoy, replay_envoy
from tests.shared import CAPTURES

CAPTURE = "7.6.175_with_cts"  # fw 7.6.175: the stream wants an installer token
FAST = {"backoff_s": (0.02, 0.2)}


def capture_channels(capture: str = CAPTURE) -> dict[str, dict[str, Any]]:
    """measurementType -> the capture's reading of ph-a (channels[0]) for that CT."""
    folder = CAPTURES / capture
    meters = json.loads((folder / "ivp_meters").read_text())
    readings = json.loads((folder / "ivp_meters_readings").read_text())
    kinds = {m["eid"]: m["measurementType"] for m in meters}
    return {kinds[r["eid"]]: (r.get("channels") or [r])[0] for r in readings if r["eid"] in kinds}


async def take(stream: MeterStream, count: int) -> list[StreamFrame]:
    frames: list[StreamFrame] = []
    async for frame in stream:
        frames.append(frame)
        if len(frames) == count:
            break
    return frames


def marks(frames: list[StreamFrame], base_p: float) -> list[int]:
    """The simulator's frame numbers, read back from production ph-a p."""
    numbers = []
    for frame in frames:
        assert frame.production is not None
        assert frame.production.a is not None
        assert frame.production.a.p_w is not None
        numbers.append(round(frame.production.a.p_w - base_p - 0.25))
    return numbers


def installer_gateway(envoy: SimulatedEnvoy, user: str = "installer") -> Gateway:
    return Gateway(envoy.url, token=envoy.mint_token(user=user))


@asynccontextmanager
async def streaming(settings: StreamSettings, *, user: str = "installer", capture: str = CAPTURE,
                    **options: Any) -> AsyncIterator[tuple[SimulatedEnvoy, MeterStream]]:
    async with (
        replay_envoy(capture, stream=settings) as envoy,
        installer_gateway(envoy, user) as gateway,
        gateway.stream(**{**FAST, **options}) as stream,
    ):
        yield envoy, stream


async def test_frames_carry_the_devices_values_per_channel_and_phase_in_order() -> None:
    readings = capture_channels()
    prod, net = readings["production"], readings["net-consumption"]
    async with streaming(StreamSettings(hz=40, mark=True)) as (envoy, stream):
        frames = await take(stream, 6)
    assert marks(frames, prod["activePower"]) == [0, 1, 2, 3, 4, 5]
    assert [f.seq for f in frames] == [0, 1, 2, 3, 4, 5]
    first = frames[0]
    assert first.source == "stream"
    assert first.production is not None
    assert first.production.a is not None
    assert first.production.a.q_var == pytest.approx(prod["reactivePower"])
    assert first.production.a.s_va == pytest.approx(prod["apparentPower"])
    assert first.production.a.v_v == pytest.approx(prod["voltage"])
    assert first.production.a.i_a == pytest.approx(prod["current"])
    assert first.production.a.pf == pytest.approx(prod["pwrFactor"])
    assert first.production.a.f_hz == pytest.approx(prod["freq"])
    assert first.net_consumption is not None
    assert first.net_consumption.a is not None
    assert first.net_consumption.a.p_w == pytest.approx(net["activePower"] + 0.25)
    assert first.net_consumption.a.q_var == pytest.approx(net["reactivePower"])
    assert first.raw["production"]["ph-a"]["s"] == pytest.approx(prod["apparentPower"])
    assert first.total_consumption is not None
    assert {name for name, _ in first.production.phases()} == {"a", "b", "c"}
    assert stream.stats.connections == 1
    assert envoy.stream.connections == 1


async def test_a_burst_after_a_stall_gives_every_frame_once_over_one_connection() -> None:
    base = capture_channels()["production"]["activePower"]
    settings = StreamSettings(hz=40, mark=True, stalls=True, stall_hold_s=0.3)
    async with streaming(settings, stall_s=2.0) as (envoy, stream):
        frames = await take(stream, 20)
        assert marks(frames, base) == list(range(20))
        assert stream.stats.connections == 1
        assert stream.stats.reconnects == 0
        assert envoy.stream.connections == 1


async def test_a_device_closing_the_stream_is_followed_by_a_reconnect_losing_nothing() -> None:
    base = capture_channels()["production"]["activePower"]
    settings = StreamSettings(hz=40, mark=True, drop_s=0.15)
    async with streaming(settings) as (envoy, stream):
        frames = await take(stream, 24)
        assert marks(frames, base) == list(range(24))
        assert 2 <= stream.stats.connections <= 8
        assert stream.stats.reconnects == stream.stats.connections - 1
        assert envoy.stream.connections == stream.stats.connections


async def test_a_stall_past_the_limit_reconnects() -> None:
    base = capture_channels()["production"]["activePower"]
    settings = StreamSettings(hz=40, mark=True, stalls=True, stall_hold_s=1.2)
    async with streaming(settings, stall_s=0.2) as (_envoy, stream):
        frames = await take(stream, 12)
        numbers = marks(frames, base)
        assert numbers == sorted(set(numbers))
        assert stream.stats.stalls >= 1
        assert stream.stats.connections >= 2


async def test_a_reset_connection_is_followed_by_a_reconnect() -> None:
    base = capture_channels()["production"]["activePower"]
    async with streaming(StreamSettings(hz=40, mark=True, reset_after=3)) as (_envoy, stream):
        frames = await take(stream, 9)
        numbers = marks(frames, base)
        assert numbers == sorted(set(numbers))
        assert stream.stats.connections >= 3
        assert stream.stats.last_error is not None


async def test_an_owner_token_refused_gives_a_typed_error_naming_the_installer_role() -> None:
    async with replay_envoy(CAPTURE, stream=StreamSettings(hz=40)) as envoy:
        token = envoy.mint_token(user="owner")
        async with Gateway(envoy.url, token=token) as gateway, gateway.stream(**FAST) as stream:
            with pytest.raises(StreamRoleError) as caught:
                await take(stream, 1)
            assert stream.stats.state == "refused"
            assert stream.stats.connections == 0
    err = caught.value
    assert err.role == "installer"
    assert err.endpoint == "/stream/meter"
    assert "installer token" in str(err)
    assert "owner" in str(err)
    assert token not in str(err)


async def test_an_owner_token_streams_where_the_firmware_allows_it() -> None:
    readings = capture_channels("7.3.466_with_cts_3phase")
    settings = StreamSettings(hz=40, mark=True)
    async with (
        replay_envoy("7.3.466_with_cts_3phase", stream=settings) as envoy,
        installer_gateway(envoy, "owner") as gateway,
        gateway.stream(**FAST) as stream,
    ):
        frames = await take(stream, 3)
    assert marks(frames, readings["production"]["activePower"]) == [0, 1, 2]


@pytest.mark.parametrize(("user", "allowed"), [("installer", True), ("envoy", False)])
async def test_digest_firmware_streams_to_the_installer_user_only(user: str, allowed: bool) -> None:
    source = ReplaySource(CAPTURES / CAPTURE)
    source.upgrade_firmware("5.0.62")  # the same CTs behind firmware 5: HTTP Digest
    base = capture_channels()["production"]["activePower"]
    async with SimulatedEnvoy(source, stream=StreamSettings(hz=40, mark=True)) as envoy:
        assert envoy.url.startswith("http://")
        async with Gateway(envoy.url, username=user) as gateway, gateway.stream(**FAST) as stream:
            if allowed:
                assert marks(await take(stream, 3), base) == [0, 1, 2]
                return
            with pytest.raises(StreamRoleError) as caught:
                await take(stream, 1)
    assert "user installer" in str(caught.value)
    assert "user envoy" in str(caught.value)


async def test_without_a_stream_it_polls_live_data_and_says_so() -> None:
    async with profile_envoy("standard") as envoy, installer_gateway(envoy) as gateway:
        await gateway.update()
        async with gateway.stream(fallback_hz=50, **FAST) as stream:
            frames = await take(stream, 3)
            assert stream.stats.fallback_reason is not None
            assert "/ivp/livedata/status" in stream.stats.fallback_reason
            assert stream.stats.state == "fallback"
    assert {f.source for f in frames} == {"livedata"}
    assert envoy.stats.count("/stream/meter") == 1
    assert envoy.stats.count("/ivp/livedata/status") >= 3
    production = frames[-1].production
    assert production is not None
    assert production.total_p_w() is not None


async def test_no_fallback_means_a_typed_error() -> None:
    async with (
        profile_envoy("standard") as envoy,
        installer_gateway(envoy) as gateway,
        gateway.stream(fallback=False, **FAST) as stream,
    ):
        with pytest.raises(FeatureNotAvailable, match="HTTP 404"):
            await take(stream, 1)


async def test_a_frame_refreshes_the_snapshots_live_power_without_a_request() -> None:
    readings = capture_channels()
    settings = StreamSettings(hz=40, mark=True)
    async with replay_envoy(CAPTURE, stream=settings) as envoy, installer_gateway(envoy) as gateway:
        data = await gateway.update()
        phases = data.phase_count
        async with gateway.stream(**FAST) as stream:
            frame = (await take(stream, 3))[-1]
        requests = envoy.stats.requests
        refreshed = gateway.apply_stream_frame(frame)
        assert envoy.stats.requests == requests
    assert refreshed is not None
    assert gateway.data is refreshed
    assert frame.production is not None
    used = [p for _, p in frame.production.phases()][:phases]
    expected = sum(p.p_w for p in used if p.p_w is not None)
    assert refreshed.live is not None
    assert refreshed.live.pv is not None
    assert refreshed.live.pv.power_w == pytest.approx(expected)
    if phases == 1:
        assert expected == pytest.approx(readings["production"]["activePower"] + 2.25)
    meter = refreshed.meters["production"]
    assert meter.active_power_w == pytest.approx(expected)
    assert refreshed.production == data.production


async def test_a_frame_that_is_not_json_is_skipped_and_counted() -> None:
    base = capture_channels()["production"]["activePower"]
    async with streaming(StreamSettings(hz=40, mark=True, garbage_every=3)) as (_envoy, stream):
        frames = await take(stream, 6)
        assert marks(frames, base) == [0, 1, 3, 4, 6, 7]  # frames 2, 5, 8... were spoiled
        assert stream.stats.bad_frames == 2
        assert stream.stats.last_error == "a stream frame is not JSON"
        assert [f.seq for f in frames] == list(range(6))


async def test_a_stream_of_nothing_but_garbage_is_a_typed_error() -> None:
    async with streaming(StreamSettings(hz=40, garbage_every=1)) as (_envoy, stream):
        with pytest.raises(InvalidResponse, match="5 frames in a row unusable") as caught:
            await take(stream, 1)
    assert caught.value.endpoint == "/stream/meter"
    assert caught.value.host is not None

"""The simulated /stream/meter seen by a plain HTTP client: frames from the CTs, roles, drop, the admin API."""

from __future__ import annotations

import json

import aiohttp
import pytest

from iqgateway.simulator.meter_stream import StreamSettings, settings_from_specs
from iqgateway.simulator.testing import profile_envoy, replay_envoy
from tests.lib.test_stream import CAPTURE, capture_channels

TIMEOUT = aiohttp.ClientTimeout(total=10)


async def read_frames(url: str, token: str, count: int) -> tuple[int, list[dict[str, object]]]:
    """(status, up to `count` frames) of one stream connection; fewer when the device closes it first."""
    frames: list[dict[str, object]] = []
    async with aiohttp.ClientSession(timeout=TIMEOUT) as session, session.get(
        f"{url}/stream/meter", headers={"Authorization": f"Bearer {token}"}, ssl=False
    ) as resp:
        if resp.status != 200:
            return resp.status, frames
        assert resp.content_type == "text/event-stream"
        async for line in resp.content:
            if line.startswith(b"data: "):
                frames.append(json.loads(line[6:]))
                if len(frames) == count:
                    break
        return resp.status, frames


@pytest.mark.parametrize(("capture", "owner_status"), [(CAPTURE, 401), ("7.3.466_with_cts_3phase", 200)])
async def test_frames_come_from_the_cts_and_roles_follow_the_firmware(capture: str, owner_status: int) -> None:
    prod = capture_channels(capture)["production"]
    async with replay_envoy(capture, stream=StreamSettings(hz=50)) as envoy:
        status, frames = await read_frames(envoy.url, envoy.mint_token(user="installer"), 2)
        owner, _ = await read_frames(envoy.url, envoy.mint_token(user="owner"), 1)
    assert status == 200
    assert owner == owner_status
    phase = frames[0]["production"]["ph-a"]  # type: ignore[index]
    assert phase == {"p": prod["activePower"], "q": prod["reactivePower"], "s": prod["apparentPower"],
                     "v": prod["voltage"], "i": prod["current"], "pf": prod["pwrFactor"], "f": prod["freq"]}
    assert set(frames[0]) == {"production", "net-consumption", "total-consumption"}


async def test_drop_closes_each_connection_and_the_admin_api_changes_the_settings() -> None:
    async with replay_envoy(CAPTURE, stream=settings_from_specs(["hz=50", "drop_s=0.1"])) as envoy:
        token = envoy.mint_token(user="installer")
        _, frames = await read_frames(envoy.url, token, 1000)
        assert 1 <= len(frames) <= 10
        async with aiohttp.ClientSession(timeout=TIMEOUT) as session:
            async with session.post(f"{envoy.url}/__simulator__/stream", json={"role": "any", "mark": True},
                                    ssl=False) as resp:
                assert resp.status == 200
            async with session.post(f"{envoy.url}/__simulator__/stream", json={"hz": 0}, ssl=False) as resp:
                assert resp.status == 400
        status, marked = await read_frames(envoy.url, envoy.mint_token(user="owner"), 2)
    assert status == 200
    first = marked[0]["production"]["ph-a"]["p"]  # type: ignore[index]
    assert first == round(capture_channels()["production"]["activePower"] + len(frames) + 0.25, 3)
    assert envoy.stream.connections == 2


async def test_a_device_without_cts_has_no_stream() -> None:
    async with profile_envoy("standard") as envoy:
        status, _ = await read_frames(envoy.url, envoy.mint_token(user="installer"), 1)
    assert status == 404

"""`iqgateway stream` against the simulator's meter stream: JSON lines as sent, --count, the table, a refused role."""

from __future__ import annotations

import json

from iqgateway.simulator.meter_stream import StreamSettings
from iqgateway.simulator.testing import replay_envoy
from tests.cli.common import invoke_async
from tests.lib.test_stream import CAPTURE, capture_channels


async def test_json_lines_carry_each_frame_as_sent_through_a_stall_and_burst() -> None:
    prod, net = capture_channels()["production"], capture_channels()["net-consumption"]
    settings = StreamSettings(hz=40, mark=True, stalls=True, stall_hold_s=0.2)
    async with replay_envoy(CAPTURE, stream=settings) as envoy:
        token = envoy.mint_token(user="installer")
        result = await invoke_async(["stream", envoy.url, "--token", token, "--json", "--count", "10"])
    assert result.exit_code == 0, result.output
    lines = result.stdout.splitlines()
    assert len(lines) == 10
    docs = [json.loads(line) for line in lines]
    assert [d["seq"] for d in docs] == list(range(10))
    for n, doc in enumerate(docs):
        assert doc["source"] == "stream"
        assert doc["production"]["ph-a"]["p"] == round(prod["activePower"] + n + 0.25, 3)
        assert doc["production"]["ph-a"]["q"] == prod["reactivePower"]
        assert doc["production"]["ph-a"]["s"] == prod["apparentPower"]
        assert doc["net-consumption"]["ph-a"]["p"] == round(net["activePower"] + n + 0.25, 3)
        assert set(doc["total-consumption"]) == {"ph-a", "ph-b", "ph-c"}
    assert token not in result.output


async def test_the_table_shows_channels_and_phases() -> None:
    prod = capture_channels()["production"]
    async with replay_envoy(CAPTURE, stream=StreamSettings(hz=40)) as envoy:
        result = await invoke_async(["stream", envoy.url, "--count", "2"],
                                    env={"IQGATEWAY_TOKEN": envoy.mint_token(user="installer")})
    assert result.exit_code == 0, result.output
    rows = [line for line in result.stdout.splitlines() if "production" in line and " A " in line]
    assert len(rows) == 2
    assert f"{prod['apparentPower']:g}" in rows[0]
    assert f"{prod['voltage']:g}" in rows[0]
    assert "net consumption" in result.stdout
    assert "total consumption" in result.stdout


async def test_an_owner_token_the_device_refuses_gives_one_line_naming_the_installer_role() -> None:
    async with replay_envoy(CAPTURE, stream=StreamSettings(hz=40)) as envoy:
        token = envoy.mint_token(user="owner")
        result = await invoke_async(["stream", envoy.url, "--token", token, "--json", "--count", "3"])
    assert result.exit_code == 3
    assert result.stdout == ""
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1
    assert "installer token" in lines[0]
    assert "/stream/meter" in lines[0]
    assert token not in result.output

"""`iqgateway discover` finds the simulator's mDNS advertisements on the loopback interface.

Other tests may advertise simulators at the same time: each test judges the devices it started (all of
them found, each once, with their exact serial, firmware, address and port) and the exit code against
what was listed.
"""

from __future__ import annotations

import json
from typing import Any

from iqgateway.simulator.profiles import make_profile
from iqgateway.simulator.replay import ReplaySource
from iqgateway.simulator.server import SimulatedEnvoy
from tests.cli.common import invoke_async
from tests.shared import CAPTURES, capture_serial

# captures no other test advertises (the simulator's discovery test announces 8.3.5169_with_generator)
CAPTURE = "8.2.4345_with_device_data"
WITHDRAWN = "8.2.4382_ACB"
DISCOVER = ["discover", "--interface", "127.0.0.1", "--timeout", "2"]


def expected(envoy: SimulatedEnvoy) -> dict[str, Any]:
    return {
        "serial": envoy.source.serial,
        "firmware": envoy.source.firmware,
        "addresses": ["127.0.0.1"],
        "port": envoy.port,
        "host": envoy.address,  # 127.0.0.1:PORT (not 443, so the port is named)
    }


async def test_discover_lists_every_advertised_envoy_with_serial_address_and_firmware() -> None:
    replay = SimulatedEnvoy(ReplaySource(CAPTURES / CAPTURE), advertise=True)
    profile = SimulatedEnvoy(make_profile("standard", seed=7), advertise=True)
    async with replay, profile:
        assert replay.advertised
        assert profile.advertised
        result = await invoke_async([*DISCOVER, "--json"])
    assert result.exit_code == 0, result.output
    ours = {replay.source.serial, profile.source.serial}
    assert len(ours) == 2
    found = [
        {key: entry[key] for key in ("serial", "firmware", "addresses", "port", "host")}
        for entry in json.loads(result.stdout)
        if entry["serial"] in ours
    ]
    assert sorted(found, key=lambda entry: entry["serial"]) == sorted(
        [expected(replay), expected(profile)], key=lambda entry: entry["serial"]
    ), result.stdout
    assert expected(replay)["serial"] == capture_serial(CAPTURES / CAPTURE)
    assert expected(replay)["firmware"] == "8.2.4345"
    assert expected(profile)["firmware"] == "7.6.175"


async def test_discover_table_shows_the_device() -> None:
    async with SimulatedEnvoy(ReplaySource(CAPTURES / "7.6.175_with_cts"), advertise=True) as envoy:
        result = await invoke_async(DISCOVER)
    assert result.exit_code == 0, result.output
    rows = [line for line in result.stdout.splitlines() if "122238082763" in line]
    assert len(rows) == 1, result.stdout
    cells = [cell.strip() for cell in rows[0].split("│")[1:5]]  # serial, host, firmware, addresses
    assert cells == ["122238082763", envoy.address, "7.6.175", "127.0.0.1"]


async def test_a_withdrawn_advertisement_is_not_listed_and_nothing_found_exits_1() -> None:
    async with SimulatedEnvoy(ReplaySource(CAPTURES / WITHDRAWN), advertise=True) as envoy:
        await envoy.stop_advertising()  # its goodbye: the name is gone before the browse starts
        assert not envoy.advertised
        result = await invoke_async([*DISCOVER, "--json"])
    listed = json.loads(result.stdout)
    assert envoy.source.serial not in [entry["serial"] for entry in listed], result.stdout
    assert result.exit_code == (0 if listed else 1)  # another test's simulator may be announcing meanwhile

"""`iqgateway discover` finds the simulator's mDNS advertisement on the loopback interface."""

from __future__ import annotations

import json

from iqgateway.simulator.replay import ReplaySource
from iqgateway.simulator.server import SimulatedEnvoy
from tests.cli.common import invoke_async
from tests.shared import CAPTURES

CAPTURE = "8.3.5169_with_generator"


async def test_discover_lists_serial_host_and_firmware_of_an_advertised_envoy() -> None:
    source = ReplaySource(CAPTURES / CAPTURE)
    async with SimulatedEnvoy(source, advertise=True) as envoy:
        assert envoy.advertised
        result = await invoke_async(["discover", "--interface", "127.0.0.1", "--timeout", "2", "--json"])
    assert result.exit_code == 0, result.output
    found = [entry for entry in json.loads(result.stdout) if entry["serial"] == "202439990001"]
    assert len(found) == 1, result.stdout
    assert found[0]["firmware"] == "8.3.5169"
    assert found[0]["addresses"] == ["127.0.0.1"]
    assert found[0]["host"] == envoy.address  # 127.0.0.1:PORT (not 443, so the port is named)


async def test_discover_table_shows_the_device() -> None:
    async with SimulatedEnvoy(ReplaySource(CAPTURES / "7.6.175_with_cts"), advertise=True) as envoy:
        result = await invoke_async(["discover", "--interface", "127.0.0.1", "--timeout", "2"])
    assert result.exit_code == 0, result.output
    row = next(line for line in result.stdout.splitlines() if "122238082763" in line)
    assert envoy.address in row
    assert "7.6.175" in row


async def test_discover_nothing_found_exits_1() -> None:
    result = await invoke_async(["discover", "--interface", "127.0.0.1", "--timeout", "0.5"])
    # Another test's simulator may be announcing at the same moment: only judge a quiet network.
    if "No Envoy answered" in result.stdout:
        assert result.exit_code == 1
    else:
        assert result.exit_code == 0
        assert "Envoys found" in result.stdout

"""`iqgateway watch` against a replayed real device: the table shows the capture's power flows."""

from __future__ import annotations

import json

from iqgateway.commands.watch import kwh, watts
from iqgateway.simulator.replay import ReplaySource
from iqgateway.simulator.server import SimulatedEnvoy
from tests.cli.common import invoke_async
from tests.shared import CAPTURES, REFS_PYENPHASE

CAPTURE = "7.6.175_with_cts"  # metered: production, total and net consumption CTs


def _reference() -> dict[str, dict[str, float]]:
    ref: dict[str, dict[str, float]] = json.loads((REFS_PYENPHASE / f"{CAPTURE}.json").read_text())
    return ref


async def test_watch_once_shows_the_devices_power_flows() -> None:
    ref = _reference()
    async with SimulatedEnvoy(ReplaySource(CAPTURES / CAPTURE)) as envoy:
        result = await invoke_async(["watch", envoy.url, "--once"], env={"IQGATEWAY_TOKEN": envoy.mint_token()})
    assert result.exit_code == 0, result.output
    out = result.stdout
    production, total, net = ref["production"], ref["consumption_total"], ref["consumption_net"]
    assert f"Envoy {ref['serial']}" in out
    production_row = next(line for line in out.splitlines() if "Production" in line)
    assert watts(production["watts_now"]) in production_row  # "488 W"
    assert kwh(production["wh_today"]) in production_row
    assert kwh(production["wh_lifetime"]) in production_row  # "3,183.793 kWh"
    consumption_row = next(line for line in out.splitlines() if "Consumption" in line)
    assert watts(total["watts_now"]) in consumption_row
    assert kwh(total["wh_lifetime"]) in consumption_row
    grid_row = next(line for line in out.splitlines() if "Grid" in line)
    assert watts(net["watts_now"]) in grid_row  # "-11 W": exporting
    assert out.count(f"Envoy {ref['serial']}") == 1
    assert f"firmware {ref['firmware']}" in out


async def test_watch_count_refreshes_that_many_times() -> None:
    async with SimulatedEnvoy(ReplaySource(CAPTURES / CAPTURE)) as envoy:
        token = envoy.mint_token()
        result = await invoke_async(["watch", envoy.url, "--count", "2", "--interval", "1", "--token", token])
    assert result.exit_code == 0, result.output
    assert result.stdout.count(f"Envoy {_reference()['serial']}") == 2
    assert token not in result.output


async def test_watch_bad_token_is_one_line_and_exit_code_3() -> None:
    async with SimulatedEnvoy(ReplaySource(CAPTURES / CAPTURE)) as envoy:
        bad = "not-a-token-" + envoy.source.serial
        result = await invoke_async(["watch", envoy.url, "--once", "--token", bad])
    assert result.exit_code == 3, result.output
    assert "Traceback" not in result.output
    assert bad not in result.output
    assert len(result.stderr.strip().splitlines()) == 1
    assert result.stderr.startswith("Error: ")


async def test_watch_unreachable_host_names_it_and_exits_1(unused_tcp_port: int) -> None:
    result = await invoke_async(["watch", f"https://127.0.0.1:{unused_tcp_port}", "--once"])
    assert result.exit_code == 1, result.output
    assert "Traceback" not in result.output
    assert f"127.0.0.1:{unused_tcp_port}" in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1

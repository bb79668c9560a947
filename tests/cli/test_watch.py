"""`iqgateway watch` against a replayed real device: the table shows the capture's power flows."""

from __future__ import annotations

import asyncio
import json
import os
import sys

import pytest

from iqgateway.simulator.replay import ReplaySource
from iqgateway.simulator.server import SimulatedEnvoy
from tests.cli.common import WIDE, invoke_async
from tests.shared import CAPTURES, REFS_PYENPHASE

CAPTURE = "7.6.175_with_cts"  # metered: production, total and net consumption CTs


def _reference() -> dict[str, dict[str, float]]:
    ref: dict[str, dict[str, float]] = json.loads((REFS_PYENPHASE / f"{CAPTURE}.json").read_text())
    return ref


def cells(out: str, label: str) -> list[str]:
    row = next(line for line in out.splitlines() if label in line)
    return [cell.strip() for cell in row.split("│")[2:-1]]


async def test_watch_once_shows_the_devices_power_flows() -> None:
    ref = _reference()
    async with SimulatedEnvoy(ReplaySource(CAPTURES / CAPTURE)) as envoy:
        result = await invoke_async(["watch", envoy.url, "--once"], env={"IQGATEWAY_TOKEN": envoy.mint_token()})
    assert result.exit_code == 0, result.output
    out = result.stdout
    production, total, net = ref["production"], ref["consumption_total"], ref["consumption_net"]
    assert f"Envoy {ref['serial']}" in out
    # one unit per column, in the header: W (all below 1 kW), kWh today, MWh lifetime
    assert "Power (W)" in out
    assert "Today (kWh)" in out
    assert "Lifetime (MWh)" in out
    for label, reading in (("Production", production), ("Consumption", total)):
        power, today, lifetime = (float(cell.replace(",", "")) for cell in cells(out, label))
        assert power == round(reading["watts_now"])  # 488
        assert today == pytest.approx(reading["wh_today"] / 1e3, abs=0.005)  # 4.43
        assert lifetime == pytest.approx(reading["wh_lifetime"] / 1e6, abs=0.0005)  # 3.184
    assert cells(out, "Grid")[0] == f"{net['watts_now']:,.0f}"  # "-11": exporting
    assert out.count(f"Envoy {ref['serial']}") == 1
    assert f"firmware {ref['firmware']}" in out
    assert "stale" not in out


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
    assert result.stderr.startswith(f"iqgateway: {envoy.address}: the token is not a well-formed JWT")


async def test_watch_unreachable_host_names_it_and_exits_5(unused_tcp_port: int) -> None:
    result = await invoke_async(["watch", f"https://127.0.0.1:{unused_tcp_port}", "--once"])
    assert result.exit_code == 5, result.output
    assert "Traceback" not in result.output
    assert result.stderr.startswith(f"iqgateway: 127.0.0.1:{unused_tcp_port} /info: cannot connect over https")
    assert "connection refused" in result.stderr
    assert "connect call" not in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1


async def test_watch_of_a_device_that_stops_says_stale_then_exits_5() -> None:
    serial = _reference()["serial"]
    async with SimulatedEnvoy(ReplaySource(CAPTURES / CAPTURE)) as envoy:
        proc = await asyncio.create_subprocess_exec(
            sys.executable, "-m", "iqgateway.cli", "watch", envoy.url, "--interval", "1", "--count", "10",
            stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE, stdin=asyncio.subprocess.DEVNULL,
            env={**os.environ, **WIDE, "IQGATEWAY_TOKEN": envoy.mint_token()},
        )
        assert proc.stdout is not None
        before = b""
        async with asyncio.timeout(60):
            while b"firmware" not in before:  # the first table's caption: the device answered
                before += await proc.stdout.readline()
        await envoy.stop()
        async with asyncio.timeout(60):
            after, err = await proc.communicate()
    assert proc.returncode == 5
    assert b"stale" not in before
    tables = after.decode().split(f"Envoy {serial}")[1:]
    assert tables, after
    assert all("stale, no new power reading for" in table.splitlines()[0] for table in tables)
    assert len(tables) <= 3  # the budget: the third update without a power reading ends the watch
    assert err.decode().splitlines() == [err.decode().strip()]
    assert err.decode().startswith(f"iqgateway: {envoy.address} /ivp/meters/readings: power readings are stale")
    assert "connection refused" in err.decode()

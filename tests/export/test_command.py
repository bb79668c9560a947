"""`iqgateway export` as a user runs it: configuration mistakes, --check, and /metrics without a broker."""

from __future__ import annotations

import asyncio
import re
import subprocess
from pathlib import Path

import aiohttp
from typer.testing import CliRunner

from iqgateway.cli import app
from iqgateway.export import parse_config
from iqgateway.export.service import run_export
from iqgateway.simulator.testing import replay_envoy
from tests.lib.conftest import capture_json, credentials
from tests.shared import capture_serial, free_port

METERED = "7.6.175_with_cts"
SAMPLE = re.compile(r"^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{(.*)\})? (\S+)$")
LABEL = re.compile(r'(\w+)="((?:[^"\\]|\\.)*)"')


def test_a_configuration_mistake_is_one_line_naming_the_key(tmp_path: Path) -> None:
    config = tmp_path / "fleet.toml"
    config.write_text('interval_s = 60\n[prometheus]\nlisten = "127.0.0.1:9108"\n[[gateway]]\ntoken = "secret-tkn"\n')
    result = CliRunner().invoke(app, ["export", str(config)])
    assert result.exit_code == 2
    assert f"{config}: gateway[0].host: is required" in result.output
    assert "secret-tkn" not in result.output
    assert "Traceback" not in result.output


def test_check_reads_the_configuration_and_exits(tmp_path: Path) -> None:
    config = tmp_path / "fleet.toml"
    config.write_text('interval_s = 15\n[prometheus]\nlisten = "127.0.0.1:9108"\n'
                      '[[gateway]]\nhost = "192.0.2.1"\n[[gateway]]\nhost = "192.0.2.2"\nusername = "installer"\n')
    result = CliRunner().invoke(app, ["export", str(config), "--check"])
    assert result.exit_code == 0, result.output
    assert "2 gateway(s), every 15 s" in result.output


async def test_metrics_alone_carry_the_ct_readings(promtool: str) -> None:
    meters = {m["eid"]: m["measurementType"] for m in capture_json(METERED, "ivp_meters")}
    readings = {meters[r["eid"]]: r for r in capture_json(METERED, "ivp_meters_readings")}
    serial, port = capture_serial(METERED), free_port()
    async with replay_envoy(METERED) as envoy:
        config = parse_config({"interval_s": 1, "prometheus": {"listen": f"127.0.0.1:{port}"},
                               "gateway": [{"host": envoy.url, **credentials(envoy)}]})
        stop = asyncio.Event()
        task = asyncio.create_task(run_export(config, stop=stop))
        text = ""

        async def scraped_meters() -> bool:
            nonlocal text
            try:
                async with aiohttp.ClientSession() as http, http.get(f"http://127.0.0.1:{port}/metrics") as resp:
                    text = await resp.text()
            except aiohttp.ClientError:
                return False
            return "iqgateway_meter_power_watts{" in text

        try:
            async with asyncio.timeout(20):
                while not await scraped_meters():
                    await asyncio.sleep(0.2)
        finally:
            stop.set()
            await asyncio.wait_for(task, 10)
    lint = subprocess.run([promtool, "check", "metrics"], input=text, capture_output=True, text=True, check=False)
    assert lint.returncode == 0, lint.stdout + lint.stderr
    found = samples(text)
    for kind, reading in readings.items():
        labels = frozenset({("serial", serial), ("measurement", kind)})
        assert found[("iqgateway_meter_power_watts", labels)] == float(reading["activePower"]), kind
        joules = found[("iqgateway_meter_delivered_energy_joules_total", labels)]
        assert abs(joules - float(reading["actEnergyDlvd"]) * 3600) < 1e-3, kind
    assert found[("iqgateway_up", frozenset({("serial", serial), ("host", envoy.url)}))] == 1.0


def samples(text: str) -> dict[tuple[str, frozenset[tuple[str, str]]], float]:
    """(metric name, labels) -> value of every sample of an exposition."""
    found = {}
    for line in text.splitlines():
        if match := SAMPLE.match(line):
            labels = frozenset(LABEL.findall(match.group(2) or ""))
            found[(match.group(1), labels)] = float(match.group(3))
    return found

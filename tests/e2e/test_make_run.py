"""The `make run` stack, for real: scripts/run.py starts the simulator and Home Assistant, onboards,
adds the Envoy through the integration's config flow; then we log in as the demo user like a
browser would and check the device, its entities and their states against the simulator itself.

Runs on free ports with its own run folder, so it never touches a developer's `.run/`. The device
is a replayed capture (fixed values) with batteries, an Enpower and three CTs.
"""

from __future__ import annotations

import asyncio
import json
import os
import queue
import re
import signal
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import aiohttp
import pytest

from iqgateway.gateway import Gateway
from iqgateway.snapshot import snapshot_dict
from tests.e2e.browser import chromium_path, oauth_state, open_page
from tests.shared import CAPTURES, REPO

CAPTURE = "8.2.4286_with_3cts_and_battery_split"
SCREENSHOT = REPO / "docs" / "screenshots" / "envoy-device.png"
START_S = 420.0
TOKEN_LINE = re.compile(r"^Token\b[^:]*:\s*(\S+)\s*$", re.MULTILINE)

pytestmark = pytest.mark.timeout(900)


@dataclass
class Stack:
    process: subprocess.Popen[str]
    lines: queue.Queue[str]
    output: list[str]
    run_dir: Path
    ha_port: int
    sim_port: int
    device_page: str

    @property
    def base(self) -> str:
        return f"http://127.0.0.1:{self.ha_port}"

    @property
    def sim_url(self) -> str:
        return f"https://127.0.0.1:{self.sim_port}"

    def token(self) -> str:
        match = TOKEN_LINE.search((self.run_dir / "simulator.log").read_text())
        assert match, "the simulator printed no token"
        return match.group(1)


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
    return port


def _start(run_dir: Path, ha_port: int, sim_port: int) -> Stack:
    env = {**os.environ, "REPLAY": str(CAPTURES / CAPTURE), "PYTHONUNBUFFERED": "1"}
    for name in ("PROFILE", "ENVOY_HOST", "ENVOY_TOKEN", "ENVOY_USERNAME", "ENVOY_PASSWORD"):
        env.pop(name, None)
    command = [
        sys.executable, str(REPO / "scripts" / "run.py"),
        "--ha-port", str(ha_port), "--sim-port", str(sim_port), "--run-dir", str(run_dir),
    ]  # fmt: skip
    process = subprocess.Popen(
        command, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, cwd=REPO, env=env
    )
    lines: queue.Queue[str] = queue.Queue()

    def pump() -> None:
        assert process.stdout is not None
        for line in process.stdout:
            lines.put(line.rstrip("\n"))

    threading.Thread(target=pump, daemon=True).start()
    output: list[str] = []
    end = time.monotonic() + START_S
    while time.monotonic() < end:
        try:
            line = lines.get(timeout=1.0)
        except queue.Empty:
            if process.poll() is not None:
                break
            continue
        output.append(line)
        if line.startswith("Envoy device page: "):
            page = line.removeprefix("Envoy device page: ").strip()
            return Stack(process, lines, output, run_dir, ha_port, sim_port, page)
    _stop(process)
    log = run_dir / "ha-config" / "home-assistant.log"
    tail = log.read_text()[-3000:] if log.exists() else ""
    raise AssertionError("make run did not get ready:\n" + "\n".join(output) + "\n--- HA log ---\n" + tail)


def _stop(process: subprocess.Popen[str]) -> int:
    if process.poll() is None:
        process.send_signal(signal.SIGTERM)
        try:
            process.wait(150)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
    return process.returncode


def _port_free(port: int) -> bool:
    with socket.socket() as sock:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            sock.bind(("127.0.0.1", port))
        except OSError:
            return False
    return True


@pytest.fixture(scope="module")
def stack(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Stack]:
    run_dir = tmp_path_factory.mktemp("make-run")
    started = _start(run_dir, _free_port(), _free_port())
    try:
        yield started
    finally:
        _stop(started.process)


async def _login(session: aiohttp.ClientSession, base: str, client_id: str) -> str:
    """The authorization code of the demo user, through the login flow the frontend uses."""
    redirect = f"{base}/?auth_callback=1"
    async with session.post(
        f"{base}/auth/login_flow",
        json={"client_id": client_id, "handler": ["homeassistant", None], "redirect_uri": redirect},
    ) as resp:
        flow = await resp.json()
    async with session.post(
        f"{base}/auth/login_flow/{flow['flow_id']}",
        json={"client_id": client_id, "username": "demo", "password": "demo"},
    ) as resp:
        result = await resp.json()
    assert result["type"] == "create_entry", result
    return str(result["result"])


async def _access_token(session: aiohttp.ClientSession, base: str) -> str:
    client_id = base + "/"
    code = await _login(session, base, client_id)
    form = {"grant_type": "authorization_code", "code": code, "client_id": client_id}
    async with session.post(f"{base}/auth/token", data=form) as resp:
        assert resp.status == 200
        return str((await resp.json())["access_token"])


async def _ws(session: aiohttp.ClientSession, base: str, token: str, command: str) -> Any:
    async with session.ws_connect(f"{base}/api/websocket") as ws:
        assert (await ws.receive_json())["type"] == "auth_required"
        await ws.send_json({"type": "auth", "access_token": token})
        assert (await ws.receive_json())["type"] == "auth_ok"
        await ws.send_json({"id": 1, "type": command})
        while True:
            message = await ws.receive_json()
            if message.get("id") == 1:
                assert message["success"], message
                return message["result"]


async def _simulator_snapshot(stack: Stack) -> dict[str, Any]:
    async with Gateway(stack.sim_url, token=stack.token()) as gateway:
        await gateway.setup()
        await gateway.authenticate()
        await gateway.probe()
        return snapshot_dict(await gateway.update())


TO_BASE_UNIT = {"W": 1.0, "kW": 1e3, "MW": 1e6, "Wh": 1.0, "kWh": 1e3, "MWh": 1e6, "%": 1.0}


def _in_base_unit(state: dict[str, Any]) -> float:
    unit = state["attributes"].get("unit_of_measurement")
    return float(state["state"]) * TO_BASE_UNIT[unit]


async def test_device_entities_and_states_match_the_simulator(stack: Stack) -> None:
    device_id = stack.device_page.rsplit("/", 1)[1]
    expected = await _simulator_snapshot(stack)
    serial = expected["serial"]
    async with aiohttp.ClientSession() as session:
        token = await _access_token(session, stack.base)
        devices = await _ws(session, stack.base, token, "config/device_registry/list")
        entities = await _ws(session, stack.base, token, "config/entity_registry/list")
        energy = await _ws(session, stack.base, token, "energy/get_prefs")
        async with session.get(f"{stack.base}/api/states", headers={"Authorization": f"Bearer {token}"}) as resp:
            states = {state["entity_id"]: state for state in await resp.json()}
        async with session.get(
            f"{stack.base}/api/config/config_entries/entry", headers={"Authorization": f"Bearer {token}"}
        ) as resp:
            all_entries = await resp.json()

    entries = [entry for entry in all_entries if entry["domain"] == "enphase_envoy"]
    assert [entry["state"] for entry in entries] == ["loaded"]
    assert {entry["domain"]: entry["state"] for entry in all_entries if entry["state"] != "loaded"} == {}
    envoy = next(device for device in devices if device["id"] == device_id)
    assert ["enphase_envoy", serial] in envoy["identifiers"]
    assert envoy["name"] == f"Envoy {serial}"
    assert envoy["sw_version"] == expected["firmware"]
    ours = {e["unique_id"]: e["entity_id"] for e in entities if e["platform"] == "enphase_envoy"}

    def value(unique_id: str) -> float:
        assert unique_id in ours, f"no entity {unique_id}"
        return _in_base_unit(states[ours[unique_id]])

    checks = {
        f"{serial}_production": expected["production"]["watts_now"],
        f"{serial}_daily_production": expected["production"]["wh_today"],
        f"{serial}_lifetime_production": expected["production"]["wh_lifetime"],
        f"{serial}_consumption": expected["consumption_total"]["watts_now"],
        f"{serial}_lifetime_consumption": expected["consumption_total"]["wh_lifetime"],
        # core (and so the drop-in) shows the net-consumption CT's own reading here
        f"{serial}_net_consumption": expected["meters"]["net-consumption"]["active_power_w"],
        f"{serial}_lifetime_net_consumption": expected["meters"]["net-consumption"]["energy_delivered_wh"],
    }
    for unique_id, want in checks.items():
        assert value(unique_id) == pytest.approx(want, rel=0.005, abs=1.0), unique_id
    # Every microinverter is a device of its own under the Envoy, reporting the simulator's watts.
    inverter_devices = {d["name"] for d in devices if d.get("via_device_id") == device_id}
    for inverter_serial, inverter in expected["inverters"].items():
        assert f"Inverter {inverter_serial}" in inverter_devices
        watts = _in_base_unit(states[ours[inverter_serial]])
        assert watts == pytest.approx(inverter["last_report_watts"], abs=1.0), inverter_serial
    battery_soc = expected["encharge_aggregate"]["soc_percent"]
    assert value(f"{serial}_battery_level") == pytest.approx(battery_soc, abs=1.0)

    # The Energy dashboard is wired to the Envoy's lifetime counters.
    sources = {source["type"]: source for source in energy["energy_sources"]}
    assert sources["solar"]["stat_energy_from"] == ours[f"{serial}_lifetime_production"]
    assert sources["grid"]["flow_from"][0]["stat_energy_from"] == ours[f"{serial}_lifetime_net_consumption"]
    assert sources["grid"]["flow_to"][0]["stat_energy_to"] == ours[f"{serial}_lifetime_net_production"]
    assert sources["battery"]["stat_energy_from"] == ours[f"{serial}_lifetime_battery_discharged"]
    assert sources["battery"]["stat_energy_to"] == ours[f"{serial}_lifetime_battery_charged"]


@pytest.mark.skipif(chromium_path() is None, reason="headless Chromium is not installed (.ci/run installs it)")
async def test_device_page_in_a_browser(stack: Stack, tmp_path: Path) -> None:
    async with aiohttp.ClientSession() as session:
        code = await _login(session, stack.base, stack.base + "/")
    path = stack.device_page.split("://", 1)[1].split("/", 1)[1]
    url = f"{stack.base}/{path}?auth_callback=1&code={code}&state={oauth_state(stack.base)}"
    expected = await _simulator_snapshot(stack)
    async with open_page(tmp_path / "chromium") as page:
        await page.navigate(url)
        text = await page.wait_for_text(
            [f"Envoy {expected['serial']}", "Device info", "Current power production", expected["firmware"]], 120
        )
        await asyncio.sleep(2.0)  # icons and values fade in after the text
        await page.screenshot(SCREENSHOT)
    assert "Log in" not in text[:200]
    assert SCREENSHOT.stat().st_size > 20_000
    assert SCREENSHOT.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


def test_rerun_reuses_everything_and_stop_is_clean(stack: Stack) -> None:
    code = _stop(stack.process)
    assert code == 0, "\n".join(stack.output)
    assert _port_free(stack.ha_port)
    assert _port_free(stack.sim_port)
    assert any(line.startswith("Onboarding") for line in stack.output)

    # Second run, same folder, the simulator on another port: no onboarding, no second entry,
    # the stored entry follows the device to its new address.
    again = _start(stack.run_dir, stack.ha_port, _free_port())
    try:
        assert not any(line.startswith(("Onboarding", "Adding the Envoy")) for line in again.output), again.output
        storage = json.loads((stack.run_dir / "ha-config" / ".storage" / "core.config_entries").read_text())
        ours = [e for e in storage["data"]["entries"] if e["domain"] == "enphase_envoy"]
        assert len(ours) == 1
        assert ours[0]["data"]["host"] == f"127.0.0.1:{again.sim_port}"
    finally:
        assert _stop(again.process) == 0

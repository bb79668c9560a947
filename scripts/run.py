"""`make run`: Home Assistant with the integration set up against an Envoy, in one command.

1. Starts the simulator (`iqgateway simulate --profile full-us`, or PROFILE=..., or REPLAY=capture dir)
   on a fixed port, or uses a real device (ENVOY_HOST, ENVOY_TOKEN or ENVOY_USERNAME/ENVOY_PASSWORD).
2. Creates (once) a Home Assistant config folder under .run/ha-config with the repository's
   integration symlinked into custom_components/, and starts Home Assistant on http://localhost:8123.
3. Completes onboarding through HA's REST API (user demo / demo) and sets the integration up through
   its real config flow, then waits for the Envoy device and prints where to look.
Ctrl-C (or SIGTERM) stops Home Assistant, then the simulator. Later runs reuse everything.
"""

from __future__ import annotations

import argparse
import asyncio
import importlib.util
import os
import signal
import socket
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path
from types import FrameType
from typing import Any

import aiohttp
from envoy_target import (
    DeviceIdentity,
    SimulatorProcess,
    TargetError,
    read_identity,
    start_simulator,
    stop_process,
)
from hass_client import HassApiError, HassClient
from hass_config_dir import DOMAIN, EntryPlan, prepare, reconcile_entries

REPO = Path(__file__).resolve().parents[1]
INTEGRATION = REPO / "custom_components" / DOMAIN
DEMO_USER = "demo"
DEMO_PASSWORD = "demo"  # the documented login of the local demo instance
HA_START_S = 420.0
ENTRY_READY_S = 240.0
# Onboarding starts flows for these; without their (internet) requirements they only show as failed entries.
ONBOARDING_EXTRAS = frozenset({"google_translate", "met", "radio_browser"})


class RunError(Exception):
    """A step of `make run` failed; the message says which and what to do."""


@dataclass(frozen=True, slots=True)
class Options:
    profile: str
    replay: str | None
    envoy_host: str | None
    envoy_username: str | None
    envoy_password: str | None
    envoy_token: str | None
    sim_port: int
    ha_port: int
    bind: str
    run_dir: Path


@dataclass(frozen=True, slots=True)
class Target:
    """The device HA is pointed at and the config-flow answers that reach it."""

    host: str
    identity: DeviceIdentity
    flow_answers: dict[str, Any]
    entry_data: dict[str, Any]
    description: str


def parse_options(argv: list[str] | None) -> Options:
    env = os.environ
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--profile", default=env.get("PROFILE") or "full-us", help="simulator profile (PROFILE)")
    parser.add_argument("--replay", default=env.get("REPLAY") or None, help="serve a capture folder (REPLAY)")
    parser.add_argument("--sim-port", type=int, default=int(env.get("SIM_PORT") or 8443), help="simulator port")
    parser.add_argument("--ha-port", type=int, default=int(env.get("HA_PORT") or 8123), help="Home Assistant port")
    parser.add_argument("--bind", default=env.get("HA_BIND") or "127.0.0.1", help="address HA listens on")
    parser.add_argument("--run-dir", type=Path, default=Path(env.get("RUN_DIR") or REPO / ".run"))
    args = parser.parse_args(argv)
    return Options(
        profile=args.profile,
        replay=args.replay,
        envoy_host=env.get("ENVOY_HOST") or None,
        envoy_username=env.get("ENVOY_USERNAME") or None,
        envoy_password=env.get("ENVOY_PASSWORD") or None,
        envoy_token=env.get("ENVOY_TOKEN") or None,
        sim_port=args.sim_port,
        ha_port=args.ha_port,
        bind=args.bind,
        run_dir=args.run_dir.resolve(),
    )


def main(argv: list[str] | None = None) -> int:
    opts = parse_options(argv)
    signal.signal(signal.SIGTERM, _interrupt)
    simulator: SimulatorProcess | None = None
    hass: subprocess.Popen[bytes] | None = None
    try:
        _check_environment(opts)
        if opts.envoy_host:
            target = _real_device(opts)
        else:
            simulator = _start_simulator(opts)
            target = _simulated_device(simulator)
        print(f"Envoy: {target.description}", flush=True)
        config_dir = opts.run_dir / "ha-config"
        prepare(config_dir, INTEGRATION, port=opts.ha_port, bind=opts.bind)
        plan = reconcile_entries(config_dir, serial=target.identity.serial, entry_data=target.entry_data)
        hass = _start_hass(opts, config_dir)
        local = "127.0.0.1" if opts.bind in ("0.0.0.0", "::", "") else opts.bind  # noqa: S104 - comparing only
        base = f"http://{local}:{opts.ha_port}"
        device_id = asyncio.run(_set_up_hass(base, hass, target, plan))
        _print_ready(opts, target, device_id)
        _supervise(hass, simulator)
        return 0
    except KeyboardInterrupt:
        print("\nStopping ...", flush=True)
        return 0
    except (RunError, TargetError, HassApiError) as err:
        print(f"make run: {err}", file=sys.stderr, flush=True)
        return 1
    except (aiohttp.ClientError, TimeoutError, OSError) as err:
        print(f"make run: {type(err).__name__}: {err}", file=sys.stderr, flush=True)
        return 1
    finally:
        signal.signal(signal.SIGINT, signal.SIG_IGN)  # a second Ctrl-C must not cut the clean stop short
        signal.signal(signal.SIGTERM, signal.SIG_IGN)
        if hass is not None:
            stop_process(hass, "Home Assistant", 90.0)
        if simulator is not None:
            stop_process(simulator.process, "the simulator", 15.0)


def _interrupt(signum: int, frame: FrameType | None) -> None:
    raise KeyboardInterrupt


def _check_environment(opts: Options) -> None:
    if importlib.util.find_spec("hass_frontend") is None:
        raise RunError("the Home Assistant frontend is not installed in this environment: run `make venv`")
    if not INTEGRATION.is_dir():
        raise RunError(f"{INTEGRATION} is missing")
    if not _port_free(opts.bind, opts.ha_port):
        raise RunError(f"port {opts.ha_port} is in use (another Home Assistant?): stop it or set HA_PORT=...")
    if not opts.envoy_host and not _port_free("127.0.0.1", opts.sim_port):
        raise RunError(f"port {opts.sim_port} is in use: stop what listens there or set SIM_PORT=...")


def _port_free(host: str, port: int) -> bool:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            sock.bind((host, port))
        except OSError:
            return False
    return True


def _start_simulator(opts: Options) -> SimulatorProcess:
    source = ["--replay", opts.replay] if opts.replay else ["--profile", opts.profile]
    return start_simulator(source, host="127.0.0.1", port=opts.sim_port, log=opts.run_dir / "simulator.log")


def _simulated_device(sim: SimulatorProcess) -> Target:
    identity = read_identity(sim.url)
    what = f"simulator {identity.serial} (firmware {identity.firmware}) at {sim.url}"
    if identity.major >= 7:
        if sim.token is None:
            raise RunError(f"the simulator printed no token (see {sim.log})")
        answers = {"host": sim.address, "use_manual_token": True, "token": sim.token, "username": "", "password": ""}
        return Target(sim.address, identity, answers, {"host": sim.address, "token": sim.token}, what)
    from iqgateway.auth.passwords import installer_password

    password = installer_password(identity.serial)
    answers = {"host": sim.address, "username": "installer", "password": password, "use_manual_token": False}
    data = {"host": sim.address, "username": "installer", "password": password}
    return Target(sim.address, identity, answers, data, what)


def _real_device(opts: Options) -> Target:
    assert opts.envoy_host is not None
    identity = read_identity(opts.envoy_host)
    what = f"{identity.serial} (firmware {identity.firmware}) at {opts.envoy_host}"
    if opts.envoy_token:
        answers: dict[str, Any] = {
            "host": opts.envoy_host, "use_manual_token": True, "token": opts.envoy_token,
            "username": opts.envoy_username or "", "password": "",
        }
        return Target(opts.envoy_host, identity, answers, {"host": opts.envoy_host, "token": opts.envoy_token}, what)
    if identity.major >= 7 and not (opts.envoy_username and opts.envoy_password):
        raise RunError("firmware 7+ needs ENVOY_TOKEN, or ENVOY_USERNAME and ENVOY_PASSWORD of your Enlighten account")
    username = opts.envoy_username or "installer"
    password = opts.envoy_password
    if password is None and username == "installer":
        from iqgateway.auth.passwords import installer_password

        password = installer_password(identity.serial)
    answers = {"host": opts.envoy_host, "username": username, "password": password or "", "use_manual_token": False}
    data = {"host": opts.envoy_host, "username": username, "password": password or ""}
    return Target(opts.envoy_host, identity, answers, data, what)


def _start_hass(opts: Options, config_dir: Path) -> subprocess.Popen[bytes]:
    log = opts.run_dir / "home-assistant.out"
    print(f"Starting Home Assistant (log: {config_dir / 'home-assistant.log'}) ...", flush=True)
    command = [sys.executable, "-m", "homeassistant", "-c", str(config_dir), "--skip-pip", "--log-no-color"]
    with log.open("wb") as out:
        return subprocess.Popen(  # noqa: S603 - our own interpreter and arguments
            command, stdout=out, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL, cwd=REPO, start_new_session=True
        )


async def _set_up_hass(base: str, hass: subprocess.Popen[bytes], target: Target, plan: EntryPlan) -> str:
    timeout = aiohttp.ClientTimeout(total=60)
    async with aiohttp.ClientSession(timeout=timeout) as session:
        client = HassClient(base, session)
        await client.wait_until_up(HA_START_S, alive=lambda: hass.poll() is None)
        left = await client.onboarding_steps_left()
        if left:
            print(f"Onboarding ({', '.join(left)}) ...", flush=True)
            await client.onboard(name="Demo", username=DEMO_USER, password=DEMO_PASSWORD)
        else:
            await client.login(DEMO_USER, DEMO_PASSWORD)
        for entry_id in plan.stale_entry_ids:
            print(f"Removing the entry of another Envoy ({entry_id}) ...", flush=True)
            await client.delete_entry(entry_id)
        entries = await client.config_entries(DOMAIN)
        if not any(entry["entry_id"] == plan.existing_entry_id for entry in entries):
            print("Adding the Envoy through the integration's config flow ...", flush=True)
            await _run_config_flow(client, target)
        device_id = await _wait_for_device(client, target.identity.serial, hass)
        for entry in await client.config_entries():
            if entry.get("domain") in ONBOARDING_EXTRAS and entry.get("state") != "loaded":
                await client.delete_entry(str(entry["entry_id"]))
        try:
            await _set_up_energy_dashboard(client, target.identity.serial)
        except HassApiError as err:
            print(f"(Energy dashboard not set up: {err})", flush=True)
        return device_id


async def _run_config_flow(client: HassClient, target: Target) -> None:
    result = await client.start_flow(DOMAIN)
    submitted = False
    for _ in range(6):
        kind = result.get("type")
        if kind == "create_entry":
            return
        if kind == "abort":
            if result.get("reason") == "already_configured":
                return
            raise RunError(f"the config flow stopped: {result.get('reason')}")
        if kind != "form":
            raise RunError(f"the config flow answered {kind!r}")
        if submitted and result.get("errors"):
            details = result.get("description_placeholders") or ""
            raise RunError(f"the config flow refused the device: {result['errors']} {details}")
        fields = {str(field["name"]) for field in result.get("data_schema") or []}
        answers = {key: value for key, value in target.flow_answers.items() if key in fields}
        result = await client.flow_step(str(result["flow_id"]), answers)
        submitted = True
    raise RunError("the config flow did not finish")


async def _wait_for_device(client: HassClient, serial: str, hass: subprocess.Popen[bytes]) -> str:
    end = time.monotonic() + ENTRY_READY_S
    state = "unknown"
    while time.monotonic() < end:
        if hass.poll() is not None:
            raise RunError("Home Assistant exited")
        entries = await client.config_entries(DOMAIN)
        if entries:
            state = f"{entries[0].get('state')} {entries[0].get('reason') or ''}".strip()
        devices = await client.ws_command({"type": "config/device_registry/list"})
        for device in devices:
            if [DOMAIN, serial] in device.get("identifiers", []) and any(e.get("state") == "loaded" for e in entries):
                return str(device["id"])
        await asyncio.sleep(2.0)
    raise RunError(f"the Envoy device did not appear within {ENTRY_READY_S:.0f} s (entry state: {state})")


async def _set_up_energy_dashboard(client: HassClient, serial: str) -> None:
    """Point the Energy dashboard at the Envoy's lifetime counters, unless it is configured already."""
    try:
        prefs = await client.ws_command({"type": "energy/get_prefs"})
    except HassApiError:
        prefs = None  # "not_found": never configured
    if prefs and prefs.get("energy_sources"):
        return
    registry = await client.ws_command({"type": "config/entity_registry/list"})
    ids = {e["unique_id"]: e["entity_id"] for e in registry if e.get("platform") == DOMAIN and not e.get("disabled_by")}

    def entity(key: str) -> str | None:
        return ids.get(f"{serial}_{key}")

    sources: list[dict[str, Any]] = []
    if produced := entity("lifetime_production"):
        sources.append({"type": "solar", "stat_energy_from": produced, "config_entry_solar_forecast": None})
    if imported := entity("lifetime_net_consumption"):
        exported = entity("lifetime_net_production")
        sources.append({
            "type": "grid",
            "flow_from": [{"stat_energy_from": imported, "stat_cost": None, "entity_energy_price": None,
                           "number_energy_price": None}],
            "flow_to": [{"stat_energy_to": exported, "stat_compensation": None, "entity_energy_price": None,
                         "number_energy_price": None}] if exported else [],
            "cost_adjustment_day": 0.0,
        })  # fmt: skip
    discharged, charged = entity("lifetime_battery_discharged"), entity("lifetime_battery_charged")
    if discharged and charged:
        sources.append({"type": "battery", "stat_energy_from": discharged, "stat_energy_to": charged})
    if sources:
        await client.ws_command({"type": "energy/save_prefs", "energy_sources": sources, "device_consumption": []})


def _print_ready(opts: Options, target: Target, device_id: str) -> None:
    url = f"http://localhost:{opts.ha_port}"
    print(
        "\n"
        f"Home Assistant is ready: {url}  (user {DEMO_USER}, password {DEMO_PASSWORD})\n"
        f"Envoy device page: {url}/config/devices/device/{device_id}\n"
        f"Energy dashboard: {url}/energy (fills in as Home Assistant compiles statistics, every 5 minutes)\n"
        "Stop with Ctrl-C.",
        flush=True,
    )


def _supervise(hass: subprocess.Popen[bytes], simulator: SimulatorProcess | None) -> None:
    while True:
        if hass.poll() is not None:
            raise RunError(f"Home Assistant exited with code {hass.returncode}")
        if simulator is not None and simulator.process.poll() is not None:
            raise RunError(f"the simulator exited with code {simulator.process.returncode} (see {simulator.log})")
        time.sleep(1.0)


if __name__ == "__main__":
    sys.exit(main())

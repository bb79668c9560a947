"""The `iqgateway` command, run as a real process against the simulator."""

from __future__ import annotations

import asyncio
import datetime
import json
import os
import socket
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from iqgateway.simulator.testing import replay_envoy
from tests.lib.conftest import capture_json
from tests.shared import capture_serial

MODERN = "8.1.41"
LEGACY = "5.0.62"


@dataclass
class Run:
    code: int
    out: str
    err: str

    @property
    def lines(self) -> list[str]:
        return [ln for ln in (self.out + "\n" + self.err).splitlines() if ln.strip()]


async def iqgateway(*args: str, env: dict[str, str] | None = None) -> Run:
    proc = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "iqgateway.cli", *args,
        stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE, stdin=asyncio.subprocess.DEVNULL,
        env={**os.environ, "NO_COLOR": "1", "COLUMNS": "200", **(env or {})},
    )
    async with asyncio.timeout(90):
        out, err = await proc.communicate()
    assert proc.returncode is not None
    return Run(proc.returncode, out.decode(), err.decode())


async def test_read_json_with_a_token() -> None:
    async with replay_envoy(MODERN) as envoy:
        token = envoy.mint_token()
        run = await iqgateway("read", envoy.url, "--token", token, "--json")
    assert run.code == 0, run.err
    doc = json.loads(run.out)
    assert doc["serial"] == capture_serial(MODERN)
    lifetimes = [e.get("whLifetime") for e in capture_json(MODERN, "production.json")["production"]]
    assert doc["production"]["wh_lifetime"] in lifetimes
    assert set(doc["dry_contacts"]) == {"NC1", "NC2", "NO1", "NO2"}
    assert token not in run.out + run.err


async def test_read_digest_with_derived_installer_password() -> None:
    async with replay_envoy(LEGACY) as envoy:
        run = await iqgateway("read", envoy.address, "--username", "installer", "--json")
    assert run.code == 0, run.err
    doc = json.loads(run.out)
    assert doc["production"]["wh_lifetime"] == capture_json(LEGACY, "api_v1_production")["wattHoursLifetime"]


async def test_token_from_the_environment_and_readable_summary() -> None:
    async with replay_envoy(MODERN) as envoy:
        token = envoy.mint_token()
        run = await iqgateway("read", envoy.url, env={"IQGATEWAY_TOKEN": token})
    assert run.code == 0, run.err
    assert f"IQ Gateway {capture_serial(MODERN)}" in run.out
    assert "production" in run.out
    assert token not in run.out + run.err


async def test_rejected_token_is_one_line_without_traceback() -> None:
    async with replay_envoy(MODERN) as envoy:
        token = envoy.mint_token()
        await asyncio.sleep(1.1)  # revocation covers tokens issued before the current second
        envoy.revoke_tokens()
        run = await iqgateway("read", envoy.url, "--token", token, "--json")
    assert run.code == 3
    assert run.lines == [run.err.strip()]
    assert run.err.startswith("iqgateway: ")
    assert envoy.address in run.err
    assert "Traceback" not in run.err
    assert token not in run.err


async def test_unsupported_firmware_is_named() -> None:
    async with replay_envoy("3.9.36") as envoy:
        envoy.upgrade_firmware("3.8.5")
        run = await iqgateway("read", envoy.url, "--username", "installer", "--json")
    assert run.code == 4
    assert len(run.lines) == 1
    assert "3.8.5" in run.err
    assert "unsupported" in run.err
    assert "Traceback" not in run.err


async def test_debug_logs_requests_but_no_secrets() -> None:
    async with replay_envoy(MODERN) as envoy:
        token = envoy.mint_token()
        run = await iqgateway("read", envoy.url, "--token", token, "--json", "--debug")
    assert run.code == 0
    assert "GET /ivp/ensemble/inventory -> 200" in run.err
    assert token not in run.err
    assert token.split(".")[1] not in run.err
    assert "Bearer" not in run.err
    assert "sessionId" not in run.err


async def test_unreachable_host() -> None:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    run = await iqgateway("read", f"http://127.0.0.1:{port}", "--json")
    assert run.code == 5
    assert run.lines == [run.err.strip()]
    assert f"127.0.0.1:{port}" in run.err
    assert "/info" in run.err


async def test_info_command() -> None:
    async with replay_envoy(MODERN) as envoy:
        run = await iqgateway("info", envoy.address, "--json")
    assert run.code == 0, run.err
    doc = json.loads(run.out)
    assert doc["serial"] == capture_serial(MODERN)
    assert doc["url"] == envoy.url
    assert doc["auth"] == "token"


async def test_usage_error_and_simulate_registered() -> None:
    run = await iqgateway("read")
    assert run.code == 2
    run = await iqgateway("--help")
    assert run.code == 0
    assert "simulate" in run.out
    assert "read" in run.out


def afternoon_zone() -> str:
    """A fixed-offset zone where it is about two in the afternoon now: the device's whole "today" is then
    plausible (it cannot be, a few minutes after midnight), whenever the suite runs."""
    offset = 14 - datetime.datetime.now(datetime.UTC).hour
    return f"Etc/GMT{-offset:+d}" if offset else "UTC"


async def test_read_keeps_the_midnight_closes_in_a_state_file(tmp_path: Path) -> None:
    state = tmp_path / "daily.json"
    zone_name = afternoon_zone()
    async with replay_envoy(MODERN) as envoy:
        token = envoy.mint_token()
        read = ("read", envoy.url, "--token", token, "--tz", zone_name, "--state", str(state))
        first = await iqgateway(*read, "--json")
        saved = json.loads(state.read_text())
        second = await iqgateway(*read, "--json")
        state.write_text("{not json")
        broken = await iqgateway(*read)
        zone = await iqgateway("read", envoy.url, "--token", token, "--tz", "Mars/Olympus")
    assert first.code == 0, first.err
    assert second.code == 0, second.err
    doc = json.loads(second.out)
    device_today = capture_json(MODERN, "production.json")["production"][1]["whToday"]
    assert doc["production"]["device_wh_today"] == device_today
    assert doc["production"]["wh_today"] == device_today  # plausible: the day's close was seeded from it
    assert saved["counters"]["production"]["seeded"] == [saved_day(saved)]
    assert (broken.code, broken.lines) == (
        1, [f"iqgateway: {envoy.url.rstrip('/')}: the daily energy file {state} is not JSON"])
    assert zone.code == 2  # a usage error: nothing is asked of the device
    assert zone.lines == ["iqgateway: read: Invalid value for '--tz': unknown time zone 'Mars/Olympus' "
                          "(an IANA name such as Europe/Berlin) (see iqgateway read --help)"]


def saved_day(saved: dict[str, Any]) -> str:
    closes = saved["counters"]["production"]["closes"]
    assert len(closes) == 1
    return str(next(iter(closes)))

"""`simulate` as a user runs it: a separate process that prints its URL, serves /info and stops on SIGTERM."""

from __future__ import annotations

import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import aiohttp
import orjson
import pytest

from iqgateway.auth.passwords import installer_password
from iqgateway.simulator.replay import ReplaySource
from iqgateway.simulator.testing import profile_envoy
from tests.shared import CAPTURES, capture_serial
from tests.simulator.conftest import GENERATOR, LEGACY, DeviceClient

# The `simulate` command on a typer app of its own (the `iqgateway` app registers it the same way).
LAUNCHER = (
    "import typer\n"
    "from iqgateway.simulator.cli import register\n"
    "app = typer.Typer()\n"
    "register(app)\n"
    "app.callback()(lambda: None)\n"
    "app()\n"
)
URL = re.compile(r"serving (https?://127\.0\.0\.1:\d+)")


class Running:
    def __init__(self, *args: str) -> None:
        self.lines: list[str] = []
        self.proc = subprocess.Popen(
            [sys.executable, "-c", LAUNCHER, "simulate", *args],
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
            env={**os.environ, "NO_COLOR": "1"},
        )
        threading.Thread(target=self._pump, daemon=True).start()

    def _pump(self) -> None:
        assert self.proc.stdout is not None
        for line in self.proc.stdout:
            self.lines.append(line)

    def wait_for(self, pattern: re.Pattern[str], timeout: float = 30) -> re.Match[str]:
        until = time.monotonic() + timeout
        while time.monotonic() < until:
            for line in list(self.lines):
                if match := pattern.search(line):
                    return match
            if self.proc.poll() is not None and not pattern.search("".join(self.lines)):
                break
            time.sleep(0.05)
        raise AssertionError(f"no {pattern.pattern!r} in output: {''.join(self.lines)!r}")

    def stop(self) -> int:
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
        return self.proc.wait(15)


@pytest.fixture
def running() -> Iterator[list[Running]]:
    started: list[Running] = []
    yield started
    for sim in started:
        if sim.proc.poll() is None:
            sim.proc.kill()
            sim.proc.wait(5)


async def test_simulate_replay_prints_url_and_token_then_serves(running: list[Running]) -> None:
    sim = Running("--replay", str(GENERATOR), "--host", "127.0.0.1", "--port", "0", "--cloud")
    running.append(sim)
    url = sim.wait_for(URL).group(1)
    assert url.startswith("https://")
    assert f"serial {capture_serial(GENERATOR)}, firmware 8.3.5169" in "".join(sim.lines)
    token = sim.wait_for(re.compile(r"Token \(owner, 365 days\): (\S+)")).group(1)
    cloud = sim.wait_for(re.compile(r"cloud at (http://127\.0\.0\.1:\d+)")).group(1)
    async with aiohttp.ClientSession(cookie_jar=aiohttp.CookieJar(unsafe=True)) as http:
        info = await DeviceClient(http, url).get("/info")
        assert info.body == (GENERATOR / "info").read_bytes()
        meters = await DeviceClient(http, url, token=token).get("/ivp/meters")
        assert meters.body == (GENERATOR / "ivp_meters").read_bytes()
        async with http.post(f"{cloud}/login/login.json", data={"user[email]": "x", "user[password]": "y"}) as r:
            assert r.status == 401
    assert sim.stop() == 0


async def test_simulate_on_a_given_port_over_http(running: list[Running], unused_tcp_port: int) -> None:
    sim = Running("--replay", str(LEGACY), "--port", str(unused_tcp_port), "--fault", "503x1:/api/v1/production")
    running.append(sim)
    url = sim.wait_for(URL).group(1)
    assert url == f"http://127.0.0.1:{unused_tcp_port}"
    assert "Token" not in "".join(sim.lines)
    async with aiohttp.ClientSession() as http:
        info = await DeviceClient(http, url).get("/info")
        assert info.body == (LEGACY / "info").read_bytes()
        client = DeviceClient(http, url, user="installer", password=installer_password(capture_serial(LEGACY)))
        assert (await client.get("/api/v1/production")).status == 503
        assert (await client.get("/api/v1/production")).body == (LEGACY / "api_v1_production").read_bytes()
    assert sim.stop() == 0


async def test_simulate_profile_and_profile_envoy(running: list[Running]) -> None:
    sim = Running("--profile", "standard", "--inverters", "4", "--speed", "10")
    running.append(sim)
    url = sim.wait_for(URL).group(1)
    serial = sim.wait_for(re.compile(r"serial (\d+), firmware")).group(1)
    async with aiohttp.ClientSession() as http:
        info = await DeviceClient(http, url).get("/info")
        assert f"<sn>{serial}</sn>".encode() in info.body
    assert sim.stop() == 0
    async with profile_envoy("standard", inverters=3, auth="none") as envoy, aiohttp.ClientSession() as http:
        inverters = await DeviceClient(http, envoy.url).get("/api/v1/production/inverters")
        assert inverters.status == 200
        assert len(orjson.loads(inverters.body)) == 3


async def test_simulate_count_serves_a_fleet_on_consecutive_ports(running: list[Running],
                                                                   unused_tcp_port_factory: Any) -> None:
    base = unused_tcp_port_factory()
    while any(_listening(base + i) for i in range(3)):
        base = unused_tcp_port_factory()
    sim = Running("--profile", "legacy", "--count", "3", "--port", str(base))  # two houses and a twin
    running.append(sim)
    sim.wait_for(re.compile(rf"serving http://127\.0\.0\.1:{base + 2}\b"))
    lines = [line for line in sim.lines if "serving" in line]
    assert [URL.search(line).group(1) for line in lines if URL.search(line)] == [  # type: ignore[union-attr]
        f"http://127.0.0.1:{base + i}" for i in range(3)
    ]
    serials = [re.search(r"serial (\d+), firmware 3\.18\.10", line).group(1) for line in lines]  # type: ignore[union-attr]
    assert len(set(serials)) == 3
    async with aiohttp.ClientSession() as http:
        for i, serial in enumerate(serials):
            url = f"http://127.0.0.1:{base + i}"
            info = await DeviceClient(http, url).get("/info")
            assert f"<sn>{serial}</sn>".encode() in info.body
            client = DeviceClient(http, url, user="installer", password=installer_password(serial))
            inverters = orjson.loads((await client.get("/api/v1/production/inverters")).body)
            assert len(inverters) == 12  # the legacy profile's own inverters, serials of this device's own
            assert len({inv["serialNumber"] for inv in inverters}) == 12
    assert sim.stop() == 0


def _listening(port: int) -> bool:
    try:
        socket.create_connection(("127.0.0.1", port), 0.2).close()
        return True
    except OSError:
        return False


@pytest.mark.parametrize(
    ("args", "message"),
    [
        ([], "exactly one of --replay"),
        (["--replay", str(GENERATOR), "--profile", "legacy"], "exactly one of --replay"),
        (["--replay", "/nonexistent/capture"], "not a capture folder"),
        (["--replay", str(GENERATOR), "--fault", "explode"], "unknown fault kind"),
        (["--replay", str(GENERATOR), "--scheme", "ftp"], "--scheme"),
        (["--replay", str(GENERATOR), "--count", "2"], "--count serves several --profile devices"),
        (["--profile", "legacy", "--count", "3", "--port", "65534"], "at most 65535"),
        (["--profile", "legacy", "--count", "2", "--cloud"], "without --cloud"),
    ],
)
def test_simulate_refuses_bad_arguments(args: list[str], message: str, capsys: pytest.CaptureFixture[str]) -> None:
    from iqgateway.cli import run

    assert run(["simulate", *args]) == 2
    captured = capsys.readouterr()
    assert captured.out == ""
    assert captured.err.startswith("iqgateway: simulate")
    assert len(captured.err.splitlines()) == 1
    assert message in captured.err
    assert "Traceback" not in captured.err


def test_every_capture_folder_is_a_valid_replay_argument() -> None:
    for capture in sorted(p for p in CAPTURES.iterdir() if (p / "info").is_file()):
        source = ReplaySource(Path(capture))
        software = re.search(r"<software>([^<]*)</software>", (capture / "info").read_text())
        assert software
        assert source.firmware == software.group(1)[1:], capture.name
        assert source.serial == capture_serial(capture), capture.name


def test_every_capture_passes_the_replay_check() -> None:
    from iqgateway.simulator.capture_check import capture_problems

    for capture in sorted(p for p in CAPTURES.iterdir() if (p / "info").is_file()):
        assert capture_problems(capture) == [], capture.name


@pytest.mark.parametrize(("file", "content", "says"), [
    ("info", "", "info: empty"),
    ("info", "<!DOCTYPE html><html><body>Envoy</body></html>", "info: an HTML page, not the /info XML document"),
    ("info", "<?xml version='1.0'?><envoy_info><device><sn>1</sn></device></envoy_info>",
     "info: no firmware version"),
    ("ivp_meters_log.json", '{"headers": {', "ivp_meters_log.json: not JSON"),
    ("ivp_meters_log.json", '{"code": "two hundred"}', "ivp_meters_log.json: code 'two hundred' is not an HTTP"),
])
def test_replay_of_a_broken_capture_names_the_file(tmp_path: Path, file: str, content: str, says: str,
                                                   capsys: pytest.CaptureFixture[str]) -> None:
    from iqgateway.cli import run

    broken = tmp_path / "broken"
    shutil.copytree(GENERATOR, broken)
    (broken / file).write_text(content)
    assert run(["simulate", "--replay", str(broken)]) == 2
    captured = capsys.readouterr()
    assert captured.out == ""  # nothing served
    assert captured.err.startswith(f"iqgateway: simulate --replay: {broken / file}: ")
    assert len(captured.err.splitlines()) == 1
    assert says in captured.err

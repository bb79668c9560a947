"""The export against real components: a mosquitto broker started here (password file, free loopback port),
`promtool` for the exposition, simulator replays of the captures over real HTTP.

A test that needs mosquitto or promtool skips, saying which, only where the binary cannot be found
(Debian: `apt-get install mosquitto mosquitto-clients prometheus`).
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import secrets
import shutil
import socket
import subprocess
import time
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import aiomqtt
import pytest

from tests.shared import free_port

SBIN = ("/usr/sbin", "/usr/local/sbin")


def find_tool(name: str) -> str | None:
    found = shutil.which(name)
    if found:
        return found
    for folder in SBIN:
        candidate = Path(folder) / name
        if candidate.is_file() and os.access(candidate, os.X_OK):
            return str(candidate)
    return None


class Broker:
    """A mosquitto of its own: anonymous clients refused, one user from a password file, no persistence."""

    def __init__(self, exe: str, passwd: str, scratch: Path) -> None:
        self.exe, self.port = exe, free_port()
        self.user, self.password = "exporter", secrets.token_hex(8)
        pw_file = scratch / "mosquitto.pw"
        subprocess.run([passwd, "-b", "-c", str(pw_file), self.user, self.password], check=True,
                       capture_output=True)
        self.conf = scratch / "mosquitto.conf"
        run_as = "user root\n" if os.geteuid() == 0 else ""  # as root, mosquitto would drop to a user who cannot read
        self.conf.write_text(f"listener {self.port} 127.0.0.1\nallow_anonymous false\npassword_file {pw_file}\n"
                             f"persistence false\n{run_as}")
        self.proc: subprocess.Popen[bytes] | None = None

    def start(self) -> None:
        self.proc = subprocess.Popen([self.exe, "-c", str(self.conf)], stdout=subprocess.DEVNULL,
                                     stderr=subprocess.DEVNULL)
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            try:
                socket.create_connection(("127.0.0.1", self.port), 0.2).close()
                return
            except OSError:
                time.sleep(0.05)
        raise RuntimeError(f"mosquitto did not listen on {self.port}")

    def stop(self) -> None:
        if self.proc is not None and self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(5)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(5)
        self.proc = None

    @property
    def url(self) -> str:
        return f"mqtt://127.0.0.1:{self.port}"


@pytest.fixture
def broker(tmp_path: Path) -> Iterator[Broker]:
    exe, passwd = find_tool("mosquitto"), find_tool("mosquitto_passwd")
    if exe is None or passwd is None:
        pytest.skip("mosquitto / mosquitto_passwd not found (Debian: apt-get install mosquitto)")
    broker = Broker(exe, passwd, tmp_path)
    broker.start()
    try:
        yield broker
    finally:
        broker.stop()


@pytest.fixture
def promtool() -> str:
    exe = find_tool("promtool")
    if exe is None:
        pytest.skip("promtool not found (Debian: apt-get install prometheus)")
    return exe


@dataclass
class Seen:
    """Every message a subscriber to '#' received: (monotonic time, topic, payload)."""

    messages: list[tuple[float, str, bytes]] = field(default_factory=list)
    connections: int = 0

    def since(self, t0: float) -> list[tuple[float, str, bytes]]:
        return [m for m in self.messages if m[0] >= t0]

    def last(self, topic: str) -> bytes | None:
        found = [p for _, t, p in self.messages if t == topic]
        return found[-1] if found else None


async def _subscribe(broker: Broker, seen: Seen) -> None:
    while True:
        try:
            async with aiomqtt.Client("127.0.0.1", broker.port, username=broker.user, password=broker.password,
                                      identifier=f"test-listener-{secrets.token_hex(3)}") as client:
                await client.subscribe("#")
                seen.connections += 1
                async for message in client.messages:
                    payload = message.payload if isinstance(message.payload, bytes) else str(message.payload).encode()
                    seen.messages.append((time.monotonic(), str(message.topic), payload))
        except aiomqtt.MqttError:
            await asyncio.sleep(0.2)


@contextlib.asynccontextmanager
async def listening(broker: Broker) -> AsyncIterator[Seen]:
    """Everything published on the broker, from now on (reconnecting after a broker restart)."""
    seen = Seen()
    task = asyncio.create_task(_subscribe(broker, seen))
    try:
        while seen.connections == 0:
            await asyncio.sleep(0.02)
        yield seen
    finally:
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await task


# The waits are upper bounds, not timing checks: a loaded machine (coverage, parallel workers) needs more.
SLACK = 4.0


async def wait_for(condition: Any, timeout: float, what: str) -> None:
    timeout *= SLACK
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError(f"not within {timeout:g} s: {what}")
        await asyncio.sleep(0.05)

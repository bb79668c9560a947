"""The devices benchmarked, and the handle on one running simulated device (a bench.simhost process)."""

from __future__ import annotations

import asyncio
import datetime
import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import orjson

ROOT = Path(__file__).resolve().parent.parent
START_TIMEOUT_S = 60.0


@dataclass(frozen=True, slots=True)
class DeviceSpec:
    """One simulated device: a replayed capture or a synthetic profile."""

    name: str
    replay: str | None = None
    profile: str | None = None
    inverters: int | None = None
    batteries: int | None = None
    note: str = ""

    def simhost_args(self) -> list[str]:
        if self.replay:
            return ["--replay", self.replay]
        assert self.profile is not None
        args = ["--profile", self.profile]
        if self.inverters is not None:
            args += ["--inverters", str(self.inverters)]
        if self.batteries is not None:
            args += ["--batteries", str(self.batteries)]
        return args


DEVICES: tuple[DeviceSpec, ...] = (
    DeviceSpec("7.6.175_standard", replay="7.6.175_standard", note="unmetered, fw 7.6"),
    DeviceSpec("7.6.175_with_cts", replay="7.6.175_with_cts", note="production + consumption CTs"),
    DeviceSpec("8.3.5169_with_generator", replay="8.3.5169_with_generator",
               note="CTs, batteries, Enpower, relays, generator; real latencies"),
    DeviceSpec("8.2.4286_with_3cts_and_battery_split", replay="8.2.4286_with_3cts_and_battery_split",
               note="3 CTs, batteries, Enpower, relays"),
    DeviceSpec("5.0.62", replay="5.0.62", note="fw 5, HTTP Digest"),
    DeviceSpec("profile full-us", profile="full-us",
               note="synthetic: 20 inverters, 2 batteries, Enpower, relays, generator"),
    DeviceSpec("profile battery-eu", profile="battery-eu", note="synthetic: 3-phase, 3 batteries, storage CT"),
    DeviceSpec("profile metered x200", profile="metered", inverters=200, note="synthetic: 200 inverters, CTs"),
    DeviceSpec("profile metered-500", profile="metered-500", note="synthetic: 500 inverters, CTs"),
)  # fmt: skip


@dataclass(slots=True)
class SimDevice:
    """A running bench.simhost process and the device it serves."""

    spec: DeviceSpec
    process: asyncio.subprocess.Process
    url: str = ""
    serial: str = ""
    firmware: str = ""
    token_auth: bool = False
    token: str | None = None
    latency_source: str = ""
    _lock: asyncio.Lock = field(default_factory=asyncio.Lock)

    @property
    def address(self) -> str:
        """host:port without the scheme."""
        return self.url.split("://", 1)[1]

    async def call(self, op: str, **fields: Any) -> dict[str, Any]:
        async with self._lock:
            assert self.process.stdin is not None
            assert self.process.stdout is not None
            self.process.stdin.write(orjson.dumps({"op": op, **fields}) + b"\n")
            await self.process.stdin.drain()
            line = await self.process.stdout.readline()
        if not line:
            raise RuntimeError(f"{self.spec.name}: the simulator process ended")
        reply = orjson.loads(line)
        if not isinstance(reply, dict) or "error" in reply:
            raise RuntimeError(f"{self.spec.name}: simulator answered {reply!r} to {op}")
        return reply

    async def stats(self) -> dict[str, Any]:
        return await self.call("stats")

    async def reset(self) -> None:
        await self.call("reset")

    async def latency(self, on: bool) -> None:
        await self.call("latency", on=on)

    async def advance(self, seconds: float) -> None:
        await self.call("advance", seconds=seconds)

    async def close(self) -> None:
        if self.process.returncode is None:
            assert self.process.stdin is not None
            self.process.stdin.close()
            try:
                await asyncio.wait_for(self.process.wait(), 10)
            except TimeoutError:
                self.process.kill()
                await self.process.wait()


def bench_start(now: float) -> float:
    """The moment the simulated hour starts: the next 10:00 of this machine's local day (the Gateway's time
    zone), so the quiet window, the local midnight and the sun are where they were on every other run."""
    moment = datetime.datetime.fromtimestamp(now).astimezone()
    start = moment.replace(hour=10, minute=0, second=0, microsecond=0)
    if start <= moment:
        start = (start + datetime.timedelta(days=1)).replace(hour=10)
    return start.timestamp()


async def start_device(spec: DeviceSpec, start: float) -> SimDevice:
    """Start the simulator process for `spec`, its clock at `start` (epoch seconds), and wait until it serves."""
    process = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "bench.simhost", *spec.simhost_args(), "--start", repr(start),
        cwd=ROOT, stdin=asyncio.subprocess.PIPE, stdout=asyncio.subprocess.PIPE,
    )  # fmt: skip
    device = SimDevice(spec, process)
    assert process.stdout is not None
    try:
        line = await asyncio.wait_for(process.stdout.readline(), START_TIMEOUT_S)
    except TimeoutError:
        line = b""
    if not line:
        await device.close()
        raise RuntimeError(f"{spec.name}: the simulator did not start")
    ready = orjson.loads(line)
    device.url, device.serial, device.firmware = ready["url"], ready["serial"], ready["firmware"]
    device.token_auth, device.token = bool(ready["token_auth"]), ready["token"]
    device.latency_source = str(ready["latency_source"])
    return device

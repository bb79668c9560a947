"""One client against one simulated device: a simulated hour of 60 s updates, then a few updates with latencies.

1. start: identity, authentication, probe and the first update (not part of the hour: a cold start);
2. the hour: `cycles` updates, simulated time moving `interval` seconds before each, device latencies off
   (request, byte and session counts from the simulator; CPU time of each update call in this process — the
   simulator runs in its own process);
3. the latency window: `timed` more updates with the device's latencies on; wall time of each update call.

Sessions per hour = device sessions opened from the start through the hour (a client that keeps its session
opens one); for firmware < 7 a session is a Digest challenge the client answered.
"""

from __future__ import annotations

import asyncio
import statistics
import time
from dataclasses import dataclass, field
from typing import Any

from .clients import Client
from .device import SimDevice

# Endpoints that carry live power: a cycle that read one of them has fresh power.
LIVE_POWER_PATHS = frozenset({
    "/ivp/meters/readings", "/production.json", "/production", "/api/v1/production", "/ivp/livedata/status",
})  # fmt: skip
UPDATE_TIMEOUT_S = 120.0


@dataclass(slots=True)
class Measurement:
    """What one client did to one device."""

    client: str
    device: str
    setup_requests: int = 0
    setup_sessions: int = 0
    cycles: int = 0
    hour_s: float = 0.0
    hour_requests: int = 0
    hour_bytes: int = 0
    hour_sessions: int = 0
    hour_connections: int = 0
    per_endpoint: dict[str, int] = field(default_factory=dict)
    fresh_cycles: int = 0
    cpu_s: list[float] = field(default_factory=list)
    walls_s: list[float] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return self.cycles > 0 and not self.errors

    def per_hour(self, value: float) -> float:
        return value * 3600.0 / self.hour_s if self.hour_s else 0.0

    @property
    def requests_per_hour(self) -> float:
        return self.per_hour(self.hour_requests)

    @property
    def bytes_per_hour(self) -> float:
        return self.per_hour(self.hour_bytes)

    @property
    def sessions_per_hour(self) -> float:
        return self.setup_sessions + self.per_hour(self.hour_sessions)

    @property
    def cpu_per_update_s(self) -> float | None:
        return statistics.fmean(self.cpu_s) if self.cpu_s else None

    @property
    def wall_median_s(self) -> float | None:
        return statistics.median(self.walls_s) if self.walls_s else None

    def as_dict(self) -> dict[str, Any]:
        return {
            "client": self.client, "device": self.device, "setup_requests": self.setup_requests,
            "setup_sessions": self.setup_sessions, "cycles": self.cycles, "hour_s": self.hour_s,
            "requests_per_hour": self.requests_per_hour, "bytes_per_hour": self.bytes_per_hour,
            "sessions_per_hour": self.sessions_per_hour, "connections_in_hour": self.hour_connections,
            "per_endpoint": self.per_endpoint, "fresh_cycles": self.fresh_cycles,
            "cpu_per_update_s": self.cpu_per_update_s, "wall_median_s": self.wall_median_s,
            "walls_s": self.walls_s, "errors": self.errors, "notes": self.notes,
        }  # fmt: skip


def sessions(stats: dict[str, Any], token_auth: bool) -> int:
    return int(stats["sessions_opened"] if token_auth else stats["digest_challenges"])


async def _timed_update(client: Client) -> None:
    async with asyncio.timeout(UPDATE_TIMEOUT_S):
        await client.update()


def _failure(err: BaseException) -> str:
    return f"{type(err).__name__}: {err}"[:300]


async def measure(client: Client, device: SimDevice, *, cycles: int, interval: float, timed: int) -> Measurement:
    result = Measurement(client.name, device.spec.name)
    await device.latency(False)
    await device.reset()
    try:
        async with asyncio.timeout(UPDATE_TIMEOUT_S * 2):
            await client.start()
            await client.update()
    except Exception as err:  # noqa: BLE001 - a client that fails is a result to report
        result.errors.append(f"start: {_failure(err)}")
        return result
    stats = await device.stats()
    result.setup_requests = int(stats["requests"])
    result.setup_sessions = sessions(stats, device.token_auth)

    # -- the hour: latencies off, simulated time moves `interval` before each update
    await device.reset()
    seen: dict[str, int] = {}
    for _ in range(cycles):
        await device.advance(interval)
        client.advance(interval)
        began = time.process_time()
        try:
            await _timed_update(client)
        except Exception as err:  # noqa: BLE001
            result.errors.append(f"update: {_failure(err)}")
        result.cpu_s.append(time.process_time() - began)
        result.cycles += 1
        result.hour_s += interval
        stats = await device.stats()
        counts: dict[str, int] = stats["per_endpoint"]
        if any(counts.get(p, 0) > seen.get(p, 0) for p in LIVE_POWER_PATHS):
            result.fresh_cycles += 1
        seen = dict(counts)
    stats = await device.stats()
    result.hour_requests = int(stats["requests"])
    result.hour_bytes = int(stats["bytes_out"])
    result.hour_sessions = sessions(stats, device.token_auth)
    result.hour_connections = int(stats["connections_opened"])
    result.per_endpoint = dict(stats["per_endpoint"])

    # -- the latency window: the device answers as slowly as the real one
    await device.latency(True)
    try:
        for _ in range(timed):
            await device.advance(interval)
            client.advance(interval)
            began = time.perf_counter()
            try:
                await _timed_update(client)
            except Exception as err:  # noqa: BLE001
                result.errors.append(f"timed update: {_failure(err)}")
                continue
            result.walls_s.append(time.perf_counter() - began)
    finally:
        await device.latency(False)
    return result

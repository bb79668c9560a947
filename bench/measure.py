"""Clients side by side against one simulated device: a simulated hour of 60 s updates, then a few with latencies.

1. start: each client in turn does identity, authentication, probe and its first update (a cold start, not part
   of the hour);
2. the hour: `cycles` rounds; before each the simulated time moves `interval` seconds, then every client updates
   once (the order alternates from round to round), device latencies off. The simulator's counters are read after
   each update, so requests, bytes and sessions are each client's own; CPU time of each update call is measured
   in this process (the simulator runs in its own). Interleaving the clients gives both the same machine load;
   the CPU and wall figures compare like with like on a shared machine;
3. the latency window: `timed` more rounds with the device's latencies on; wall time of each update call.

Sessions per hour = device sessions opened from the start through the hour (a client that keeps its session
opens one); for firmware < 7 a session is a Digest challenge the client had to answer.
"""

from __future__ import annotations

import asyncio
import statistics
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from .clients import Client
from .device import SimDevice

# Endpoints that carry live power: an update that read one of them has fresh power.
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
            "cpu_per_update_s": self.cpu_per_update_s, "cpu_s": self.cpu_s, "wall_median_s": self.wall_median_s,
            "walls_s": self.walls_s, "errors": self.errors, "notes": self.notes,
        }  # fmt: skip


@dataclass(frozen=True, slots=True)
class Delta:
    """What the device saw between two readings of its counters."""

    requests: int
    bytes_out: int
    sessions: int
    connections: int
    per_endpoint: dict[str, int]

    @classmethod
    def between(cls, before: dict[str, Any], after: dict[str, Any], *, token_auth: bool) -> Delta:
        key = "sessions_opened" if token_auth else "digest_challenges"
        paths: dict[str, int] = after["per_endpoint"]
        old: dict[str, int] = before["per_endpoint"]
        return cls(
            requests=int(after["requests"]) - int(before["requests"]),
            bytes_out=int(after["bytes_out"]) - int(before["bytes_out"]),
            sessions=int(after[key]) - int(before[key]),
            connections=int(after["connections_opened"]) - int(before["connections_opened"]),
            per_endpoint={p: n - old.get(p, 0) for p, n in paths.items() if n > old.get(p, 0)},
        )


class Tally:
    """One client's measurement, fed with the device's counters around each of its calls."""

    def __init__(self, client: Client, device: SimDevice) -> None:
        self.client = client
        self.device = device
        self.result = Measurement(client.name, device.spec.name)
        self.started = False

    async def _call(self, what: str) -> tuple[Delta, float, float, bool]:
        """Run start+update or update; (device delta, CPU s, wall s, ok)."""
        before = await self.device.stats()
        cpu0, wall0 = time.process_time(), time.perf_counter()
        ok = True
        try:
            async with asyncio.timeout(UPDATE_TIMEOUT_S * (2 if what == "start" else 1)):
                if what == "start":
                    await self.client.start()
                await self.client.update()
        except Exception as err:  # noqa: BLE001 - a client that fails is a result to report
            self.result.errors.append(f"{what}: {type(err).__name__}: {err}"[:300])
            ok = False
        cpu, wall = time.process_time() - cpu0, time.perf_counter() - wall0
        after = await self.device.stats()
        return Delta.between(before, after, token_auth=self.device.token_auth), cpu, wall, ok

    async def start(self) -> None:
        delta, _, _, ok = await self._call("start")
        self.started = ok
        self.result.setup_requests = delta.requests
        self.result.setup_sessions = delta.sessions

    async def hour_update(self, interval: float) -> None:
        self.client.advance(interval)
        delta, cpu, _, _ = await self._call("update")
        res = self.result
        res.cycles += 1
        res.hour_s += interval
        res.cpu_s.append(cpu)
        res.hour_requests += delta.requests
        res.hour_bytes += delta.bytes_out
        res.hour_sessions += delta.sessions
        res.hour_connections += delta.connections
        for path, n in delta.per_endpoint.items():
            res.per_endpoint[path] = res.per_endpoint.get(path, 0) + n
        if LIVE_POWER_PATHS & set(delta.per_endpoint):
            res.fresh_cycles += 1

    async def timed_update(self, interval: float) -> None:
        self.client.advance(interval)
        _, _, wall, ok = await self._call("timed update")
        if ok:
            self.result.walls_s.append(wall)


async def measure(
    clients: Sequence[Client], device: SimDevice, *, cycles: int, interval: float, timed: int
) -> list[Measurement]:
    """Every client against `device`, interleaved; one Measurement per client, in the order given."""
    tallies = [Tally(client, device) for client in clients]
    await device.latency(False)
    for tally in tallies:
        await tally.start()
    running = [t for t in tallies if t.started]
    for round_ in range(cycles):
        await device.advance(interval)
        for tally in running[:: 1 if round_ % 2 == 0 else -1]:
            await tally.hour_update(interval)
    await device.latency(True)
    try:
        for round_ in range(timed):
            await device.advance(interval)
            for tally in running[:: 1 if round_ % 2 == 0 else -1]:
                await tally.timed_update(interval)
    finally:
        await device.latency(False)
    return [t.result for t in tallies]

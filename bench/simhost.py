"""The simulated device of one benchmark, in its own process (its CPU is not the clients' CPU).

    python -m bench.simhost (--replay CAPTURE | --profile NAME [--inverters N] [--batteries N]) [--donor CAPTURE]

Prints one JSON line when serving: {"url", "serial", "firmware", "token_auth", "token", "latency_source"}.
Then answers one JSON command per stdin line with one JSON line on stdout:
    {"op": "stats"}                      counters since the last reset (+ "digest_challenges": fw < 7 sessions)
    {"op": "reset"}                      counters start over
    {"op": "latency", "on": true}        answer with the device's latencies (own, else borrowed from the donor)
    {"op": "advance", "seconds": 60}     a profile's clock jumps forward (a replay does not move)
    {"op": "quit"}
The process also ends when stdin closes.
"""

from __future__ import annotations

import argparse
import asyncio
import sys
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

import orjson

from iqgateway.simulator.clock import SimClock
from iqgateway.simulator.profiles import make_profile, profile_timezone
from iqgateway.simulator.replay import ReplaySource
from iqgateway.simulator.server import SimulatedEnvoy
from iqgateway.simulator.source import DeviceSource
from iqgateway.simulator.testing import capture_path

from .latency import DONOR, BorrowedLatency, own_latencies


def make_source(args: argparse.Namespace) -> tuple[DeviceSource, SimClock | None, str]:
    """The device, its clock (profiles) and where its latencies come from."""
    if args.replay:
        folder = capture_path(args.replay)
        where = "captured" if own_latencies(folder) else f"borrowed from {args.donor}"
        return ReplaySource(folder), None, where
    tz = profile_timezone(args.profile)
    start = None if args.start is None else datetime.fromtimestamp(args.start, ZoneInfo(tz))
    clock = SimClock(start, speed=1.0, tz=tz)
    source = make_profile(args.profile, inverters=args.inverters, batteries=args.batteries, clock=clock)
    return source, clock, "profile model"


def answer(envoy: SimulatedEnvoy, clock: SimClock | None, command: dict[str, Any]) -> dict[str, Any]:
    op = command.get("op")
    if op == "stats":
        stats = envoy.stats.as_dict()
        # a Digest "session": a challenge for missing or stale credentials (not a 401 the device itself serves)
        stats["digest_challenges"] = 0 if envoy.token_auth else sum(e.auth == "denied" for e in envoy.stats.log)
        return stats
    if op == "reset":
        envoy.stats.reset()
        return {"ok": True}
    if op == "latency":
        envoy.latency = bool(command.get("on"))
        return {"ok": True, "latency": envoy.latency}
    if op == "advance":
        if clock is not None:
            clock.advance(float(command.get("seconds", 0)))
        return {"ok": True, "moved": clock is not None}
    return {"error": f"unknown op {op!r}"}


def emit(payload: dict[str, Any]) -> None:
    sys.stdout.buffer.write(orjson.dumps(payload) + b"\n")
    sys.stdout.buffer.flush()


async def serve(args: argparse.Namespace) -> None:
    inner, clock, where = make_source(args)
    source = BorrowedLatency(inner, capture_path(args.donor))
    async with SimulatedEnvoy(source, latency=False) as envoy:
        emit(
            {
                "url": envoy.url,
                "serial": envoy.source.serial,
                "firmware": envoy.source.firmware,
                "token_auth": envoy.token_auth,
                "token": envoy.mint_token() if envoy.token_auth else None,
                "latency_source": where,
            }
        )
        loop = asyncio.get_running_loop()
        reader = asyncio.StreamReader()
        await loop.connect_read_pipe(lambda: asyncio.StreamReaderProtocol(reader), sys.stdin)
        while line := await reader.readline():
            try:
                command = orjson.loads(line)
            except orjson.JSONDecodeError:
                emit({"error": "not JSON"})
                continue
            if not isinstance(command, dict) or command.get("op") == "quit":
                break
            emit(answer(envoy, clock, command))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    what = parser.add_mutually_exclusive_group(required=True)
    what.add_argument("--replay", help="capture name or folder")
    what.add_argument("--profile", help="synthetic profile name")
    parser.add_argument("--inverters", type=int)
    parser.add_argument("--batteries", type=int)
    parser.add_argument("--start", type=float, help="a profile's clock starts here (epoch seconds; default now)")
    parser.add_argument("--donor", default=DONOR, help=f"capture to borrow latencies from ({DONOR})")
    args = parser.parse_args()
    asyncio.run(serve(args))


if __name__ == "__main__":
    main()

"""`make bench`: iqgateway and pyenphase side by side against the same simulated devices.

For each device (bench/device.py) one simulator process serves the device; pyenphase, then iqgateway, each run
a simulated hour of updates at 60 s power freshness and a few updates with the device's latencies
(bench/measure.py). Then the fleet case (bench/fleet.py): 100 simulated gateways through `iqgateway export`
into mosquitto, its CPU; and the stream case (bench/stream.py): frames/s, connections/h and CPU per frame of
following a meter stream. Prints a table per client and device, the requests per endpoint, the goals, the fleet
line, and as its last line the medians over all devices:

    ratios: requests=<ours/pyenphase> wall=<ours/pyenphase> cpu=<ours/pyenphase> sessions_per_hour=<ours>
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import datetime as dt
import logging
import os
import platform
import sys
import time
from pathlib import Path

import orjson

from .device import DEVICES, DeviceSpec, bench_start, start_device
from .fleet import run_fleet
from .measure import Measurement, measure
from .ours import OursClient
from .pyenphase_runner import PyenphaseClient, pyenphase_version
from .report import DeviceResult, devices_table, endpoint_table, goal_lines, last_line, main_table
from .stream import run_stream


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "--device", action="append", metavar="NAME", help="benchmark only these devices (repeatable; default: all)"
    )
    parser.add_argument("--cycles", type=int, default=60, help="updates in the simulated hour (60)")
    parser.add_argument("--interval", type=float, default=60.0, help="simulated seconds between updates (60)")
    parser.add_argument("--timed", type=int, default=5, help="updates with device latencies on (5)")
    parser.add_argument("--json", type=Path, help="also write every measurement to this JSON file")
    parser.add_argument("--list", action="store_true", help="list the devices and stop")
    parser.add_argument("--fleet", type=int, default=100, metavar="N",
                        help="the fleet case: N simulated gateways through `iqgateway export` (100; 0 = skip)")
    parser.add_argument("--fleet-only", action="store_true", help="run only the fleet case")
    parser.add_argument("--stream", type=float, default=30.0, metavar="S",
                        help="the stream case: S seconds per phase of following /stream/meter (30; 0 = skip)")
    parser.add_argument("--stream-only", action="store_true", help="run only the stream case")
    return parser.parse_args(argv)  # fmt: skip


def pick(names: list[str] | None) -> list[DeviceSpec]:
    if not names:
        return list(DEVICES)
    known = {d.name: d for d in DEVICES}
    missing = [n for n in names if n not in known]
    if missing:
        sys.exit(f"bench: unknown device {', '.join(missing)}; known: {', '.join(known)}")
    return [known[n] for n in names]


async def bench_device(spec: DeviceSpec, args: argparse.Namespace) -> DeviceResult:
    start = bench_start(time.time())
    device = await start_device(spec, start)
    theirs, ours = PyenphaseClient(device), OursClient(device, start)
    try:
        measured = await measure([theirs, ours], device, cycles=args.cycles, interval=args.interval, timed=args.timed)
    finally:
        for client in (theirs, ours):
            with contextlib.suppress(Exception):
                await client.close()
        await device.close()
    return DeviceResult(spec.name, spec.note, device.firmware, device.latency_source, measured[1], measured[0])


async def run(args: argparse.Namespace) -> list[DeviceResult]:
    results = []
    for spec in pick(args.device):
        began = time.monotonic()
        try:
            res = await bench_device(spec, args)
        except Exception as err:  # noqa: BLE001 - one device that cannot run must not hide the others
            why = f"device: {type(err).__name__}: {err}"[:300]
            failed = [Measurement(name, spec.name, errors=[why]) for name in ("iqgateway", "pyenphase")]
            res = DeviceResult(spec.name, spec.note, "-", "-", failed[0], failed[1])
        results.append(res)
        problems = [f"{m.client}: {m.errors[0]}" for m in (res.ours, res.theirs) if m.errors]
        print(
            f"  {spec.name}: {time.monotonic() - began:.0f} s" + (f"  ({'; '.join(problems)})" if problems else ""),
            file=sys.stderr,
            flush=True,
        )
    return results


def main(argv: list[str] | None = None) -> None:
    args = parse_args(argv)
    if args.list:
        for spec in DEVICES:
            print(f"{spec.name}: {spec.note}")
        return
    logging.basicConfig(level=logging.CRITICAL)  # the clients' own logs are not the benchmark's output
    if args.stream_only:
        print("\n".join(run_stream(max(1.0, args.stream))), flush=True)
        return
    if args.fleet_only:
        print(run_fleet(max(1, args.fleet)).line(), flush=True)
        return
    started = time.monotonic()
    print(f"bench: iqgateway vs pyenphase {pyenphase_version()}, {args.cycles} updates every {args.interval:g} s "
          f"(simulated), {args.timed} timed updates with device latencies; Python {platform.python_version()}, "
          f"{os.cpu_count()} CPUs, {dt.datetime.now(dt.UTC):%Y-%m-%d %H:%M} UTC", flush=True)  # fmt: skip
    results = asyncio.run(run(args))
    print()
    print("\n".join(devices_table(results)))
    print()
    print("\n".join(main_table(results)))
    print()
    print("Requests per hour by endpoint:")
    print()
    print("\n".join(endpoint_table(results)))
    print()
    if args.json:
        args.json.write_bytes(orjson.dumps([{
            "device": r.device, "firmware": r.firmware, "latency_source": r.latency_source,
            "iqgateway": r.ours.as_dict(), "pyenphase": r.theirs.as_dict(),
        } for r in results], option=orjson.OPT_INDENT_2))  # fmt: skip
    print("\n".join(goal_lines(results)))
    if args.fleet:
        print(run_fleet(args.fleet).line(), flush=True)
    if args.stream:
        print("\n".join(run_stream(args.stream)), flush=True)
    print(f"bench: {len(results)} devices in {time.monotonic() - started:.0f} s")
    print(last_line(results), flush=True)

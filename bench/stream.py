"""The stream case of `make bench`: MeterStream following a simulated meter stream, its rate, connections and CPU.

    iqgateway simulate --replay tests/captures/7.6.175_with_cts --stream hz=H --stream stalls=on ...

runs in a process of its own; this process follows its /stream/meter for `seconds` per phase, in two phases:
the field's pattern (4 frames, then 4 held for 4 s and sent at once) and a device that closes the stream
every 3 s. Prints one line per phase:

    stream (stalls): 1.00 frames/s for 30 s, 120 connections/h, CPU 0.21 ms per frame, 0 lost, 0 twice
"""

from __future__ import annotations

import asyncio
import re
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

from iqgateway import Gateway

CAPTURE = Path(__file__).resolve().parent.parent / "tests" / "captures" / "7.6.175_with_cts"
URL = re.compile(r"serving (\S+)")
TOKEN = re.compile(r"^Token \(owner, 365 days\): (\S+)")


@dataclass
class StreamResult:
    name: str
    seconds: float
    frames: int = 0
    connections: int = 0
    cpu_s: float = 0.0
    lost: int = 0
    twice: int = 0
    problem: str = ""

    def line(self) -> str:
        if self.problem:
            return f"stream ({self.name}): {self.problem}"
        per_frame = self.cpu_s / self.frames * 1000 if self.frames else 0.0
        return (f"stream ({self.name}): {self.frames / self.seconds:.2f} frames/s for {self.seconds:g} s, "
                f"{self.connections / self.seconds * 3600:.0f} connections/h, CPU {per_frame:.2f} ms per frame, "
                f"{self.lost} lost, {self.twice} twice")


def _start_simulator(settings: list[str]) -> tuple[subprocess.Popen[str], str, str]:
    args = [sys.executable, "-c", "from iqgateway.cli import main; main()", "simulate", "--replay", str(CAPTURE),
            "--port", "0", *[item for s in settings for item in ("--stream", s)]]
    proc = subprocess.Popen(args, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
    url = token = ""
    assert proc.stdout is not None
    deadline = time.monotonic() + 30
    while (not url or not token) and time.monotonic() < deadline:
        line = proc.stdout.readline()
        if not line:
            break
        if found := URL.search(line):
            url = found.group(1)
        if found := TOKEN.search(line):
            token = found.group(1)
    return proc, url, token


async def _follow(url: str, token: str, result: StreamResult, base_p: float) -> None:
    seen: list[int] = []
    async with Gateway(url, token=token) as gateway, gateway.stream() as stream:
        cpu = time.process_time()
        ends = time.monotonic() + result.seconds
        async with asyncio.timeout(result.seconds + 30):
            async for frame in stream:
                if frame.production is not None and frame.production.a is not None and frame.production.a.p_w:
                    seen.append(round(frame.production.a.p_w - base_p - 0.25))
                if time.monotonic() >= ends:
                    break
        result.cpu_s = time.process_time() - cpu
        result.frames = len(seen)
        result.connections = stream.stats.connections
    result.twice = len(seen) - len(set(seen))
    result.lost = (max(seen) - min(seen) + 1 - len(set(seen))) if seen else 0


def run_case(name: str, settings: list[str], seconds: float) -> StreamResult:
    result = StreamResult(name, seconds)
    proc, url, token = _start_simulator(["role=any", "mark=on", *settings])
    try:
        if not url or not token:
            result.problem = "the simulator did not start"
            return result
        import orjson

        readings = orjson.loads((CAPTURE / "ivp_meters_readings").read_bytes())
        base_p = float((readings[0].get("channels") or [readings[0]])[0]["activePower"])
        asyncio.run(_follow(url, token, result, base_p))
    except Exception as err:  # noqa: BLE001 - the bench reports a failed case and goes on
        result.problem = f"{type(err).__name__}: {err}"[:200]
    finally:
        proc.terminate()
        proc.wait(10)
    return result


def run_stream(seconds: float = 30.0) -> list[str]:
    """The two phases' lines: the field's stall-then-burst at 1 Hz, and a device closing the stream every 3 s."""
    return [
        run_case("stalls", ["hz=1", "stalls=on", "stall_hold_s=4"], seconds).line(),
        run_case("closed every 3 s", ["hz=1", "drop_s=3"], seconds).line(),
    ]

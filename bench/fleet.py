"""The fleet case of `make bench`: `iqgateway export` following 100 simulated gateways into a real mosquitto.

    iqgateway simulate --profile legacy --count 100 --port P      (one process, ports P..P+99)
    iqgateway export fleet.toml                                   (interval_s = 15: the load of 400 at 60 s)

After a warm-up (start-up and discovery are not the steady state), for `seconds` the benchmark counts each
gateway's state messages on the broker per cycle and reads the export process's CPU time from /proc. Prints

    fleet: 100 gateways every 15 s for 60 s: 100/100 published every cycle (largest gap 15.4 s),
           export CPU 11.2 % of one core (simulator 25.0 %)

Needs mosquitto and mosquitto_passwd (Debian `mosquitto`); without them it says so and is skipped.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import re
import secrets
import shutil
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import aiomqtt

SERIAL = re.compile(r"^iqgateway/(\d+)/state$")
WARM_UP_S = 20.0


@dataclass
class FleetResult:
    gateways: int
    interval_s: float
    seconds: float
    every_cycle: int
    largest_gap_s: float
    export_cpu_percent: float
    simulator_cpu_percent: float
    problem: str = ""

    def line(self) -> str:
        if self.problem:
            return f"fleet: {self.problem}"
        return (f"fleet: {self.gateways} gateways every {self.interval_s:g} s for {self.seconds:g} s: "
                f"{self.every_cycle}/{self.gateways} published every cycle (largest gap {self.largest_gap_s:.1f} s), "
                f"export CPU {self.export_cpu_percent:.1f} % of one core "
                f"(simulator {self.simulator_cpu_percent:.1f} %)")


def _tool(name: str) -> str | None:
    return shutil.which(name) or next((p for p in (f"/usr/sbin/{name}",) if os.access(p, os.X_OK)), None)


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _listening(port: int) -> bool:
    try:
        socket.create_connection(("127.0.0.1", port), 0.2).close()
        return True
    except OSError:
        return False


def _free_range(count: int) -> int:
    while True:
        base = _free_port()
        if base + count < 65535 and not any(_listening(base + i) for i in range(count)):
            return base


def cpu_seconds(pid: int) -> float:
    """User + system CPU time of a process, all its threads (Linux /proc)."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


@contextlib.contextmanager
def _process(cmd: list[str], log: Path) -> Iterator[subprocess.Popen[bytes]]:
    with open(log, "wb") as out:
        proc = subprocess.Popen(cmd, stdout=out, stderr=subprocess.STDOUT, start_new_session=True)
    try:
        yield proc
    finally:
        if proc.poll() is None:
            proc.terminate()
            try:
                proc.wait(10)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait(5)


async def _count(port: int, user: str, password: str, until: float, seen: dict[str, list[float]]) -> None:
    async with aiomqtt.Client("127.0.0.1", port, username=user, password=password) as client:
        await client.subscribe("iqgateway/+/state")
        with contextlib.suppress(TimeoutError):
            async with asyncio.timeout(max(0.0, until - time.monotonic())):
                async for message in client.messages:
                    if match := SERIAL.match(str(message.topic)):
                        seen.setdefault(match.group(1), []).append(time.monotonic())


def run_fleet(gateways: int = 100, interval_s: float = 15.0, seconds: float = 60.0) -> FleetResult:
    mosquitto, passwd = _tool("mosquitto"), _tool("mosquitto_passwd")
    if mosquitto is None or passwd is None:
        return FleetResult(gateways, interval_s, seconds, 0, 0.0, 0.0, 0.0,
                           "skipped: mosquitto not found (Debian: apt-get install mosquitto)")
    iqgateway = [sys.executable, "-m", "iqgateway.cli"]
    with tempfile.TemporaryDirectory(prefix="bench-fleet-") as tmp:
        scratch = Path(tmp)
        port, user, password = _free_port(), "bench", secrets.token_hex(8)
        subprocess.run([passwd, "-b", "-c", str(scratch / "pw"), user, password], check=True, capture_output=True)
        run_as = "user root\n" if os.geteuid() == 0 else ""
        (scratch / "mosquitto.conf").write_text(f"listener {port} 127.0.0.1\nallow_anonymous false\n"
                                                f"password_file {scratch / 'pw'}\npersistence false\n{run_as}")
        base = _free_range(gateways)
        with _process([mosquitto, "-c", str(scratch / "mosquitto.conf")], scratch / "mosquitto.log"), \
                _process([*iqgateway, "simulate", "--profile", "legacy", "--count", str(gateways), "--port",
                          str(base)], scratch / "simulate.log") as sim:
            deadline = time.monotonic() + 120
            while not (_listening(port) and _listening(base + gateways - 1)):
                if time.monotonic() > deadline or sim.poll() is not None:
                    return FleetResult(gateways, interval_s, seconds, 0, 0.0, 0.0, 0.0,
                                       "the simulator or mosquitto did not start")
                time.sleep(0.5)
            lines = [f"interval_s = {interval_s}", "[mqtt]", f'url = "mqtt://127.0.0.1:{port}"',
                     f'username = "{user}"', f'password = "{password}"']
            for i in range(gateways):
                lines += ["[[gateway]]", f'host = "http://127.0.0.1:{base + i}"', 'username = "installer"']
            (scratch / "fleet.toml").write_text("\n".join(lines) + "\n")
            with _process([*iqgateway, "export", str(scratch / "fleet.toml")], scratch / "export.log") as export:
                time.sleep(WARM_UP_S)
                seen: dict[str, list[float]] = {}
                c0, s0, t0 = cpu_seconds(export.pid), cpu_seconds(sim.pid), time.monotonic()
                asyncio.run(_count(port, user, password, t0 + seconds, seen))
                c1, s1, t1 = cpu_seconds(export.pid), cpu_seconds(sim.pid), time.monotonic()
                if export.poll() is not None:
                    tail = (scratch / "export.log").read_text(errors="replace")[-200:]
                    return FleetResult(gateways, interval_s, seconds, 0, 0.0, 0.0, 0.0, f"export exited: {tail!r}")
    cycles = round(seconds / interval_s)
    every = sum(1 for times in seen.values() if len({int((t - t0) // interval_s) for t in times}) >= cycles)
    gaps = [b - a for times in seen.values() for a, b in zip([t0, *times], [*times, t1], strict=True)]
    wall = t1 - t0
    return FleetResult(gateways, interval_s, seconds, min(every, gateways), max(gaps, default=0.0),
                       100 * (c1 - c0) / wall, 100 * (s1 - s0) / wall)


def main() -> None:
    print(run_fleet().line(), flush=True)


if __name__ == "__main__":
    main()

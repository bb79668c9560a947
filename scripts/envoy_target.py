"""The Envoy `make run` shows: the simulator started as a process, or a real device on the network."""

from __future__ import annotations

import re
import ssl
import subprocess
import sys
import time
import urllib.error
import urllib.request
from dataclasses import dataclass
from pathlib import Path
from typing import IO

from defusedxml import ElementTree

URL_LINE = re.compile(r"serving (https?://\S+)")
TOKEN_LINE = re.compile(r"^Token\b[^:]*:\s*(\S+)\s*$", re.MULTILINE)
READY_LINE = "Admin API:"


class TargetError(Exception):
    """The device could not be started or read."""


@dataclass(frozen=True, slots=True)
class DeviceIdentity:
    serial: str
    firmware: str  # numeric, channel letter dropped

    @property
    def major(self) -> int:
        head = self.firmware.split(".", 1)[0]
        return int(head) if head.isdigit() else 0


@dataclass(frozen=True, slots=True)
class SimulatorProcess:
    process: subprocess.Popen[bytes]
    url: str  # "https://127.0.0.1:8443"
    token: str | None  # minted for firmware >= 7
    log: Path

    @property
    def address(self) -> str:
        return self.url.split("://", 1)[1]


def iqgateway_command() -> list[str]:
    """The `iqgateway` entry point of the running interpreter's environment."""
    script = Path(sys.executable).parent / "iqgateway"
    if script.exists():
        return [str(script)]
    return [sys.executable, "-c", "from iqgateway.cli import main; main()"]


def start_simulator(args: list[str], *, host: str, port: int, log: Path, deadline_s: float = 60.0) -> SimulatorProcess:
    """Start `iqgateway simulate ARGS` and wait for its URL (and token) lines."""
    log.parent.mkdir(parents=True, exist_ok=True)
    command = [*iqgateway_command(), "simulate", *args, "--host", host, "--port", str(port)]
    with log.open("wb") as out:
        process = subprocess.Popen(  # noqa: S603 - our own entry point and arguments
            command, stdout=out, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL, start_new_session=True
        )
    end = time.monotonic() + deadline_s
    while time.monotonic() < end:
        text = log.read_text(encoding="utf-8", errors="replace")
        url = URL_LINE.search(text)
        if url and READY_LINE in text:
            token = TOKEN_LINE.search(text)
            return SimulatorProcess(process, url.group(1), token.group(1) if token else None, log)
        if process.poll() is not None:
            raise TargetError(f"the simulator exited ({process.returncode}): {_tail(text)}")
        time.sleep(0.2)
    stop_process(process, "simulator", 5.0)
    raise TargetError(f"the simulator printed no URL within {deadline_s:.0f} s (see {log})")


def read_identity(base: str, *, timeout_s: float = 15.0) -> DeviceIdentity:
    """Serial and firmware from GET /info (no auth on any firmware). `base` may lack a scheme."""
    candidates = [base] if "://" in base else [f"https://{base}", f"http://{base}"]
    context = ssl.create_default_context()
    context.check_hostname = False
    context.verify_mode = ssl.CERT_NONE  # Envoys (and the simulator) use self-signed certificates
    last = ""
    for url in candidates:
        try:
            with urllib.request.urlopen(f"{url}/info", timeout=timeout_s, context=context) as resp:  # noqa: S310
                body: bytes = resp.read()
            return _parse_info(body, url)
        except (urllib.error.URLError, OSError, TimeoutError) as err:
            last = f"{url}/info: {err}"
    raise TargetError(f"cannot read the device's /info ({last})")


def _parse_info(body: bytes, url: str) -> DeviceIdentity:
    try:
        root = ElementTree.fromstring(body)
    except ElementTree.ParseError as err:
        raise TargetError(f"{url}/info is not XML: {err}") from None
    serial = (root.findtext("device/sn") or "").strip()
    software = (root.findtext("device/software") or "").strip()
    if not serial:
        raise TargetError(f"{url}/info names no serial number")
    firmware = software[1:] if software[:1].isalpha() else software
    return DeviceIdentity(serial, firmware)


def stop_process(process: subprocess.Popen[bytes], name: str, grace_s: float) -> None:
    """SIGTERM, wait up to `grace_s`, then SIGKILL."""
    if process.poll() is not None:
        return
    process.terminate()
    try:
        process.wait(grace_s)
    except subprocess.TimeoutExpired:
        print(f"{name} did not stop within {grace_s:.0f} s: killing it", file=sys.stderr)
        process.kill()
        process.wait()


def _tail(text: str, lines: int = 5) -> str:
    return " | ".join(text.strip().splitlines()[-lines:])


def open_log(path: Path) -> IO[bytes]:
    path.parent.mkdir(parents=True, exist_ok=True)
    return path.open("ab")

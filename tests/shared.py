"""The test captures (real devices' answers, tests/captures/README.md), the references, helpers that read them."""

from __future__ import annotations

import re
import socket
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
CAPTURES = REPO / "tests" / "captures"
# What other software reads from the captures (tests/references/README.md).
REFERENCES = REPO / "tests" / "references"
REFS_PYENPHASE = REFERENCES / "pyenphase-4.2.0"
REFS_HA_CORE = REFERENCES / "ha-core-2025.4.4"


def capture_names() -> list[str]:
    """Every capture folder (one real device each), sorted."""
    return sorted(p.name for p in CAPTURES.iterdir() if (p / "info").is_file())


def capture_info(capture: str | Path) -> str:
    """A capture's /info answer; `capture` is a capture name or its folder."""
    folder = capture if isinstance(capture, Path) else CAPTURES / capture
    return (folder / "info").read_text()


def capture_serial(capture: str | Path) -> str:
    """The serial number in a capture's /info answer."""
    found = re.search(r"<sn>([^<]+)</sn>", capture_info(capture))
    assert found is not None, f"no serial in {capture}/info"
    return found.group(1)


def capture_version(capture: str | Path) -> str:
    """The firmware version in a capture's /info answer, channel letter removed ("D7.6.175" -> "7.6.175")."""
    found = re.search(r"<software>[A-Za-z]?([^<]+)</software>", capture_info(capture))
    assert found is not None, f"no firmware in {capture}/info"
    return found.group(1)


def capture_firmware(capture: str | Path) -> tuple[int, ...]:
    """The firmware version in a capture's /info answer as numbers ("D7.6.175" -> (7, 6, 175))."""
    return tuple(int(part) for part in capture_version(capture).split(".") if part)


def free_port() -> int:
    """A loopback port nothing listens on (bound and released)."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
    return port


def accepts_rebuilt_daily(device: float | None, lifetime: float | None, got: float | None) -> bool:
    """Where a reference's daily or 7-day figure is at least half its lifetime counter (not a daily figure),
    ours may be null or a rebuilt, smaller one (up to 0.5 % over for rounding); anywhere else it must match."""
    if device is None or lifetime is None or lifetime <= 0 or device < lifetime / 2:
        return False
    return got is None or 0 <= got <= device * 1.005

"""Device latencies for replays that recorded none: borrowed per endpoint from a donor capture.

A request's latency is the device's own (the capture's `duration_seconds`, a profile's model) where it has one;
else the donor capture's latency for the same request; else the donor's median (a 404 still costs the device
time). The same rule as the HA device-load check's observed replay.
"""

from __future__ import annotations

import statistics
from pathlib import Path
from typing import Any

from iqgateway.simulator.replay import ReplaySource
from iqgateway.simulator.source import DeviceSource, Reply

DONOR = "8.3.5169_with_generator"


class BorrowedLatency:
    """A DeviceSource that answers like `inner`, with the donor's latency where `inner` has none."""

    def __init__(self, inner: DeviceSource, donor_dir: Path) -> None:
        self.inner = inner
        self._donor = ReplaySource(donor_dir)
        seconds = [
            self._donor.lookup(path, "").latency_s
            for path in self._donor.json_paths()
            if self._donor.lookup(path, "").latency_s > 0
        ]
        self.donor_median = statistics.median(seconds) if seconds else 0.0
        self.borrowed = 0  # answers that got the donor's latency

    @property
    def serial(self) -> str:
        return self.inner.serial

    @property
    def firmware(self) -> str:
        return self.inner.firmware

    def respond(self, method: str, path: str, query: str, body: bytes) -> Reply:
        reply = self.inner.respond(method, path, query, body)
        if reply.latency_s > 0:
            return reply
        seconds = self._donor.lookup(path, query).latency_s or self.donor_median
        self.borrowed += 1
        return Reply(reply.status, reply.body, reply.content_type, reply.headers, seconds)

    def __getattr__(self, name: str) -> Any:
        # optional hooks (clock, reboot, upgrade_firmware...) stay the inner source's
        return getattr(self.inner, name)


def own_latencies(capture_dir: Path) -> bool:
    """Did this capture record real latencies (any `duration_seconds`)?"""
    return any(_logged_seconds(log) > 0 for log in capture_dir.glob("*_log.json"))


def _logged_seconds(log: Path) -> float:
    import orjson

    try:
        meta = orjson.loads(log.read_bytes())
    except (OSError, orjson.JSONDecodeError):
        return 0.0
    value = meta.get("duration_seconds") if isinstance(meta, dict) else None
    return float(value) if isinstance(value, int | float) and not isinstance(value, bool) else 0.0

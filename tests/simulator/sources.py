"""Device sources wrapping the simulator's own, for tests that need a device behaviour it does not have."""

from __future__ import annotations

import json
from typing import Any

from iqgateway.simulator.profiles import ProfileSource
from iqgateway.simulator.source import Reply


class NetCounterReset:
    """The profile, whose net-consumption lifetime counters (total and per line) restart at 0 when asked
    (`reset()`: the next /production.json answer reads 0, and the counters move on from there)."""

    def __init__(self, inner: ProfileSource) -> None:
        self.inner = inner
        self._reset_requested = False
        self._offsets: list[float] = []

    @property
    def serial(self) -> str:
        return self.inner.serial

    @property
    def firmware(self) -> str:
        return self.inner.firmware

    def __getattr__(self, name: str) -> Any:
        return getattr(self.inner, name)

    def reset(self) -> None:
        self._reset_requested = True

    def respond(self, method: str, path: str, query: str, body: bytes) -> Reply:
        reply = self.inner.respond(method, path, query, body)
        if path != "/production.json" or reply.status != 200:
            return reply
        doc = json.loads(reply.body)
        net = next(e for e in doc["consumption"] if e["measurementType"] == "net-consumption")
        entries = [net, *net.get("lines", [])]
        if self._reset_requested:
            self._offsets, self._reset_requested = [float(e["whLifetime"]) for e in entries], False
        for entry, offset in zip(entries, self._offsets, strict=False):
            entry["whLifetime"] = round(entry["whLifetime"] - offset, 3)
        return Reply(reply.status, json.dumps(doc).encode(), reply.content_type, reply.headers, reply.latency_s)

"""What the simulator's HTTP server asks of a simulated device.

A source answers one request at a time: a replayed capture (replay.py) or a synthetic
profile whose values move with simulated time (profiles.py, physics.py). The server
(server.py) owns everything around it: TLS, auth, cookies, faults, accounting, latency.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Protocol

JSON_TYPE = "application/json"
NOT_FOUND_BODY = b'{"error":"404 - Not Found"}'


@dataclass(frozen=True, slots=True)
class Reply:
    """One answer of the simulated device, before faults and auth are applied."""

    status: int
    body: bytes
    content_type: str = JSON_TYPE
    headers: Mapping[str, str] = field(default_factory=dict)
    latency_s: float = 0.0  # the real device's latency for this request, where known


NOT_FOUND = Reply(404, NOT_FOUND_BODY)


class DeviceSource(Protocol):
    """A simulated device's data: identity and the answer to each request."""

    @property
    def serial(self) -> str: ...

    @property
    def firmware(self) -> str:
        """Numeric firmware version, e.g. "8.3.5169" (decides the auth family)."""

    def respond(self, method: str, path: str, query: str, body: bytes) -> Reply:
        """The answer to one authorised request; NOT_FOUND for an unknown path."""

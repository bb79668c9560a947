"""What the simulated device was asked: a request log and counters (for tests, benchmarks and the admin API)."""

from __future__ import annotations

import time
from collections import Counter, deque
from dataclasses import asdict, dataclass
from typing import Any

LOG_LIMIT = 20_000


@dataclass(frozen=True, slots=True)
class RequestRecord:
    """One request the device received (admin API requests are not recorded)."""

    time: float  # epoch seconds when the request arrived
    method: str
    path: str  # with the query, as sent
    status: int | None  # None: no answer (hang, connection reset)
    bytes_out: int  # body bytes sent
    duration_s: float
    fault: str | None  # label of the fault that shaped the answer
    auth: str  # "open", "none", "digest", "bearer", "cookie", "denied", "unchecked" (answered before auth)
    session_opened: bool  # this request opened a device session


class Accounting:
    """Counters of one simulated device; `reset()` starts them over."""

    def __init__(self) -> None:
        self.reset()

    def reset(self) -> None:
        """Start every counter and the log over."""
        self.log: deque[RequestRecord] = deque(maxlen=LOG_LIMIT)
        self.per_endpoint: Counter[str] = Counter()  # request path without query -> requests
        self.per_status: Counter[int] = Counter()
        self.requests = 0
        self.bytes_out = 0
        self.sessions_opened = 0
        self.connections_opened = 0
        self.faults_applied = 0

    def record(self, entry: RequestRecord) -> None:
        self.log.append(entry)
        self.requests += 1
        self.per_endpoint[entry.path.partition("?")[0]] += 1
        if entry.status is not None:
            self.per_status[entry.status] += 1
        self.bytes_out += entry.bytes_out
        self.sessions_opened += entry.session_opened
        self.faults_applied += entry.fault is not None

    def connection_opened(self) -> None:
        self.connections_opened += 1

    def count(self, path: str) -> int:
        """Requests received for `path` (without query)."""
        return self.per_endpoint[path]

    def as_dict(self, *, with_log: bool = False) -> dict[str, Any]:
        """A JSON-ready summary (the admin API's GET /__simulator__/stats)."""
        summary: dict[str, Any] = {
            "requests": self.requests,
            "bytes_out": self.bytes_out,
            "sessions_opened": self.sessions_opened,
            "connections_opened": self.connections_opened,
            "faults_applied": self.faults_applied,
            "per_endpoint": dict(sorted(self.per_endpoint.items())),
            "per_status": {str(code): n for code, n in sorted(self.per_status.items())},
            "now": time.time(),
        }
        if with_log:
            summary["log"] = [asdict(entry) for entry in self.log]
        return summary

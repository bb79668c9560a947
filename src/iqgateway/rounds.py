"""One probe or update round: its time budget, the endpoint in flight, the failures so far."""

from __future__ import annotations

import time

from .answer import Answer
from .errors import CommunicationError, DeviceTimeout, DeviceUnavailable, IQGatewayError
from .transport import timeout_for

# A round that has seen this many failed endpoints and no answer at all stops: the device as a
# whole is not answering.
DEVICE_DOWN_AFTER = 3
# After this many endpoints in a row failed, the rest of the round gets no retries.
NO_RETRY_AFTER = 2
# Left free at the end of the budget, so the last request ends before the round does.
MARGIN_S = 0.5


class Round:
    """Bookkeeping of one probe or update: time left, failures, whether the device is down."""

    def __init__(self, budget_s: float, *, retries: bool = True) -> None:
        self.budget_s = budget_s
        self.retries = retries
        self.ends = time.monotonic() + budget_s
        self.answered = 0
        self.failures: list[str] = []
        self.in_a_row = 0
        self.in_flight: str | None = None

    @property
    def hard_limit_s(self) -> float:
        """Seconds after which the whole round is cut short (the budget and its margins)."""
        return self.budget_s + 2 * MARGIN_S

    def remaining(self) -> float:
        return self.ends - time.monotonic()

    def attempts(self) -> int | None:
        """Tries a request of this round may make (None: the transport's default)."""
        return 1 if self.in_a_row >= NO_RETRY_AFTER or not self.retries else None

    def timeout(self, path: str, default: float) -> float:
        return max(0.5, min(timeout_for(path, default), self.remaining() - MARGIN_S))

    def note(self, answer: Answer) -> None:
        if isinstance(answer.error, CommunicationError):
            self.failures.append(f"{answer.path} ({_short(answer.error)})")
            self.in_a_row += 1
        else:
            self.answered += 1
            self.in_a_row = 0

    def device_down(self) -> bool:
        return self.answered == 0 and len(self.failures) >= DEVICE_DOWN_AFTER


def _short(err: IQGatewayError) -> str:
    if isinstance(err, DeviceTimeout):
        return "timeout"
    if isinstance(err, DeviceUnavailable):
        return "503"
    return err.message.split(" (", 1)[0]

"""One endpoint's answer as the transport got it: the hand-over between fetching and parsing."""

from __future__ import annotations

from dataclasses import dataclass

from .errors import IQGatewayError


@dataclass(frozen=True, slots=True)
class Answer:
    """What one request to the device gave.

    `error` is set when there was no usable HTTP answer (timeout, reset, auth failure, retries
    spent); then `status` is 0 and `body` is empty. A 404/401 on an optional endpoint is an
    answer with that status, not an error: the parsers decide what it means.
    """

    path: str  # request path with its query, e.g. "/production.json?details=1"
    status: int
    body: bytes
    content_type: str
    fetched_at: float  # epoch seconds
    error: IQGatewayError | None = None

    @property
    def ok(self) -> bool:
        return self.error is None and 200 <= self.status < 300

"""Simulated local time: runs `speed` times faster than real time and can be jumped forward."""

from __future__ import annotations

import time
from datetime import UTC, datetime, timedelta, tzinfo
from zoneinfo import ZoneInfo


class SimClock:
    """The simulated device's wall clock.

    `speed=0` freezes it: only `advance()` moves it (deterministic tests and soaks).
    """

    def __init__(self, start: datetime | None = None, speed: float = 1.0, tz: str | tzinfo = "UTC") -> None:
        if speed < 0:
            raise ValueError("speed must be >= 0")
        self._tz: tzinfo = ZoneInfo(tz) if isinstance(tz, str) else tz
        if start is None:
            start = datetime.now(UTC)
        elif start.tzinfo is None:
            start = start.replace(tzinfo=self._tz)
        self._start_ts = start.timestamp()
        self._speed = speed
        self._real_t0 = time.monotonic()
        self._jumped = 0.0

    @property
    def tz(self) -> tzinfo:
        return self._tz

    @property
    def speed(self) -> float:
        return self._speed

    def timestamp(self) -> float:
        """Simulated epoch seconds."""
        return self._start_ts + (time.monotonic() - self._real_t0) * self._speed + self._jumped

    def now(self) -> datetime:
        """Simulated local time (timezone-aware)."""
        return datetime.fromtimestamp(self.timestamp(), self._tz)

    def advance(self, seconds: float) -> None:
        """Jump forward by `seconds` of simulated time."""
        if seconds < 0:
            raise ValueError("a clock only moves forward")
        self._jumped += seconds

    def local(self, ts: float) -> datetime:
        """An epoch timestamp as local time of this clock's zone."""
        return datetime.fromtimestamp(ts, self._tz)

    def midnight_before(self, ts: float) -> float:
        """Epoch seconds of the local midnight that starts the day containing `ts`."""
        day = self.local(ts).date()
        naive = datetime(day.year, day.month, day.day)
        return naive.replace(tzinfo=self._tz).timestamp()

    def next_midnight(self, ts: float) -> float:
        """Epoch seconds of the first local midnight strictly after `ts`."""
        day = self.local(ts).date() + timedelta(days=1)
        return datetime(day.year, day.month, day.day).replace(tzinfo=self._tz).timestamp()

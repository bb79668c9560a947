"""What a MeterStream has done so far, for diagnostics: its state, frames, rate, gaps, reconnects."""

from __future__ import annotations

from collections import deque
from dataclasses import dataclass, field
from typing import Any

# Frames further apart than this count as a gap (the device sends one a second).
GAP_S = 2.5
RATE_WINDOW = 30


@dataclass(slots=True)
class StreamStats:
    """Counters of one stream. `state`: idle, connecting, streaming, backoff, fallback, refused, unavailable,
    failed or closed."""

    state: str = "idle"
    frames: int = 0
    connections: int = 0
    reconnects: int = 0
    stalls: int = 0
    gaps: int = 0
    bad_frames: int = 0
    last_error: str | None = None
    fallback_reason: str | None = None
    last_frame_monotonic: float | None = None
    _recent: deque[float] = field(default_factory=lambda: deque(maxlen=RATE_WINDOW))

    def note_frame(self, now: float) -> None:
        """One frame arrived at monotonic second `now`."""
        if self.last_frame_monotonic is not None and now - self.last_frame_monotonic > GAP_S:
            self.gaps += 1
        self.frames += 1
        self.last_frame_monotonic = now
        self._recent.append(now)

    def frames_per_s(self, now: float) -> float:
        """Frames a second over the recent window up to monotonic `now` (0 without two frames)."""
        if len(self._recent) < 2:
            return 0.0
        span = max(now, self._recent[-1]) - self._recent[0]
        return round((len(self._recent) - 1) / span, 2) if span > 0 else 0.0

    def as_dict(self, now: float) -> dict[str, Any]:
        """The counters as plain values (diagnostics)."""
        age = None if self.last_frame_monotonic is None else round(now - self.last_frame_monotonic, 1)
        return {
            "state": self.state, "frames": self.frames, "frames_per_s": self.frames_per_s(now),
            "connections": self.connections, "reconnects": self.reconnects, "stalls": self.stalls,
            "gaps": self.gaps, "bad_frames": self.bad_frames, "last_frame_age_s": age,
            "last_error": self.last_error, "fallback_reason": self.fallback_reason,
        }

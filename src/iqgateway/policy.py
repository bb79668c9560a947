"""Device-load policy: when the Gateway leaves the device alone, and how it learns where the device struggles.

Envoys stall under load in known ways: they freeze when polled around 23:00 (their nightly housekeeping),
some endpoints hang at the same minutes of every hour (`/ivp/pdm/device_data` on 8.3.5167), and slow
endpoints take 30-55 s on some units. `LoadPolicy` says what to do about it (frozen, from options);
`LoadGovernor` is one Gateway's memory of how each endpoint answers:

- **quiet window**: no requests from `quiet_start` to `quiet_end` device-local time (an update in it
  hands back the last snapshot, aged); the first read of a Gateway is never held back, and without the
  site's time zone (Gateway(tz=...)) there is no window;
- **latency back-off**: an endpoint slower than `slow_s`, or failing on a timeout, has its interval
  doubled, up to `max_stretch` times; `restore_after` good answers in a row halve the stretch again.
  Endpoints read on every update (live power, the production source) are not stretched: they are what
  the caller polls for, at the caller's pace;
- **hourly hang**: an answer slower than `hang_s` (or a timeout) at the same minute of the hour in
  `learn_after` different hours makes that minute (and `avoid_margin_min` either side) one the endpoint
  is no longer read at.
"""

from __future__ import annotations

import math
from collections import deque
from collections.abc import Mapping
from dataclasses import asdict, dataclass, field, replace
from datetime import datetime, time, tzinfo
from typing import Any

LATENCY_SAMPLES = 100
HOUR_S = 3600.0


@dataclass(frozen=True, slots=True)
class LoadPolicy:
    """How the Gateway spares the device (see the module docs). All times device-local."""

    quiet: bool = True
    quiet_start: time = time(22, 58)
    quiet_end: time = time(23, 6)
    slow_s: float = 10.0
    hang_s: float = 25.0
    max_stretch: int = 8
    restore_after: int = 3
    learn_after: int = 2
    avoid_margin_min: int = 1

    def __post_init__(self) -> None:
        if not (self.slow_s > 0 and self.hang_s > 0):
            raise ValueError("slow_s and hang_s must be positive")
        if self.max_stretch < 1 or self.restore_after < 1 or self.learn_after < 1 or self.avoid_margin_min < 0:
            raise ValueError("max_stretch, restore_after and learn_after must be at least 1, the margin >= 0")

    def as_dict(self) -> dict[str, Any]:
        out = asdict(self)
        out["quiet_start"] = self.quiet_start.strftime("%H:%M")
        out["quiet_end"] = self.quiet_end.strftime("%H:%M")
        return out

    def with_options(self, options: Mapping[str, Any]) -> LoadPolicy:
        """A copy with the given fields changed ("22:58" for the window's ends); ValueError naming a bad one."""
        changes: dict[str, Any] = {}
        for name, value in options.items():
            if name not in self.__dataclass_fields__:
                raise ValueError(f"unknown load policy option {name!r}")
            current = getattr(self, name)
            try:
                if isinstance(current, time):
                    changes[name] = value if isinstance(value, time) else time.fromisoformat(str(value))
                elif isinstance(current, bool):
                    if not isinstance(value, bool):
                        raise ValueError("not true or false")
                    changes[name] = value
                elif isinstance(current, int):
                    changes[name] = int(value)
                else:
                    changes[name] = float(value)
            except (TypeError, ValueError) as err:
                raise ValueError(f"load policy option {name}: {value!r} is not usable ({err})") from None
        return replace(self, **changes)


def in_window(moment: time, start: time, end: time) -> bool:
    """`moment` within [start, end) of a day (a window may run past midnight)."""
    if start <= end:
        return start <= moment < end
    return moment >= start or moment < end


@dataclass(slots=True)
class _Endpoint:
    latencies: deque[float] = field(default_factory=lambda: deque(maxlen=LATENCY_SAMPLES))
    failures: deque[float] = field(default_factory=deque)  # wall times of failures in the last hour
    stretch: int = 1
    good_in_a_row: int = 0
    hangs: dict[int, set[int]] = field(default_factory=dict)  # minute of hour -> hours (epoch // 3600) seen

    def p95(self) -> float | None:
        if not self.latencies:
            return None
        ordered = sorted(self.latencies)
        return ordered[max(0, math.ceil(0.95 * len(ordered)) - 1)]


class LoadGovernor:
    """One Gateway's view of its device's load (mutable; not shared)."""

    def __init__(self, policy: LoadPolicy | None = None, tz: tzinfo | None = None) -> None:
        self.policy = policy or LoadPolicy()
        self.tz = tz
        self._endpoints: dict[str, _Endpoint] = {}

    def _local(self, at: float) -> datetime:
        return datetime.fromtimestamp(at, self.tz)

    def quiet(self, at: float) -> bool:
        """`at` is inside the quiet window (only with the site's time zone: the window is device-local)."""
        policy = self.policy
        return (policy.quiet and self.tz is not None
                and in_window(self._local(at).time(), policy.quiet_start, policy.quiet_end))

    def note(self, path: str, at: float, latency_s: float, *, failed: bool, timed_out: bool) -> None:
        """One request to `path` started at wall time `at` and took `latency_s` (failed / timed out)."""
        policy = self.policy
        entry = self._endpoints.setdefault(path, _Endpoint())
        entry.latencies.append(latency_s)
        if failed:
            entry.failures.append(at)
        while entry.failures and entry.failures[0] <= at - HOUR_S:
            entry.failures.popleft()
        if timed_out or latency_s >= policy.hang_s:
            local = self._local(at)
            entry.hangs.setdefault(local.minute, set()).add(int(at // HOUR_S))
        if timed_out or latency_s >= policy.slow_s:
            entry.stretch = min(entry.stretch * 2, policy.max_stretch)
            entry.good_in_a_row = 0
        elif not failed:
            entry.good_in_a_row += 1
            if entry.stretch > 1 and entry.good_in_a_row >= policy.restore_after:
                entry.stretch = max(1, entry.stretch // 2)
                entry.good_in_a_row = 0

    def stretch(self, path: str) -> int:
        entry = self._endpoints.get(path)
        return entry.stretch if entry is not None else 1

    def stretched(self, path: str, interval: float) -> float:
        """The interval `path` waits now: `interval` times its stretch (an every-update endpoint stays one)."""
        return interval * self.stretch(path)

    def hang_minutes(self, path: str) -> tuple[int, ...]:
        """The minutes of the hour learned as ones `path` hangs at."""
        entry = self._endpoints.get(path)
        if entry is None:
            return ()
        return tuple(sorted(m for m, hours in entry.hangs.items() if len(hours) >= self.policy.learn_after))

    def avoid(self, path: str, at: float) -> bool:
        """`at` falls on (or next to) a minute `path` was learned to hang at."""
        learned = self.hang_minutes(path)
        if not learned:
            return False
        minute, margin = self._local(at).minute, self.policy.avoid_margin_min
        return any(min((minute - m) % 60, (m - minute) % 60) <= margin for m in learned)

    def failures_per_hour(self, path: str, now: float) -> int:
        entry = self._endpoints.get(path)
        return 0 if entry is None else sum(1 for t in entry.failures if t > now - HOUR_S)

    def endpoint(self, path: str, now: float) -> dict[str, Any]:
        """One endpoint's figures: last and p95 latency, failures in the last hour, stretch, hang minutes."""
        entry = self._endpoints.get(path)
        if entry is None:
            return {"latency_last_s": None, "latency_p95_s": None, "failures_per_hour": 0, "stretch": 1,
                    "hang_minutes": []}
        return {
            "latency_last_s": entry.latencies[-1] if entry.latencies else None,
            "latency_p95_s": entry.p95(),
            "failures_per_hour": self.failures_per_hour(path, now),
            "stretch": entry.stretch,
            "hang_minutes": list(self.hang_minutes(path)),
        }

    def as_dict(self, now: float) -> dict[str, Any]:
        return {
            "policy": self.policy.as_dict(),
            "quiet_now": self.quiet(now),
            "endpoints": {path: self.endpoint(path, now) for path in sorted(self._endpoints)},
        }

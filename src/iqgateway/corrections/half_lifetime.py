"""The one rule for a device's daily or 7-day figure read beside its lifetime counter.

A day's (or a week's) energy is at most the counter's rise over that time. A figure of half the lifetime
counter or more would need a counter at least twice its size: it is not a daily figure (8.3.5433 reports
`whToday` = `whLifetime`). The snapshot's corrections drop such figures; DailyEnergy never seeds from them.
"""

from __future__ import annotations


def at_least_half_lifetime(figure: float, lifetime: float) -> bool:
    """`figure` is half of a positive `lifetime` counter or more (so cannot be a daily or 7-day figure)."""
    return lifetime > 0 and figure >= 0.5 * lifetime

"""Seeded hashing: every random-looking quantity is a pure function of integers (no shared RNG)."""

from __future__ import annotations

import math

_MASK = (1 << 64) - 1


def _mix(*parts: int) -> int:
    x = 0x9E3779B97F4A7C15
    for part in parts:
        x = ((x ^ (part & _MASK)) * 0xBF58476D1CE4E5B9) & _MASK
        x ^= x >> 31
        x = (x * 0x94D049BB133111EB) & _MASK
        x ^= x >> 29
    return x


def unit_noise(*parts: int) -> float:
    """A deterministic number in [0, 1) for the given integers."""
    return _mix(*parts) / 18446744073709551616.0


def smooth_noise(seed: int, channel: int, t: float, period: float) -> float:
    """Smoothly varying deterministic noise in [0, 1) with knots every `period` seconds."""
    k = math.floor(t / period)
    frac = t / period - k
    a = unit_noise(seed, channel, k)
    b = unit_noise(seed, channel, k + 1)
    w = frac * frac * (3 - 2 * frac)
    return a + (b - a) * w

"""The grid's voltage and frequency at the point of connection: nominal values with a slow wobble."""

from __future__ import annotations

from typing import TYPE_CHECKING

from .noise import smooth_noise

if TYPE_CHECKING:
    from .config import HouseConfig


def voltage(config: HouseConfig, phase: int, t: float) -> float:
    """RMS volts of one phase (line to neutral) at time t."""
    wobble = smooth_noise(config.seed, 51 + phase, t, 600.0) - 0.5
    return config.volts_per_phase * (1.02 + 0.03 * wobble)


def frequency(config: HouseConfig, t: float) -> float:
    return config.frequency + 0.04 * (smooth_noise(config.seed, 55, t, 120.0) - 0.5)

"""The household's demand: a base load, a fridge cycle, morning and evening peaks and random appliance bursts."""

from __future__ import annotations

import math
from typing import TYPE_CHECKING

from .config import STEP_S, phase_weights
from .noise import smooth_noise, unit_noise

if TYPE_CHECKING:
    from .config import HouseConfig
    from .sky import LocalDays


def house_load(config: HouseConfig, days: LocalDays, t: float) -> tuple[float, tuple[float, float, float]]:
    """House demand (W) at time t, in total and per phase."""
    seed = config.seed
    secs, _ = days.info(t)
    hour = secs / 3600.0
    base = config.base_load_w * (0.9 + 0.2 * smooth_noise(seed, 21, t, 3600.0))
    fridge = 110.0 if (t // 60) % 40 < 14 else 0.0
    morning = 700.0 * math.exp(-(((hour - 7.3) / 0.8) ** 2))
    evening = 1400.0 * math.exp(-(((hour - 19.0) / 1.6) ** 2))
    awake = 250.0 if 6.5 <= hour <= 23.0 else 0.0
    slot = int(t // 900)
    burst = 0.0
    burst_phase = 0
    chance = 0.08 if hour < 6 else 0.3
    if unit_noise(seed, 22, slot) < chance:
        begin = unit_noise(seed, 23, slot) * 600.0
        length = 120.0 + unit_noise(seed, 24, slot) * 780.0
        into = t - slot * 900
        if begin <= into < begin + length:
            burst = 1200.0 + 2200.0 * unit_noise(seed, 25, slot)
            burst_phase = int(unit_noise(seed, 26, slot) * 3)
    jitter = 0.95 + 0.1 * unit_noise(seed, 27, int(t // STEP_S))
    spread = (base + fridge + morning + evening + awake) * jitter
    w = phase_weights(config.phases)
    per = [spread * w[0], spread * w[1], spread * w[2]]
    if burst:
        if config.phases == 1:
            per[0] += burst
        elif config.phases == 2:
            per[0] += burst / 2
            per[1] += burst / 2
        else:
            per[burst_phase] += burst
    total = per[0] + per[1] + per[2]
    return total, (per[0], per[1], per[2])

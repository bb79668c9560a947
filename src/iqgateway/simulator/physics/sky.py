"""The sun over the site: local days (declination, daylight saving) and the DC power clouds let through."""

from __future__ import annotations

import math
from typing import TYPE_CHECKING

from .config import INVERTER_EFFICIENCY, STEP_S
from .noise import smooth_noise, unit_noise

if TYPE_CHECKING:
    from ..clock import SimClock
    from .config import HouseConfig


class LocalDays:
    """The local day a time falls in, computed once per day."""

    def __init__(self, clock: SimClock) -> None:
        self.clock = clock
        self._day: tuple[float, float, float] = (0.0, 0.0, 0.0)
        self.dst_s = 0.0  # daylight-saving offset of the day last looked up

    def info(self, t: float) -> tuple[float, float]:
        """(seconds since local midnight, solar declination) for t."""
        start, end, decl = self._day
        if not start <= t < end:
            local = self.clock.local(t)
            start = self.clock.midnight_before(t)
            end = self.clock.next_midnight(t)
            doy = local.timetuple().tm_yday
            decl = math.radians(23.44) * math.sin(2 * math.pi * (284 + doy) / 365)
            dst = local.dst()
            self.dst_s = dst.total_seconds() if dst is not None else 0.0
            self._day = (start, end, decl)
        return t - start, decl

    def hour(self, t: float) -> float:
        """Local hour of the day (0..24) at t."""
        secs, _ = self.info(t)
        return secs / 3600.0


def sun(config: HouseConfig, days: LocalDays, t: float) -> float:
    """Available DC watts per unit of inverter factor at time t (clear sky x clouds)."""
    secs, decl = days.info(t)
    solar_hour = (secs - days.dst_s) / 3600.0
    lat = math.radians(config.latitude)
    hour_angle = math.radians(15.0 * (solar_hour - 12.0))
    sin_alt = math.sin(lat) * math.sin(decl) + math.cos(lat) * math.cos(decl) * math.cos(hour_angle)
    if sin_alt <= 0.0:
        return 0.0
    clear = 1.05 * math.pow(sin_alt, 0.75) * (1.0 - 0.12 * (1.0 - sin_alt))
    seed = config.seed
    day = int(t // 86400)
    cloudiness = unit_noise(seed, 11, day) ** 2 * 0.8
    passing = smooth_noise(seed, 12, t, 1200.0)
    shade = 1.0 - cloudiness * (0.4 + 0.6 * passing)
    flicker = 0.97 + 0.03 * unit_noise(seed, 13, int(t // STEP_S))
    heat_loss = 1.0 - 0.08 * clear * shade  # hot cells at full sun lose a little
    return config.panel_w * INVERTER_EFFICIENCY * clear * shade * flicker * heat_loss

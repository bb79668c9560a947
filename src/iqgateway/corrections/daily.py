"""Daily and 7-day figures no lifetime counter could have made (seen on 8.3.5433: `whToday` = `whLifetime`).

A day's energy is at most the lifetime counter's increase since midnight, a week's at most its increase over
seven days. One read cannot see those increases, but it can see a figure that would need a counter at least
twice its size: today or the 7-day figure at half the lifetime counter or more (which includes a figure
above the counter). Such a figure is a glitch; the snapshot says null instead.
"""

from __future__ import annotations

import dataclasses

from ..models import EnergyReading
from .half_lifetime import at_least_half_lifetime
from .record import Correction, CorrectionKind

_FIGURES = ("wh_today", "wh_last_seven_days")


def implausible(figure: float | None, lifetime: float | None) -> bool:
    return figure is not None and lifetime is not None and at_least_half_lifetime(figure, lifetime)


def plausible_daily(reading: EnergyReading | None, path: str) -> tuple[EnergyReading | None, list[Correction]]:
    """`reading` with implausible today / 7-day figures set to None (aggregate and each phase on its own)."""
    if reading is None:
        return None, []
    found: list[Correction] = []
    changes: dict[str, object] = {}
    for name in _FIGURES:
        figure = getattr(reading, name)
        if implausible(figure, reading.wh_lifetime):
            changes[name] = None
            found.append(Correction(
                kind=CorrectionKind.IMPLAUSIBLE_DAILY, path=f"{path}.{name}", raw=figure, corrected=None,
                reason=f"{figure} Wh is at least half the lifetime counter ({reading.wh_lifetime} Wh)"))
    if reading.phases:
        phases: dict[str, EnergyReading] = {}
        for phase_name, phase in reading.phases.items():
            fixed, more = plausible_daily(phase, f"{path}.phases.{phase_name}")
            phases[phase_name] = fixed if fixed is not None else phase
            found += more
        if found:
            changes["phases"] = phases
    return (dataclasses.replace(reading, **changes) if changes else reading), found  # type: ignore[arg-type]

"""The batteries: state of charge, what each may charge or discharge in a step, and their lifetime counters."""

from __future__ import annotations

from typing import TYPE_CHECKING

from .config import CHARGE_EFFICIENCY, DISCHARGE_EFFICIENCY, STEP_S
from .noise import smooth_noise
from .readings import BatteryState

if TYPE_CHECKING:
    from collections.abc import Sequence

    from .config import BatterySpec, Controls


def share(total: float, limits: Sequence[float]) -> list[float]:
    """Split `total` over units proportionally to their limits, none above its limit."""
    cap = sum(limits)
    if cap <= 0 or total <= 0:
        return [0.0] * len(limits)
    total = min(total, cap)
    return [total * lim / cap for lim in limits]


class BatteryBank:
    """The stored energy and lifetime counters of each battery (specs come from the house's config)."""

    def __init__(self, specs: Sequence[BatterySpec]) -> None:
        self.stored_wh = [b.capacity_wh * 0.5 for b in specs]
        self.charged_wh = [b.capacity_wh * 300.0 for b in specs]
        self.discharged_wh = [v * CHARGE_EFFICIENCY * DISCHARGE_EFFICIENCY for v in self.charged_wh]

    def limits(self, specs: Sequence[BatterySpec], ctl: Controls, hour: float) -> tuple[list[float], list[float]]:
        """Per battery: max charge W and max discharge W for the coming step."""
        step_h = STEP_S / 3600.0
        max_ch: list[float] = []
        max_dis: list[float] = []
        for j, bat in enumerate(specs):
            soc_pct = 100.0 * self.stored_wh[j] / bat.capacity_wh
            sleep = ctl.acb_sleep.get(bat.serial)
            if sleep is not None and sleep[0] <= soc_pct <= sleep[1]:
                max_ch.append(0.0)
                max_dis.append(0.0)
                continue
            floor_pct = ctl.reserve_soc if ctl.grid_connected else ctl.very_low_soc
            if ctl.grid_connected and ctl.mode == "backup":
                floor_pct = 100.0
            room = max(bat.capacity_wh - self.stored_wh[j], 0.0) / CHARGE_EFFICIENCY / step_h
            avail = max(self.stored_wh[j] - bat.capacity_wh * floor_pct / 100.0, 0.0) * DISCHARGE_EFFICIENCY / step_h
            if ctl.grid_connected and ctl.mode == "economy" and not 16.0 <= hour < 21.0:
                avail = 0.0
            max_ch.append(min(bat.max_power_w, room))
            max_dis.append(min(bat.max_power_w, avail))
        return max_ch, max_dis

    def integrate(self, specs: Sequence[BatterySpec], power_each: Sequence[float], dt_h: float) -> None:
        """Run each battery at its power (+ discharge) for `dt_h` hours."""
        for j, p in enumerate(power_each):
            if p < 0:
                self.stored_wh[j] += -p * dt_h * CHARGE_EFFICIENCY
                self.charged_wh[j] += -p * dt_h
            elif p > 0:
                self.stored_wh[j] -= p * dt_h / DISCHARGE_EFFICIENCY
                self.discharged_wh[j] += p * dt_h
            cap = specs[j].capacity_wh
            self.stored_wh[j] = min(max(self.stored_wh[j], 0.0), cap)

    def aggregate_soc(self, specs: Sequence[BatterySpec]) -> float:
        cap = sum(b.capacity_wh for b in specs)
        return 100.0 * sum(self.stored_wh) / cap if cap else 0.0

    def states(
        self,
        specs: Sequence[BatterySpec],
        ctl: Controls,
        *,
        power_each: Sequence[float],
        dt_h: float,
        seed: int,
        t: float,
    ) -> list[BatteryState]:
        """Each battery `dt_h` hours into the current step, running at its power."""
        out: list[BatteryState] = []
        for j, bat in enumerate(specs):
            p = power_each[j] if j < len(power_each) else 0.0
            stored = self.stored_wh[j] + (-p * CHARGE_EFFICIENCY if p < 0 else -p / DISCHARGE_EFFICIENCY) * dt_h
            stored = min(max(stored, 0.0), bat.capacity_wh)
            sleep = ctl.acb_sleep.get(bat.serial)
            soc = 100.0 * stored / bat.capacity_wh
            out.append(
                BatteryState(
                    bat.serial,
                    soc,
                    stored,
                    p,
                    self.charged_wh[j] + max(-p, 0.0) * dt_h,
                    self.discharged_wh[j] + max(p, 0.0) * dt_h,
                    sleep is not None and p == 0.0,
                    int(18 + 8 * smooth_noise(seed, 41 + j, t, 7200.0) + abs(p) / 800),
                )
            )
        return out

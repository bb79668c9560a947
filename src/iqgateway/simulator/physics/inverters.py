"""The microinverters: clipping at their AC limit, their share of the sun, and what each reports every 5 minutes.

Energy per inverter is kept as two integrals: one over steps where every inverter converts its share of the sun
(Wh per unit of inverter factor, shared by all), and each inverter's own over the steps where some clipped or
some stopped (health.py).
"""

from __future__ import annotations

import math
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING

from .config import REPORT_PERIOD_S, STEP_S
from .health import HEALTHY, Condition
from .noise import smooth_noise
from .readings import InverterReport

if TYPE_CHECKING:
    from collections.abc import Sequence

    from .config import InverterSpec
    from .health import InverterHealth

_HISTORY_S = 2 * REPORT_PERIOD_S + 2 * STEP_S

# (unclipped integral, per-inverter clipped energy) at some instant
Accumulators = tuple[float, list[float]]


@dataclass(slots=True)
class Segment:
    """A stretch of simulated time with constant flows (at most one step)."""

    start: float
    end: float
    sun: float  # DC watts per unit of inverter factor
    curtail: float  # fraction of available PV actually produced (island)
    pv_each: tuple[float, ...] | None  # per-inverter AC watts when some clip or some stopped


@dataclass(frozen=True, slots=True)
class Baselines:
    """The inverters' accumulators at the local midnights a report compares with."""

    today: Accumulators
    yesterday: Accumulators
    week: Accumulators


class InverterArray:
    """The inverters' energy integrals and the recent segments their reports look back into."""

    def __init__(self, specs: Sequence[InverterSpec]) -> None:
        self.k = [inv.factor for inv in specs]
        self.m = [inv.max_w for inv in specs]
        self.k_ph = [0.0, 0.0, 0.0]
        for inv in specs:
            self.k_ph[inv.phase] += inv.factor
        self.k_sum = sum(self.k)
        self._clip_threshold = min((m / k for k, m in zip(self.k, self.m, strict=True)), default=math.inf)
        self.unclipped = 0.0  # integral of curtail*sun dt (Wh per unit factor) over non-clipping segments
        self.clip_acc = [0.0] * len(specs)
        self._history: list[Segment] = []
        self._conditions: dict[int, Condition] = {}
        self._stopped: frozenset[int] = frozenset()  # inverters that produce nothing (shaded, faulty)
        self._silent: dict[int, InverterReport] = {}  # the last report of those that stopped communicating

    def health(self, index: int) -> InverterHealth:
        condition = self._conditions.get(index)
        return HEALTHY if condition is None else condition.health

    def set_health(self, index: int, health: InverterHealth, t: float, last_report: InverterReport) -> bool:
        """The inverter's health from time t on; True if what it produces changes (the step must be re-planned)."""
        before = self.health(index)
        self._conditions[index] = Condition(health, t, before)
        if health.offline and not before.offline:
            self._silent[index] = last_report
        elif not health.offline:
            self._silent.pop(index, None)
        stopped = frozenset(i for i, c in self._conditions.items() if not c.health.producing)
        changed = stopped != self._stopped
        self._stopped = stopped
        return changed

    def segment(
        self, specs: Sequence[InverterSpec], start: float, end: float, sun: float
    ) -> tuple[Segment, float, tuple[float, float, float]]:
        """A new segment under this sun, with the AC power available in total and per phase."""
        pv_each: tuple[float, ...] | None = None
        if sun > self._clip_threshold or self._stopped:
            stopped = self._stopped
            pv_each = tuple(
                0.0 if i in stopped else min(k * sun, m) for i, (k, m) in enumerate(zip(self.k, self.m, strict=True))
            )
            pv_avail = sum(pv_each)
            ph = [0.0, 0.0, 0.0]
            for inv, p in zip(specs, pv_each, strict=True):
                ph[inv.phase] += p
            pv_ph_avail = (ph[0], ph[1], ph[2])
        else:
            pv_avail = sun * self.k_sum
            pv_ph_avail = (sun * self.k_ph[0], sun * self.k_ph[1], sun * self.k_ph[2])
        return Segment(start, end, sun, 1.0, pv_each), pv_avail, pv_ph_avail

    def integrate(self, seg: Segment, dt_h: float) -> None:
        if seg.pv_each is not None:
            acc = self.clip_acc
            for i, p in enumerate(seg.pv_each):
                acc[i] += p * dt_h
        else:
            self.unclipped += seg.sun * seg.curtail * dt_h

    def keep(self, seg: Segment, until: float) -> None:
        """Remember a finished segment as long as a report may look back into it."""
        self._history.append(seg)
        cutoff = until - _HISTORY_S
        while self._history and self._history[0].end < cutoff:
            self._history.pop(0)

    def snapshot(self) -> Accumulators:
        return self.unclipped, list(self.clip_acc)

    def _segment_at(self, current: Segment, t: float) -> Segment:
        if t >= current.start:
            return current
        for seg in reversed(self._history):
            if seg.start <= t < seg.end:
                return seg
        return self._history[0] if self._history else current

    def accumulators(self, current: Segment, integrated_to: float, t: float) -> Accumulators:
        """The accumulators at time t <= now (integrated up to `integrated_to`, then `current`)."""
        unclipped = self.unclipped
        clip = list(self.clip_acc)
        seg = current
        dt_h = (t - integrated_to) / 3600.0
        if dt_h >= 0:
            if seg.pv_each is not None:
                for i, p in enumerate(seg.pv_each):
                    clip[i] += p * dt_h
            else:
                unclipped += seg.sun * seg.curtail * dt_h
            return unclipped, clip
        # t lies in the past: take back the segments after it
        for past in reversed(self._history):
            if past.end <= t:
                break
            lo = max(past.start, t)
            back_h = (past.end - lo) / 3600.0
            if past.pv_each is not None:
                for i, p in enumerate(past.pv_each):
                    clip[i] -= p * back_h
            else:
                unclipped -= past.sun * past.curtail * back_h
        return unclipped, clip

    def watts(self, current: Segment, index: int, t: float) -> float:
        seg = self._segment_at(current, t)
        if seg.pv_each is not None:
            return seg.pv_each[index]
        return min(self.k[index] * seg.sun, self.m[index]) * seg.curtail

    def birth(self, index: int, pv_birth: float) -> float:
        """An inverter's lifetime energy before the simulation started (its share of the site's)."""
        share = self.k[index] / self.k_sum if self.k_sum else 0.0
        return pv_birth * share

    def reports(
        self,
        specs: Sequence[InverterSpec],
        current: Segment,
        *,
        integrated_to: float,
        t: float,
        baselines: Baselines,
        seed: int,
        pv_birth: float,
    ) -> list[InverterReport]:
        """What each of `specs` (the first inverters) last reported: every 5 minutes at its own offset."""
        cache: dict[int, Accumulators] = {}
        out: list[InverterReport] = []
        for i, inv in enumerate(specs):
            r = last_report_time(inv, t)
            silent = self._silent.get(i)
            if silent is not None and r > silent.report_ts:  # a report is missing: the gateway has only the old one
                out.append(replace(silent, serial=inv.serial, communicating=False))
                continue
            acc = cache.get(r)
            if acc is None:
                acc = self.accumulators(current, integrated_to, r)
                cache[r] = acc
            k = self.k[i]

            def wh(base: Accumulators, idx: int = i, kk: float = k) -> float:
                return kk * base[0] + base[1][idx]

            life = k * acc[0] + acc[1][i]
            watts = self.watts(current, i, r)
            temp_amb = 12.0 + 10.0 * smooth_noise(seed, 31, r, 86400.0)
            out.append(
                InverterReport(
                    inv.serial,
                    r,
                    watts,
                    life + self.birth(i, pv_birth),
                    max(life - wh(baselines.today), 0.0),
                    max(wh(baselines.today) - wh(baselines.yesterday), 0.0),
                    max(life - wh(baselines.week), 0.0),
                    30.0 + 10.0 * min(watts / max(inv.max_w, 1.0), 1.0),
                    int(temp_amb + watts / 12.0),
                    *self._condition_at(i, r),
                )
            )
        return out

    def _condition_at(self, index: int, report_ts: int) -> tuple[str, bool, int]:
        """(output, communicating, seconds of conversion errors) in the inverter's report at `report_ts`."""
        condition = self._conditions.get(index)
        if condition is None:
            return "ok", True, 0
        if report_ts > condition.since:  # the period the report covers saw the condition begin
            output = condition.health.output
            errors = min(report_ts - condition.since, REPORT_PERIOD_S) if output == "fault" else 0
        else:
            output = condition.before.output
            errors = REPORT_PERIOD_S if output == "fault" else 0
        return output, True, int(errors)


def last_report_time(inv: InverterSpec, t: float) -> int:
    """When the inverter last reported at or before t."""
    off = inv.report_offset
    return int(t - ((t - off) % REPORT_PERIOD_S))

"""The simulated installation: the parts integrated together on the step grid, with counters kept per local day."""

from __future__ import annotations

import copy
import math
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING

from .balance import Demand, dispatch
from .battery import BatteryBank
from .config import CHARGE_EFFICIENCY, DISCHARGE_EFFICIENCY, STEP_S, Controls, phase_weights
from .grid import frequency, voltage
from .health import HEALTHY
from .inverters import Baselines, InverterArray, Segment
from .load import house_load
from .noise import unit_noise
from .readings import Energy
from .sky import LocalDays, sun

if TYPE_CHECKING:
    from collections.abc import Mapping, Sequence

    from ..clock import SimClock
    from .config import HouseConfig
    from .health import InverterHealth
    from .inverters import Accumulators
    from .readings import BatteryState, Flows, InverterReport


@dataclass(frozen=True, slots=True)
class _DayMark:
    """The counters at a local midnight (or at a restart, which starts the device's day again)."""

    energy: Energy
    inverters: Accumulators


class House:
    """The simulated installation: advance it to a time, then read powers and counters."""

    def __init__(self, config: HouseConfig, clock: SimClock, controls: Controls | None = None) -> None:
        self.config = config
        self.clock = clock
        self.controls = controls or Controls()
        self._days = LocalDays(clock)
        self._inverters = InverterArray(config.inverters)
        self._bank = BatteryBank(config.batteries)
        # lifetime accumulators at self._t
        start = clock.timestamp()
        first_day = clock.midnight_before(start - 7 * 86400)
        self._t = float(first_day)
        self._energy = self._initial_energy()
        self._gen_running = False
        self._midnights: dict[int, _DayMark] = {}
        self._day_override: dict[int, _DayMark] = {}
        self._next_midnight = clock.next_midnight(self._t)
        self._pv_birth = self._energy.pv
        self._record_midnight(int(self._t))
        self._seg: Segment
        self._flows: Flows
        self._version = 0
        self._memo: dict[str, tuple[float, int, object]] = {}
        self._begin_segment(self._t)
        self.advance_to(start)

    def _initial_energy(self) -> Energy:
        cfg = self.config
        days = cfg.age_days
        kw = self._inverters.k_sum * cfg.panel_w / 1000
        pv = kw * 3.6 * 1000 * days * (0.85 + 0.3 * unit_noise(cfg.seed, 1))
        load = (cfg.base_load_w * 24 * 1.9) * days
        exported = pv * 0.55
        imported = load - (pv - exported)
        charged = sum(b.capacity_wh * 300.0 for b in cfg.batteries)
        discharged = charged * CHARGE_EFFICIENCY * DISCHARGE_EFFICIENCY
        w = phase_weights(cfg.phases)
        return Energy(
            pv,
            load,
            imported,
            exported,
            charged,
            discharged,
            0.0,
            (pv * w[0], pv * w[1], pv * w[2]),
            (load * w[0], load * w[1], load * w[2]),
            (imported * w[0], imported * w[1], imported * w[2]),
            (exported * w[0], exported * w[1], exported * w[2]),
            (charged * w[0], charged * w[1], charged * w[2]),
            (discharged * w[0], discharged * w[1], discharged * w[2]),
        )

    def sun(self, t: float) -> float:
        """Available DC watts per unit of inverter factor at time t (clear sky x clouds)."""
        return sun(self.config, self._days, t)

    def load(self, t: float) -> tuple[float, tuple[float, float, float]]:
        """House demand (W) at time t, in total and per phase."""
        return house_load(self.config, self._days, t)

    def twin(self, inverter_serials: Sequence[str], battery_serials: Sequence[str]) -> House:
        """An independent copy at the same moment (same clock), its inverters and batteries under other serials.

        Building a house integrates a week of history; a fleet of simulated devices copies a few instead.
        """
        twin = copy.deepcopy(self, {id(self.clock): self.clock})
        twin.config = replace(
            self.config,
            inverters=tuple(replace(i, serial=s) for i, s in zip(self.config.inverters, inverter_serials, strict=True)),
            batteries=tuple(replace(b, serial=s) for b, s in zip(self.config.batteries, battery_serials, strict=True)),
        )
        twin._memo.clear()
        return twin

    # ---------------------------------------------------------------- integration
    def advance_to(self, t: float) -> None:
        """Integrate the house up to simulated time t (never backwards)."""
        while self._seg.end <= t:
            self._finish_segment(self._seg.end)
            self._begin_segment(self._seg.end)

    def _finish_segment(self, until: float) -> None:
        seg = self._seg
        dt_h = (until - self._t) / 3600.0
        if dt_h > 0:
            self._inverters.integrate(seg, dt_h)
            self._energy = self._energy.after(self._flows, dt_h)
            self._bank.integrate(self.config.batteries, self._flows.battery_each, dt_h)
        self._t = until
        seg.end = until
        self._inverters.keep(seg, until)
        if until >= self._next_midnight:
            self._record_midnight(int(until))
            self._next_midnight = self.clock.next_midnight(until)

    def _record_midnight(self, ts: int) -> None:
        self._midnights[ts] = _DayMark(self._energy, self._inverters.snapshot())
        if len(self._midnights) > 10:
            del self._midnights[min(self._midnights)]

    def _cached(self, key: str, t: float) -> object | None:
        hit = self._memo.get(key)
        if hit is not None and hit[0] == t and hit[1] == self._version:
            return hit[2]
        return None

    def _remember(self, key: str, t: float, value: object) -> None:
        self._memo[key] = (t, self._version, value)

    def _begin_segment(self, start: float) -> None:
        self._version += 1
        end = float((math.floor(start / STEP_S) + 1) * STEP_S)
        if self._next_midnight > start:
            end = min(end, self._next_midnight)
        seg, pv_avail, pv_ph_avail = self._inverters.segment(self.config.inverters, start, end, self.sun(start))
        load_w, load_ph = self.load(start)
        self._seg = seg
        balance = dispatch(
            self.config,
            self.controls,
            self._bank,
            hour=self._days.hour(start),
            generator_was_running=self._gen_running,
            demand=Demand(pv_avail, pv_ph_avail, load_w, load_ph),
        )
        self._flows = balance.flows
        self._gen_running = balance.generator_running
        seg.curtail = balance.curtail
        if seg.pv_each is not None and seg.curtail < 1.0:
            c = seg.curtail
            seg.pv_each = tuple(p * c for p in seg.pv_each)

    def controls_changed(self, t: float) -> None:
        """Re-plan the current step from time t after a write changed the controls."""
        self.advance_to(t)
        self._replan(t)

    def set_inverter_health(self, health: Mapping[str, InverterHealth], t: float) -> None:
        """Every inverter's health from time t on, by serial (one not named is healthy)."""
        index = {inv.serial: i for i, inv in enumerate(self.config.inverters)}
        unknown = sorted(set(health) - set(index))
        if unknown:
            serials = [inv.serial for inv in self.config.inverters]
            raise ValueError(
                f"no inverter {', '.join(unknown)} here: its {len(serials)} are {serials[0]} to {serials[-1]}"
            )
        self.advance_to(t)
        wanted = {index[serial]: h for serial, h in health.items()}
        changes = [(i, h) for i in range(len(index)) if (h := wanted.get(i, HEALTHY)) != self._inverters.health(i)]
        if not changes:
            return
        last = self.inverter_reports(t)
        replan = False
        for i, h in changes:
            replan = self._inverters.set_health(i, h, t, last[i]) or replan
        self._version += 1
        if replan:
            self._replan(t)

    def inverter_health(self, serial: str) -> InverterHealth:
        index = [inv.serial for inv in self.config.inverters].index(serial)
        return self._inverters.health(index)

    def _replan(self, t: float) -> None:
        """Begin a new step at time t (the house advanced to t) because what drives it changed."""
        if t > self._seg.start:
            self._finish_segment(t)
            self._begin_segment(t)
        else:
            self._begin_segment(self._seg.start)

    # ---------------------------------------------------------------- reading
    def flows(self, t: float) -> Flows:
        self.advance_to(t)
        return self._flows

    def energy(self, t: float) -> Energy:
        """Lifetime counters at time t (the current step integrated up to t)."""
        self.advance_to(t)
        hit = self._cached("energy", t)
        if isinstance(hit, Energy):
            return hit
        dt_h = max(t - self._t, 0.0) / 3600.0
        if dt_h == 0:
            return self._energy
        value = self._energy.after(self._flows, dt_h)
        self._remember("energy", t, value)
        return value

    def _baseline(self, midnight: int) -> _DayMark:
        override = self._day_override.get(midnight)
        if override is not None:
            return override
        if midnight in self._midnights:
            return self._midnights[midnight]
        return self._midnights[min(self._midnights)]

    def day_energy(self, t: float) -> tuple[Energy, Energy]:
        """(energy since local midnight, energy over the last seven days including today)."""
        now = self.energy(t)
        hit = self._cached("day", t)
        if isinstance(hit, tuple):
            return hit
        today = int(self.clock.midnight_before(t))
        week_start = int(self.clock.midnight_before(t - 6 * 86400))
        value = (now.minus(self._baseline(today).energy), now.minus(self._baseline(week_start).energy))
        self._remember("day", t, value)
        return value

    def restart_day(self, t: float) -> None:
        """A reboot: the device's "today" counters start again from zero."""
        self.advance_to(t)
        today = int(self.clock.midnight_before(t))
        inverters = self._inverters.accumulators(self._seg, self._t, t)
        self._day_override[today] = _DayMark(self.energy(t), inverters)
        self._version += 1
        for key in [k for k in self._day_override if k < today - 8 * 86400]:
            del self._day_override[key]

    def inverter_reports(self, t: float, limit: int | None = None) -> list[InverterReport]:
        """What each inverter last reported (it reports every 5 minutes at its own offset)."""
        self.advance_to(t)
        hit = self._cached(f"reports{limit}", t)
        if isinstance(hit, list):
            return hit
        invs = self.config.inverters if limit is None else self.config.inverters[:limit]
        today = int(self.clock.midnight_before(t))
        yesterday = int(self.clock.midnight_before(today - 1))
        week = int(self.clock.midnight_before(t - 6 * 86400))
        baselines = Baselines(
            self._baseline(today).inverters, self._baseline(yesterday).inverters, self._baseline(week).inverters
        )
        out = self._inverters.reports(
            invs,
            self._seg,
            integrated_to=self._t,
            t=t,
            baselines=baselines,
            seed=self.config.seed,
            pv_birth=self._pv_birth,
        )
        self._remember(f"reports{limit}", t, out)
        return out

    def inverter_energy_total(self, t: float) -> float:
        """Sum of the inverters' lifetime energy as of their last reports."""
        return sum(r.lifetime_wh for r in self.inverter_reports(t))

    def aggregate_soc(self) -> float:
        return self._bank.aggregate_soc(self.config.batteries)

    def batteries(self, t: float) -> list[BatteryState]:
        self.advance_to(t)
        dt_h = max(t - self._t, 0.0) / 3600.0
        return self._bank.states(
            self.config.batteries,
            self.controls,
            power_each=self._flows.battery_each,
            dt_h=dt_h,
            seed=self.config.seed,
            t=t,
        )

    @property
    def generator_running(self) -> bool:
        return self._gen_running

    def voltage(self, phase: int, t: float) -> float:
        """RMS volts of one phase (line to neutral) at time t."""
        return voltage(self.config, phase, t)

    def frequency(self, t: float) -> float:
        return frequency(self.config, t)

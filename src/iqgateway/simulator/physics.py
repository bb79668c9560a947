"""A house that moves like a real one over simulated time.

Sun, inverters, house load, batteries and the grid connection, integrated on a fixed
60-second grid of simulated time. Everything within one step is a pure function of the
step's start (seeded hashing, no shared RNG), so the counters read at any instant depend
only on the seed, the clock and the controls applied, never on how often the device is
polled. Sign conventions are the device's: grid positive = import, battery positive =
discharge.
"""

from __future__ import annotations

import copy
import math
from dataclasses import dataclass, field, replace
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from collections.abc import Sequence

    from .clock import SimClock

STEP_S = 60
REPORT_PERIOD_S = 300
CHARGE_EFFICIENCY = 0.96
DISCHARGE_EFFICIENCY = 0.96
INVERTER_EFFICIENCY = 0.965
_MASK = (1 << 64) - 1
_HISTORY_S = 2 * REPORT_PERIOD_S + 2 * STEP_S


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


@dataclass(frozen=True, slots=True)
class InverterSpec:
    serial: str
    max_w: float  # AC output limit (clipping)
    factor: float  # orientation/shading share: DC watts = factor * panel watts at full sun
    report_offset: int  # seconds into each 5-minute cycle at which it reports
    phase: int  # 0..2


@dataclass(frozen=True, slots=True)
class BatterySpec:
    serial: str
    capacity_wh: float
    max_power_w: float
    phase: int  # 0..2; -1 = spread over all phases
    kind: str = "encharge"  # "encharge" | "acb"


@dataclass(frozen=True, slots=True)
class HouseConfig:
    inverters: tuple[InverterSpec, ...]
    batteries: tuple[BatterySpec, ...] = ()
    phases: int = 1  # 1 single, 2 split (US 120/240), 3 three-phase (EU 230/400)
    latitude: float = 37.0
    panel_w: float = 330.0
    base_load_w: float = 320.0
    seed: int = 0
    volts_per_phase: float = 120.0
    frequency: float = 60.0
    generator_w: float = 0.0
    age_days: int = 900  # lifetime counters start as if installed this long ago


@dataclass(slots=True)
class Controls:
    """What writes change: grid relay, storage settings, generator, ACB sleep."""

    grid_connected: bool = True
    mode: str = "self-consumption"  # self-consumption | backup | economy
    reserve_soc: float = 20.0
    very_low_soc: float = 5.0
    charge_from_grid: bool = False
    generator_cmd: str = "off"  # on | off | auto
    generator_start_soc: float = 30.0
    generator_stop_soc: float = 70.0
    acb_sleep: dict[str, tuple[int, int]] = field(default_factory=dict)
    production_forced_off: bool = False  # installer power mode
    export_limit_w: float | None = None  # installer DPEL export limit in force


@dataclass(frozen=True, slots=True)
class Flows:
    """Instantaneous power (W) in total and per phase (always three entries per phase list)."""

    pv: float
    load: float
    grid: float
    battery: float  # + discharge / - charge
    generator: float
    pv_ph: tuple[float, float, float]
    load_ph: tuple[float, float, float]
    grid_ph: tuple[float, float, float]
    battery_ph: tuple[float, float, float]
    battery_each: tuple[float, ...]


@dataclass(frozen=True, slots=True)
class Energy:
    """Energy counters (Wh) in total and per phase."""

    pv: float
    load: float
    imported: float
    exported: float
    charged: float
    discharged: float
    generator: float
    pv_ph: tuple[float, float, float]
    load_ph: tuple[float, float, float]
    imported_ph: tuple[float, float, float]
    exported_ph: tuple[float, float, float]
    charged_ph: tuple[float, float, float]
    discharged_ph: tuple[float, float, float]

    def minus(self, other: Energy) -> Energy:
        def sub(a: tuple[float, float, float], b: tuple[float, float, float]) -> tuple[float, float, float]:
            return (a[0] - b[0], a[1] - b[1], a[2] - b[2])

        return Energy(
            self.pv - other.pv,
            self.load - other.load,
            self.imported - other.imported,
            self.exported - other.exported,
            self.charged - other.charged,
            self.discharged - other.discharged,
            self.generator - other.generator,
            sub(self.pv_ph, other.pv_ph),
            sub(self.load_ph, other.load_ph),
            sub(self.imported_ph, other.imported_ph),
            sub(self.exported_ph, other.exported_ph),
            sub(self.charged_ph, other.charged_ph),
            sub(self.discharged_ph, other.discharged_ph),
        )


@dataclass(frozen=True, slots=True)
class InverterReport:
    serial: str
    report_ts: int
    watts: float
    lifetime_wh: float
    today_wh: float
    yesterday_wh: float
    week_wh: float
    dc_volts: float
    temperature: int


@dataclass(frozen=True, slots=True)
class BatteryState:
    serial: str
    soc: float  # percent
    energy_wh: float
    power_w: float  # + discharge
    charged_wh: float
    discharged_wh: float
    sleeping: bool
    temperature: int


@dataclass(slots=True)
class _Segment:
    start: float
    end: float
    sun: float  # DC watts per unit of inverter factor
    curtail: float  # fraction of available PV actually produced (island)
    clipped: bool
    pv_each: tuple[float, ...] | None  # per-inverter AC watts when clipping


def _zero3() -> tuple[float, float, float]:
    return (0.0, 0.0, 0.0)


def _add3(a: tuple[float, float, float], b: Sequence[float], scale: float) -> tuple[float, float, float]:
    return (a[0] + b[0] * scale, a[1] + b[1] * scale, a[2] + b[2] * scale)


class House:
    """The simulated installation: advance it to a time, then read powers and counters."""

    def __init__(self, config: HouseConfig, clock: SimClock, controls: Controls | None = None) -> None:
        self.config = config
        self.clock = clock
        self.controls = controls or Controls()
        self._seed = config.seed
        n_inv = len(config.inverters)
        self._k = [inv.factor for inv in config.inverters]
        self._m = [inv.max_w for inv in config.inverters]
        self._k_ph = [0.0, 0.0, 0.0]
        for inv in config.inverters:
            self._k_ph[inv.phase] += inv.factor
        self._k_sum = sum(self._k)
        self._clip_threshold = min((m / k for k, m in zip(self._k, self._m, strict=True)), default=math.inf)
        self._phase_w = self._phase_weights()
        # lifetime accumulators at self._t
        start = clock.timestamp()
        first_day = clock.midnight_before(start - 7 * 86400)
        self._t = float(first_day)
        self._unclipped = 0.0  # integral of curtail*sun dt (Wh per unit factor) over non-clipping segments
        self._clip_acc = [0.0] * n_inv
        self._energy = self._initial_energy()
        self._soc_wh = [b.capacity_wh * 0.5 for b in config.batteries]
        self._bat_in = [b.capacity_wh * 300.0 for b in config.batteries]
        self._bat_out = [v * CHARGE_EFFICIENCY * DISCHARGE_EFFICIENCY for v in self._bat_in]
        self._gen_running = False
        self._history: list[_Segment] = []
        self._midnights: dict[int, tuple[Energy, float, list[float]]] = {}
        self._day_override: dict[int, tuple[Energy, float, list[float]]] = {}
        self._next_midnight = clock.next_midnight(self._t)
        self._day: tuple[float, float, float] = (0.0, 0.0, 0.0)
        self._dst_s = 0.0
        self._pv_birth = self._initial_energy().pv
        self._record_midnight(int(self._t))
        self._seg: _Segment
        self._flows: Flows
        self._version = 0
        self._memo: dict[str, tuple[float, int, object]] = {}
        self._begin_segment(self._t)
        self.advance_to(start)

    # ---------------------------------------------------------------- set-up helpers
    def _phase_weights(self) -> tuple[float, float, float]:
        if self.config.phases == 1:
            return (1.0, 0.0, 0.0)
        if self.config.phases == 2:
            return (0.5, 0.5, 0.0)
        return (1 / 3, 1 / 3, 1 / 3)

    def _initial_energy(self) -> Energy:
        cfg = self.config
        days = cfg.age_days
        kw = self._k_sum * cfg.panel_w / 1000
        pv = kw * 3.6 * 1000 * days * (0.85 + 0.3 * unit_noise(cfg.seed, 1))
        load = (cfg.base_load_w * 24 * 1.9) * days
        exported = pv * 0.55
        imported = load - (pv - exported)
        charged = sum(b.capacity_wh * 300.0 for b in cfg.batteries)
        discharged = charged * CHARGE_EFFICIENCY * DISCHARGE_EFFICIENCY
        w = self._phase_w
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

    # ---------------------------------------------------------------- environment
    def _day_info(self, t: float) -> tuple[float, float]:
        """(seconds since local midnight, solar declination) for t; cached per local day."""
        start, end, decl = self._day
        if not start <= t < end:
            local = self.clock.local(t)
            start = self.clock.midnight_before(t)
            end = self.clock.next_midnight(t)
            doy = local.timetuple().tm_yday
            decl = math.radians(23.44) * math.sin(2 * math.pi * (284 + doy) / 365)
            dst = local.dst()
            self._dst_s = dst.total_seconds() if dst is not None else 0.0
            self._day = (start, end, decl)
        return t - start, decl

    def sun(self, t: float) -> float:
        """Available DC watts per unit of inverter factor at time t (clear sky x clouds)."""
        secs, decl = self._day_info(t)
        solar_hour = (secs - self._dst_s) / 3600.0
        lat = math.radians(self.config.latitude)
        hour_angle = math.radians(15.0 * (solar_hour - 12.0))
        sin_alt = math.sin(lat) * math.sin(decl) + math.cos(lat) * math.cos(decl) * math.cos(hour_angle)
        if sin_alt <= 0.0:
            return 0.0
        clear = 1.05 * math.pow(sin_alt, 0.75) * (1.0 - 0.12 * (1.0 - sin_alt))
        seed = self._seed
        day = int(t // 86400)
        cloudiness = unit_noise(seed, 11, day) ** 2 * 0.8
        passing = smooth_noise(seed, 12, t, 1200.0)
        shade = 1.0 - cloudiness * (0.4 + 0.6 * passing)
        flicker = 0.97 + 0.03 * unit_noise(seed, 13, int(t // STEP_S))
        heat_loss = 1.0 - 0.08 * clear * shade  # hot cells at full sun lose a little
        return self.config.panel_w * INVERTER_EFFICIENCY * clear * shade * flicker * heat_loss

    def load(self, t: float) -> tuple[float, tuple[float, float, float]]:
        """House demand (W) at time t, in total and per phase."""
        cfg = self.config
        seed = self._seed
        secs, _ = self._day_info(t)
        hour = secs / 3600.0
        base = cfg.base_load_w * (0.9 + 0.2 * smooth_noise(seed, 21, t, 3600.0))
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
        w = self._phase_w
        per = [spread * w[0], spread * w[1], spread * w[2]]
        if burst:
            if cfg.phases == 1:
                per[0] += burst
            elif cfg.phases == 2:
                per[0] += burst / 2
                per[1] += burst / 2
            else:
                per[burst_phase] += burst
        total = per[0] + per[1] + per[2]
        return total, (per[0], per[1], per[2])

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
            self._integrate(dt_h)
        self._t = until
        seg.end = until
        self._history.append(seg)
        cutoff = until - _HISTORY_S
        while self._history and self._history[0].end < cutoff:
            self._history.pop(0)
        if until >= self._next_midnight:
            self._record_midnight(int(until))
            self._next_midnight = self.clock.next_midnight(until)

    def _integrate(self, dt_h: float) -> None:
        f = self._flows
        seg = self._seg
        e = self._energy
        if seg.clipped and seg.pv_each is not None:
            acc = self._clip_acc
            for i, p in enumerate(seg.pv_each):
                acc[i] += p * dt_h
        else:
            self._unclipped += seg.sun * seg.curtail * dt_h
        grid_in = max(f.grid, 0.0)
        grid_out = max(-f.grid, 0.0)
        charge = max(-f.battery, 0.0)
        discharge = max(f.battery, 0.0)
        imp_ph = tuple(max(g, 0.0) for g in f.grid_ph)
        exp_ph = tuple(max(-g, 0.0) for g in f.grid_ph)
        ch_ph = tuple(max(-b, 0.0) for b in f.battery_ph)
        dis_ph = tuple(max(b, 0.0) for b in f.battery_ph)
        self._energy = Energy(
            e.pv + f.pv * dt_h,
            e.load + f.load * dt_h,
            e.imported + grid_in * dt_h,
            e.exported + grid_out * dt_h,
            e.charged + charge * dt_h,
            e.discharged + discharge * dt_h,
            e.generator + f.generator * dt_h,
            _add3(e.pv_ph, f.pv_ph, dt_h),
            _add3(e.load_ph, f.load_ph, dt_h),
            _add3(e.imported_ph, imp_ph, dt_h),
            _add3(e.exported_ph, exp_ph, dt_h),
            _add3(e.charged_ph, ch_ph, dt_h),
            _add3(e.discharged_ph, dis_ph, dt_h),
        )
        for j, p in enumerate(f.battery_each):
            if p < 0:
                self._soc_wh[j] += -p * dt_h * CHARGE_EFFICIENCY
                self._bat_in[j] += -p * dt_h
            elif p > 0:
                self._soc_wh[j] -= p * dt_h / DISCHARGE_EFFICIENCY
                self._bat_out[j] += p * dt_h
            cap = self.config.batteries[j].capacity_wh
            self._soc_wh[j] = min(max(self._soc_wh[j], 0.0), cap)

    def _record_midnight(self, ts: int) -> None:
        self._midnights[ts] = (self._energy, self._unclipped, list(self._clip_acc))
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
        sun = self.sun(start)
        load_w, load_ph = self.load(start)
        clipped = sun > self._clip_threshold
        pv_each: tuple[float, ...] | None = None
        if clipped:
            pv_each = tuple(min(k * sun, m) for k, m in zip(self._k, self._m, strict=True))
            pv_avail = sum(pv_each)
            ph = [0.0, 0.0, 0.0]
            for inv, p in zip(self.config.inverters, pv_each, strict=True):
                ph[inv.phase] += p
            pv_ph_avail = (ph[0], ph[1], ph[2])
        else:
            pv_avail = sun * self._k_sum
            pv_ph_avail = (sun * self._k_ph[0], sun * self._k_ph[1], sun * self._k_ph[2])
        self._seg = _Segment(start, end, sun, 1.0, clipped, pv_each)
        self._flows = self._dispatch(start, pv_avail, pv_ph_avail, load_w, load_ph)
        if self._seg.pv_each is not None and self._seg.curtail < 1.0:
            c = self._seg.curtail
            self._seg.pv_each = tuple(p * c for p in self._seg.pv_each)

    def _battery_limits(self, hour: float) -> tuple[list[float], list[float]]:
        """Per battery: max charge W and max discharge W for the coming step."""
        ctl = self.controls
        step_h = STEP_S / 3600.0
        max_ch: list[float] = []
        max_dis: list[float] = []
        for j, bat in enumerate(self.config.batteries):
            soc_pct = 100.0 * self._soc_wh[j] / bat.capacity_wh
            sleep = ctl.acb_sleep.get(bat.serial)
            if sleep is not None and sleep[0] <= soc_pct <= sleep[1]:
                max_ch.append(0.0)
                max_dis.append(0.0)
                continue
            floor_pct = ctl.reserve_soc if ctl.grid_connected else ctl.very_low_soc
            if ctl.grid_connected and ctl.mode == "backup":
                floor_pct = 100.0
            room = max(bat.capacity_wh - self._soc_wh[j], 0.0) / CHARGE_EFFICIENCY / step_h
            avail = max(self._soc_wh[j] - bat.capacity_wh * floor_pct / 100.0, 0.0) * DISCHARGE_EFFICIENCY / step_h
            if ctl.grid_connected and ctl.mode == "economy" and not 16.0 <= hour < 21.0:
                avail = 0.0
            max_ch.append(min(bat.max_power_w, room))
            max_dis.append(min(bat.max_power_w, avail))
        return max_ch, max_dis

    @staticmethod
    def _share(total: float, limits: Sequence[float]) -> list[float]:
        """Split `total` over units proportionally to their limits, none above its limit."""
        cap = sum(limits)
        if cap <= 0 or total <= 0:
            return [0.0] * len(limits)
        total = min(total, cap)
        return [total * lim / cap for lim in limits]

    def _dispatch(
        self,
        t: float,
        pv_avail: float,
        pv_ph_avail: tuple[float, float, float],
        load_w: float,
        load_ph: tuple[float, float, float],
    ) -> Flows:
        ctl = self.controls
        secs, _ = self._day_info(t)
        hour = secs / 3600.0
        max_ch, max_dis = self._battery_limits(hour)
        surplus = pv_avail - load_w
        charge = 0.0
        discharge = 0.0
        generator = 0.0
        curtail = 1.0
        served = load_w
        if ctl.grid_connected:
            self._gen_running = False
            if surplus > 0:
                charge = min(surplus, sum(max_ch))
            elif ctl.mode != "backup":
                discharge = min(-surplus, sum(max_dis))
            if ctl.charge_from_grid and (ctl.mode == "backup" or (ctl.mode == "economy" and hour < 6.0)):
                charge = sum(max_ch)
        else:
            soc = self.aggregate_soc()
            if self.config.generator_w > 0:
                if ctl.generator_cmd == "on":
                    self._gen_running = True
                elif ctl.generator_cmd == "auto":
                    if soc < ctl.generator_start_soc:
                        self._gen_running = True
                    elif soc >= ctl.generator_stop_soc:
                        self._gen_running = False
                else:
                    self._gen_running = False
            if self._gen_running:
                generator = min(self.config.generator_w, max(load_w - pv_avail, 0.0) + sum(max_ch))
            supply = pv_avail + generator
            if supply >= load_w:
                charge = min(supply - load_w, sum(max_ch))
                if supply - load_w > charge:
                    spare = supply - load_w - charge
                    if generator > 0:
                        cut = min(generator, spare)
                        generator -= cut
                        spare -= cut
                    if pv_avail > 0 and spare > 0:
                        curtail = max(pv_avail - spare, 0.0) / pv_avail
            else:
                discharge = min(load_w - supply, sum(max_dis))
                served = supply + discharge
        if ctl.production_forced_off:
            curtail = 0.0
        elif ctl.grid_connected and ctl.export_limit_w is not None and pv_avail > 0:
            export = pv_avail - load_w - charge + discharge
            if export > ctl.export_limit_w:
                curtail = max(pv_avail - (export - ctl.export_limit_w), 0.0) / pv_avail
        ch_each = self._share(charge, max_ch)
        dis_each = self._share(discharge, max_dis)
        bat_each = tuple(d - c for c, d in zip(ch_each, dis_each, strict=True))
        pv = pv_avail * curtail
        pv_ph = (pv_ph_avail[0] * curtail, pv_ph_avail[1] * curtail, pv_ph_avail[2] * curtail)
        scale = served / load_w if load_w > 0 else 0.0
        load_ph_served: tuple[float, float, float] = (load_ph[0] * scale, load_ph[1] * scale, load_ph[2] * scale)
        bat_ph = [0.0, 0.0, 0.0]
        for bat, p in zip(self.config.batteries, bat_each, strict=True):
            if bat.phase < 0:
                w = self._phase_w
                for ph in range(3):
                    bat_ph[ph] += p * w[ph]
            else:
                bat_ph[bat.phase] += p
        battery = sum(bat_each)
        if ctl.grid_connected:
            grid = served - pv - battery
            grid_ph = (
                load_ph_served[0] - pv_ph[0] - bat_ph[0],
                load_ph_served[1] - pv_ph[1] - bat_ph[1],
                load_ph_served[2] - pv_ph[2] - bat_ph[2],
            )
        else:
            grid = 0.0
            grid_ph = (0.0, 0.0, 0.0)
            gw = self._phase_w
            # off grid the load is whatever the sources supply (generator spread like the load)
            served = pv + battery + generator
            load_ph_served = (
                pv_ph[0] + bat_ph[0] + generator * gw[0],
                pv_ph[1] + bat_ph[1] + generator * gw[1],
                pv_ph[2] + bat_ph[2] + generator * gw[2],
            )
        self._seg.curtail = curtail
        return Flows(
            pv,
            served,
            grid,
            battery,
            generator,
            pv_ph,
            (load_ph_served[0], load_ph_served[1], load_ph_served[2]),
            (grid_ph[0], grid_ph[1], grid_ph[2]),
            (bat_ph[0], bat_ph[1], bat_ph[2]),
            bat_each,
        )

    def controls_changed(self, t: float) -> None:
        """Re-plan the current step from time t after a write changed the controls."""
        self.advance_to(t)
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
        f = self._flows
        dt_h = max(t - self._t, 0.0) / 3600.0
        if dt_h == 0:
            return self._energy
        e = self._energy
        value = replace(
            e,
            pv=e.pv + f.pv * dt_h,
            load=e.load + f.load * dt_h,
            imported=e.imported + max(f.grid, 0.0) * dt_h,
            exported=e.exported + max(-f.grid, 0.0) * dt_h,
            charged=e.charged + max(-f.battery, 0.0) * dt_h,
            discharged=e.discharged + max(f.battery, 0.0) * dt_h,
            generator=e.generator + f.generator * dt_h,
            pv_ph=_add3(e.pv_ph, f.pv_ph, dt_h),
            load_ph=_add3(e.load_ph, f.load_ph, dt_h),
            imported_ph=_add3(e.imported_ph, [max(g, 0.0) for g in f.grid_ph], dt_h),
            exported_ph=_add3(e.exported_ph, [max(-g, 0.0) for g in f.grid_ph], dt_h),
            charged_ph=_add3(e.charged_ph, [max(-b, 0.0) for b in f.battery_ph], dt_h),
            discharged_ph=_add3(e.discharged_ph, [max(b, 0.0) for b in f.battery_ph], dt_h),
        )
        self._remember("energy", t, value)
        return value

    def _baseline(self, midnight: int) -> tuple[Energy, float, list[float]]:
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
        value = (now.minus(self._baseline(today)[0]), now.minus(self._baseline(week_start)[0]))
        self._remember("day", t, value)
        return value

    def restart_day(self, t: float) -> None:
        """A reboot: the device's "today" counters start again from zero."""
        self.advance_to(t)
        today = int(self.clock.midnight_before(t))
        unclipped, clip = self._inverter_accumulators(t)
        self._day_override[today] = (self.energy(t), unclipped, clip)
        self._version += 1
        for key in [k for k in self._day_override if k < today - 8 * 86400]:
            del self._day_override[key]

    def _segment_at(self, t: float) -> _Segment:
        if t >= self._seg.start:
            return self._seg
        for seg in reversed(self._history):
            if seg.start <= t < seg.end:
                return seg
        return self._history[0] if self._history else self._seg

    def _inverter_accumulators(self, t: float) -> tuple[float, list[float]]:
        """(unclipped integral, per-inverter clipped energy) at time t <= now."""
        unclipped = self._unclipped
        clip = list(self._clip_acc)
        seg = self._seg
        dt_h = (t - self._t) / 3600.0
        if dt_h >= 0:
            if seg.clipped and seg.pv_each is not None:
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
            if past.clipped and past.pv_each is not None:
                for i, p in enumerate(past.pv_each):
                    clip[i] -= p * back_h
            else:
                unclipped -= past.sun * past.curtail * back_h
        return unclipped, clip

    def inverter_watts(self, index: int, t: float) -> float:
        seg = self._segment_at(t)
        if seg.pv_each is not None:
            return seg.pv_each[index]
        return min(self._k[index] * seg.sun, self._m[index]) * seg.curtail

    def last_report_time(self, index: int, t: float) -> int:
        off = self.config.inverters[index].report_offset
        return int(t - ((t - off) % REPORT_PERIOD_S))

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
        base_today = self._baseline(today)
        base_yest = self._baseline(yesterday)
        base_week = self._baseline(week)
        cache: dict[int, tuple[float, list[float]]] = {}
        out: list[InverterReport] = []
        for i, inv in enumerate(invs):
            r = self.last_report_time(i, t)
            acc = cache.get(r)
            if acc is None:
                acc = self._inverter_accumulators(r)
                cache[r] = acc
            k = self._k[i]

            def wh(base: tuple[Energy, float, list[float]], idx: int = i, kk: float = k) -> float:
                return kk * base[1] + base[2][idx]

            life = k * acc[0] + acc[1][i]
            watts = self.inverter_watts(i, r)
            temp_amb = 12.0 + 10.0 * smooth_noise(self._seed, 31, r, 86400.0)
            out.append(
                InverterReport(
                    inv.serial,
                    r,
                    watts,
                    life + self._inverter_birth(i),
                    max(life - wh(base_today), 0.0),
                    max(wh(base_today) - wh(base_yest), 0.0),
                    max(life - wh(base_week), 0.0),
                    30.0 + 10.0 * min(watts / max(inv.max_w, 1.0), 1.0),
                    int(temp_amb + watts / 12.0),
                )
            )
        self._remember(f"reports{limit}", t, out)
        return out

    def _inverter_birth(self, index: int) -> float:
        """Each inverter's lifetime energy before the simulation started."""
        share = self._k[index] / self._k_sum if self._k_sum else 0.0
        return self._pv_birth * share

    def inverter_energy_total(self, t: float) -> float:
        """Sum of the inverters' lifetime energy as of their last reports."""
        return sum(r.lifetime_wh for r in self.inverter_reports(t))

    def aggregate_soc(self) -> float:
        cap = sum(b.capacity_wh for b in self.config.batteries)
        return 100.0 * sum(self._soc_wh) / cap if cap else 0.0

    def batteries(self, t: float) -> list[BatteryState]:
        self.advance_to(t)
        f = self._flows
        dt_h = max(t - self._t, 0.0) / 3600.0
        out: list[BatteryState] = []
        for j, bat in enumerate(self.config.batteries):
            p = f.battery_each[j] if j < len(f.battery_each) else 0.0
            stored = self._soc_wh[j] + (-p * CHARGE_EFFICIENCY if p < 0 else -p / DISCHARGE_EFFICIENCY) * dt_h
            stored = min(max(stored, 0.0), bat.capacity_wh)
            sleep = self.controls.acb_sleep.get(bat.serial)
            soc = 100.0 * stored / bat.capacity_wh
            out.append(
                BatteryState(
                    bat.serial,
                    soc,
                    stored,
                    p,
                    self._bat_in[j] + max(-p, 0.0) * dt_h,
                    self._bat_out[j] + max(p, 0.0) * dt_h,
                    sleep is not None and p == 0.0,
                    int(18 + 8 * smooth_noise(self._seed, 41 + j, t, 7200.0) + abs(p) / 800),
                )
            )
        return out

    @property
    def generator_running(self) -> bool:
        return self._gen_running

    def voltage(self, phase: int, t: float) -> float:
        """RMS volts of one phase (line to neutral) at time t."""
        cfg = self.config
        wobble = smooth_noise(self._seed, 51 + phase, t, 600.0) - 0.5
        return cfg.volts_per_phase * (1.02 + 0.03 * wobble)

    def frequency(self, t: float) -> float:
        return self.config.frequency + 0.04 * (smooth_noise(self._seed, 55, t, 120.0) - 0.5)

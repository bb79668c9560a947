"""CT meters: `/ivp/meters`, `/ivp/meters/readings`, `/ivp/meters/reports`."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from types import MappingProxyType
from typing import TYPE_CHECKING, Any

from .context import apparent, power_factor, r3, reactive

if TYPE_CHECKING:
    from ..physics import Energy, Flows
    from .context import Scene

METER_EIDS: Mapping[str, int] = MappingProxyType({
    "production": 704643328,
    "net-consumption": 704643584,
    "total-consumption": 704643584,
    "storage": 704643840,
    "backfeed": 704644352,
    "load": 704644608,
    "evse": 704644864,
    "pv3p": 704645120,
})
EXTRA_READING_EID = 1023410688  # fw 8.3 answers one more, all-zero entry
_EXTRA_CHANNEL_EIDS = (2097152513, 2097152258, 2097152515)


def channel_eid(meter_eid: int, phase: int) -> int:
    return 1778385169 + (meter_eid - 704643328) + phase


@dataclass(frozen=True, slots=True)
class PhaseReading:
    watts: float
    delivered_wh: float
    received_wh: float
    today_wh: float
    week_wh: float
    volts: float
    pf: float

    @property
    def va(self) -> float:
        return apparent(self.watts, self.pf)

    @property
    def var(self) -> float:
        return reactive(self.watts, self.pf)

    @property
    def amps(self) -> float:
        return self.va / self.volts if self.volts else 0.0

    @property
    def vah(self) -> float:
        return (self.delivered_wh + self.received_wh) * 1.12

    @property
    def varh_lag(self) -> float:
        return self.delivered_wh * 0.18

    @property
    def varh_lead(self) -> float:
        return self.received_wh * 0.05 + self.delivered_wh * 0.01


def _pick(kind: str, flows: Flows, life: Energy, days: tuple[Energy, Energy], phase: int) -> tuple[float, ...]:
    """(watts, delivered, received, today delivered, week delivered) of one phase of one CT."""
    today, week = days
    if kind == "production":
        return (flows.pv_ph[phase], life.pv_ph[phase], 0.0, today.pv_ph[phase], week.pv_ph[phase])
    if kind == "net-consumption":
        return (
            flows.grid_ph[phase],
            life.imported_ph[phase],
            life.exported_ph[phase],
            today.imported_ph[phase],
            week.imported_ph[phase],
        )
    if kind == "total-consumption":
        return (flows.load_ph[phase], life.load_ph[phase], 0.0, today.load_ph[phase], week.load_ph[phase])
    if kind == "storage":
        return (
            flows.battery_ph[phase],
            life.discharged_ph[phase],
            life.charged_ph[phase],
            today.discharged_ph[phase],
            week.discharged_ph[phase],
        )
    return (0.0, 0.0, 0.0, 0.0, 0.0)


def ct_phases(scene: Scene, kind: str) -> list[PhaseReading]:
    """One reading per phase in use (1, 2 or 3) of the CT measuring `kind`."""
    flows = scene.flows()
    life = scene.energy()
    days = scene.day_energy()
    out = []
    for ph in range(scene.hw.phases):
        watts, dlvd, rcvd, day, seven = _pick(kind, flows, life, days, ph)
        pf_kind = "production" if kind == "production" else "storage" if kind == "storage" else "load"
        out.append(PhaseReading(watts, dlvd, rcvd, day, seven, scene.volts(ph), power_factor(watts, pf_kind)))
    return out


def total_volts(scene: Scene, phases: list[PhaseReading]) -> float:
    """Volts as the device sums them for a meter: legs add up on split phase, averaged on three."""
    if not phases:
        return 0.0
    if scene.hw.phases == 3:
        return sum(p.volts for p in phases) / 3
    return sum(p.volts for p in phases)


def meters_list(scene: Scene) -> list[dict[str, Any]]:
    hw = scene.hw
    out: list[dict[str, Any]] = []
    for kind in (*hw.ct_enabled, *hw.ct_disabled):
        out.append(
            {
                "eid": METER_EIDS[kind],
                "state": "enabled" if kind in hw.ct_enabled else "disabled",
                "measurementType": kind,
                "phaseMode": hw.phase_mode,
                "phaseCount": hw.phases,
                "meteringStatus": "normal",
                "statusFlags": [],
            }
        )
    out.sort(key=lambda m: int(m["eid"]))
    return out


def _reading(eid: int, ts: int, ph: PhaseReading | None, freq: float, *, volts: float | None = None) -> dict[str, Any]:
    if ph is None:
        zero = 0.0
        return {
            "eid": eid,
            "timestamp": ts,
            "actEnergyDlvd": zero,
            "actEnergyRcvd": zero,
            "apparentEnergy": zero,
            "reactEnergyLagg": zero,
            "reactEnergyLead": zero,
            "instantaneousDemand": zero,
            "activePower": zero,
            "apparentPower": zero,
            "reactivePower": zero,
            "pwrFactor": zero,
            "voltage": zero,
            "current": zero,
            "freq": r3(freq),
        }
    return {
        "eid": eid,
        "timestamp": ts,
        "actEnergyDlvd": r3(ph.delivered_wh),
        "actEnergyRcvd": r3(ph.received_wh),
        "apparentEnergy": r3(ph.vah),
        "reactEnergyLagg": r3(ph.varh_lag),
        "reactEnergyLead": r3(ph.varh_lead),
        "instantaneousDemand": r3(ph.watts),
        "activePower": r3(ph.watts),
        "apparentPower": r3(ph.va),
        "reactivePower": r3(ph.var),
        "pwrFactor": round(ph.pf, 3),
        "voltage": r3(volts if volts is not None else ph.volts),
        "current": r3(ph.amps),
        "freq": r3(freq),
    }


def combine(phases: list[PhaseReading], volts: float) -> PhaseReading:
    watts = sum(p.watts for p in phases)
    va = sum(p.va for p in phases)
    pf = watts / va if va else 0.0
    return PhaseReading(
        watts,
        sum(p.delivered_wh for p in phases),
        sum(p.received_wh for p in phases),
        sum(p.today_wh for p in phases),
        sum(p.week_wh for p in phases),
        volts,
        pf,
    )


def readings(scene: Scene) -> list[dict[str, Any]]:
    hw = scene.hw
    ts = scene.ts
    freq = scene.freq()
    out: list[dict[str, Any]] = []
    for meter in meters_list(scene):
        kind = meter["measurementType"]
        eid = int(meter["eid"])
        phases = ct_phases(scene, kind) if kind in hw.ct_enabled else []
        volts = total_volts(scene, phases)
        total = combine(phases, volts) if phases else None
        entry = _reading(eid, ts, total, freq if phases else 0.0)
        entry["channels"] = [
            _reading(channel_eid(eid, i), ts, phases[i] if i < len(phases) else None, freq if phases else 0.0)
            for i in range(3)
        ]
        out.append(entry)
    if out and hw.version >= (8, 3):
        extra = _reading(EXTRA_READING_EID, ts, None, 0.0)
        extra["channels"] = [_reading(e, ts, None, 0.0) for e in _EXTRA_CHANNEL_EIDS]
        out.append(extra)
    return out


def _report_block(ph: PhaseReading, freq: float) -> dict[str, Any]:
    return {
        "currW": r3(ph.watts),
        "actPower": r3(ph.watts),
        "apprntPwr": r3(ph.va),
        "reactPwr": r3(ph.var),
        "whDlvdCum": r3(ph.delivered_wh),
        "whRcvdCum": r3(ph.received_wh),
        "varhLagCum": r3(ph.varh_lag),
        "varhLeadCum": r3(ph.varh_lead),
        "vahCum": r3(ph.vah),
        "rmsVoltage": r3(ph.volts),
        "rmsCurrent": r3(ph.amps),
        "pwrFactor": round(ph.pf, 2),
        "freqHz": round(freq, 2),
    }


def consumption_phases(scene: Scene, kind: str) -> list[PhaseReading]:
    """Total or net consumption, measured by its own CT or derived from the other ones."""
    return ct_phases(scene, kind)


def reports(scene: Scene) -> list[dict[str, Any]]:
    ts = scene.ts
    freq = scene.freq()
    out: list[dict[str, Any]] = []
    for kind in ("production", "net-consumption", "total-consumption"):
        phases = consumption_phases(scene, kind)
        total = combine(phases, total_volts(scene, phases))
        out.append(
            {
                "createdAt": ts,
                "reportType": kind,
                "cumulative": _report_block(total, freq),
                "lines": [_report_block(p, freq) for p in phases],
            }
        )
    return out

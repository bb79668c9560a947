"""What an installation is made of (its hardware and site) and what writes change (its controls)."""

from __future__ import annotations

from dataclasses import dataclass, field

STEP_S = 60
REPORT_PERIOD_S = 300
CHARGE_EFFICIENCY = 0.96
DISCHARGE_EFFICIENCY = 0.96
INVERTER_EFFICIENCY = 0.965


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


def phase_weights(phases: int) -> tuple[float, float, float]:
    """How a load spread over the installation's phases divides between L1, L2 and L3."""
    if phases == 1:
        return (1.0, 0.0, 0.0)
    if phases == 2:
        return (0.5, 0.5, 0.0)
    return (1 / 3, 1 / 3, 1 / 3)

"""What the house reads as: instantaneous flows, energy counters, inverter reports and battery states."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from collections.abc import Sequence


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

    def after(self, f: Flows, dt_h: float) -> Energy:
        """These counters after the flows `f` ran for `dt_h` hours."""
        return Energy(
            self.pv + f.pv * dt_h,
            self.load + f.load * dt_h,
            self.imported + max(f.grid, 0.0) * dt_h,
            self.exported + max(-f.grid, 0.0) * dt_h,
            self.charged + max(-f.battery, 0.0) * dt_h,
            self.discharged + max(f.battery, 0.0) * dt_h,
            self.generator + f.generator * dt_h,
            _add3(self.pv_ph, f.pv_ph, dt_h),
            _add3(self.load_ph, f.load_ph, dt_h),
            _add3(self.imported_ph, [max(g, 0.0) for g in f.grid_ph], dt_h),
            _add3(self.exported_ph, [max(-g, 0.0) for g in f.grid_ph], dt_h),
            _add3(self.charged_ph, [max(-b, 0.0) for b in f.battery_ph], dt_h),
            _add3(self.discharged_ph, [max(b, 0.0) for b in f.battery_ph], dt_h),
        )


def _add3(a: tuple[float, float, float], b: Sequence[float], scale: float) -> tuple[float, float, float]:
    return (a[0] + b[0] * scale, a[1] + b[1] * scale, a[2] + b[2] * scale)


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
    output: str = "ok"  # ok | shaded | fault (see health.py)
    communicating: bool = True  # False: the report is the last one before the link went down
    conversion_error_s: int = 0  # seconds of the report period with power-conversion errors


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

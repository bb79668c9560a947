"""A house that moves like a real one over simulated time.

Sun, inverters, house load, batteries and the grid connection, integrated on a fixed
60-second grid of simulated time. Everything within one step is a pure function of the
step's start (seeded hashing, no shared RNG), so the counters read at any instant depend
only on the seed, the clock and the controls applied, never on how often the device is
polled. Sign conventions are the device's: grid positive = import, battery positive =
discharge.

One module per part: sky (sun), load (household demand), inverters and their health,
battery, balance (who supplies the load in a step), grid (voltage, frequency), readings
(what is read), and house (all of them integrated together).
"""

from .config import (
    CHARGE_EFFICIENCY,
    DISCHARGE_EFFICIENCY,
    INVERTER_EFFICIENCY,
    REPORT_PERIOD_S,
    STEP_S,
    BatterySpec,
    Controls,
    HouseConfig,
    InverterSpec,
)
from .health import InverterHealth
from .house import House
from .noise import smooth_noise, unit_noise
from .readings import BatteryState, Energy, Flows, InverterReport

__all__ = [
    "CHARGE_EFFICIENCY",
    "DISCHARGE_EFFICIENCY",
    "INVERTER_EFFICIENCY",
    "REPORT_PERIOD_S",
    "STEP_S",
    "BatterySpec",
    "BatteryState",
    "Controls",
    "Energy",
    "Flows",
    "House",
    "HouseConfig",
    "InverterHealth",
    "InverterReport",
    "InverterSpec",
    "smooth_noise",
    "unit_noise",
]

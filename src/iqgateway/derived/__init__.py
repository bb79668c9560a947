"""Energy the gateway does not count itself, derived from its snapshots (pure, one accumulator per gateway).

- `GridEnergy`: grid import/export from the balanced net-consumption lifetime counter.
- `BatteryEnergy`: battery charged/discharged integrated from the batteries' power.
- `DailyEnergy`: today and last seven days from lifetime counters at the site's local midnights.

Both are fed `GatewayData` snapshots (`update(data, at=None)`), only ever count up, ignore
device glitches, and survive restarts through `to_state()` / `from_state(state)`.
"""

from __future__ import annotations

from .battery_energy import BatteryEnergy, BatteryPower, battery_power
from .daily_energy import DailyEnergy, DailyFigures, DailySource
from .grid_energy import GridEnergy, GridEnergyTotals, balanced_net_reading

__all__ = [
    "BatteryEnergy",
    "BatteryPower",
    "DailyEnergy",
    "DailyFigures",
    "DailySource",
    "GridEnergy",
    "GridEnergyTotals",
    "balanced_net_reading",
    "battery_power",
]

"""Sensors beyond core's integration: grid import/export and battery charged/discharged today and last 7 days.

Rebuilt from the lifetime counters at the site's local midnights like core's daily production and
consumption sensors (GatewayData.daily, iqgateway.derived.daily_readings): grid import/export from the
net-consumption CT's counters, or on a total-consumption CT site from the rises and falls of the balanced
net counter; battery charged/discharged from the storage CT's counters. Unknown until the first midnight
close where the device has no figure of its own.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator

from iqgateway import GatewayData

from .entity import ENVOY
from .sensor_common import ENERGY_SEVEN_DAYS, ENERGY_TODAY, EnvoySensorEntityDescription, SensorValue

# sensor key part -> GatewayData.daily key
DAILY_COUNTERS = (
    ("grid_import", "grid.imported"),
    ("grid_export", "grid.exported"),
    ("battery_charged", "battery.charged"),
    ("battery_discharged", "battery.discharged"),
)


def _value(counter: str, seven_days: bool) -> Callable[[GatewayData], SensorValue]:
    def value(data: GatewayData) -> SensorValue:
        figures = data.daily.get(counter)
        if figures is None:
            return None
        return figures.last_seven_days_wh if seven_days else figures.today_wh

    return value


def _exists(counter: str) -> Callable[[GatewayData, GatewayData], bool]:
    return lambda item, data: counter in data.daily


def daily_sensors() -> Iterator[EnvoySensorEntityDescription[GatewayData]]:
    for name, counter in DAILY_COUNTERS:
        for prefix, seven_days in (("daily", False), ("seven_days", True)):
            yield EnvoySensorEntityDescription[GatewayData](
                hardware=ENVOY, key=f"{prefix}_{name}", translation_key=f"{prefix}_{name}",
                value_fn=_value(counter, seven_days), exists_fn=_exists(counter),
                **(ENERGY_SEVEN_DAYS if seven_days else ENERGY_TODAY),
            )

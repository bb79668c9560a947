"""A snapshot's today / last-seven-days figures replaced by those DailyEnergy rebuilds from the lifetime counters.

Counters: production, total consumption, net consumption (a signed balance), each in total and per
phase ("production", "production.L1", ...), and each CT's delivered and received counters
("meters.net-consumption.delivered", ...: grid import and export). The device's own figures stay in the
reading (`device_wh_today`, `device_wh_last_seven_days`), flagged when they disagree.

Every counter's figures go into `GatewayData.daily`, with four named ones where the site has their counters:
"grid.imported" / "grid.exported" (the net-consumption CT's delivered / received counters; on a
total-consumption CT site the rises and falls of the balanced net counter, counted as DailyEnergy takes its
readings) and "battery.charged" / "battery.discharged" (the storage CT's received / delivered counters).
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from types import MappingProxyType

from ..models import EnergyReading, GatewayData, MeterReading
from .daily_energy import DailyEnergy, DailyFigures


def rated_power_w(data: GatewayData) -> float | None:
    """The sum of the inverters' maximum watts; None unless every inverter reports one."""
    inverters = [*data.inverters.values(), *data.summary_only_inverters.values()]
    watts = [inverter.max_report_watts for inverter in inverters]
    if not watts or any(w is None or not w > 0 for w in watts):
        return None
    return float(sum(w for w in watts if w is not None))


def lifetime_time(data: GatewayData) -> float | None:
    """When the production source's counters were read (the snapshot's time if not known)."""
    source = data.features.production_source
    status = data.endpoints.get(source) if source is not None else None
    if status is not None and status.fetched_at is not None:
        return status.fetched_at
    return data.updated_at


def apply_daily(daily: DailyEnergy, data: GatewayData) -> tuple[GatewayData, Mapping[str, DailyFigures]]:
    """`data` with rebuilt daily figures, and every counter's figures by name."""
    at = lifetime_time(data)
    if at is None:
        return data, {}
    daily.rated_power_w = rated_power_w(data)
    figures: dict[str, DailyFigures] = {}

    def energy(key: str, reading: EnergyReading | None, *, signed: bool = False,
               bounded: bool = False) -> EnergyReading | None:
        return None if reading is None else rebuilt(key, reading, signed=signed, bounded=bounded)

    def rebuilt(key: str, reading: EnergyReading, *, signed: bool, bounded: bool) -> EnergyReading:
        if reading.wh_lifetime is None:
            return reading
        found = daily.observe(key, at, reading.wh_lifetime, device_today_wh=reading.wh_today,
                              device_seven_days_wh=reading.wh_last_seven_days, signed=signed, bounded=bounded)
        figures[key] = found
        phases = None if reading.phases is None else {
            name: rebuilt(f"{key}.{name}", phase, signed=signed, bounded=bounded)
            for name, phase in reading.phases.items()
        }
        return dataclasses.replace(
            reading, wh_today=found.today_wh, wh_last_seven_days=found.last_seven_days_wh,
            device_wh_today=reading.wh_today, device_wh_last_seven_days=reading.wh_last_seven_days,
            device_daily_disagrees=found.device_disagrees, phases=phases,
        )

    changed = dataclasses.replace(
        data,
        production=energy("production", data.production, bounded=True),
        consumption_total=energy("consumption_total", data.consumption_total),
        consumption_net=energy("consumption_net", data.consumption_net, signed=True),
    )
    for kind, reading in data.meters.items():
        _meter(daily, f"meters.{kind}", reading, _meter_time(reading, at), figures)
    _named(daily, at, figures)
    return dataclasses.replace(changed, daily=MappingProxyType(figures)), figures


_NAMED = (
    ("grid.imported", ("meters.net-consumption.delivered", "consumption_net.imported")),
    ("grid.exported", ("meters.net-consumption.received", "consumption_net.exported")),
    ("battery.charged", ("meters.storage.received",)),
    ("battery.discharged", ("meters.storage.delivered",)),
)


def _named(daily: DailyEnergy, at: float, figures: dict[str, DailyFigures]) -> None:
    balance = daily.balance("consumption_net") if "consumption_net" in figures else None
    if balance is not None:
        for name, total in zip(("imported", "exported"), balance, strict=True):
            figures[f"consumption_net.{name}"] = daily.observe(f"consumption_net.{name}", at, total)
    for name, sources in _NAMED:
        found = next((figures[source] for source in sources if source in figures), None)
        if found is not None:
            figures[name] = found


def _meter_time(reading: MeterReading, fallback: float) -> float:
    return float(reading.timestamp) if reading.timestamp else fallback


def _meter(daily: DailyEnergy, key: str, reading: MeterReading, at: float,
           figures: dict[str, DailyFigures]) -> None:
    for name, value in (("delivered", reading.energy_delivered_wh), ("received", reading.energy_received_wh)):
        if value is not None:
            figures[f"{key}.{name}"] = daily.observe(f"{key}.{name}", at, value)
    for phase, line in (reading.phases or {}).items():
        _meter(daily, f"{key}.{phase}", line, at, figures)

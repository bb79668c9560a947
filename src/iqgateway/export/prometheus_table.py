"""The Prometheus metric families: name, help, extra labels and how to read the samples from a snapshot.

Every family gets the `serial` label in front of its own. Energy the Envoy counts in Wh is exported in
joules (x 3600): lifetime totals that only grow are counters (`_joules_total`); today's and the last seven
days' energy restart and are gauges, and so is a net lifetime counter, which runs both ways. A value the
snapshot lacks has no sample (never a 0).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from typing import Any

from ..models import EnergyReading, GatewayData, MeterReading

JOULES_PER_WH = 3600.0

Samples = Iterator[tuple[tuple[str, ...], float]]


@dataclass(frozen=True, slots=True)
class Family:
    name: str
    help: str
    labels: tuple[str, ...]
    samples: Callable[[GatewayData], Samples]
    counter: bool = False  # the name then lacks the `_total` the exposition adds


def _multi(phases: Mapping[str, Any] | None) -> Mapping[str, Any]:
    return phases if phases and len(phases) > 1 else {}


def _energy(pick: Callable[[GatewayData], EnergyReading | None], field: str, scale: float,
            per_phase: bool) -> Callable[[GatewayData], Samples]:
    def samples(data: GatewayData) -> Samples:
        reading = pick(data)
        if reading is None:
            return
        if not per_phase:
            value = getattr(reading, field)
            if value is not None:
                yield (), float(value) * scale
            return
        for phase, part in _multi(reading.phases).items():
            value = getattr(part, field)
            if value is not None:
                yield (phase,), float(value) * scale

    return samples


def _flow_families(flow: str, what: str, pick: Callable[[GatewayData], EnergyReading | None],
                   lifetime_counter: bool) -> Iterator[Family]:
    for phase_labels, infix, per_phase in (((), "", False), (("phase",), "_phase", True)):
        base, where = f"iqgateway_{flow}{infix}", " per phase" if per_phase else ""
        yield Family(f"{base}_power_watts", f"{what} power now{where}", phase_labels,
                     _energy(pick, "watts_now", 1.0, per_phase))
        yield Family(f"{base}_energy_joules" if lifetime_counter else f"{base}_lifetime_energy_joules",
                     f"{what} energy over the lifetime{where}", phase_labels,
                     _energy(pick, "wh_lifetime", JOULES_PER_WH, per_phase), counter=lifetime_counter)
        if lifetime_counter:
            yield Family(f"{base}_today_energy_joules", f"{what} energy today{where}",
                         phase_labels, _energy(pick, "wh_today", JOULES_PER_WH, per_phase))
            yield Family(f"{base}_seven_day_energy_joules",
                         f"{what} energy in the last seven days{where}", phase_labels,
                         _energy(pick, "wh_last_seven_days", JOULES_PER_WH, per_phase))


def _meters(field: str, scale: float = 1.0) -> Callable[[GatewayData], Samples]:
    def samples(data: GatewayData) -> Samples:
        for kind, meter in data.meters.items():
            value = getattr(meter, field)
            if value is not None:
                yield (kind,), float(value) * scale

    return samples


def _meter_phases(field: str, scale: float = 1.0) -> Callable[[GatewayData], Samples]:
    def samples(data: GatewayData) -> Samples:
        for kind, meter in data.meters.items():
            phases: Mapping[str, MeterReading] = _multi(meter.phases)
            for phase, part in phases.items():
                value = getattr(part, field)
                if value is not None:
                    yield (kind, phase), float(value) * scale

    return samples


METER_FIELDS = (
    ("power_watts", "active_power_w", 1.0, "active power", False),
    ("apparent_power_voltamperes", "apparent_power_va", 1.0, "apparent power", False),
    ("reactive_power_voltamperes_reactive", "reactive_power_var", 1.0, "reactive power", False),
    ("voltage_volts", "voltage_v", 1.0, "voltage", False),
    ("current_amperes", "current_a", 1.0, "current", False),
    ("frequency_hertz", "frequency_hz", 1.0, "frequency", False),
    ("power_factor_ratio", "power_factor", 1.0, "power factor", False),
    ("delivered_energy_joules", "energy_delivered_wh", JOULES_PER_WH, "energy delivered over the lifetime", True),
    ("received_energy_joules", "energy_received_wh", JOULES_PER_WH, "energy received over the lifetime", True),
)


def _meter_families() -> Iterator[Family]:
    for suffix, field, scale, what, counter in METER_FIELDS:
        yield Family(f"iqgateway_meter_{suffix}", f"CT {what}, by measurement type", ("measurement",),
                     _meters(field, scale), counter=counter)
        yield Family(f"iqgateway_meter_phase_{suffix}", f"CT {what} per phase, by measurement type",
                     ("measurement", "phase"), _meter_phases(field, scale), counter=counter)


def _inverters(field: str, scale: float = 1.0) -> Callable[[GatewayData], Samples]:
    def samples(data: GatewayData) -> Samples:
        for serial, inverter in {**data.summary_only_inverters, **data.inverters}.items():
            value = getattr(inverter, field)
            if value is not None:
                yield (serial,), float(value) * scale

    return samples


INVERTER_FIELDS = (
    ("power_watts", "last_report_watts", 1.0, "power at its last report", False),
    ("max_power_watts", "max_report_watts", 1.0, "highest power it ever reported", False),
    ("last_report_timestamp_seconds", "last_report_date", 1.0, "time of its last report (epoch seconds)", False),
    ("dc_voltage_volts", "dc_voltage_v", 1.0, "DC voltage", False),
    ("dc_current_amperes", "dc_current_a", 1.0, "DC current", False),
    ("ac_voltage_volts", "ac_voltage_v", 1.0, "AC voltage", False),
    ("ac_current_amperes", "ac_current_a", 1.0, "AC current", False),
    ("ac_frequency_hertz", "ac_frequency_hz", 1.0, "AC frequency", False),
    ("temperature_celsius", "temperature_c", 1.0, "temperature", False),
    ("energy_joules", "lifetime_energy_wh", JOULES_PER_WH, "energy produced over its lifetime", True),
)


def _encharge(field: str, scale: float = 1.0) -> Callable[[GatewayData], Samples]:
    def samples(data: GatewayData) -> Samples:
        for serial, battery in (data.encharge or {}).items():
            value = getattr(battery, field)
            if field == "soc_percent" and battery.power_soc_percent is not None:
                value = battery.power_soc_percent
            if value is not None:
                yield (serial,), float(value) * scale

    return samples


def _single(pick: Callable[[GatewayData], Any], field: str, scale: float = 1.0) -> Callable[[GatewayData], Samples]:
    def samples(data: GatewayData) -> Samples:
        item = pick(data)
        value = getattr(item, field) if item is not None else None
        if value is not None:
            yield (), float(value) * scale

    return samples


def _battery_families() -> Iterator[Family]:
    yield Family("iqgateway_battery_charge_ratio", "IQ Battery state of charge (0..1)", ("battery",),
                 _encharge("soc_percent", 0.01))
    yield Family("iqgateway_battery_power_watts", "IQ Battery power (+ discharging)", ("battery",),
                 _encharge("real_power_w"))
    yield Family("iqgateway_battery_capacity_joules", "IQ Battery capacity", ("battery",),
                 _encharge("capacity_wh", JOULES_PER_WH))
    yield Family("iqgateway_battery_max_cell_temperature_celsius", "IQ Battery hottest cell", ("battery",),
                 _encharge("max_cell_temp_c"))
    for suffix, field, scale, what in (
        ("charge_ratio", "soc_percent", 0.01, "state of charge (0..1)"),
        ("reserve_charge_ratio", "reserve_soc_percent", 0.01, "backup reserve (0..1)"),
        ("available_energy_joules", "available_energy_wh", JOULES_PER_WH, "energy available"),
        ("reserve_energy_joules", "backup_reserve_wh", JOULES_PER_WH, "energy kept for backup"),
        ("capacity_joules", "max_available_capacity_wh", JOULES_PER_WH, "capacity"),
    ):
        yield Family(f"iqgateway_batteries_{suffix}", f"All IQ Batteries: {what}", (),
                     _single(lambda d: d.encharge_aggregate, field, scale))
    yield Family("iqgateway_ac_batteries_power_watts", "AC Batteries power (+ discharging)", (),
                 _single(lambda d: d.acb, "power_w"))
    yield Family("iqgateway_ac_batteries_charge_ratio", "AC Batteries state of charge (0..1)", (),
                 _single(lambda d: d.acb, "soc_percent", 0.01))
    yield Family("iqgateway_ac_batteries_stored_energy_joules", "AC Batteries energy stored", (),
                 _single(lambda d: d.acb, "charge_wh", JOULES_PER_WH))


def _families() -> tuple[Family, ...]:
    return (
        *_flow_families("production", "Solar production", lambda d: d.production, True),
        *_flow_families("consumption", "Total consumption", lambda d: d.consumption_total, True),
        *_flow_families("net_consumption", "Net consumption (+ import, - export)", lambda d: d.consumption_net,
                        False),
        *_meter_families(),
        *(Family(f"iqgateway_inverter_{suffix}", f"Microinverter {what}", ("inverter",), _inverters(field, scale),
                 counter=counter) for suffix, field, scale, what, counter in INVERTER_FIELDS),
        *_battery_families(),
    )


FAMILIES: tuple[Family, ...] = _families()

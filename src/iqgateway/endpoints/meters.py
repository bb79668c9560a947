"""CT meters: `/ivp/meters` (configuration) joined by eid with `/ivp/meters/readings` (values)."""

from __future__ import annotations

from collections.abc import Mapping
from types import MappingProxyType

from ..models import PHASE_NAMES, CtMeter, MeterReading
from .family import EVERY_CYCLE, CounterKind, EndpointFamily, GuardWatch
from .values import JsonDict, dicts, int_at, num_at, str_at, strings

METERS = "/ivp/meters"
METER_READINGS = "/ivp/meters/readings"


def parse_meters(doc: object) -> tuple[CtMeter, ...] | None:
    """Every CT the device lists (enabled or not); None if the document is not a CT list in the documented shape."""
    if not isinstance(doc, list):
        return None
    meters: list[CtMeter] = []
    entries = dicts(doc)
    if len(entries) != len(doc):
        return None
    for entry in entries:
        eid = int_at(entry, "eid")
        kind = str_at(entry, "measurementType")
        count = entry.get("phaseCount")
        if eid is None or not kind or str_at(entry, "state") is None or (
                count is not None and int_at(entry, "phaseCount") is None):
            return None  # one CT in the wrong shape: the configuration as a whole cannot be trusted
        meters.append(CtMeter(
            eid=eid,
            measurement_type=kind,
            state=str_at(entry, "state") or "",
            phase_mode=str_at(entry, "phaseMode"),
            phase_count=int_at(entry, "phaseCount"),
            metering_status=str_at(entry, "meteringStatus"),
            status_flags=strings(entry.get("statusFlags")),
        ))
    return tuple(meters)


def enabled_meters(meters: tuple[CtMeter, ...]) -> tuple[CtMeter, ...]:
    return tuple(meter for meter in meters if meter.enabled)


def phase_layout(meters: tuple[CtMeter, ...]) -> tuple[int, str | None]:
    """(phase count, phase mode) of the system as its enabled CTs report it; (1, None) without CTs."""
    active = enabled_meters(meters)
    if not active:
        return 1, None
    first = next((m for m in active if m.measurement_type == "production"), active[0])
    count = first.phase_count if first.phase_count and first.phase_count > 0 else 1
    return count, first.phase_mode


def readings_by_eid(doc: object) -> dict[int, JsonDict] | None:
    """`/ivp/meters/readings` indexed by eid; None if the document is not a readings list."""
    if not isinstance(doc, list):
        return None
    indexed: dict[int, JsonDict] = {}
    for entry in dicts(doc):
        eid = int_at(entry, "eid")
        if eid is not None:
            indexed[eid] = entry
    if doc and not indexed:
        return None
    return indexed


def _reading(entry: JsonDict, meter: CtMeter, phases: Mapping[str, MeterReading] | None) -> MeterReading:
    return MeterReading(
        eid=int_at(entry, "eid"),
        timestamp=int_at(entry, "timestamp"),
        active_power_w=num_at(entry, "activePower"),
        apparent_power_va=num_at(entry, "apparentPower"),
        reactive_power_var=num_at(entry, "reactivePower"),
        energy_delivered_wh=num_at(entry, "actEnergyDlvd"),
        energy_received_wh=num_at(entry, "actEnergyRcvd"),
        voltage_v=num_at(entry, "voltage"),
        current_a=num_at(entry, "current"),
        frequency_hz=num_at(entry, "freq"),
        power_factor=num_at(entry, "pwrFactor"),
        metering_status=meter.metering_status,
        status_flags=meter.status_flags,
        state=meter.state,
        phases=phases,
    )


def join_readings(meters: tuple[CtMeter, ...], readings: Mapping[int, JsonDict]) -> dict[str, MeterReading]:
    """One MeterReading per enabled CT, keyed by measurement type; readings of unknown eids are ignored."""
    joined: dict[str, MeterReading] = {}
    for meter in enabled_meters(meters):
        entry = readings.get(meter.eid)
        if entry is None or meter.measurement_type in joined:
            continue
        phases: dict[str, MeterReading] | None = None
        count = meter.phase_count or 1
        channels = dicts(entry.get("channels"))
        if count > 1 and len(channels) >= count:
            phases = {name: _reading(channel, meter, None)
                      for name, channel in zip(PHASE_NAMES, channels[:count], strict=False)}
        joined[meter.measurement_type] = _reading(entry, meter, phases)
    return joined


FAMILY = EndpointFamily(
    name="meters",
    paths=(METERS, METER_READINGS),
    intervals=((METER_READINGS, EVERY_CYCLE), (METERS, 3600.0)),
    usable=MappingProxyType({
        METERS: lambda answer: answer.part(parse_meters) is not None,
        METER_READINGS: lambda answer: bool(answer.part(readings_by_eid)),
    }),
    guards=(GuardWatch("meters", (("energy_delivered_wh", CounterKind.LIFETIME),
                                  ("energy_received_wh", CounterKind.LIFETIME)), keyed=True),),
)

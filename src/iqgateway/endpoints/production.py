"""Production and consumption totals.

Three sources, all optional per device:
- `/production.json?details=1` and `/production`: segments `production[]` (type `inverters`: the
  microinverters' own totals; type `eim`: the production CT), `consumption[]` (CT-derived total and
  net consumption) and `storage[]` (AC battery aggregate, see acb.py). `lines[]` holds one entry per
  phase on firmware that reports it.
- `/api/v1/production`: wattsNow, wattHoursToday, wattHoursSevenDays, wattHoursLifetime.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from types import MappingProxyType

from ..answer import Answer
from ..models import PHASE_NAMES, EnergyReading
from .family import CounterKind, EndpointFamily, GuardWatch
from .values import JsonDict, dicts, int_at, mapping, num_at, str_at

PRODUCTION_DETAILS = "/production.json?details=1"
PRODUCTION_HTML_ERA = "/production"
PRODUCTION_V1 = "/api/v1/production"
PRODUCTION_DOCS: tuple[str, str] = (PRODUCTION_DETAILS, PRODUCTION_HTML_ERA)

TOTAL_CONSUMPTION = "total-consumption"
NET_CONSUMPTION = "net-consumption"


@dataclass(frozen=True, slots=True)
class Segment:
    """One entry of a production document's `production[]`/`consumption[]`/`storage[]`."""

    kind: str | None  # "inverters", "eim", "acb"
    measurement_type: str | None
    active_count: int | None
    entry: JsonDict

    @property
    def active(self) -> bool:
        return (self.active_count or 0) > 0

    @property
    def sound(self) -> bool:
        """Counts and headline numbers have their documented types (no drift, no wrong types)."""
        if self.active_count is None:
            return False
        if self.kind == "acb":
            return not self.active or num_at(self.entry, "wNow") is not None
        if self.kind == "inverters" or self.active:
            return num_at(self.entry, "wNow") is not None and num_at(self.entry, "whLifetime") is not None
        return True


@dataclass(frozen=True, slots=True)
class ProductionDoc:
    """A decoded production.json / /production document, split into its segments."""

    inverters: Segment | None
    production_ct: Segment | None
    total_consumption: Segment | None
    net_consumption: Segment | None
    storage: Segment | None

    @property
    def has_active_production_ct(self) -> bool:
        return self.production_ct is not None and self.production_ct.active

    @property
    def metered_without_production_ct(self) -> bool:
        """A production CT slot is reported but inactive (metered hardware, no CT installed)."""
        return self.production_ct is not None and self.production_ct.active_count == 0

    @property
    def sound(self) -> bool:
        """Every segment has its documented types: the document can be trusted as a whole."""
        segments = (self.inverters, self.production_ct, self.total_consumption, self.net_consumption, self.storage)
        return all(seg.sound for seg in segments if seg is not None)

    @property
    def has_active_consumption(self) -> bool:
        return any(seg is not None and seg.active for seg in (self.total_consumption, self.net_consumption))

    @property
    def has_active_storage(self) -> bool:
        return self.storage is not None and self.storage.active


def _segment(entry: JsonDict) -> Segment:
    return Segment(
        kind=str_at(entry, "type"),
        measurement_type=str_at(entry, "measurementType"),
        active_count=int_at(entry, "activeCount"),
        entry=entry,
    )


def parse_production_doc(doc: object) -> ProductionDoc | None:
    """Split a production.json document; None if it is not one (HTML decoded elsewhere, wrong shape)."""
    root = mapping(doc)
    if root is None:
        return None
    production = [_segment(e) for e in dicts(root.get("production"))]
    consumption = [_segment(e) for e in dicts(root.get("consumption"))]
    storage = [_segment(e) for e in dicts(root.get("storage"))]
    if not production and not consumption and not storage:
        return None
    inverters = next((s for s in production if s.kind == "inverters"), None)
    production_ct = next((s for s in production if s.kind == "eim"
                          and s.measurement_type in (None, "production")), None)
    total, net = _consumption_segments(consumption)
    acb = next((s for s in storage if s.kind in (None, "acb")), None)
    return ProductionDoc(inverters=inverters, production_ct=production_ct, total_consumption=total,
                         net_consumption=net, storage=acb)


def _consumption_segments(entries: list[Segment]) -> tuple[Segment | None, Segment | None]:
    """Total and net consumption: by measurementType, else by position (0 total, 1 net) on old firmware."""
    eims = [s for s in entries if s.kind in (None, "eim")]
    if any(s.measurement_type for s in eims):
        total = next((s for s in eims if s.measurement_type == TOTAL_CONSUMPTION), None)
        net = next((s for s in eims if s.measurement_type == NET_CONSUMPTION), None)
        return total, net
    return (eims[0] if eims else None), (eims[1] if len(eims) > 1 else None)


def _phases(entry: JsonDict, phase_count: int) -> Mapping[str, EnergyReading] | None:
    if phase_count < 2:
        return None
    lines = dicts(entry.get("lines"))
    if len(lines) < phase_count:
        return None
    return {name: _energy(line) for name, line in zip(PHASE_NAMES, lines[:phase_count], strict=False)}


def lines_phases(segment: Segment | None, positions: tuple[int, ...]) -> Mapping[str, EnergyReading] | None:
    """An active segment's `lines` at `positions`, named by position (0 -> L1); None without them all."""
    if segment is None or not segment.active:
        return None
    lines = dicts(segment.entry.get("lines"))
    if not positions or max(positions) >= len(lines):
        return None
    return {PHASE_NAMES[index]: _energy(lines[index]) for index in positions}


def _energy(entry: JsonDict, *, phases: Mapping[str, EnergyReading] | None = None) -> EnergyReading:
    return EnergyReading(
        watts_now=num_at(entry, "wNow"),
        wh_today=num_at(entry, "whToday"),
        wh_last_seven_days=num_at(entry, "whLastSevenDays"),
        wh_lifetime=num_at(entry, "whLifetime"),
        phases=phases,
    )


def segment_reading(segment: Segment | None, phase_count: int) -> EnergyReading | None:
    """An active CT segment as an EnergyReading (per-phase lines when the system has several phases)."""
    if segment is None or not segment.active:
        return None
    reading = _energy(segment.entry, phases=_phases(segment.entry, phase_count))
    return reading if _has_any(reading) else None


def inverters_reading(doc: ProductionDoc) -> EnergyReading | None:
    """Production from the `inverters` segment: power and lifetime only (no today / 7-day counters)."""
    seg = doc.inverters
    if seg is None:
        return None
    reading = EnergyReading(watts_now=num_at(seg.entry, "wNow"), wh_today=None, wh_last_seven_days=None,
                            wh_lifetime=num_at(seg.entry, "whLifetime"))
    return reading if _has_any(reading) else None


def idle_ct_reading(doc: ProductionDoc | None) -> EnergyReading | None:
    """The counters of an inactive production CT slot (activeCount 0) as reported; None otherwise."""
    if doc is None or not doc.metered_without_production_ct or doc.production_ct is None:
        return None
    reading = _energy(doc.production_ct.entry)
    return reading if _has_any(reading) else None


def production_from_doc(doc: ProductionDoc, phase_count: int) -> EnergyReading | None:
    """Production CT when one is active, else the inverters' own totals."""
    if doc.has_active_production_ct:
        return segment_reading(doc.production_ct, phase_count)
    return inverters_reading(doc)


def v1_sound(reading: EnergyReading | None) -> bool:
    """The v1 totals carry at least power and lifetime as numbers."""
    return reading is not None and reading.watts_now is not None and reading.wh_lifetime is not None


def parse_v1_production(doc: object) -> EnergyReading | None:
    root = mapping(doc)
    if root is None:
        return None
    reading = EnergyReading(
        watts_now=num_at(root, "wattsNow"),
        wh_today=num_at(root, "wattHoursToday"),
        wh_last_seven_days=num_at(root, "wattHoursSevenDays"),
        wh_lifetime=num_at(root, "wattHoursLifetime"),
    )
    return reading if _has_any(reading) else None


def all_zero(reading: EnergyReading) -> bool:
    """Every counter reported and zero: what `/api/v1/production` says when it does not track anything."""
    values = (reading.watts_now, reading.wh_today, reading.wh_last_seven_days, reading.wh_lifetime)
    return all(value in (0, None) for value in values)


def _has_any(reading: EnergyReading) -> bool:
    return any(v is not None for v in (reading.watts_now, reading.wh_today, reading.wh_last_seven_days,
                                       reading.wh_lifetime))


def _doc_usable(answer: Answer) -> bool:
    parsed = answer.part(parse_production_doc)
    if parsed is None or not parsed.sound:
        return False
    if production_from_doc(parsed, 1) is not None:
        return True
    readings = (segment_reading(parsed.total_consumption, 1), segment_reading(parsed.net_consumption, 1))
    return any(r is not None for r in readings) or parsed.has_active_storage


_ENERGY_COUNTERS = (("wh_today", CounterKind.TODAY), ("wh_last_seven_days", CounterKind.WINDOW),
                    ("wh_lifetime", CounterKind.LIFETIME))

FAMILY = EndpointFamily(
    name="production",
    paths=(PRODUCTION_DETAILS, PRODUCTION_V1, PRODUCTION_HTML_ERA),
    # the production source of an unmetered device is its live power: read every update
    metered_intervals=(("/production.json", 300.0), ("/production", 300.0)),
    slow=frozenset({"/production.json", "/production"}),
    usable=MappingProxyType({
        PRODUCTION_DETAILS: _doc_usable,
        PRODUCTION_HTML_ERA: _doc_usable,
        PRODUCTION_V1: lambda answer: v1_sound(answer.part(parse_v1_production)),
    }),
    guards=(
        GuardWatch("production", _ENERGY_COUNTERS),
        GuardWatch("consumption_total", _ENERGY_COUNTERS),
        # the balanced net counter falls whenever the house exports
        GuardWatch("consumption_net", (*_ENERGY_COUNTERS[:2], ("wh_lifetime", CounterKind.SIGNED))),
    ),
)

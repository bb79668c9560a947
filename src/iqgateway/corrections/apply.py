"""Apply every correction to a freshly assembled snapshot, once, and record what changed."""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping

from ..answer import part_of
from ..endpoints import ensemble, livedata, meters, production
from ..models import EnergyReading, GatewayData
from .consumption import PHASE_MODES, active_phases, overwritten_with_net, total_from_net
from .daily import plausible_daily
from .inverters import current_inverters
from .layout import lines_layout, phases_from_lines, positional_batteries, split_phase_live
from .record import Correction, CorrectionKind


def apply_corrections(data: GatewayData, docs: Mapping[str, object]) -> GatewayData:
    """`data` with the firmware faults its documents show undone; `docs`: the decoded answers by path.

    The daily figures are checked apart, after the energy guard (`apply_daily_corrections`)."""
    found: list[Correction] = list(data.corrections)
    doc = _production_doc(data, docs)
    data = _layout(data, docs, doc, found)

    current, others, more = current_inverters(data.features, docs, data.inverters, data.summary_only_inverters)
    found += more

    total = data.consumption_total
    if (total is not None and data.consumption_net is not None and data.production is not None
            and overwritten_with_net(doc, data.production)):
        total, more = total_from_net(total, data.consumption_net, data.production)
        found += more
        data = _active_phase_count(dataclasses.replace(data, consumption_total=total), doc, found)

    batteries, more = positional_batteries(docs.get(ensemble.INVENTORY), docs.get(ensemble.POWER))
    if batteries is not None:
        found += more
        data = dataclasses.replace(data, encharge=batteries)

    live, more = split_phase_live(docs.get(livedata.LIVEDATA), data.live)
    found += more
    return dataclasses.replace(data, inverters=current, summary_only_inverters=others, live=live,
                               corrections=tuple(found))


def apply_daily_corrections(data: GatewayData) -> GatewayData:
    """`data` without implausible today / 7-day figures of production and total consumption.

    Run after the energy guard: a 2^32 spike in a daily counter (which also makes it implausible) is the
    guard's to hold at its last good value; what is still implausible after the guard is left out."""
    production_reading, found = plausible_daily(data.production, "production")
    total_reading, more = plausible_daily(data.consumption_total, "consumption_total")
    if not found and not more:
        return data
    return dataclasses.replace(data, production=production_reading, consumption_total=total_reading,
                               corrections=(*data.corrections, *found, *more))


def _production_doc(data: GatewayData, docs: Mapping[str, object]) -> production.ProductionDoc | None:
    path = next((p for p in production.PRODUCTION_DOCS if p in docs), None)
    return part_of(docs, path, production.parse_production_doc) if path is not None else None


def _layout(data: GatewayData, docs: Mapping[str, object], doc: production.ProductionDoc | None,
            found: list[Correction]) -> GatewayData:
    """No CT configuration (`/ivp/meters` not served) but per-phase lines: the phases from the lines."""
    if (doc is None or meters.METERS in data.features.endpoints or meters.METERS in docs
            or data.features.ct_meters):
        return data
    positions = active_phases(doc)
    layout = lines_layout(data.phase_count, positions)
    if layout is None:
        return data
    count, mode, correction = layout
    found.append(correction)
    prod = data.production
    if doc.has_active_production_ct:
        prod = phases_from_lines(prod, doc.production_ct, positions)
    return dataclasses.replace(
        data, phase_count=count, phase_mode=mode, production=prod,
        consumption_total=phases_from_lines(data.consumption_total, doc.total_consumption, positions),
        consumption_net=phases_from_lines(data.consumption_net, doc.net_consumption, positions))


def _active_phase_count(data: GatewayData, doc: production.ProductionDoc | None,
                        found: list[Correction]) -> GatewayData:
    """These firmwares report three phases whatever the site has: only the phases with data count."""
    positions = active_phases(doc)
    if not positions or len(positions) >= data.phase_count:
        return data
    names = {f"L{index + 1}" for index in positions}
    count = len(positions)
    found.append(Correction(
        kind=CorrectionKind.ACTIVE_PHASES, path="phase_count", raw=data.phase_count, corrected=count,
        reason=f"only {', '.join(sorted(names))} carry data in production, total and net consumption"))

    def trimmed(reading: EnergyReading | None) -> EnergyReading | None:
        if reading is None or not reading.phases:
            return reading
        kept = {name: phase for name, phase in reading.phases.items() if name in names}
        return dataclasses.replace(reading, phases=kept if count > 1 else None)

    return dataclasses.replace(
        data, phase_count=count, phase_mode=PHASE_MODES[count], production=trimmed(data.production),
        consumption_total=trimmed(data.consumption_total), consumption_net=trimmed(data.consumption_net))

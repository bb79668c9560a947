"""Answers -> GatewayData: parse the last good answer of every path an update reads.

Only the production source is required: when it is missing or unusable, assemble raises a typed
error naming it. Every other part that cannot be parsed becomes None (or an empty mapping).
"""

from __future__ import annotations

import dataclasses
import time
from collections.abc import Mapping
from typing import Any, TypeVar

from .answer import Answer, ParsedDocs
from .corrections.apply import apply_corrections
from .endpoints import (
    acb,
    collar,
    dry_contacts,
    ensemble,
    inverters,
    meters,
    production,
    snapshot_parts,
    usable_checks,
)
from .errors import AuthenticationRequired, HttpStatusError, InvalidResponse, IQGatewayError
from .models import (
    DeviceInfo,
    EndpointStatus,
    EnergyReading,
    Features,
    GatewayData,
    Inverter,
    MeasurementType,
    MeterReading,
)

# What makes a decoded document usable, per path. Paths not listed only need to be JSON.
_USABLE = usable_checks()
_PARTS = snapshot_parts()

T = TypeVar("T")


def check_answer(path: str, answer: Answer, *, host: str) -> IQGatewayError | None:
    """None if the answer is usable for `path`; else the typed error explaining why not."""
    if answer.error is not None:
        return answer.error
    if answer.status in (401, 403):
        return AuthenticationRequired(f"the device refused the request (HTTP {answer.status})",
                                      host=host, endpoint=path)
    if not 200 <= answer.status < 300:
        return HttpStatusError(f"unexpected HTTP status {answer.status}", status=answer.status,
                               host=host, endpoint=path)
    try:
        answer.parsed.doc(answer.body)
    except ValueError as err:
        what = "an empty body" if not answer.body.strip() else f"a body that is not JSON ({_short(err)})"
        return InvalidResponse(f"answered {what}", host=host, endpoint=path)
    usable = _USABLE.get(path)
    if usable is not None and not usable(answer):
        return InvalidResponse("answered JSON that is not the expected document (drifted keys, wrong types "
                               "or no data)", host=host, endpoint=path)
    return None


def _short(err: ValueError) -> str:
    text = str(err)
    return text if len(text) <= 80 else text[:77] + "..."


def _docs(features: Features, answers: Mapping[str, Answer]) -> ParsedDocs:
    """The answers of the paths this update reads (others are ignored), each decoded and parsed once."""
    wanted = set(features.endpoints)
    if features.production_source:
        wanted.add(features.production_source)
    return ParsedDocs({path: answer for path in wanted if (answer := answers.get(path)) is not None})


def assemble(info: DeviceInfo, features: Features, answers: Mapping[str, Answer], *, host: str,
             statuses: Mapping[str, EndpointStatus] | None = None, now: float | None = None) -> GatewayData:
    """One immutable snapshot from the last good answer of each path in `features.endpoints`."""
    docs = _docs(features, answers)

    ct_list = docs.part(meters.METERS, meters.parse_meters)
    layout_known = True
    if ct_list is None:
        ct_list = features.ct_meters
        # CTs expected but their configuration never read: the phase layout is unknown, not single-phase
        layout_known = bool(ct_list) or meters.METERS not in features.endpoints
    phase_count, phase_mode = (meters.phase_layout(ct_list) if meters.enabled_meters(ct_list)
                               else (features.phase_count, features.phase_mode))

    prod_doc_path = next((p for p in production.PRODUCTION_DOCS if p in docs), None)
    prod_doc = docs.part(prod_doc_path, production.parse_production_doc)
    production_reading = _production(features, answers, docs, phase_count, host)

    consumption_total, consumption_net = docs.joined(prod_doc_path, production.parse_production_doc, phase_count,
                                                     _consumption)
    net_device = consumption_net

    readings = docs.part(meters.METER_READINGS, meters.readings_by_eid)
    meter_readings: Mapping[str, MeterReading] = (
        meters.join_readings(ct_list, readings) if readings is not None else {})

    if _fresher(answers, meters.METER_READINGS, prod_doc_path):
        production_reading, consumption_total, consumption_net = _power_from_meters(
            meter_readings, production_reading, consumption_total, consumption_net)

    inverter_map = _inverters(features, docs)

    groups = docs.part(ensemble.INVENTORY, ensemble.inventory_devices)
    power = docs.part(ensemble.POWER, ensemble.power_by_serial) or {}
    secctrl = docs.part(ensemble.SECCTRL, ensemble.parse_secctrl)
    encharge = docs.joined(ensemble.INVENTORY, ensemble.inventory_devices, power, ensemble.parse_encharge)

    acb_units = docs.part(acb.INVENTORY_JSON, acb.acb_inventory)
    acb_reports = None
    if prod_doc is not None and prod_doc.has_active_storage:  # AC batteries are only read where they are active
        acb_reports = (docs.part(inverters.V1_INVERTERS, inverters.v1_acb_entries)
                       if docs.part(inverters.V1_INVERTERS, inverters.v1_rows) is not None else None)
    ac_batteries = acb.parse_acb(prod_doc, acb_units, acb_reports)

    relays = None
    if dry_contacts.DRY_CONTACTS in docs:
        relays = dry_contacts.parse_dry_contacts(docs.get(dry_contacts.DRY_CONTACTS),
                                                 docs.get(dry_contacts.DRY_CONTACT_SETTINGS))

    parts: dict[str, Any] = {part.name: part.build(docs) for part in _PARTS}  # typed by each family's builder
    snapshot = GatewayData(
        info=info,
        features=features,
        phase_count=phase_count,
        phase_mode=phase_mode,
        production=production_reading,
        consumption_total=consumption_total,
        consumption_net=consumption_net,
        consumption_net_device=net_device,
        meters=meter_readings,
        inverters=inverter_map,
        encharge=encharge,
        encharge_aggregate=ensemble.encharge_aggregate(secctrl),
        enpower=ensemble.parse_enpower(groups),
        acb=ac_batteries,
        battery_aggregate=(ensemble.battery_aggregate(secctrl)
                           if ac_batteries is not None and encharge is not None else None),
        dry_contacts=relays,
        collar=collar.parse_collar(groups),
        c6cc=collar.parse_c6cc(groups),
        phase_layout_known=layout_known,
        idle_production_ct=(production.idle_ct_reading(prod_doc)
                            if features.production_source in production.PRODUCTION_DOCS else None),
        summary_only_inverters=_summary_only_inverters(features, docs, inverter_map),
        updated_at=time.time() if now is None else now,
        endpoints=dict(statuses or {}),
        raw=dict(docs),
        **parts,
    )
    return apply_corrections(snapshot, docs)


def _production(features: Features, answers: Mapping[str, Answer], docs: ParsedDocs, phase_count: int,
                host: str) -> EnergyReading:
    source = features.production_source
    if source is None:
        raise InvalidResponse("the probe found no production source", host=host,
                              endpoint=production.PRODUCTION_DETAILS)
    answer = answers.get(source)
    if answer is None:
        raise InvalidResponse("no answer from the production source", host=host, endpoint=source)
    problem = check_answer(source, answer, host=host)
    if problem is not None:
        raise problem
    if source == production.PRODUCTION_V1:
        reading = docs.part(source, production.parse_v1_production)
    else:
        reading = docs.joined(source, production.parse_production_doc, phase_count, _production_reading)
    if reading is None:
        raise InvalidResponse("the production source holds no production readings", host=host, endpoint=source)
    return reading


# Parts made of a document and the phase count: kept with the document's answer (ParsedDocs.joined).
def _production_reading(doc: production.ProductionDoc | None, phase_count: int) -> EnergyReading | None:
    return None if doc is None else production.production_from_doc(doc, phase_count)


def _consumption(doc: production.ProductionDoc | None,
                 phase_count: int) -> tuple[EnergyReading | None, EnergyReading | None]:
    if doc is None:
        return None, None
    return (production.segment_reading(doc.total_consumption, phase_count),
            production.segment_reading(doc.net_consumption, phase_count))


def _inverters(features: Features, docs: ParsedDocs) -> Mapping[str, Inverter]:
    """From the probed inverter source only: another source answers at other moments, with other values."""
    health = docs.part(acb.INVENTORY_JSON, inverters.inventory_health)
    if features.inverter_source == inverters.DEVICE_DATA:
        return docs.joined(inverters.DEVICE_DATA, inverters.pcu_channels, health,
                           inverters.device_data_inverters) or {}
    if features.inverter_source == inverters.V1_INVERTERS:
        return docs.joined(inverters.V1_INVERTERS, inverters.v1_rows, health, inverters.v1_inverters) or {}
    return {}


def _summary_only_inverters(features: Features, docs: ParsedDocs,
                            detailed: Mapping[str, Inverter]) -> Mapping[str, Inverter]:
    """v1-list inverters the detailed list leaves out (the v1 list is read beside it for AC batteries)."""
    if features.inverter_source != inverters.DEVICE_DATA:
        return {}
    health = docs.part(acb.INVENTORY_JSON, inverters.inventory_health)
    summary = docs.joined(inverters.V1_INVERTERS, inverters.v1_rows, health, inverters.v1_inverters) or {}
    return {serial: inverter for serial, inverter in summary.items() if serial not in detailed}


# CT readings newer than the production document by more than this carry the current power.
_FRESHER_S = 30.0


def _fresher(answers: Mapping[str, Answer], path: str, than: str | None) -> bool:
    mine, other = answers.get(path), answers.get(than) if than else None
    return mine is not None and other is not None and mine.fetched_at - other.fetched_at > _FRESHER_S


def _power_from_meters(
    readings: Mapping[str, MeterReading], prod: EnergyReading, total: EnergyReading | None,
    net: EnergyReading | None,
) -> tuple[EnergyReading, EnergyReading | None, EnergyReading | None]:
    """The energy readings with their power taken from CT readings fetched after the production document.

    The production document is slow for the device and read less often than the CT readings; its power
    figures are the same CTs' active power, so the fresher readings stand in for them. Total consumption
    on a net-consumption installation is production + net, as the device computes it."""
    ct_prod = readings.get(MeasurementType.PRODUCTION)
    ct_net = readings.get(MeasurementType.NET_CONSUMPTION)
    ct_total = readings.get(MeasurementType.TOTAL_CONSUMPTION)
    total_parts = (ct_total,) if ct_total is not None else (ct_prod, ct_net)
    return (
        _with_power(prod, (ct_prod,)),
        None if total is None else _with_power(total, total_parts),
        None if net is None else _with_power(net, (ct_net,)),
    )


def _with_power(reading: EnergyReading, parts: tuple[MeterReading | None, ...]) -> EnergyReading:
    watts = _summed([part.active_power_w if part is not None else None for part in parts])
    if watts is None:
        return reading
    phases = reading.phases
    if phases:
        phases = {name: dataclasses.replace(phase, watts_now=summed)
                  if (summed := _summed([_phase_power(part, name) for part in parts])) is not None else phase
                  for name, phase in phases.items()}
    return dataclasses.replace(reading, watts_now=watts, phases=phases)


def _phase_power(reading: MeterReading | None, name: str) -> float | None:
    phase = (reading.phases or {}).get(name) if reading is not None else None
    return phase.active_power_w if phase is not None else None


def _summed(values: list[float | None]) -> float | None:
    if not values or any(value is None for value in values):
        return None
    return sum(value for value in values if value is not None)

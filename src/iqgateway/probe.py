"""Setup probe: which endpoints answer and what they describe -> Features (what an update reads).

Decisions come from the answers themselves (which CTs are enabled, whether a production CT is
active, which inventory lists devices, whether a generator is configured); a 401/404 or an answer
that is not the expected document means "not available".
"""

from __future__ import annotations

from collections.abc import Mapping

from .answer import Answer
from .assemble import check_answer
from .endpoints import FAMILIES, acb, inverters, meters, production
from .endpoints import probe_paths as all_probe_paths
from .endpoints.production import ProductionDoc
from .endpoints.values import answer_json
from .errors import AuthenticationRequired, InvalidResponse
from .firmware import uses_tokens
from .models import CtMeter, DeviceInfo, EnergyReading, Feature, Features

# Everything the probe asks once at setup (query included); a missing endpoint just answers 404.
_PROBE_PATHS = all_probe_paths()

_AUTH_STATUSES = (401, 403)


def probe_paths(info: DeviceInfo) -> tuple[str, ...]:
    """The paths the probe fetches once (query included).

    The same list for every firmware: what a device lacks answers 401/404 or an error document, and
    decide_features reads that as "not available". `info` is kept for firmware-specific exceptions.
    """
    del info
    return _PROBE_PATHS


def production_doc(answers: Mapping[str, Answer]) -> tuple[str | None, ProductionDoc | None]:
    """The first sound production document: `?details=1` (per-phase lines), else `/production`; if neither
    is sound, the first that decodes at all."""
    found: list[tuple[str, ProductionDoc]] = []
    for path in production.PRODUCTION_DOCS:
        doc = production.parse_production_doc(answer_json(answers.get(path)))
        if doc is not None:
            found.append((path, doc))
    for path, doc in found:
        if doc.sound:
            return path, doc
    if found:
        return found[0]
    return None, None


def _v1_stalled(v1: EnergyReading, segment: EnergyReading | None) -> bool:
    """The v1 totals track nothing the inverters report: all zeros, or a lifetime far below theirs."""
    if segment is None:
        return False
    if production.all_zero(v1) and not production.all_zero(segment):
        return True
    own, theirs = v1.wh_lifetime, segment.wh_lifetime
    return own is not None and theirs is not None and theirs > 0 and own < theirs / 2


def choose_production_source(info: DeviceInfo, answers: Mapping[str, Answer]) -> str | None:
    """Where production is read from; None when no source has usable data.

    An active production CT (eim) wins. Metered hardware without a production CT reports an inactive
    eim slot; its v1 totals then follow that idle CT, so the inverters' segment is the truth (without
    today / 7-day counters). Otherwise `/api/v1/production`, unless it reports nothing while the
    inverters segment has data.
    """
    doc_path, doc = production_doc(answers)
    v1 = production.parse_v1_production(answer_json(answers.get(production.PRODUCTION_V1)))
    if not production.v1_sound(v1):
        v1 = None
    if doc is not None and not doc.sound:
        doc = None
    if doc is not None and doc.has_active_production_ct and production.production_from_doc(doc, 1) is not None:
        return doc_path
    segment = production.inverters_reading(doc) if doc is not None else None
    if doc is not None and segment is not None:
        if v1 is None:
            return doc_path
        if doc.metered_without_production_ct and (info.metered is True or _v1_stalled(v1, segment)):
            return doc_path
        if _v1_stalled(v1, segment) and production.all_zero(v1):
            return doc_path
    if v1 is not None:
        return production.PRODUCTION_V1
    return _last_resort(answers)


def _last_resort(answers: Mapping[str, Answer]) -> str | None:
    """Nothing sound answered: any source that still yields a production reading."""
    doc_path, doc = production_doc(answers)
    if doc_path is not None and doc is not None and production.production_from_doc(doc, 1) is not None:
        return doc_path
    if production.parse_v1_production(answer_json(answers.get(production.PRODUCTION_V1))) is not None:
        return production.PRODUCTION_V1
    return None


def _no_production_error(answers: Mapping[str, Answer], host: str) -> Exception:
    paths = (production.PRODUCTION_DETAILS, production.PRODUCTION_V1, production.PRODUCTION_HTML_ERA)
    seen: list[str] = []
    for path in paths:
        answer = answers.get(path)
        if answer is None:
            seen.append(f"{path} not asked")
        elif answer.error is not None:
            seen.append(f"{path} failed ({answer.error.message})")
        elif not answer.ok:
            seen.append(f"{path} answered HTTP {answer.status}")
        else:
            seen.append(f"{path} answered no production data")
    asked = [answers[p] for p in paths if p in answers]
    message = "no usable production source: " + "; ".join(seen)
    if asked and all(a.status in _AUTH_STATUSES for a in asked):
        return AuthenticationRequired(message, host=host, endpoint=production.PRODUCTION_DETAILS)
    return InvalidResponse(message, host=host, endpoint=production.PRODUCTION_DETAILS)


def decide_features(info: DeviceInfo, answers: Mapping[str, Answer], *, host: str) -> Features:
    """What the device has and which paths an update reads; raises a typed error without production."""
    source = choose_production_source(info, answers)
    if source is None:
        raise _no_production_error(answers, host)
    names: set[Feature] = {Feature.PRODUCTION}
    endpoints: list[str] = []

    ct_list = meters.parse_meters(answer_json(answers.get(meters.METERS))) or ()
    readings = meters.readings_by_eid(answer_json(answers.get(meters.METER_READINGS)))
    enabled: tuple[CtMeter, ...] = meters.enabled_meters(ct_list)
    if enabled and readings is not None:
        names.add(Feature.CT_METERS)
        endpoints += [meters.METERS, meters.METER_READINGS]
    elif (_broken_now(meters.METERS, answers.get(meters.METERS), info)
          or (enabled and _broken_now(meters.METER_READINGS, answers.get(meters.METER_READINGS), info))):
        # The CT endpoints exist but failed this time: keep asking; the update learns the CTs when they answer.
        endpoints += [meters.METERS, meters.METER_READINGS]
    phase_count, phase_mode = meters.phase_layout(ct_list)
    if phase_count == 2:
        names.add(Feature.DUAL_PHASE)
    elif phase_count == 3:
        names.add(Feature.THREE_PHASE)

    doc_path, doc = production_doc(answers)
    if source != production.PRODUCTION_V1:
        endpoints.append(source)
    if doc is not None:
        if doc.has_active_production_ct or doc.has_active_consumption:
            names.add(Feature.METERING)
        if doc.total_consumption is not None and doc.total_consumption.active:
            names.add(Feature.TOTAL_CONSUMPTION)
        if doc.net_consumption is not None and doc.net_consumption.active:
            names.add(Feature.NET_CONSUMPTION)
        if doc.has_active_storage:
            names.add(Feature.ACB)
    if source == production.PRODUCTION_V1:
        endpoints.append(source)
        if doc_path is not None and doc is not None and (doc.has_active_consumption or doc.has_active_storage):
            endpoints.append(doc_path)

    inverter_source = _inverter_source(answers, info)
    if inverter_source is not None:
        names.add(Feature.INVERTERS)
        endpoints.append(inverter_source)
        if inverter_source == inverters.DEVICE_DATA:
            names.add(Feature.DETAILED_INVERTERS)

    if Feature.ACB in names:
        if acb.acb_inventory(answer_json(answers.get(acb.INVENTORY_JSON))) is not None:
            endpoints.append(acb.INVENTORY_JSON)
        if (inverter_source != inverters.V1_INVERTERS
                and inverters.v1_acb_entries(answer_json(answers.get(inverters.V1_INVERTERS)))):
            endpoints.append(inverters.V1_INVERTERS)

    if inverter_source == inverters.DEVICE_DATA:
        endpoints += _inverter_lists_beside(answers)

    for family in FAMILIES:
        if family.discover is not None:
            found = family.discover(answers)
            names |= found.features
            endpoints += found.endpoints
            if found.endpoints:
                endpoints += [path for path in family.kept_failing
                              if path not in found.endpoints and _broken_now(path, answers.get(path), info)]

    return Features(
        names=frozenset(names),
        production_source=source,
        inverter_source=inverter_source,
        phase_count=phase_count,
        phase_mode=phase_mode,
        ct_meters=ct_list,
        endpoints=tuple(dict.fromkeys(endpoints)),
    )


def _inverter_lists_beside(answers: Mapping[str, Answer]) -> list[str]:
    """The inventory and the v1 list, when either names an inverter the detailed list lacks: they complete it."""
    listed = inverters.pcu_channels(answer_json(answers.get(inverters.DEVICE_DATA)))
    if listed is None:
        return []
    detailed = set(listed)
    summary = inverters.v1_rows(answer_json(answers.get(inverters.V1_INVERTERS)))
    inventory = inverters.inventory_pcus(answer_json(answers.get(acb.INVENTORY_JSON)))
    # the inventory says which inverters the site has; without it, the v1 list does
    expected = set(inventory) if inventory is not None else set(summary or {})
    if not expected - detailed:
        return []
    return ([inverters.V1_INVERTERS] if summary is not None else []) + (
        [acb.INVENTORY_JSON] if inventory is not None else [])


def _inverter_source(answers: Mapping[str, Answer], info: DeviceInfo) -> str | None:
    detailed = answers.get(inverters.DEVICE_DATA)
    doc = answer_json(detailed)
    if inverters.device_data_complete(doc):
        return inverters.DEVICE_DATA
    refused = detailed is not None and detailed.status in _AUTH_STATUSES  # e.g. not for this token's user
    if not refused and _broken_now(inverters.DEVICE_DATA, detailed, info) and not inverters.device_data_overflow(doc):
        # The device has the detailed list but it failed this time: keep it as the source rather than
        # switching to the summary list for good; the next update asks again.
        return inverters.DEVICE_DATA
    if inverters.v1_rows(answer_json(answers.get(inverters.V1_INVERTERS))) is not None:
        return inverters.V1_INVERTERS
    return None


def _broken_now(path: str, answer: Answer | None, info: DeviceInfo) -> bool:
    """The endpoint exists but this answer was unusable (5xx, timeout, garbled or drifted JSON).

    404 and HTML pages (what old firmware serves for paths it does not know) mean "not available", and so
    does 401/403 on digest firmware (below 7), which refuses some endpoints even to the installer. With a
    token (firmware 7 and newer) a refusal of one endpoint is a failure of this request, not an answer.
    """
    if answer is None or answer.status == 404:
        return False
    if answer.status in _AUTH_STATUSES:
        return uses_tokens(info.firmware_version)
    if answer.error is not None or answer.status >= 500:
        return True
    looks_html = "html" in answer.content_type.lower() or answer.body.lstrip()[:1] == b"<"
    if looks_html and answer_json(answer) is None:
        return False
    return check_answer(path, answer, host="") is not None

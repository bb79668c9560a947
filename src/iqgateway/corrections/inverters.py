"""The current inverters: removed ones left out, ones the detailed list lacks taken from the other lists.

Firmware 8.3 keeps removed inverters in `/ivp/pdm/device_data` (`"active": false`, stale readings), and
has been seen listing fewer inverters there than `/inventory.json` and `/api/v1/production/inverters`.
"""

from __future__ import annotations

from collections.abc import Mapping

from ..answer import part_of
from ..endpoints import acb, inverters
from ..models import Features, Inverter
from .record import Correction, CorrectionKind


def current_inverters(
    features: Features, docs: Mapping[str, object], detailed: Mapping[str, Inverter],
    summary_only: Mapping[str, Inverter],
) -> tuple[Mapping[str, Inverter], Mapping[str, Inverter], list[Correction]]:
    """(inverters, summary-only inverters, corrections) for a snapshot whose source is `device_data`.

    Without a correction the very mappings given come back (later steps skip what is unchanged)."""
    found: list[Correction] = []
    if features.inverter_source != inverters.DEVICE_DATA:
        return detailed, summary_only, found
    current = dict(detailed)
    removed = part_of(docs, inverters.DEVICE_DATA, inverters.inactive_pcus)
    for serial in sorted(removed & set(current)):
        stale = current.pop(serial)
        found.append(Correction(
            kind=CorrectionKind.INACTIVE_INVERTER, path=f"inverters.{serial}", raw=stale.last_report_watts,
            corrected=None, reason=f'{inverters.DEVICE_DATA} marks it "active": false (removed from the site)'))
    others = {serial: inv for serial, inv in summary_only.items() if serial not in removed}
    if part_of(docs, inverters.DEVICE_DATA, inverters.pcu_channels) is None:
        return _unless_same(detailed, summary_only, current, others, found)  # no detailed list to complete
    inventory = part_of(docs, acb.INVENTORY_JSON, inverters.inventory_pcus)
    health = part_of(docs, acb.INVENTORY_JSON, inverters.inventory_health)
    # without the inventory, the v1 list says which inverters the site has
    for serial in inventory if inventory is not None else tuple(others):
        if serial in current or serial in removed:
            continue
        listed = others.pop(serial, None)
        producing, communicating = health.get(serial, inverters.NO_HEALTH)
        inverter = listed if listed is not None else Inverter(
            serial=serial, last_report_watts=None, max_report_watts=None, last_report_date=None,
            source=acb.INVENTORY_JSON, producing=producing, communicating=communicating)
        current[serial] = inverter
        found.append(Correction(
            kind=CorrectionKind.MISSING_INVERTER, path=f"inverters.{serial}", raw=None,
            corrected=inverter.last_report_watts,
            reason=f"{acb.INVENTORY_JSON if inventory is not None else inverters.V1_INVERTERS} lists it but "
                   f"{inverters.DEVICE_DATA} does not; its report comes from {inverter.source}"))
    return _unless_same(detailed, summary_only, current, others, found)


def _unless_same(
    detailed: Mapping[str, Inverter], summary_only: Mapping[str, Inverter], current: dict[str, Inverter],
    others: dict[str, Inverter], found: list[Correction],
) -> tuple[Mapping[str, Inverter], Mapping[str, Inverter], list[Correction]]:
    if not found and len(others) == len(summary_only):
        return detailed, summary_only, found
    return current, others, found

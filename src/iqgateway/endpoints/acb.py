"""AC Batteries: aggregate from the production document's `storage[]`, units from
`/inventory.json?deleted=1` (type ACB) and the v1 inverter list (devType 11), which also gives their last report."""

from __future__ import annotations

from types import MappingProxyType

from ..models import AcBatteries, AcbUnit
from .family import EndpointFamily
from .production import ProductionDoc
from .values import JsonDict, bool_at, dicts, int_like, mapping, num_at, str_at, strings

INVENTORY_JSON = "/inventory.json?deleted=1"
ACB_TYPE = "ACB"


def acb_inventory(doc: object) -> list[JsonDict] | None:
    """ACB devices of `/inventory.json`; None if the document is not that inventory."""
    if not isinstance(doc, list):
        return None
    groups = dicts(doc)
    if doc and not any(str_at(g, "type") for g in groups):
        return None
    units: list[JsonDict] = []
    for group in groups:
        if str_at(group, "type") == ACB_TYPE:
            units.extend(d for d in dicts(group.get("devices")) if str_at(d, "serial_num"))
    return units


def _unit(device: JsonDict, report: JsonDict | None, *, listed: bool) -> AcbUnit:
    """`report`: the battery's v1 entry; `listed`: the v1 list was readable (else no report time at all,
    rather than one from another source and another moment)."""
    serial = str_at(device, "serial_num") or ""
    if report is not None:
        reported = int_like(report.get("lastReportDate"))  # belongs with the v1 watts
    else:
        reported = int_like(device.get("last_rpt_date")) if listed else None
    return AcbUnit(
        serial_num=serial,
        part_num=str_at(device, "part_num"),
        sleep_enabled=bool_at(device, "sleep_enabled"),
        charge_status=str_at(device, "charge_status"),
        device_status=strings(device.get("device_status")),
        soc_percent=num_at(device, "percentFull"),
        max_cell_temp_c=num_at(device, "maxCellTemp"),
        communicating=bool_at(device, "communicating"),
        operating=bool_at(device, "operating"),
        producing=bool_at(device, "producing"),
        sleep_min_soc=num_at(device, "sleep_min_soc"),
        sleep_max_soc=num_at(device, "sleep_max_soc"),
        last_report_date=reported,
        last_report_watts=num_at(report, "lastReportWatts"),
        max_report_watts=num_at(report, "maxReportWatts"),
    )


def parse_acb(doc: ProductionDoc | None, inventory: list[JsonDict] | None,
              reports: dict[str, JsonDict] | None) -> AcBatteries | None:
    """None unless the production document reports active AC batteries.

    `reports`: the v1 inverter list's AC battery entries by serial, None when that list was unreadable."""
    if doc is None or not doc.has_active_storage or doc.storage is None:
        return None
    entry = mapping(doc.storage.entry) or {}
    listed = reports is not None
    v1 = reports or {}
    units = {unit.serial_num: unit for unit in (_unit(d, v1.get(str_at(d, "serial_num") or ""), listed=listed)
                                                for d in inventory or [])}
    # a battery the inventory does not list (or no inventory at all) is still known from the v1 list
    for serial, report in v1.items():
        units.setdefault(serial, _unit({"serial_num": serial}, report, listed=listed))
    return AcBatteries(
        power_w=num_at(entry, "wNow"),
        charge_wh=num_at(entry, "whNow"),
        soc_percent=num_at(entry, "percentFull"),
        state=str_at(entry, "state"),
        batteries=doc.storage.active_count,
        units=units,
    )


FAMILY = EndpointFamily(
    name="acb",
    paths=(INVENTORY_JSON,),
    intervals=(("/inventory.json", 300.0),),
    slow=frozenset({"/inventory.json"}),
    usable=MappingProxyType({INVENTORY_JSON: lambda answer: answer.part(acb_inventory) is not None}),
    # every device of the site (hundreds of entries) for flags, versions and an AC battery's state of charge
    shape_free=frozenset({INVENTORY_JSON}),
)

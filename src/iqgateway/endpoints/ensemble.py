"""IQ System Controller (Enpower) and IQ Batteries (Encharge): `/ivp/ensemble/inventory`,
`/ivp/ensemble/secctrl` and `/ivp/ensemble/power`."""

from __future__ import annotations

from collections.abc import Mapping
from types import MappingProxyType
from typing import TypedDict

from ..answer import Answer
from ..models import BatteryAggregate, EnchargeAggregate, EnchargeBattery, Enpower, Feature
from .family import EVERY_CYCLE, NOTHING, Discovered, EndpointFamily
from .values import JsonDict, answer_json, bool_at, dicts, int_at, int_like, mapping, num_at, scaled, str_at

INVENTORY = "/ivp/ensemble/inventory"
SECCTRL = "/ivp/ensemble/secctrl"
POWER = "/ivp/ensemble/power"

ENCHARGE_TYPE = "ENCHARGE"
ENPOWER_TYPE = "ENPOWER"
COLLAR_TYPE = "COLLAR"
C6CC_TYPE = "C6 COMBINER CONTROLLER"

# Temperature units as the device reports them: batteries and collar in Celsius, Enpower in Fahrenheit.
ENCHARGE_TEMPERATURE_UNIT = "C"
ENPOWER_TEMPERATURE_UNIT = "F"


def inventory_devices(doc: object) -> dict[str, list[JsonDict]] | None:
    """Inventory devices grouped by type; None if the document is not an inventory list."""
    if not isinstance(doc, list):
        return None
    groups: dict[str, list[JsonDict]] = {}
    for group in dicts(doc):
        kind = str_at(group, "type")
        if kind is None:
            continue
        devices = [d for d in dicts(group.get("devices")) if str_at(d, "serial_num")]
        groups.setdefault(kind, []).extend(devices)
    if doc and not groups:
        return None
    return groups


def has_devices(groups: dict[str, list[JsonDict]] | None) -> bool:
    return groups is not None and any(groups.values())


def power_by_serial(doc: object) -> dict[str, JsonDict]:
    """`/ivp/ensemble/power` entries by serial (the top key is literally "devices:")."""
    root = mapping(doc)
    if root is None:
        return {}
    entries = root.get("devices:")
    if entries is None:
        entries = root.get("devices")
    found: dict[str, JsonDict] = {}
    for entry in dicts(entries):
        serial = str_at(entry, "serial_num")
        if serial:
            found[serial] = entry
    return found


def parse_power_doc(doc: object) -> dict[str, JsonDict] | None:
    root = mapping(doc)
    if root is None or not isinstance(root.get("devices:", root.get("devices")), list):
        return None
    return power_by_serial(root)


def parse_encharge(groups: dict[str, list[JsonDict]] | None,
                   power: dict[str, JsonDict]) -> dict[str, EnchargeBattery] | None:
    if groups is None:
        return None
    devices = groups.get(ENCHARGE_TYPE) or []
    if not devices:
        return None
    batteries: dict[str, EnchargeBattery] = {}
    for device in devices:
        serial = str_at(device, "serial_num")
        if not serial:
            continue
        live = power.get(serial)
        batteries[serial] = EnchargeBattery(
            serial=serial,
            soc_percent=num_at(device, "percentFull"),
            temperature=num_at(device, "temperature"),
            temperature_unit=ENCHARGE_TEMPERATURE_UNIT if num_at(device, "temperature") is not None else None,
            max_cell_temp_c=num_at(device, "maxCellTemp"),
            capacity_wh=num_at(device, "encharge_capacity"),
            communicating=bool_at(device, "communicating"),
            operating=bool_at(device, "operating"),
            dc_switch_off=bool_at(device, "dc_switch_off"),
            admin_state=int_at(device, "admin_state"),
            admin_state_str=str_at(device, "admin_state_str"),
            led_status=int_at(device, "led_status"),
            last_report_date=int_like(device.get("last_rpt_date")),
            installed_date=int_like(device.get("installed")),
            part_number=str_at(device, "part_num"),
            firmware_version=str_at(device, "img_pnum_running"),
            bmu_firmware_version=str_at(device, "bmu_fw_version"),
            revision=int_at(device, "encharge_rev"),
            comm_level_sub_ghz=int_at(device, "comm_level_sub_ghz"),
            comm_level_2_4_ghz=int_at(device, "comm_level_2_4_ghz"),
            power_soc_percent=num_at(live, "soc"),
            real_power_w=None if live is None else scaled(live.get("real_power_mw"), 1000),
            apparent_power_va=None if live is None else scaled(live.get("apparent_power_mva"), 1000),
        )
    return batteries or None


class IdentityFields(TypedDict):
    """The fields of models.ControllerIdentity, which Enpower, Collar and C6Combiner extend."""

    serial_number: str
    part_number: str | None
    admin_state: int | None
    admin_state_str: str | None
    firmware_loaded_date: int | None
    firmware_version: str | None
    installed_date: int | None
    last_report_date: int | None
    communicating: bool | None


def first_device(groups: dict[str, list[JsonDict]] | None, kind: str) -> JsonDict | None:
    """The first inventory device of `kind` (a system has one controller of each kind), if it has a serial."""
    devices = (groups or {}).get(kind) or []
    return devices[0] if devices and str_at(devices[0], "serial_num") else None


def controller_identity(device: JsonDict) -> IdentityFields:
    return IdentityFields(
        serial_number=str_at(device, "serial_num") or "",
        part_number=str_at(device, "part_num"),
        admin_state=int_at(device, "admin_state"),
        admin_state_str=str_at(device, "admin_state_str"),
        firmware_loaded_date=int_like(device.get("img_load_date")),
        firmware_version=str_at(device, "img_pnum_running"),
        installed_date=int_like(device.get("installed")),
        last_report_date=int_like(device.get("last_rpt_date")),
        communicating=bool_at(device, "communicating"),
    )


def parse_enpower(groups: dict[str, list[JsonDict]] | None) -> Enpower | None:
    device = first_device(groups, ENPOWER_TYPE)
    if device is None:
        return None
    temperature = num_at(device, "temperature")
    return Enpower(
        **controller_identity(device),
        grid_mode=str_at(device, "Enpwr_grid_mode"),
        comm_level_2_4_ghz=int_at(device, "comm_level_2_4_ghz"),
        comm_level_sub_ghz=int_at(device, "comm_level_sub_ghz"),
        mains_admin_state=str_at(device, "mains_admin_state"),
        mains_oper_state=str_at(device, "mains_oper_state"),
        operating=bool_at(device, "operating"),
        temperature=temperature,
        temperature_unit=ENPOWER_TEMPERATURE_UNIT if temperature is not None else None,
        zigbee_dongle_fw_version=str_at(device, "zigbee_dongle_fw_version"),
    )


def parse_secctrl(doc: object) -> JsonDict | None:
    """The secctrl document if it carries battery aggregates."""
    root = mapping(doc)
    if root is None:
        return None
    keys = ("ENC_agg_soc", "agg_soc", "ENC_agg_avail_energy", "Max_energy")
    return root if any(num_at(root, key) is not None for key in keys) else None


def encharge_aggregate(secctrl: JsonDict | None) -> EnchargeAggregate | None:
    if secctrl is None:
        return None
    aggregate = EnchargeAggregate(
        soc_percent=num_at(secctrl, "ENC_agg_soc"),
        available_energy_wh=num_at(secctrl, "ENC_agg_avail_energy"),
        backup_reserve_wh=num_at(secctrl, "ENC_agg_backup_energy"),
        max_available_capacity_wh=num_at(secctrl, "Enc_max_available_capacity"),
        reserve_soc_percent=num_at(secctrl, "adjusted_backup_soc"),
        configured_reserve_soc_percent=num_at(secctrl, "configured_backup_soc"),
    )
    if aggregate.soc_percent is None and aggregate.available_energy_wh is None:
        return None
    return aggregate


def battery_aggregate(secctrl: JsonDict | None) -> BatteryAggregate | None:
    """IQ and AC batteries together: `agg_soc`, `Max_energy` and the sum of both available energies."""
    if secctrl is None:
        return None
    soc = num_at(secctrl, "agg_soc")
    enc, acb = num_at(secctrl, "ENC_agg_avail_energy"), num_at(secctrl, "ACB_agg_energy")
    available = None if enc is None and acb is None else (enc or 0) + (acb or 0)
    if soc is None and available is None:
        return None
    return BatteryAggregate(soc_percent=soc, available_energy_wh=available,
                            max_available_capacity_wh=num_at(secctrl, "Max_energy"))


def listed_devices(answers: Mapping[str, Answer]) -> dict[str, list[JsonDict]] | None:
    """The probe's ensemble inventory grouped by type, when it lists any device (else None); parsed once
    for the Ensemble's and the dry contacts' discovery."""
    answer = answers.get(INVENTORY)
    groups = answer.part(inventory_devices) if answer is not None else None
    return groups if groups is not None and has_devices(groups) else None


def _discover(answers: Mapping[str, Answer]) -> Discovered:
    groups = listed_devices(answers)
    if groups is None:
        return NOTHING
    features: set[Feature] = set()
    if ENCHARGE_TYPE in groups:  # also with zero batteries: the device manages IQ Batteries
        features.add(Feature.ENCHARGE)
    for kind, feature in ((COLLAR_TYPE, Feature.COLLAR), (C6CC_TYPE, Feature.C6CC), (ENPOWER_TYPE, Feature.ENPOWER)):
        if groups.get(kind):
            features.add(feature)
    endpoints = [INVENTORY]
    if parse_secctrl(answer_json(answers.get(SECCTRL))) is not None:
        endpoints.append(SECCTRL)
    if parse_power_doc(answer_json(answers.get(POWER))) is not None:
        endpoints.append(POWER)
    return Discovered(endpoints=tuple(endpoints), features=frozenset(features))


FAMILY = EndpointFamily(
    name="ensemble",
    paths=(INVENTORY, SECCTRL, POWER),
    intervals=((POWER, EVERY_CYCLE), (INVENTORY, 300.0), (SECCTRL, 300.0)),
    storage_metered_intervals=((POWER, 300.0),),
    usable=MappingProxyType({
        INVENTORY: lambda answer: answer.part(inventory_devices) is not None,
        SECCTRL: lambda answer: answer.part(parse_secctrl) is not None,
        POWER: lambda answer: answer.part(parse_power_doc) is not None,
    }),
    discover=_discover,
    kept_failing=(POWER,),  # failed at setup: asked again, the batteries' power comes when it answers
)

"""Microinverters: `/ivp/pdm/device_data` (detailed) or `/api/v1/production/inverters` (summary)."""

from __future__ import annotations

from collections.abc import Mapping
from types import MappingProxyType

from ..answer import Answer
from ..models import Inverter
from .family import CounterKind, EndpointFamily, GuardWatch
from .values import (
    INT_LIMIT,
    JsonDict,
    boolean,
    dict_at,
    dicts,
    int_at,
    int_like,
    mapping,
    num_at,
    number,
    scaled,
    str_at,
)

DEVICE_DATA = "/ivp/pdm/device_data"
V1_INVERTERS = "/api/v1/production/inverters"

INVENTORY_PCU_TYPE = "PCU"
ACB_DEV_TYPE = 11  # an AC battery in the v1 inverter list, not a PV inverter
JOULES_PER_WH = 3600.0


# One v1 list entry: last report watts, max report watts, report date (epoch seconds).
V1Row = tuple[float | None, float | None, int | None]
# One inverter's `/inventory.json` flags: producing, communicating.
Health = tuple[bool | None, bool | None]
NO_HEALTH: Health = (None, None)


def v1_rows(doc: object) -> dict[str, V1Row] | None:
    """The PV inverters' reports of the v1 list keyed by serial (AC batteries left out); None if not a list."""
    if not isinstance(doc, list):
        return None
    rows: dict[str, V1Row] = {}
    batteries = False
    for entry in doc:
        if not isinstance(entry, dict):
            continue
        if entry.get("devType") == ACB_DEV_TYPE:
            batteries = True
            continue
        serial = entry.get("serialNumber")
        if not serial or not isinstance(serial, str):
            continue
        watts, peak, date = entry.get("lastReportWatts"), entry.get("maxReportWatts"), entry.get("lastReportDate")
        # the helpers only where a value is not a plain int: a site's list holds hundreds of entries
        rows[serial] = (watts if type(watts) is int else number(watts), peak if type(peak) is int else number(peak),
                        date if type(date) is int and -INT_LIMIT < date < INT_LIMIT else int_like(date))
    if doc and not rows and not batteries:
        return None
    return rows


def v1_inverters(rows: Mapping[str, V1Row] | None, health: Mapping[str, Health]) -> dict[str, Inverter] | None:
    """The v1 list's inverters with their inventory flags: each model is built once (a site has hundreds)."""
    if rows is None:
        return None
    flags = health.get
    out: dict[str, Inverter] = {}
    for serial, (watts, peak, date) in rows.items():
        producing, communicating = flags(serial, NO_HEALTH)
        out[serial] = Inverter.from_report(serial, watts, peak, date, source=V1_INVERTERS, producing=producing,
                                           communicating=communicating)
    return out


def parse_v1_inverters(doc: object) -> dict[str, Inverter] | None:
    """PV inverters of the v1 list keyed by serial (AC batteries left out); None if not a list."""
    return v1_inverters(v1_rows(doc), {})


def inventory_health(doc: object) -> dict[str, Health]:
    """The producing and communicating flags of each microinverter in `/inventory.json`, keyed by serial."""
    health: dict[str, Health] = {}
    for serial, entry in inventory_flags(doc).items():
        producing, communicating = entry.get("producing"), entry.get("communicating")
        health[serial] = (producing if type(producing) is bool else boolean(producing),
                          communicating if type(communicating) is bool else boolean(communicating))
    return health


def v1_acb_entries(doc: object) -> dict[str, JsonDict]:
    """The AC battery entries (devType 11) of the v1 inverter list, keyed by serial."""
    found: dict[str, JsonDict] = {}
    for entry in dicts(doc):
        serial = str_at(entry, "serialNumber")
        if serial and int_at(entry, "devType") == ACB_DEV_TYPE:
            found[serial] = entry
    return found


def device_data_overflow(doc: object) -> bool:
    """The detailed list says it holds fewer devices than the system has (count at or over its limit)."""
    root = mapping(doc)
    count, limit = int_at(root, "deviceCount"), int_at(root, "deviceDataLimit")
    return count is not None and limit is not None and count >= limit


def device_data_complete(doc: object) -> bool:
    """The detailed list holds every device (its count is below the list's limit) and at least one PCU."""
    root = mapping(doc)
    if root is None or device_data_overflow(root):
        return False
    return bool(pcu_channels(root))


def pcu_channels(doc: object) -> dict[str, JsonDict] | None:
    """The first channel of each PV inverter (devName `pcu`) of `/ivp/pdm/device_data`, keyed by serial;
    None if not that document."""
    root = mapping(doc)
    if root is None:
        return None
    channels: dict[str, JsonDict] = {}
    for value in root.values():
        device = mapping(value)
        if device is None or str_at(device, "devName") != "pcu":
            continue
        serial = str_at(device, "sn")
        listed = dicts(device.get("channels"))
        if not serial or not listed:
            continue
        channels[serial] = listed[0]
    return channels or None


def device_data_inverters(channels: Mapping[str, JsonDict] | None,
                          health: Mapping[str, Health]) -> dict[str, Inverter] | None:
    """The detailed list's inverters with their inventory flags."""
    if channels is None:
        return None
    return {serial: _pcu(serial, channel, health.get(serial, NO_HEALTH)) for serial, channel in channels.items()}


def parse_device_data(doc: object) -> dict[str, Inverter] | None:
    """PV inverters (devName `pcu`) of `/ivp/pdm/device_data`, keyed by serial; None if not that document."""
    return device_data_inverters(pcu_channels(doc), {})


def inactive_pcus(doc: object) -> frozenset[str]:
    """Serials of the PCUs `/ivp/pdm/device_data` marks `"active": false` (removed from the site)."""
    root = mapping(doc)
    if root is None:
        return frozenset()
    return frozenset(serial for value in root.values()
                     if (device := mapping(value)) is not None and str_at(device, "devName") == "pcu"
                     and device.get("active") is False and (serial := str_at(device, "sn")))


def inventory_pcus(doc: object) -> tuple[str, ...] | None:
    """Serials of the microinverters (type PCU, not deleted) in `/inventory.json`; None if not that document."""
    if not isinstance(doc, list):
        return None
    groups = dicts(doc)
    if doc and not any(str_at(g, "type") for g in groups):
        return None
    serials: dict[str, None] = {}  # ordered, each serial once
    for group in groups:
        if str_at(group, "type") != INVENTORY_PCU_TYPE:
            continue
        for device in dicts(group.get("devices")):
            serial = str_at(device, "serial_num")
            if serial and device.get("deleted") not in (True, 1, "true"):
                serials[serial] = None
    return tuple(serials)


def inventory_flags(doc: object, device_type: str = INVENTORY_PCU_TYPE) -> dict[str, JsonDict]:
    """The `/inventory.json` entries of one device type (not deleted), keyed by serial."""
    found: dict[str, JsonDict] = {}
    for group in dicts(doc):
        if str_at(group, "type") != device_type:
            continue
        for device in dicts(group.get("devices")):
            serial = str_at(device, "serial_num")
            if serial and device.get("deleted") not in (True, 1, "true"):
                found[serial] = device
    return found


def _pcu(serial: str, channel: JsonDict, health: Health) -> Inverter:
    watts = dict_at(channel, "watts")
    energy = dict_at(channel, "wattHours")
    last = dict_at(channel, "lastReading")
    lifetime = dict_at(channel, "lifetime")
    return Inverter(
        serial=serial,
        last_report_watts=num_at(watts, "now"),
        max_report_watts=num_at(watts, "max"),
        last_report_date=None if last is None else int_like(last.get("endDate")),
        dc_voltage_v=None if last is None else scaled(last.get("dcVoltageINmV"), 1000),
        dc_current_a=None if last is None else scaled(last.get("dcCurrentINmA"), 1000),
        ac_voltage_v=None if last is None else scaled(last.get("acVoltageINmV"), 1000),
        ac_current_a=None if last is None else scaled(last.get("acCurrentInmA"), 1000),
        ac_frequency_hz=None if last is None else scaled(last.get("acFrequencyINmHz"), 1000),
        temperature_c=num_at(last, "channelTemp"),
        lifetime_energy_wh=None if lifetime is None else scaled(lifetime.get("joulesProduced"), JOULES_PER_WH),
        energy_today_wh=num_at(energy, "today"),
        energy_produced_mwh=None if last is None else scaled(last.get("joulesProduced"), 3.6),
        last_report_duration_s=int_at(last, "duration"),
        source=DEVICE_DATA,
        producing=health[0],
        communicating=health[1],
        conversion_error_s=int_at(last, "pwrConvErrSecs"),
        conversion_max_error_cycles=int_at(last, "pwrConvMaxErrCycles"),
        energy_yesterday_wh=num_at(energy, "yesterday"),
        energy_last_week_wh=num_at(energy, "week"),
    )


def _v1_usable(answer: Answer) -> bool:
    # An empty list is what the device says during a reporting gap at night: keep the previous answer.
    return bool(answer.json()) and answer.part(v1_rows) is not None


FAMILY = EndpointFamily(
    name="inverters",
    paths=(V1_INVERTERS, DEVICE_DATA),
    intervals=(("/api/v1/production/inverters", 300.0), ("/ivp/pdm/device_data", 300.0)),
    usable=MappingProxyType({
        V1_INVERTERS: _v1_usable,
        DEVICE_DATA: lambda answer: answer.part(pcu_channels) is not None,
    }),
    guards=(GuardWatch("inverters", (("lifetime_energy_wh", CounterKind.LIFETIME),
                                     ("energy_today_wh", CounterKind.TODAY)), keyed=True),),
)

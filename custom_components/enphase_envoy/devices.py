"""The device registry entries: what each piece of hardware's device says, and which device it hangs under.

Entities describe their device without a parent. `register_parents` puts the Envoy (with its MAC once
known), the AC battery group and the Enpower in the registry before any platform adds entities; each
entity, once added, points its device at the parent device by id (`link_device`). Child devices sit under the
Envoy, except AC batteries (under the AC battery group) and relays (under the Enpower).
"""

from __future__ import annotations

import logging

from homeassistant.core import HomeAssistant, callback
from homeassistant.helpers import device_registry as dr
from homeassistant.helpers.device_registry import DeviceInfo

from iqgateway import (
    AcbUnit,
    C6Combiner,
    Collar,
    DryContact,
    EnchargeBattery,
    Enpower,
    Gateway,
    GatewayData,
    IQGatewayError,
    QRelay,
)
from iqgateway import DeviceInfo as IdentityInfo

from .const import DOMAIN, MANUFACTURER

_LOGGER = logging.getLogger(__name__)

# The CT measurement types core's device model text lists, in its order.
CT_MODEL_ORDER = ("net-consumption", "production", "storage")


def envoy_model(data: GatewayData) -> str:
    """Core's model text: "Envoy", plus phases and CTs when it has CTs.

    E.g. "Envoy, phases: 2, phase mode: split, net-consumption CT, production CT".
    """
    cts = [m for m in CT_MODEL_ORDER if ct_enabled(data, m)]
    if not cts:
        return "Envoy"
    return ", ".join(
        ["Envoy", f"phases: {data.phase_count}", f"phase mode: {data.phase_mode}", *(f"{m} CT" for m in cts)]
    )


def ct_enabled(data: GatewayData, measurement_type: str) -> bool:
    """Whether the Envoy has an enabled CT of this measurement type (probed configuration, else the readings)."""
    configured = [m for m in data.features.ct_meters if m.measurement_type == measurement_type]
    if configured:
        return any(m.enabled for m in configured)
    reading = data.meters.get(measurement_type)
    return reading is not None and reading.state in (None, "enabled")


def envoy_device(title: str, data: GatewayData) -> DeviceInfo:
    info = data.info
    return DeviceInfo(
        identifiers={(DOMAIN, info.serial)},
        manufacturer=MANUFACTURER,
        model=envoy_model(data),
        name=title or f"Envoy {info.serial}",
        sw_version=info.firmware,
        hw_version=info.part_number,
        serial_number=info.serial,
    )


def _device(
    ident: str, name: str, model: str, *, serial: str | None = None, sw_version: str | None = None,
    hw_version: str | None = None,
) -> DeviceInfo:
    device = DeviceInfo(identifiers={(DOMAIN, ident)}, manufacturer=MANUFACTURER, model=model, name=name)
    if serial is not None:
        device["serial_number"] = serial
    if sw_version is not None:
        device["sw_version"] = sw_version
    if hw_version:
        device["hw_version"] = hw_version
    return device


def inverter_device(serial: str) -> DeviceInfo:
    return _device(serial, f"Inverter {serial}", "Inverter", serial=serial)


def encharge_device(battery: EnchargeBattery) -> DeviceInfo:
    serial = battery.serial
    return _device(serial, f"Encharge {serial}", "Encharge", serial=serial, sw_version=battery.firmware_version)


def enpower_device(enpower: Enpower) -> DeviceInfo:
    serial = enpower.serial_number
    return _device(serial, f"Enpower {serial}", "Enpower", serial=serial, sw_version=enpower.firmware_version)


def relay_device(enpower: Enpower, relay: DryContact) -> DeviceInfo:
    return _device(relay.id, relay.load_name or "", "Dry contact relay", sw_version=enpower.firmware_version)


def q_relay_device(relay: QRelay) -> DeviceInfo:
    serial = relay.serial
    return _device(serial, f"Q-Relay {serial}", "Q-Relay", serial=serial, sw_version=relay.firmware)


def acb_group_device(data: GatewayData) -> DeviceInfo:
    serial = data.info.serial
    return _device(f"{serial}_acb", f"ACB {serial}", "ACB")


def acb_unit_device(unit: AcbUnit) -> DeviceInfo:
    serial = unit.serial_num
    return _device(serial, f"AC Battery {serial}", "AC Battery", serial=serial, hw_version=unit.part_num)


def collar_device(collar: Collar) -> DeviceInfo:
    serial = collar.serial_number
    return _device(serial, f"Collar {serial}", "IQ Meter Collar", serial=serial, sw_version=collar.firmware_version,
                   hw_version=collar.part_number)


def c6cc_device(c6cc: C6Combiner) -> DeviceInfo:
    serial = c6cc.serial_number
    return _device(serial, f"C6 Combiner {serial}", "C6 Combiner Controller", serial=serial,
                   sw_version=c6cc.firmware_version, hw_version=c6cc.part_number)


def parents(data: GatewayData) -> dict[str, str]:
    """Each child device's identifier -> its parent's identifier."""
    envoy = data.info.serial
    out = dict.fromkeys((*data.summary_only_inverters, *data.inverters, *(data.encharge or {})), envoy)
    out.update(dict.fromkeys((relay.serial for relay in data.q_relays), envoy))
    for item in (data.collar, data.c6cc):
        if item is not None:
            out[item.serial_number] = envoy
    if data.enpower is not None:
        out[data.enpower.serial_number] = envoy
        out.update(dict.fromkeys(data.dry_contacts or {}, data.enpower.serial_number))
    if data.acb is not None:
        out[f"{envoy}_acb"] = envoy
        out.update(dict.fromkeys(data.acb.units, f"{envoy}_acb"))  # an AC battery is listed as an inverter too
    return out


@callback
def register_parents(hass: HomeAssistant, entry_id: str, title: str, data: GatewayData, mac: str | None) -> None:
    """The Envoy, then the devices other devices hang under (and the relays), before any entity names them."""
    registry = dr.async_get(hass)
    envoy = envoy_device(title, data)
    if mac:
        envoy["connections"] = {(dr.CONNECTION_NETWORK_MAC, dr.format_mac(mac))}
    registry.async_get_or_create(config_entry_id=entry_id, **envoy)
    if data.acb is not None:
        group = registry.async_get_or_create(config_entry_id=entry_id, **acb_group_device(data))
        link_device(hass, entry_id, group.id, data)
    if data.enpower is not None:
        enpower = registry.async_get_or_create(config_entry_id=entry_id, **enpower_device(data.enpower))
        link_device(hass, entry_id, enpower.id, data)
        # A relay without a load name would first get the entry's title as its name from the registry, and
        # its entities' ids would depend on which platform starts first: registered here, it has "" from the start.
        for relay in (data.dry_contacts or {}).values():
            device = registry.async_get_or_create(config_entry_id=entry_id, **relay_device(data.enpower, relay))
            link_device(hass, entry_id, device.id, data)


@callback
def link_device(hass: HomeAssistant, entry_id: str, device_id: str, data: GatewayData) -> None:
    """Point one device of this entry at its parent device (a no-op for the Envoy and linked devices)."""
    registry = dr.async_get(hass)
    device = registry.async_get(device_id)
    if device is None:
        return
    family = parents(data)
    parent_ident = next((family[i] for d, i in device.identifiers if d == DOMAIN and i in family), None)
    if parent_ident is None:
        return
    parent = next(
        (p for p in dr.async_entries_for_config_entry(registry, entry_id) if (DOMAIN, parent_ident) in p.identifiers),
        None,
    )
    if parent is not None and device.via_device_id != parent.id:
        registry.async_update_device(device.id, via_device_id=parent.id)


def known_device_ids(data: GatewayData) -> set[str]:
    """Device registry identifiers of the hardware in one snapshot."""
    serial = data.info.serial
    ids = {serial, *data.inverters, *data.summary_only_inverters}
    ids.update(data.encharge or {})
    ids.update(data.dry_contacts or {})
    ids.update(relay.serial for relay in data.q_relays)
    if data.acb is not None:
        ids.add(f"{serial}_acb")
        ids.update(data.acb.units)
    ids.update(part.serial_number for part in (data.enpower, data.collar, data.c6cc) if part is not None)
    return ids


@callback
def record_firmware(hass: HomeAssistant, entry_id: str, info: IdentityInfo) -> None:
    """The Envoy's device shows the firmware the last update read (an upgrade is noticed by the library)."""
    registry = dr.async_get(hass)
    for device in dr.async_entries_for_config_entry(registry, entry_id):
        if (DOMAIN, info.serial) in device.identifiers and device.sw_version != info.firmware:
            _LOGGER.info("Envoy %s firmware changed from %s to %s", info.serial, device.sw_version, info.firmware)
            registry.async_update_device(device.id, sw_version=info.firmware)


async def read_mac(gateway: Gateway) -> str | None:
    """The Envoy's MAC address from /home; without it the device just has no MAC."""
    try:
        home = await gateway.network()
    except IQGatewayError as err:
        _LOGGER.debug("No MAC address for Envoy %s: %s", gateway.host, err)
        return None
    return home.mac

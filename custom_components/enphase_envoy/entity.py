"""The base entity, the pieces of hardware entities belong to, and the device registry entries of each.

Every entity describes one value of one piece of hardware: the Envoy itself, an inverter, an IQ battery,
the Enpower (IQ System Controller), a relay, the AC battery group or one AC battery, the IQ Meter Collar or
the C6 combiner. A `Hardware` knows how to find its items in a snapshot, how core's integration named their
unique_ids and which device they belong to. `track_entities` adds the entities of items that appear in a
later snapshot (a new inverter) without a reload; an entity whose item vanished becomes unavailable.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Iterable, Mapping
from dataclasses import dataclass
from typing import Any, Generic, TypeVar

from homeassistant.core import callback
from homeassistant.exceptions import HomeAssistantError
from homeassistant.helpers import device_registry as dr
from homeassistant.helpers.device_registry import DeviceInfo
from homeassistant.helpers.entity import Entity, EntityDescription
from homeassistant.helpers.update_coordinator import CoordinatorEntity

from iqgateway import ControlRejected, Feature, FeatureNotAvailable, Gateway, GatewayData, IQGatewayError
from iqgateway.models import AcbUnit, C6Combiner, Collar, DryContact, EnchargeBattery, Enpower, Inverter

from .const import DOMAIN, MANUFACTURER
from .coordinator import EnvoyConfigEntry, EnvoyCoordinator

T = TypeVar("T")

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


def envoy_device(coordinator: EnvoyCoordinator, data: GatewayData) -> DeviceInfo:
    info = data.info
    return DeviceInfo(
        identifiers={(DOMAIN, info.serial)},
        manufacturer=MANUFACTURER,
        model=envoy_model(data),
        name=coordinator.config_entry.title or f"Envoy {info.serial}",
        sw_version=info.firmware,
        hw_version=info.part_number,
        serial_number=info.serial,
    )


def _child_device(data: GatewayData, ident: str, name: str, model: str, sw_version: str | None = None) -> DeviceInfo:
    device = DeviceInfo(
        identifiers={(DOMAIN, ident)},
        manufacturer=MANUFACTURER,
        model=model,
        name=name,
        via_device=(DOMAIN, data.info.serial),
    )
    if sw_version is not None:
        device["sw_version"] = sw_version
    return device


def inverter_device(data: GatewayData, serial: str) -> DeviceInfo:
    return _child_device(data, serial, f"Inverter {serial}", "Inverter")


def encharge_device(data: GatewayData, battery: EnchargeBattery) -> DeviceInfo:
    return _child_device(data, battery.serial, f"Encharge {battery.serial}", "Encharge", battery.firmware_version)


def enpower_device(data: GatewayData, enpower: Enpower) -> DeviceInfo:
    serial = enpower.serial_number
    return _child_device(data, serial, f"Enpower {serial}", "Enpower", enpower.firmware_version)


def relay_device(enpower: Enpower, relay: DryContact) -> DeviceInfo:
    return DeviceInfo(
        identifiers={(DOMAIN, relay.id)},
        manufacturer=MANUFACTURER,
        model="Dry contact relay",
        name=relay.load_name or "",
        sw_version=enpower.firmware_version,
        via_device=(DOMAIN, enpower.serial_number),
    )


def acb_group_device(data: GatewayData) -> DeviceInfo:
    serial = data.info.serial
    return _child_device(data, f"{serial}_acb", f"ACB {serial}", "ACB")


def acb_unit_device(data: GatewayData, unit: AcbUnit) -> DeviceInfo:
    device = _child_device(data, unit.serial_num, f"ACB {unit.serial_num}", "ACB")
    if unit.part_num:
        device["hw_version"] = unit.part_num
    return device


def collar_device(data: GatewayData, collar: Collar) -> DeviceInfo:
    serial = collar.serial_number
    device = _child_device(data, serial, f"Collar {serial}", "IQ Meter Collar", collar.firmware_version)
    if collar.part_number:
        device["hw_version"] = collar.part_number
    return device


def c6cc_device(data: GatewayData, c6cc: C6Combiner) -> DeviceInfo:
    serial = c6cc.serial_number
    device = _child_device(data, serial, f"C6 Combiner {serial}", "C6 Combiner Controller", c6cc.firmware_version)
    if c6cc.part_number:
        device["hw_version"] = c6cc.part_number
    return device


@dataclass(frozen=True, kw_only=True)
class Hardware(Generic[T]):
    """One kind of hardware: where its items are in a snapshot, their unique_ids and devices."""

    name: str
    items: Callable[[GatewayData], Mapping[str, T]]
    unique_id: Callable[[GatewayData, str, str], str]  # (data, item id, description key)
    device: Callable[[EnvoyCoordinator, GatewayData, str, T], DeviceInfo]


def _prefixed(prefix_of: Callable[[GatewayData, str], str]) -> Callable[[GatewayData, str, str], str]:
    return lambda data, ident, key: f"{prefix_of(data, ident)}_{key}"


ENVOY = Hardware[GatewayData](
    name="envoy",
    items=lambda data: {data.info.serial: data},
    unique_id=_prefixed(lambda data, ident: ident),
    device=lambda coordinator, data, ident, item: envoy_device(coordinator, data),
)

# The one inverter sensor core had first kept the bare serial as its unique_id.
INVERTER_POWER_KEY = "inverters"

INVERTER = Hardware[Inverter](
    name="inverter",
    items=lambda data: {**data.summary_only_inverters, **data.inverters},
    unique_id=lambda data, ident, key: ident if key == INVERTER_POWER_KEY else f"{ident}_{key}",
    device=lambda coordinator, data, ident, item: inverter_device(data, ident),
)

ENCHARGE = Hardware[EnchargeBattery](
    name="encharge",
    items=lambda data: data.encharge or {},
    unique_id=_prefixed(lambda data, ident: ident),
    device=lambda coordinator, data, ident, item: encharge_device(data, item),
)


def _enpower_items(data: GatewayData) -> Mapping[str, Enpower]:
    return {data.enpower.serial_number: data.enpower} if data.enpower is not None else {}


ENPOWER = Hardware[Enpower](
    name="enpower",
    items=_enpower_items,
    unique_id=_prefixed(lambda data, ident: ident),
    device=lambda coordinator, data, ident, item: enpower_device(data, item),
)


def _relay_items(data: GatewayData) -> Mapping[str, DryContact]:
    return data.dry_contacts or {} if data.enpower is not None else {}


def _relay_device(coordinator: EnvoyCoordinator, data: GatewayData, ident: str, relay: DryContact) -> DeviceInfo:
    assert data.enpower is not None  # relays are only listed with an Enpower
    return relay_device(data.enpower, relay)


RELAY = Hardware[DryContact](
    name="relay",
    items=_relay_items,
    unique_id=lambda data, ident, key: f"{data.enpower.serial_number if data.enpower else ''}_relay_{ident}_{key}",
    device=_relay_device,
)


def _storage_items(data: GatewayData) -> Mapping[str, GatewayData]:
    owner = data.enpower.serial_number if data.enpower is not None else data.info.serial
    return {owner: data}


def _storage_device(coordinator: EnvoyCoordinator, data: GatewayData, ident: str, item: GatewayData) -> DeviceInfo:
    if data.enpower is not None:
        return enpower_device(data, data.enpower)
    return envoy_device(coordinator, data)


# Battery storage settings (mode, reserve, charge from grid): on the Enpower when there is one, else the Envoy.
STORAGE = Hardware[GatewayData](
    name="storage",
    items=_storage_items,
    unique_id=_prefixed(lambda data, ident: ident),
    device=_storage_device,
)

ACB_GROUP = Hardware[GatewayData](
    name="acb",
    items=lambda data: {data.info.serial: data} if data.acb is not None else {},
    unique_id=_prefixed(lambda data, ident: ident),
    device=lambda coordinator, data, ident, item: acb_group_device(data),
)

# Core listed AC batteries among the inverters (the v1 inverter list has them): same unique_ids for those keys.
ACB_UNIT = Hardware[AcbUnit](
    name="acb_unit",
    items=lambda data: data.acb.units if data.acb is not None else {},
    unique_id=lambda data, ident, key: ident if key == INVERTER_POWER_KEY else f"{ident}_{key}",
    device=lambda coordinator, data, ident, item: acb_unit_device(data, item),
)

COLLAR = Hardware[Collar](
    name="collar",
    items=lambda data: {data.collar.serial_number: data.collar} if data.collar is not None else {},
    unique_id=_prefixed(lambda data, ident: ident),
    device=lambda coordinator, data, ident, item: collar_device(data, item),
)

C6CC = Hardware[C6Combiner](
    name="c6cc",
    items=lambda data: {data.c6cc.serial_number: data.c6cc} if data.c6cc is not None else {},
    unique_id=_prefixed(lambda data, ident: ident),
    device=lambda coordinator, data, ident, item: c6cc_device(data, item),
)


@dataclass(frozen=True, kw_only=True)
class EnvoyEntityDescription(EntityDescription, Generic[T]):
    """What every description of this integration adds: its hardware and whether an item has this entity."""

    hardware: Hardware[T]
    # Whether an item has this entity at all (decided from the probed features and the hardware present).
    exists_fn: Callable[[T, GatewayData], bool] = lambda item, data: True


class EnvoyEntity(CoordinatorEntity[EnvoyCoordinator], Generic[T]):
    """An entity of one item of hardware, reading the coordinator's latest snapshot."""

    _attr_has_entity_name = True
    entity_description: EnvoyEntityDescription[T]

    def __init__(self, coordinator: EnvoyCoordinator, description: EnvoyEntityDescription[T], ident: str) -> None:
        super().__init__(coordinator)
        self.entity_description = description
        self._ident = ident
        data = coordinator.data
        hardware = description.hardware
        self._attr_unique_id = hardware.unique_id(data, ident, description.key)
        self._attr_device_info = hardware.device(coordinator, data, ident, hardware.items(data)[ident])

    @property
    def item(self) -> T | None:
        """This entity's piece of hardware in the latest snapshot; None once the Envoy stopped reporting it."""
        return self.entity_description.hardware.items(self.coordinator.data).get(self._ident)

    @property
    def available(self) -> bool:
        return super().available and self.item is not None

    async def control(self, action: str, call: Callable[[Gateway], Awaitable[GatewayData]]) -> None:
        """Run one Gateway control; show the device state it read back, or say what failed and why."""
        gateway = self.coordinator.gateway
        try:
            data = await call(gateway)
        except IQGatewayError as err:
            if isinstance(err, FeatureNotAvailable):
                key = "action_not_available"
            elif isinstance(err, ControlRejected):
                key = "action_rejected"
            else:
                key = "action_failed"
            raise HomeAssistantError(
                translation_domain=DOMAIN,
                translation_key=key,
                translation_placeholders={
                    "action": action,
                    "entity": self.entity_id,
                    "host": gateway.host,
                    "reason": f"{err.endpoint}: {err.message}" if err.endpoint else err.message,
                },
            ) from err
        self.coordinator.async_set_updated_data(data)


def storage_controls_exist(item: GatewayData, data: GatewayData) -> bool:
    """Storage mode, reserve and charge-from-grid: IQ batteries whose settings the tariff holds."""
    has_settings = data.storage_settings is not None or Feature.TARIFF in data.features.names
    has_batteries = data.encharge_aggregate is not None or Feature.ENCHARGE in data.features.names
    return has_settings and has_batteries


def register_parent_devices(entry: EnvoyConfigEntry) -> None:
    """Register the devices others hang from, and the relays, before any platform adds entities.

    Child devices name their parent as via_device, so parents come first. A relay without a load name is created
    with the entry's title as its name and renamed to "" by the next platform; registering it here first makes
    its entities' ids independent of the order in which the platforms start.
    """
    coordinator = entry.runtime_data
    data = coordinator.data
    registry = dr.async_get(coordinator.hass)
    registry.async_get_or_create(config_entry_id=entry.entry_id, **envoy_device(coordinator, data))
    if data.enpower is None:
        return
    registry.async_get_or_create(config_entry_id=entry.entry_id, **enpower_device(data, data.enpower))
    for relay in (data.dry_contacts or {}).values():
        registry.async_get_or_create(config_entry_id=entry.entry_id, **relay_device(data.enpower, relay))


def track_entities(
    entry: EnvoyConfigEntry,
    descriptions: Iterable[EnvoyEntityDescription[Any]],
    factory: Callable[[EnvoyCoordinator, Any, str], Entity],
    add_entities: Callable[[list[Entity]], None],
) -> None:
    """Add the entities the current snapshot has hardware for, and again whenever new hardware appears."""
    coordinator = entry.runtime_data
    known: set[tuple[str, str, str]] = set()
    descriptions = tuple(descriptions)
    register_parent_devices(entry)

    @callback
    def add_new() -> None:
        data = coordinator.data
        new: list[Entity] = []
        for description in descriptions:
            hardware = description.hardware
            for ident, item in hardware.items(data).items():
                marker = (hardware.name, ident, description.key)
                if marker in known or not description.exists_fn(item, data):
                    continue
                known.add(marker)
                new.append(factory(coordinator, description, ident))
        if new:
            add_entities(new)

    add_new()
    entry.async_on_unload(coordinator.async_add_listener(add_new))

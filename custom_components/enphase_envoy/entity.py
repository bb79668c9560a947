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
from homeassistant.helpers.device_registry import DeviceInfo
from homeassistant.helpers.entity import Entity, EntityDescription
from homeassistant.helpers.update_coordinator import CoordinatorEntity

from iqgateway import (
    AcbUnit,
    C6Combiner,
    Collar,
    ControlRejected,
    DryContact,
    EnchargeBattery,
    Enpower,
    Feature,
    FeatureNotAvailable,
    Gateway,
    GatewayData,
    Inverter,
    IQGatewayError,
    QRelay,
)

from .const import DOMAIN
from .coordinator import EnvoyConfigEntry, EnvoyCoordinator
from .devices import (
    acb_group_device,
    acb_unit_device,
    c6cc_device,
    collar_device,
    ct_enabled,
    encharge_device,
    enpower_device,
    envoy_device,
    envoy_model,
    inverter_device,
    link_device,
    q_relay_device,
    register_parents,
    relay_device,
)

__all__ = ["ct_enabled", "envoy_device", "envoy_model"]

T = TypeVar("T")


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
    device=lambda coordinator, data, ident, item: envoy_device(coordinator.config_entry.title, data),
)

# The one inverter sensor core had first kept the bare serial as its unique_id.
INVERTER_POWER_KEY = "inverters"

INVERTER = Hardware[Inverter](
    name="inverter",
    items=lambda data: {**data.summary_only_inverters, **data.inverters},
    unique_id=lambda data, ident, key: ident if key == INVERTER_POWER_KEY else f"{ident}_{key}",
    device=lambda coordinator, data, ident, item: inverter_device(ident),
)

ENCHARGE = Hardware[EnchargeBattery](
    name="encharge",
    items=lambda data: data.encharge or {},
    unique_id=_prefixed(lambda data, ident: ident),
    device=lambda coordinator, data, ident, item: encharge_device(item),
)


def _enpower_items(data: GatewayData) -> Mapping[str, Enpower]:
    return {data.enpower.serial_number: data.enpower} if data.enpower is not None else {}


ENPOWER = Hardware[Enpower](
    name="enpower",
    items=_enpower_items,
    unique_id=_prefixed(lambda data, ident: ident),
    device=lambda coordinator, data, ident, item: enpower_device(item),
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
        return enpower_device(data.enpower)
    return envoy_device(coordinator.config_entry.title, data)


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
    device=lambda coordinator, data, ident, item: acb_unit_device(item),
)

COLLAR = Hardware[Collar](
    name="collar",
    items=lambda data: {data.collar.serial_number: data.collar} if data.collar is not None else {},
    unique_id=_prefixed(lambda data, ident: ident),
    device=lambda coordinator, data, ident, item: collar_device(item),
)

C6CC = Hardware[C6Combiner](
    name="c6cc",
    items=lambda data: {data.c6cc.serial_number: data.c6cc} if data.c6cc is not None else {},
    unique_id=_prefixed(lambda data, ident: ident),
    device=lambda coordinator, data, ident, item: c6cc_device(item),
)

# Q-Relays (the inventory's NSRB devices), under the Envoy.
QRELAY = Hardware[QRelay](
    name="q_relay",
    items=lambda data: {relay.serial: relay for relay in data.q_relays},
    unique_id=_prefixed(lambda data, ident: ident),
    device=lambda coordinator, data, ident, item: q_relay_device(item),
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

    async def async_added_to_hass(self) -> None:
        await super().async_added_to_hass()
        entry = self.registry_entry
        if entry is not None and entry.device_id is not None:
            link_device(self.hass, self.coordinator.config_entry.entry_id, entry.device_id, self.coordinator.data)

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
    register_parents(coordinator.hass, entry.entry_id, entry.title, coordinator.data, coordinator.mac)

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

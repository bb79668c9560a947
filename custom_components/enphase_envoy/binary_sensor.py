"""Binary sensors: communication and switch states of batteries, the Enpower, collar and C6 combiner; the health
of inverters (producing, communicating) and Q-Relays (relay state, communicating)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, TypeVar

from homeassistant.components.binary_sensor import (
    BinarySensorDeviceClass,
    BinarySensorEntity,
    BinarySensorEntityDescription,
)
from homeassistant.const import EntityCategory
from homeassistant.core import HomeAssistant
from homeassistant.helpers.entity_platform import AddConfigEntryEntitiesCallback

from iqgateway import AcbUnit, C6Combiner, Collar, EnchargeBattery, Enpower, Inverter, QRelay

from .coordinator import EnvoyConfigEntry
from .entity import (
    ACB_UNIT,
    C6CC,
    COLLAR,
    ENCHARGE,
    ENPOWER,
    INVERTER,
    QRELAY,
    EnvoyEntity,
    EnvoyEntityDescription,
    Hardware,
    track_entities,
)

T = TypeVar("T")

# the coordinator reads the Envoy; sensors never ask it themselves
PARALLEL_UPDATES = 0
Communicating = TypeVar("Communicating", EnchargeBattery, Enpower, Collar, C6Combiner, AcbUnit, Inverter, QRelay)


@dataclass(frozen=True, kw_only=True)
class EnvoyBinarySensorEntityDescription(BinarySensorEntityDescription, EnvoyEntityDescription[T]):
    value_fn: Callable[[T], bool | None]


def communicating(hardware: Hardware[Communicating]) -> EnvoyBinarySensorEntityDescription[Communicating]:
    return EnvoyBinarySensorEntityDescription[Communicating](
        hardware=hardware,
        key="communicating",
        translation_key="communicating",
        device_class=BinarySensorDeviceClass.CONNECTIVITY,
        entity_category=EntityCategory.DIAGNOSTIC,
        value_fn=lambda item: item.communicating,
    )


def _health(
    hardware: Hardware[Communicating], key: str, device_class: BinarySensorDeviceClass | None,
    value_fn: Callable[[Communicating], bool | None], translation_key: str | None = None,
) -> EnvoyBinarySensorEntityDescription[Communicating]:
    """A health flag of the inventory (an inverter's or a Q-Relay's), where the inventory has it."""
    return EnvoyBinarySensorEntityDescription[Communicating](
        hardware=hardware,
        key=key,
        translation_key=translation_key or key,
        device_class=device_class,
        entity_category=EntityCategory.DIAGNOSTIC,
        value_fn=value_fn,
        exists_fn=lambda item, data: value_fn(item) is not None,
    )


def _not(value: bool | None) -> bool | None:
    return None if value is None else not value


BINARY_SENSORS: tuple[EnvoyBinarySensorEntityDescription[Any], ...] = (
    communicating(ENCHARGE),
    EnvoyBinarySensorEntityDescription[EnchargeBattery](
        hardware=ENCHARGE,
        key="dc_switch",
        translation_key="dc_switch",
        entity_category=EntityCategory.DIAGNOSTIC,
        value_fn=lambda battery: _not(battery.dc_switch_off),
    ),
    communicating(ENPOWER),
    EnvoyBinarySensorEntityDescription[Enpower](
        hardware=ENPOWER,
        key="mains_oper_state",
        translation_key="grid_status",
        value_fn=lambda enpower: None if enpower.mains_oper_state is None else enpower.mains_oper_state == "closed",
    ),
    communicating(COLLAR),
    communicating(C6CC),
    communicating(ACB_UNIT),
    EnvoyBinarySensorEntityDescription[AcbUnit](
        hardware=ACB_UNIT,
        key="operating",
        translation_key="operating",
        entity_category=EntityCategory.DIAGNOSTIC,
        value_fn=lambda unit: unit.operating,
    ),
    EnvoyBinarySensorEntityDescription[AcbUnit](
        hardware=ACB_UNIT, key="producing", translation_key="producing", value_fn=lambda unit: unit.producing
    ),
    _health(INVERTER, "producing", BinarySensorDeviceClass.RUNNING, lambda inverter: inverter.producing),
    _health(INVERTER, "communicating", BinarySensorDeviceClass.CONNECTIVITY, lambda inverter: inverter.communicating),
    _health(QRELAY, "relay_closed", None, lambda relay: relay.relay_closed, translation_key="relay_state"),
    _health(QRELAY, "communicating", BinarySensorDeviceClass.CONNECTIVITY, lambda relay: relay.communicating),
)


class EnvoyBinarySensor(EnvoyEntity[T], BinarySensorEntity):
    entity_description: EnvoyBinarySensorEntityDescription[T]

    @property
    def is_on(self) -> bool | None:
        item = self.item
        return self.entity_description.value_fn(item) if item is not None else None


async def async_setup_entry(
    hass: HomeAssistant, entry: EnvoyConfigEntry, async_add_entities: AddConfigEntryEntitiesCallback
) -> None:
    """Add the binary sensors of the hardware the Envoy reports, now and whenever more appears."""
    track_entities(entry, BINARY_SENSORS, EnvoyBinarySensor, async_add_entities)

"""Sensors the realtime option adds or refreshes: the meter stream's values of the CTs, per phase.

With the option on, the CT sensors core has (power, frequency, voltage, current, power factor of the
production, net-consumption and total-consumption CTs, per phase too) take the stream's newest values, at
most once a second; reactive and apparent power, which core does not have, are added (disabled by default).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping
from typing import TYPE_CHECKING, Any

from homeassistant.components.sensor import SensorDeviceClass, SensorStateClass
from homeassistant.const import UnitOfApparentPower, UnitOfReactivePower
from homeassistant.core import callback
from homeassistant.helpers.entity import Entity

from iqgateway import PHASE_NAMES, GatewayData

from .entity import ENVOY
from .sensor import EnvoySensor
from .sensor_common import EnvoySensorEntityDescription, phases_of
from .sensor_ct import CT_TYPES, STREAM_CT_TYPES, _ct_exists

if TYPE_CHECKING:
    from .coordinator import EnvoyCoordinator
    from .realtime import RealtimeStream

REACTIVE_POWER: Mapping[str, Any] = {
    "device_class": SensorDeviceClass.REACTIVE_POWER,
    "state_class": SensorStateClass.MEASUREMENT,
    "native_unit_of_measurement": UnitOfReactivePower.VOLT_AMPERE_REACTIVE,
    "suggested_display_precision": 0,
}
APPARENT_POWER: Mapping[str, Any] = {
    "device_class": SensorDeviceClass.APPARENT_POWER,
    "state_class": SensorStateClass.MEASUREMENT,
    "native_unit_of_measurement": UnitOfApparentPower.VOLT_AMPERE,
    "suggested_display_precision": 0,
}
EXTRA_MEASURES = (("reactive_power", "reactive_power_var", REACTIVE_POWER),
                  ("apparent_power", "apparent_power_va", APPARENT_POWER))


def _meter_value(measurement_type: str, field: str, phase: str | None) -> Callable[[GatewayData], float | None]:
    def value(data: GatewayData) -> float | None:
        reading = data.meters.get(measurement_type)
        if reading is not None and phase is not None:
            reading = phases_of(reading).get(phase)
        return None if reading is None else getattr(reading, field)

    return value


def _streamed(exists: Callable[[GatewayData, GatewayData], bool],
              realtime: RealtimeStream) -> Callable[[GatewayData, GatewayData], bool]:
    return lambda item, data: realtime.frame is not None and exists(item, data)


def realtime_descriptions(realtime: RealtimeStream) -> Iterator[EnvoySensorEntityDescription[GatewayData]]:
    """Reactive and apparent power of the streamed CTs, in all and per phase (disabled by default).

    They appear once the stream gave a frame: a stream the Envoy refuses changes nothing.
    """
    for ct in CT_TYPES:
        if ct.measurement_type not in STREAM_CT_TYPES:
            continue
        for phase in (None, *PHASE_NAMES):
            for name, field, shape in EXTRA_MEASURES:
                key = f"{ct.prefix}_{name}"
                yield EnvoySensorEntityDescription[GatewayData](
                    hardware=ENVOY,
                    key=key if phase is None else f"{key}_{phase.lower()}",
                    translation_key=key if phase is None else f"{key}_phase",
                    translation_placeholders=None if phase is None else {"phase_name": phase.lower()},
                    entity_registry_enabled_default=False,
                    value_fn=_meter_value(ct.measurement_type, field, phase),
                    exists_fn=_streamed(_ct_exists(ct, phase), realtime),
                    realtime=True,
                    **shape,
                )


class RealtimeSensor(EnvoySensor[GatewayData]):
    """A CT sensor reading the regular snapshot refreshed by the newest stream frame."""

    def __init__(self, coordinator: EnvoyCoordinator, description: EnvoySensorEntityDescription[GatewayData],
                 ident: str, realtime: RealtimeStream) -> None:
        super().__init__(coordinator, description, ident)
        self._realtime = realtime

    @property
    def item(self) -> GatewayData | None:
        data = super().item
        return None if data is None else self._realtime.snapshot(data)

    async def async_added_to_hass(self) -> None:
        await super().async_added_to_hass()
        self.async_on_remove(self._realtime.async_add_listener(self._on_frame))

    @callback
    def _on_frame(self) -> None:
        if self.enabled:
            self.async_write_ha_state()

    @callback
    def _handle_coordinator_update(self) -> None:
        # while frames come, the next one (within a second) writes the new snapshot: one write a second at most
        if not self._realtime.streaming:
            super()._handle_coordinator_update()


def sensor_factory(base: Callable[..., Entity], realtime: RealtimeStream | None) -> Callable[..., Entity]:
    """The entity factory of the sensor platform: realtime descriptions get RealtimeSensor when the option is on."""

    def make(coordinator: EnvoyCoordinator, description: Any, ident: str) -> Entity:
        if realtime is not None and getattr(description, "realtime", False):
            return RealtimeSensor(coordinator, description, ident, realtime)
        return base(coordinator, description, ident)

    return make

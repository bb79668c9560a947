"""MQTT topics and payloads: Home Assistant discovery configs and the devices' state documents.

    <topic_prefix>/availability                          the export process: online, or offline (its will)
    <topic_prefix>/<serial>/availability                 one gateway: online, or offline when it stops answering
    <topic_prefix>/<serial>/state                        the Envoy's values, one JSON document
    <topic_prefix>/<serial>/<kind>/<ident>/state         a device behind it (inverter, encharge, acb_unit, ...)
    <discovery_prefix>/<component>/iqgateway_<serial>/<ident>_<key>/config    retained, one per entity

Every discovery config names both availability topics (an entity is available while the process runs and
its gateway answers), the state topic of its device with a template picking its value, and the device with
the Envoy serial in its identifiers. Unique ids are the integration's, prefixed with "iqgateway_".
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass
from importlib import metadata
from typing import Any

import orjson

from .catalog import MANUFACTURER, Device, Reading, Value

ONLINE = "online"
OFFLINE = "offline"
ORIGIN_URL = "https://github.com/iqgateway/iqgateway"
_NOT_IN_TOPIC = re.compile(r"[^A-Za-z0-9_-]+")


def package_version() -> str:
    try:
        return metadata.version("iqgateway")
    except metadata.PackageNotFoundError:
        return "unknown"


@dataclass(frozen=True, slots=True)
class Topics:
    """Where one export process publishes."""

    topic_prefix: str = "iqgateway"
    discovery_prefix: str = "homeassistant"

    @property
    def bridge_availability(self) -> str:
        return f"{self.topic_prefix}/availability"

    @property
    def ha_status(self) -> str:
        """Home Assistant says `online` here when it (re)starts: discovery is published again."""
        return f"{self.discovery_prefix}/status"

    def availability(self, serial: str) -> str:
        return f"{self.topic_prefix}/{serial}/availability"

    def state(self, serial: str, device: Device) -> str:
        if device.kind == "envoy":
            return f"{self.topic_prefix}/{serial}/state"
        return f"{self.topic_prefix}/{serial}/{device.kind}/{_topic_safe(device.ident)}/state"

    def config(self, serial: str, item: Reading) -> str:
        node, entity = _topic_safe(f"iqgateway_{serial}"), _topic_safe(f"{item.device.ident}_{item.key}")
        return f"{self.discovery_prefix}/{item.component}/{node}/{entity}/config"


def _topic_safe(text: str) -> str:
    return _NOT_IN_TOPIC.sub("_", text)


def device_identifier(serial: str, device: Device) -> str:
    """The MQTT device identifier: the Envoy serial, and the item's own ident for the hardware behind it."""
    return f"iqgateway_{serial}" if device.kind == "envoy" else f"iqgateway_{serial}_{device.ident}"


def device_block(serial: str, device: Device) -> dict[str, Any]:
    block: dict[str, Any] = {
        "identifiers": [device_identifier(serial, device)],
        "name": device.name,
        "manufacturer": MANUFACTURER,
        "model": device.model,
    }
    for key, value in (("sw_version", device.sw_version), ("hw_version", device.hw_version),
                       ("serial_number", device.serial_number)):
        if value:
            block[key] = value
    if device.kind != "envoy":
        block["via_device"] = f"iqgateway_{serial}"
    return block


def discovery_config(serial: str, item: Reading, topics: Topics, origin: Mapping[str, str]) -> dict[str, Any]:
    """The retained discovery config of one entity."""
    config: dict[str, Any] = {
        "name": item.name,
        "unique_id": f"iqgateway_{item.unique_id}",
        "state_topic": topics.state(serial, item.device),
        "value_template": "{{ value_json[%s] }}" % orjson.dumps(item.key).decode(),  # noqa: UP031 - Jinja braces
        "availability": [{"topic": topics.bridge_availability}, {"topic": topics.availability(serial)}],
        "availability_mode": "all",
        "device": device_block(serial, item.device),
        "origin": dict(origin),
    }
    optional = (
        ("device_class", item.device_class), ("state_class", item.state_class),
        ("unit_of_measurement", item.unit), ("entity_category", item.entity_category),
        ("suggested_display_precision", item.precision),
        ("options", list(item.options) if item.options is not None else None),
    )
    for key, value in optional:
        if value is not None:
            config[key] = value
    if not item.enabled:
        config["enabled_by_default"] = False
    return config


def origin_block() -> dict[str, str]:
    return {"name": "iqgateway export", "sw_version": package_version(), "support_url": ORIGIN_URL}


def discovery_messages(serial: str, readings: Iterable[Reading], topics: Topics,
                       origin: Mapping[str, str]) -> Iterator[tuple[str, bytes]]:
    """(topic, payload) of every entity's discovery config."""
    for item in readings:
        yield topics.config(serial, item), orjson.dumps(discovery_config(serial, item, topics, origin))


def state_messages(serial: str, readings: Iterable[Reading], topics: Topics) -> Iterator[tuple[str, bytes]]:
    """(topic, payload) of every device's state document: {key: value} of its readings."""
    documents: dict[str, dict[str, Value]] = {}
    for item in readings:
        documents.setdefault(topics.state(serial, item.device), {})[item.key] = item.value
    for topic, document in documents.items():
        yield topic, orjson.dumps(document)

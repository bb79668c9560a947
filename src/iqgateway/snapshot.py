"""GatewayData -> the `iqgateway read --json` document (schema: docs/snapshot.md).

The conversion is explicit so the schema is stable: dataclasses become objects with their field
names, keyed collections become objects keyed by serial / relay id / measurement type / phase name,
tuples and frozensets become lists, enums their values. Absent hardware is null. `to_dict` is the whole
model in the same plain form (for diagnostics).
"""

from __future__ import annotations

import dataclasses
import enum
import math
from collections.abc import Mapping
from datetime import datetime
from typing import Any

from .endpoints import snapshot_parts
from .models import EnergyReading, GatewayData, MeterReading

SCHEMA_VERSION = 1
_PARTS = snapshot_parts()

_ENERGY_LEAVES = ("watts_now", "wh_today", "wh_last_seven_days", "wh_lifetime", "device_wh_today",
                  "device_wh_last_seven_days", "device_daily_disagrees")


def plain(value: Any) -> Any:
    """A JSON-ready copy: dataclasses and mappings to dicts, sequences to lists, enums to values."""
    if value is None or isinstance(value, bool | int | str):
        return value
    if isinstance(value, enum.Enum):
        return plain(value.value)
    if isinstance(value, float):
        return value if math.isfinite(value) else None
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return {f.name: plain(getattr(value, f.name)) for f in dataclasses.fields(value)}
    if isinstance(value, Mapping):
        return {str(key): plain(item) for key, item in value.items()}
    if isinstance(value, frozenset | set):
        return sorted((plain(item) for item in value), key=str)
    if isinstance(value, list | tuple):
        return [plain(item) for item in value]
    if isinstance(value, bytes):
        return value.decode("utf-8", errors="replace")
    if isinstance(value, datetime):
        return value.isoformat()
    return str(value)


def to_dict(data: GatewayData, *, raw: bool = False) -> dict[str, Any]:
    """Every field of a snapshot as plain JSON values (the model as it is, for diagnostics and debugging).

    `raw`: include the decoded device answers (`GatewayData.raw`), which can hold serial numbers.
    `snapshot_dict` is the stable, documented document built on the same conversion."""
    out: dict[str, Any] = {f.name: plain(getattr(data, f.name)) for f in dataclasses.fields(data)
                           if raw or f.name != "raw"}
    return out


def _energy(reading: EnergyReading | None) -> dict[str, Any] | None:
    if reading is None:
        return None
    out: dict[str, Any] = {leaf: plain(getattr(reading, leaf)) for leaf in _ENERGY_LEAVES}
    if reading.phases:
        out["phases"] = {name: _energy(phase) for name, phase in reading.phases.items()}
    return out


def _meter(reading: MeterReading) -> dict[str, Any]:
    out = {f.name: plain(getattr(reading, f.name)) for f in dataclasses.fields(reading) if f.name != "phases"}
    if reading.phases:
        out["phases"] = {name: _meter(phase) for name, phase in reading.phases.items()}
    return out


def _keyed(items: Mapping[str, Any] | None, *drop: str) -> dict[str, Any] | None:
    """A keyed collection; `drop` names fields left out (the key itself, raw documents)."""
    if items is None:
        return None
    out: dict[str, Any] = {}
    for key, item in items.items():
        entry = plain(item)
        if isinstance(entry, dict):
            for name in drop:
                entry.pop(name, None)
        out[str(key)] = entry
    return out


def snapshot_dict(data: GatewayData) -> dict[str, Any]:
    """The JSON snapshot document of one update."""
    info, features = data.info, data.features
    return {
        "schema": SCHEMA_VERSION,
        "serial": info.serial,
        "firmware": info.firmware,
        "firmware_channel": info.firmware_channel,
        "part_number": info.part_number,
        "metered": info.metered,
        "features": sorted(feature.value for feature in features.names),
        "production_source": features.production_source,
        "inverter_source": features.inverter_source,
        "phase_count": data.phase_count if data.phase_layout_known else None,
        "phase_mode": data.phase_mode if data.phase_layout_known else None,
        "production": _energy(data.production),
        "consumption_total": _energy(data.consumption_total),
        "consumption_net": _energy(data.consumption_net),
        "meters": {kind: _meter(reading) for kind, reading in data.meters.items()},
        "inverters": _keyed(data.inverters, "serial"),
        "encharge": _keyed(data.encharge, "serial"),
        "encharge_aggregate": plain(data.encharge_aggregate),
        "enpower": plain(data.enpower),
        "acb": plain(data.acb),
        "battery_aggregate": plain(data.battery_aggregate),
        "dry_contacts": _keyed(data.dry_contacts, "id", "settings_raw"),
        "collar": plain(data.collar),
        "c6cc": plain(data.c6cc),
        "power_forced_off": data.power_forced_off,
        "dpel": plain(data.dpel),
        "grid_profile": plain(data.grid_profile),
        "plc_levels": plain(data.plc_levels),
        "q_relays": _keyed({relay.serial: relay for relay in data.q_relays}, "serial"),
        "updated_at": plain(data.updated_at),
        "parts_updated_at": plain(data.parts_updated_at),
        "endpoints": {path: plain(status) for path, status in data.endpoints.items()},
        "corrections": [plain(correction) for correction in data.corrections],
        "daily": {key: plain(figures) for key, figures in sorted(data.daily.items())},
        **{part.name: plain(getattr(data, part.name)) for part in _PARTS if part.in_snapshot},
    }

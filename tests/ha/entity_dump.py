"""Dump what the integration registered (devices, entities, states) and compare it with HA core's reference.

The comparison (tests/references/README.md): every core `<domain>:<unique_id>` must exist with the same
entity_id, name, translation key, classes, unit, enabled-by-default flag, category, display precision and
device; numbers within 0.5 % or one display unit, other states equal (or one of the alternative readings
newer pyenphase gives); the classes HA 2026.11 corrected on battery sensors are accepted.
"""

from __future__ import annotations

import contextlib
import json
import math
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any
from unittest.mock import patch

from custom_components.enphase_envoy.const import DOMAIN
from homeassistant.core import HomeAssistant
from homeassistant.helpers import device_registry as dr
from homeassistant.helpers import entity_registry as er

from tests.shared import REFS_HA_CORE, accepts_rebuilt_daily

# HA core 2026.11's corrections of 2025.4.4's battery sensors: (platform, key) -> accepted values.
FIXES_2026: dict[tuple[str, str], dict[str, Any]] = {
    ("sensor", key): {"state_class": "measurement"}
    for key in (
        "temperature", "soc", "apparent_power_mva", "real_power_mw", "battery_level", "acb_power", "acb_soc",
        "acb_available_energy", "aggregated_soc", "aggregated_available_energy",
    )
} | {
    ("sensor", "reserve_soc"): {"device_class": None, "state_class": "measurement"},
    ("sensor", "available_energy"): {"device_class": "energy_storage", "state_class": "measurement"},
    ("sensor", "reserve_energy"): {"device_class": "energy_storage", "state_class": "measurement"},
    ("sensor", "max_capacity"): {"device_class": "energy_storage"},
}
FIELDS = (
    "entity_id", "original_name", "translation_key", "device_class", "unit", "state_class",
    "disabled_by_default", "entity_category", "precision", "device_identifiers",
)
DEVICE_FIELDS = ("name", "model", "manufacturer", "sw_version", "hw_version", "serial_number", "via_identifiers")
SCALE = {"W": 1.0, "kW": 1e3, "MW": 1e6, "Wh": 1.0, "kWh": 1e3, "MWh": 1e6, "VA": 1.0, "kVA": 1e3}
STEP: dict[str | None, float] = {"V": 0.1, "A": 0.01, "Hz": 0.01, None: 0.01, "": 0.01, "mWh": 1000.0}


@contextlib.contextmanager
def record_enabled_defaults() -> Iterator[dict[tuple[str, str], bool]]:
    """Register every entity enabled; remember which ones the integration wanted disabled."""
    disabled: dict[tuple[str, str], bool] = {}
    original = er.EntityRegistry.async_get_or_create

    def get_or_create(self: er.EntityRegistry, domain: str, platform: str, unique_id: str, **kw: Any) -> Any:
        if platform == DOMAIN:
            disabled[(domain, str(unique_id))] = kw.get("disabled_by") is not None
            kw["disabled_by"] = None
        return original(self, domain, platform, unique_id, **kw)

    with patch.object(er.EntityRegistry, "async_get_or_create", get_or_create):
        yield disabled


def dump(hass: HomeAssistant, entry_id: str, disabled: dict[tuple[str, str], bool]) -> dict[str, Any]:
    """Devices, entities (keyed `<domain>:<unique_id>`) and states of one config entry."""
    devices = dr.async_get(hass)
    entities = er.async_get(hass)
    by_id = {d.id: d for d in dr.async_entries_for_config_entry(devices, entry_id)}
    devices_out: list[dict[str, Any]] = []
    entities_out: dict[str, dict[str, Any]] = {}
    for entry in sorted(by_id.values(), key=lambda d: sorted(d.identifiers)):
        via = devices.async_get(entry.via_device_id) if entry.via_device_id else None
        devices_out.append({
            "identifiers": sorted([list(i) for i in entry.identifiers]),
            "name": entry.name,
            "model": entry.model,
            "manufacturer": entry.manufacturer,
            "sw_version": entry.sw_version,
            "hw_version": entry.hw_version,
            "serial_number": entry.serial_number,
            "via_identifiers": sorted([list(i) for i in via.identifiers]) if via else None,
        })
    for reg in er.async_entries_for_config_entry(entities, entry_id):
        state = hass.states.get(reg.entity_id)
        attrs = dict(state.attributes) if state else {}
        caps = dict(reg.capabilities or {})
        device = by_id.get(reg.device_id) if reg.device_id else None
        entities_out[f"{reg.domain}:{reg.unique_id}"] = {
            "entity_id": reg.entity_id,
            "unique_id": reg.unique_id,
            "device_class": reg.original_device_class or attrs.get("device_class"),
            "state_class": attrs.get("state_class", caps.get("state_class")),
            "unit": attrs.get("unit_of_measurement", reg.unit_of_measurement),
            "precision": dict(reg.options.get("sensor") or {}).get("suggested_display_precision"),
            "original_name": reg.original_name,
            "translation_key": reg.translation_key,
            "entity_category": reg.entity_category.value if reg.entity_category else None,
            "disabled_by_default": disabled.get((reg.domain, reg.unique_id)),
            "options": caps.get("options"),
            "device": device.name if device else None,
            "device_identifiers": sorted([list(i) for i in device.identifiers]) if device else None,
            "state": state.state if state else None,
        }
    return {"devices": devices_out, "entities": dict(sorted(entities_out.items()))}


def registry_view(dumped: dict[str, Any]) -> dict[str, Any]:
    """The dump without states, one line per device and entity: what the committed snapshot holds."""
    devices = [
        " | ".join(
            str(d[f]) for f in ("name", "model", "manufacturer", "sw_version", "hw_version", "serial_number")
        ) + f" | ids={d['identifiers']} | via={d['via_identifiers']}"
        for d in dumped["devices"]
    ]
    entities = {
        key: " | ".join([
            str(e["entity_id"]),
            f"name={e['original_name']!r}",
            f"key={e['translation_key']}",
            f"class={e['device_class']}",
            f"state_class={e['state_class']}",
            f"unit={e['unit']}",
            f"precision={e['precision']}",
            f"category={e['entity_category']}",
            "disabled" if e["disabled_by_default"] else "enabled",
            f"device={e['device']!r}",
            *([f"options={e['options']}"] if e["options"] else []),
        ])
        for key, e in dumped["entities"].items()
    }
    return {"devices": devices, "entities": entities}


def core_ref(capture: str) -> dict[str, Any]:
    return json.loads((REFS_HA_CORE / f"{capture}.json").read_text())  # type: ignore[no-any-return]


def alternatives(capture: str) -> dict[str, list[Any]]:
    doc = json.loads((REFS_HA_CORE / "alternatives.json").read_text())
    return doc.get("captures", {}).get(capture, {})  # type: ignore[no-any-return]


def _number(value: Any) -> float | None:
    try:
        out = float(value)
    except (TypeError, ValueError):
        return None
    return out if math.isfinite(out) else None


def state_matches(core: dict[str, Any], ours: dict[str, Any], accepted: list[Any]) -> bool:
    want, got = core.get("state"), ours.get("state")
    if want == got or got in accepted:
        return True
    value = _number(got)
    if value is None:
        return False
    core_unit, our_unit = core.get("unit"), ours.get("unit")
    if core_unit != our_unit and core_unit in SCALE and our_unit in SCALE:
        value = value * SCALE[our_unit] / SCALE[core_unit]
    step = STEP.get(core_unit, 1 / SCALE[core_unit] if core_unit in SCALE else 1.0)
    for expected in map(_number, [want, *accepted]):
        if expected is not None and abs(value - expected) <= max(0.005 * abs(expected), step) + 1e-9:
            return True
    return False


# today / last-seven-days sensors and the lifetime sensor beside each (same serial, kind and phase)
_DAILY_KEY = re.compile(
    r"^(?P<head>sensor:[^_]+_)(?:daily|seven_days)_(?P<kind>production|consumption)(?P<line>_l\d)?$")


def _wh(entity: dict[str, Any] | None) -> float | None:
    if entity is None or entity.get("unit") not in SCALE:
        return None
    value = _number(entity.get("state"))
    return None if value is None else value * SCALE[str(entity["unit"])]


def rebuilt_daily(core: dict[str, Any], key: str, ours: dict[str, Any]) -> bool:
    """Core shows the device's daily figure where it is at least half the lifetime counter (not a daily
    figure): ours is rebuilt from the lifetime counter, so unknown or smaller is right there."""
    match = _DAILY_KEY.match(key)
    if match is None:
        return False
    lifetime = _wh(core["entities"].get(f"{match['head']}lifetime_{match['kind']}{match['line'] or ''}"))
    device = _wh(core["entities"].get(key))
    if ours.get("state") in ("unknown", None):
        return accepts_rebuilt_daily(device, lifetime, None)
    value = _wh(ours)
    return value is not None and accepts_rebuilt_daily(device, lifetime, value)


def _loose_entity_id(entity_id: str, serial: str) -> str:
    domain, _, obj = entity_id.partition(".")
    obj = re.sub(rf"^envoy_{re.escape(serial.lower())}_", "", obj)
    return domain + "." + re.sub(r"_\d+$", "", obj)


@dataclass
class Differences:
    missing: list[str] = field(default_factory=list)
    states: list[str] = field(default_factory=list)
    attributes: list[str] = field(default_factory=list)
    devices: list[str] = field(default_factory=list)  # registry fields of devices

    def __bool__(self) -> bool:
        return bool(self.missing or self.states or self.attributes or self.devices)


def compare_with_core(capture: str, ours: dict[str, Any]) -> Differences:
    core = core_ref(capture)
    accepted = alternatives(capture)
    diffs = Differences()
    unnamed = {tuple(map(tuple, d["identifiers"])) for d in core["devices"] if not d["name"]}
    for key, want in core["entities"].items():
        got = ours["entities"].get(key)
        if got is None:
            diffs.missing.append(key)
            continue
        key_part = want["unique_id"].split("_", 1)[1] if "_" in want["unique_id"] else ""
        fixes = FIXES_2026.get((want["platform"], key_part), {})
        for name in FIELDS:
            expected, actual = want.get(name), got.get(name)
            if name == "translation_key" and expected is None:
                continue
            if expected == actual or (name in fixes and actual == fixes[name]):
                continue
            if (
                name == "entity_id"
                and tuple(map(tuple, want.get("device_identifiers") or [])) in unnamed
                and _loose_entity_id(expected, core["serial"]) == _loose_entity_id(str(actual), core["serial"])
            ):
                continue
            diffs.attributes.append(f"{key} {name} {actual!r} (core {expected!r})")
        if not state_matches(want, got, accepted.get(key, [])) and not rebuilt_daily(core, key, got):
            core_state = f"{want.get('state')!r} {want.get('unit') or ''}".strip()
            diffs.states.append(f"{key} state {got.get('state')!r} (core {core_state})")
    have = {frozenset(map(tuple, d["identifiers"])): d for d in ours["devices"]}
    for device in core["devices"]:
        ids = frozenset(map(tuple, device["identifiers"]))
        mine = have.get(ids)
        if mine is None:
            diffs.attributes.append(f"device {sorted(ids)} ({device['name']}) missing")
            continue
        if device["model"] == "Inverter" and mine["model"] == "AC Battery":
            continue  # an AC battery core took for an inverter: it has its own AC battery device now
        for name in DEVICE_FIELDS:
            if name == "serial_number" and device[name] is None and ("enphase_envoy", mine[name]) in ids:
                continue  # core 2026.11 gives child devices their serial number
            if device[name] != mine[name]:
                diffs.devices.append(f"device {device['name']!r} {name} {mine[name]!r} (core {device[name]!r})")
    return diffs

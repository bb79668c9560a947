"""Control writes: apply one POST/PUT/DELETE to a device's JSON documents, answer like the device.

`documents` is keyed by request path without query ("/admin/lib/tariff", "/ivp/ensemble/inventory",
...) and holds decoded JSON; a write mutates it in place so the next read shows the change. Used
by the replayed captures and the synthetic profiles alike.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from types import MappingProxyType
from typing import TYPE_CHECKING, Any

from .source import Reply

if TYPE_CHECKING:
    from collections.abc import Callable, MutableMapping

    Documents = MutableMapping[str, Any]

OPT_SCHEDULES_FIRMWARE = (8, 2, 4200)
STORAGE_MODES = ("backup", "self-consumption", "economy", "savings-mode")
RELAY_STATES = ("open", "closed")
GEN_COMMANDS = ("on", "off", "auto")
_READ_METHODS = ("GET", "HEAD")


class WriteRejected(Exception):
    """A write body the device refuses (answered 400)."""


def _json_reply(status: int, doc: Any) -> Reply:
    return Reply(status, json.dumps(doc, separators=(",", ":")).encode())


def _bad_request(message: str) -> Reply:
    return _json_reply(400, {"error": "400 - Bad Request", "message": message})


def _decode(body: bytes) -> dict[str, Any]:
    try:
        doc = json.loads(body.decode("utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError) as err:
        raise WriteRejected(f"body is not JSON: {err.msg if isinstance(err, json.JSONDecodeError) else err}") from None
    if not isinstance(doc, dict):
        raise WriteRejected("body must be a JSON object")
    return doc


def _member(doc: dict[str, Any], key: str, kind: type, what: str) -> Any:
    if key not in doc:
        raise WriteRejected(f"missing '{key}'")
    value = doc[key]
    if (isinstance(value, bool) and kind is not bool) or not isinstance(value, kind):
        raise WriteRejected(f"'{key}' must be {what}")
    return value


def _number(value: Any, key: str) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise WriteRejected(f"'{key}' must be a number")
    return float(value)


# ------------------------------------------------------------------ handlers
def _relay(docs: Documents, body: dict[str, Any], firmware: tuple[int, ...]) -> Reply:
    state = _member(body, "mains_admin_state", str, '"open" or "closed"')
    if state not in RELAY_STATES:
        raise WriteRejected('\'mains_admin_state\' must be "open" or "closed"')
    inventory = docs.get("/ivp/ensemble/inventory")
    enpowers = [
        device
        for group in (inventory if isinstance(inventory, list) else [])
        if isinstance(group, dict) and group.get("type") == "ENPOWER"
        for device in group.get("devices", [])
        if isinstance(device, dict)
    ]
    if not enpowers:
        raise WriteRejected("no IQ System Controller (Enpower) to switch")
    for device in enpowers:
        device["mains_admin_state"] = state
        device["mains_oper_state"] = state
    status = docs.get("/ivp/ensemble/status")
    if isinstance(status, dict) and isinstance(status.get("relay"), dict):
        status["relay"]["mains_admin_state"] = state
        status["relay"]["mains_oper_state"] = state
    return _json_reply(200, {"mains_admin_state": state})


def _relays(docs: Documents, path: str) -> list[dict[str, Any]]:
    doc = docs.get(path)
    items = doc.get("dry_contacts") if isinstance(doc, dict) else None
    if not isinstance(items, list):
        raise WriteRejected("this device has no dry contacts")
    return [item for item in items if isinstance(item, dict)]


def _dry_contact(docs: Documents, body: dict[str, Any], firmware: tuple[int, ...]) -> Reply:
    change = _member(body, "dry_contacts", dict, "an object")
    relay_id = _member(change, "id", str, "a relay id")
    status = _member(change, "status", str, '"open" or "closed"')
    if status not in RELAY_STATES:
        raise WriteRejected('\'status\' must be "open" or "closed"')
    for item in _relays(docs, "/ivp/ensemble/dry_contacts"):
        if item.get("id") == relay_id:
            item["status"] = status
            return _json_reply(200, {"dry_contacts": [{"id": relay_id, "status": status}]})
    raise WriteRejected(f"unknown relay id {relay_id!r}")


_RELAY_CHOICES: Mapping[str, tuple[str, ...]] = MappingProxyType({
    "mode": ("manual", "soc"),
    "grid_action": ("apply", "shed", "schedule", "none"),
    "micro_grid_action": ("apply", "shed", "schedule", "none"),
    "gen_action": ("apply", "shed", "schedule", "none"),
})


def _dry_contact_settings(docs: Documents, body: dict[str, Any], firmware: tuple[int, ...]) -> Reply:
    change = _member(body, "dry_contacts", dict, "an object with one relay's settings")
    relay_id = _member(change, "id", str, "a relay id")
    for item in _relays(docs, "/ivp/ss/dry_contact_settings"):
        if item.get("id") != relay_id:
            continue
        updates: dict[str, Any] = {}
        for key, value in change.items():
            if key == "id" or key not in item:
                continue
            current = item[key]
            if key in _RELAY_CHOICES and value not in _RELAY_CHOICES[key]:
                raise WriteRejected(f"'{key}' must be one of {', '.join(_RELAY_CHOICES[key])}")
            if isinstance(current, float | int) and not isinstance(current, bool):
                number = _number(value, key)
                if key in ("soc_low", "soc_high") and not 0 <= number <= 100:
                    raise WriteRejected(f"'{key}' must be between 0 and 100")
                updates[key] = float(number) if isinstance(current, float) else int(number)
            elif isinstance(current, str):
                text = ("true" if value else "false") if isinstance(value, bool) else value
                if not isinstance(text, str):
                    raise WriteRejected(f"'{key}' must be a string")
                updates[key] = text
            elif isinstance(current, list):
                if not isinstance(value, list):
                    raise WriteRejected(f"'{key}' must be a list")
                updates[key] = value
            else:
                updates[key] = value
        low = updates.get("soc_low", item.get("soc_low"))
        high = updates.get("soc_high", item.get("soc_high"))
        if isinstance(low, float | int) and isinstance(high, float | int) and low > high:
            raise WriteRejected("'soc_low' must not exceed 'soc_high'")
        item.update(updates)
        return _json_reply(200, {"dry_contacts": [dict(item)]})
    raise WriteRejected(f"unknown relay id {relay_id!r}")


def _storage_settings(tariff: Any) -> dict[str, Any]:
    if not isinstance(tariff, dict) or not isinstance(tariff.get("storage_settings"), dict):
        raise WriteRejected("'tariff.storage_settings' must be an object")
    settings: dict[str, Any] = tariff["storage_settings"]
    return settings


def _tariff(docs: Documents, body: dict[str, Any], firmware: tuple[int, ...]) -> Reply:
    sent = _member(body, "tariff", dict, "an object")
    stored_doc = docs.get("/admin/lib/tariff")
    if not isinstance(stored_doc, dict) or not isinstance(stored_doc.get("tariff"), dict):
        raise WriteRejected("this device has no tariff")
    stored = _storage_settings(stored_doc["tariff"])
    new = dict(_storage_settings(sent))
    if "mode" in new and new["mode"] not in STORAGE_MODES:
        raise WriteRejected(f"'mode' must be one of {', '.join(STORAGE_MODES)}")
    for key in ("reserved_soc", "very_low_soc"):
        if key in new:
            value = _number(new[key], key)
            if not 0 <= value <= 100:
                raise WriteRejected(f"'{key}' must be between 0 and 100")
    for key in ("charge_from_grid", "opt_schedules"):
        if key in new and not isinstance(new[key], bool):
            raise WriteRejected(f"'{key}' must be true or false")
    if firmware >= OPT_SCHEDULES_FIRMWARE and new.get("mode", stored.get("mode")) != stored.get("mode"):
        opt = new.get("opt_schedules", stored.get("opt_schedules", False))
        if opt is True:
            new["mode"] = stored.get("mode")  # the device keeps the old mode while schedules are optimised
    merged_tariff = dict(stored_doc["tariff"])
    for key, value in sent.items():
        if key != "storage_settings":
            merged_tariff[key] = value
    merged_settings = dict(stored)
    merged_settings.update(new)
    merged_tariff["storage_settings"] = merged_settings
    stored_doc["tariff"] = merged_tariff
    schedule = stored_doc.get("schedule")
    if isinstance(schedule, dict):
        mirror = {
            "reserved_soc": "reserved_soc",
            "very_low_soc": "very_low_soc",
            "charge_from_grid": "charge_from_grid",
            "opt_schedules": "opt_schedules",
            "batt_mode": "mode",
            "battery_mode": "mode",
        }
        for target, source in mirror.items():
            if target in schedule and source in merged_settings:
                schedule[target] = merged_settings[source]
    return _json_reply(200, {"tariff": merged_tariff})


def _acb_sleep_items(body: dict[str, Any], *, need_soc: bool) -> list[dict[str, Any]]:
    items = _member(body, "acb_sleep", list, "a list")
    out: list[dict[str, Any]] = []
    for item in items:
        if not isinstance(item, dict):
            raise WriteRejected("'acb_sleep' entries must be objects")
        serial = _member(item, "serial_num", str, "a serial number")
        entry: dict[str, Any] = {"serial_num": serial}
        if need_soc:
            low = _number(item.get("sleep_min_soc"), "sleep_min_soc")
            high = _number(item.get("sleep_max_soc"), "sleep_max_soc")
            if not 0 <= low <= high <= 100:
                raise WriteRejected("need 0 <= sleep_min_soc <= sleep_max_soc <= 100")
            entry["sleep_min_soc"] = int(low)
            entry["sleep_max_soc"] = int(high)
        out.append(entry)
    return out


def _acb_devices(docs: Documents) -> dict[str, dict[str, Any]]:
    found: dict[str, dict[str, Any]] = {}
    for path in ("/inventory.json", "/inventory"):
        doc = docs.get(path)
        for group in doc if isinstance(doc, list) else []:
            if isinstance(group, dict) and group.get("type") == "ACB":
                for device in group.get("devices", []):
                    if isinstance(device, dict) and isinstance(device.get("serial_num"), str):
                        found.setdefault(device["serial_num"], device)
    return found


def _acb_config(docs: Documents, body: dict[str, Any], firmware: tuple[int, ...], *, sleep: bool) -> Reply:
    items = _acb_sleep_items(body, need_soc=sleep)
    known = _acb_devices(docs)
    config = docs.setdefault("/admin/lib/acb_config", {"acb_sleep": []})
    current = [e for e in config.get("acb_sleep", []) if isinstance(e, dict)]
    for item in items:
        serial = item["serial_num"]
        if known and serial not in known:
            raise WriteRejected(f"unknown AC Battery {serial!r}")
        current = [e for e in current if e.get("serial_num") != serial]
        device = known.get(serial)
        if sleep:
            current.append(item)
            if device is not None:
                device["sleep_enabled"] = True
                device["sleep_min_soc"] = item["sleep_min_soc"]
                device["sleep_max_soc"] = item["sleep_max_soc"]
        elif device is not None:
            device["sleep_enabled"] = False
    config["acb_sleep"] = current
    return _json_reply(200, {"acb_sleep": current})


def _gen_mode(docs: Documents, body: dict[str, Any], firmware: tuple[int, ...]) -> Reply:
    cmd = _member(body, "gen_cmd", str, '"on", "off" or "auto"')
    if cmd not in GEN_COMMANDS:
        raise WriteRejected('\'gen_cmd\' must be "on", "off" or "auto"')
    config = docs.get("/ivp/ss/gen_config")
    if isinstance(config, dict) and not config:
        raise WriteRejected("no generator configured")
    doc = {"gen_cmd": cmd, "last_updated_by": "API"}
    docs["/ivp/ss/gen_mode"] = doc
    generator = docs.get("/ivp/ensemble/generator")
    if isinstance(generator, dict) and "admin_mode" in generator:
        generator["admin_mode"] = {"off": 0, "on": 1, "auto": 2}[cmd]
    return _json_reply(200, doc)


def _full_document(path: str) -> Callable[[Documents, dict[str, Any], tuple[int, ...]], Reply]:
    def handler(docs: Documents, body: dict[str, Any], firmware: tuple[int, ...]) -> Reply:
        stored = docs.get(path)
        if isinstance(stored, dict) and stored:
            unknown = sorted(set(body) - set(stored))
            if unknown:
                raise WriteRejected(f"unknown keys: {', '.join(unknown)}")
            missing = sorted(set(stored) - set(body) - {"last_updated_by"})
            if missing:
                raise WriteRejected(f"the full document is required; missing: {', '.join(missing)}")
        elif isinstance(stored, dict) and not stored:
            raise WriteRejected("no generator configured")
        new = dict(body)
        if isinstance(stored, dict) and "last_updated_by" in stored:
            new["last_updated_by"] = "API"
        docs[path] = new
        return _json_reply(200, new)

    return handler


def _livedata_stream(docs: Documents, body: dict[str, Any], firmware: tuple[int, ...]) -> Reply:
    enable = _member(body, "enable", int, "0 or 1")
    if enable not in (0, 1):
        raise WriteRejected("'enable' must be 0 or 1")
    state = "enabled" if enable else "disabled"
    status = docs.get("/ivp/livedata/status")
    if isinstance(status, dict) and isinstance(status.get("connection"), dict):
        status["connection"]["sc_stream"] = state
    return _json_reply(200, {"sc_stream": state})


_WRITES: Mapping[str, Mapping[str, Callable[[Documents, dict[str, Any], tuple[int, ...]], Reply]]] = MappingProxyType({
    "/ivp/ensemble/relay": {"POST": _relay},
    "/ivp/ensemble/dry_contacts": {"POST": _dry_contact},
    "/ivp/ss/dry_contact_settings": {"POST": _dry_contact_settings},
    "/admin/lib/tariff": {"PUT": _tariff},
    "/admin/lib/acb_config": {
        "PUT": lambda d, b, f: _acb_config(d, b, f, sleep=True),
        "DELETE": lambda d, b, f: _acb_config(d, b, f, sleep=False),
    },
    "/ivp/ss/gen_mode": {"POST": _gen_mode},
    "/ivp/ss/gen_schedule": {"POST": _full_document("/ivp/ss/gen_schedule")},
    "/ivp/ss/gen_config": {"POST": _full_document("/ivp/ss/gen_config")},
    "/ivp/livedata/stream": {"POST": _livedata_stream},
})


def is_write(method: str, path: str) -> bool:
    return path in _WRITES and method.upper() not in _READ_METHODS


def apply_write(
    documents: MutableMapping[str, Any], method: str, path: str, body: bytes, *, firmware: tuple[int, ...]
) -> Reply | None:
    """Apply one control write; None if `method path` is not a write (the caller serves it as a read)."""
    handlers = _WRITES.get(path)
    verb = method.upper()
    if handlers is None or verb in _READ_METHODS:
        return None
    handler = handlers.get(verb)
    if handler is None:
        return _json_reply(405, {"error": "405 - Method Not Allowed"})
    try:
        return handler(documents, _decode(body), firmware)
    except WriteRejected as err:
        return _bad_request(str(err))

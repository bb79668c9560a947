"""Request bodies of the device's write endpoints, built from the current device documents.

Every write is read-modify-write: the caller reads the endpoint's current document, these
functions change only what was asked, and the caller sends the result and reads it back.
Pure functions: no I/O; errors name the endpoint.
"""

from __future__ import annotations

import copy
from collections.abc import Mapping
from types import MappingProxyType
from typing import Any

import orjson

from .errors import FeatureNotAvailable, InvalidResponse, IQGatewayError
from .models import GatewayData, StorageMode

RELAY_PATH = "/ivp/ensemble/relay"
DRY_CONTACTS_PATH = "/ivp/ensemble/dry_contacts"
DRY_CONTACT_SETTINGS_PATH = "/ivp/ss/dry_contact_settings"
TARIFF_PATH = "/admin/lib/tariff"
ACB_CONFIG_PATH = "/admin/lib/acb_config"
GEN_MODE_PATH = "/ivp/ss/gen_mode"
# endpoints read back after a write
INVENTORY_PATH = "/ivp/ensemble/inventory"
SECCTRL_PATH = "/ivp/ensemble/secctrl"
ACB_INVENTORY_PATH = "/inventory.json?deleted=1"
GENERATOR_PATH = "/ivp/ensemble/generator"

# From this firmware on, a storage mode change is ignored while `opt_schedules` is true.
OPT_SCHEDULES_FIRMWARE: tuple[int, ...] = (8, 2, 4200)

# update_relay_settings() keyword -> the device's key in a relay's settings
RELAY_SETTING_KEYS: Mapping[str, str] = MappingProxyType({
    "mode": "mode",
    "grid_action": "grid_action",
    "micro_grid_action": "micro_grid_action",
    "generator_action": "gen_action",
    "soc_low": "soc_low",
    "soc_high": "soc_high",
    "load_name": "load_name",
})
RELAY_MODES = frozenset({"manual", "soc"})
RELAY_ACTIONS = frozenset({"apply", "shed", "schedule", "none"})
GENERATOR_MODES = frozenset({"on", "off", "auto"})


def encode(body: Mapping[str, Any]) -> bytes:
    return orjson.dumps(body)


def decode_document(body: bytes, *, path: str, host: str) -> dict[str, Any]:
    """A device JSON document (object) or InvalidResponse naming the endpoint."""
    try:
        doc = orjson.loads(body)
    except orjson.JSONDecodeError:
        raise InvalidResponse("the answer is not JSON", host=host, endpoint=path) from None
    if not isinstance(doc, dict):
        raise InvalidResponse("the answer is not a JSON object", host=host, endpoint=path)
    return doc


def relay_body(closed: bool) -> dict[str, Any]:
    return {"mains_admin_state": "closed" if closed else "open"}


def dry_contact_body(relay_id: str, closed: bool) -> dict[str, Any]:
    return {"dry_contacts": {"id": relay_id, "status": "closed" if closed else "open"}}


def relay_settings_body(
    document: Mapping[str, Any], relay_id: str, changes: Mapping[str, Any], *, host: str
) -> dict[str, Any]:
    """`{"dry_contacts": {<the relay's full settings with the changes>}}`."""
    unknown = sorted(set(changes) - set(RELAY_SETTING_KEYS))
    if unknown:
        raise IQGatewayError(
            f"unknown relay setting(s) {', '.join(unknown)}; known: {', '.join(RELAY_SETTING_KEYS)}",
            host=host, endpoint=DRY_CONTACT_SETTINGS_PATH,
        )
    relays = document.get("dry_contacts")
    if not isinstance(relays, list):
        raise InvalidResponse("no dry_contacts list in the settings", host=host, endpoint=DRY_CONTACT_SETTINGS_PATH)
    current = next((r for r in relays if isinstance(r, dict) and r.get("id") == relay_id), None)
    if current is None:
        raise FeatureNotAvailable(f"no relay {relay_id!r} on this gateway", host=host,
                                  endpoint=DRY_CONTACT_SETTINGS_PATH)
    settings = copy.deepcopy(current)
    for name, value in changes.items():
        key = RELAY_SETTING_KEYS[name]
        if name == "mode" and value not in RELAY_MODES:
            raise IQGatewayError(f"relay mode {value!r} is not one of {', '.join(sorted(RELAY_MODES))}",
                                 host=host, endpoint=DRY_CONTACT_SETTINGS_PATH)
        if name.endswith("_action") and value not in RELAY_ACTIONS:
            raise IQGatewayError(f"relay action {value!r} is not one of {', '.join(sorted(RELAY_ACTIONS))}",
                                 host=host, endpoint=DRY_CONTACT_SETTINGS_PATH)
        is_soc = name in ("soc_low", "soc_high")
        settings[key] = _percent(value, name, host, DRY_CONTACT_SETTINGS_PATH) if is_soc else value
    return {"dry_contacts": settings}


def tariff_body(
    document: Mapping[str, Any],
    *,
    firmware: tuple[int, ...],
    host: str,
    mode: StorageMode | None = None,
    reserve_soc: float | None = None,
    charge_from_grid: bool | None = None,
) -> dict[str, Any]:
    """`{"tariff": {<current tariff with storage_settings changed>}}`."""
    tariff = document.get("tariff")
    if not isinstance(tariff, dict) or not isinstance(tariff.get("storage_settings"), dict):
        raise InvalidResponse("no tariff.storage_settings in the tariff document", host=host, endpoint=TARIFF_PATH)
    tariff = copy.deepcopy(tariff)
    settings: dict[str, Any] = tariff["storage_settings"]
    if mode is not None:
        mode = StorageMode(mode)
        legacy = settings.get("mode") == "savings-mode"
        settings["mode"] = "savings-mode" if mode is StorageMode.ECONOMY and legacy else mode.value
        if firmware >= OPT_SCHEDULES_FIRMWARE:
            settings["opt_schedules"] = False
    if reserve_soc is not None:
        settings["reserved_soc"] = float(_percent(reserve_soc, "reserve", host, TARIFF_PATH))
    if charge_from_grid is not None:
        settings["charge_from_grid"] = bool(charge_from_grid)
    return {"tariff": tariff}


def acb_sleep_body(serial: str, min_soc: int, max_soc: int, *, host: str) -> dict[str, Any]:
    low = _percent(min_soc, "sleep_min_soc", host, ACB_CONFIG_PATH)
    high = _percent(max_soc, "sleep_max_soc", host, ACB_CONFIG_PATH)
    if low > high:
        raise IQGatewayError(f"sleep_min_soc {low} is above sleep_max_soc {high}", host=host, endpoint=ACB_CONFIG_PATH)
    return {"acb_sleep": [{"serial_num": serial, "sleep_min_soc": int(low), "sleep_max_soc": int(high)}]}


def acb_wake_body(serial: str) -> dict[str, Any]:
    return {"acb_sleep": [{"serial_num": serial}]}


def gen_mode_body(mode: str, *, host: str) -> dict[str, Any]:
    if mode not in GENERATOR_MODES:
        raise IQGatewayError(f"generator mode {mode!r} is not one of on, off, auto", host=host, endpoint=GEN_MODE_PATH)
    return {"gen_cmd": mode}


def _percent(value: Any, name: str, host: str, path: str) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float) or not 0 <= value <= 100:
        raise IQGatewayError(f"{name} must be a percentage 0..100, not {value!r}", host=host, endpoint=path)
    return float(value)


# ---------------------------------------------------------------------- read-back checks
# Each says what the read-back still shows when the change is not visible, None when it is
# (or when the read-back does not tell).


def grid_applied(data: GatewayData, closed: bool) -> str | None:
    state = data.enpower.mains_admin_state if data.enpower is not None else None
    want = "closed" if closed else "open"
    return None if state in (want, None) else f"still reports the main relay {state}"


def relay_applied(data: GatewayData, relay_id: str, closed: bool) -> str | None:
    relay = (data.dry_contacts or {}).get(relay_id)
    state = relay.status if relay is not None else None
    want = "closed" if closed else "open"
    return None if state in (want, None) else f"still reports relay {relay_id} {state}"


def relay_settings_applied(
    data: GatewayData, relay_id: str, sent: Mapping[str, Any], changes: Mapping[str, Any]
) -> str | None:
    relay = (data.dry_contacts or {}).get(relay_id)
    raw = relay.settings_raw if relay is not None else None
    if raw is None:
        return None
    keys = [RELAY_SETTING_KEYS[name] for name in changes]
    wrong = [key for key in keys if not _same(raw.get(key), sent.get(key))]
    return f"relay {relay_id} still has other values for {', '.join(wrong)}" if wrong else None


def storage_applied(
    data: GatewayData, *, mode: StorageMode | None, reserve_soc: float | None, charge_from_grid: bool | None
) -> str | None:
    settings = data.storage_settings
    if settings is None:
        return None
    if mode is not None and settings.mode is not None and settings.mode != StorageMode(mode).value:
        return f"still reports storage mode {settings.mode}"
    reserve = settings.reserve_soc_percent
    if reserve_soc is not None and reserve is not None and abs(reserve - reserve_soc) > 0.5:
        return f"still reports a reserve of {reserve:g} %"
    grid = settings.charge_from_grid
    if charge_from_grid is not None and grid is not None and grid != charge_from_grid:
        return f"still reports charge from grid {'on' if grid else 'off'}"
    return None


def acb_applied(data: GatewayData, serial: str, sleeping: bool) -> str | None:
    unit = data.acb.units.get(serial) if data.acb is not None else None
    state = unit.sleep_enabled if unit is not None else None
    if state is None or state == sleeping:
        return None
    return f"still reports AC battery {serial} {'awake' if sleeping else 'asleep'}"


def generator_applied(data: GatewayData, mode: str) -> str | None:
    doc = data.generator.mode if data.generator is not None else None
    state = doc.get("gen_cmd") if doc is not None else None
    return None if state in (mode, None) else f"still reports generator mode {state}"


def _same(got: Any, want: Any) -> bool:
    if isinstance(got, int | float) and isinstance(want, int | float) and not isinstance(got, bool):
        return abs(float(got) - float(want)) < 1e-6
    return bool(got == want)

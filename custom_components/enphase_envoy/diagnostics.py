"""Diagnostics: what the integration knows about the Envoy, with every secret and serial number redacted."""

from __future__ import annotations

import dataclasses
import enum
import re
from collections.abc import Mapping
from datetime import datetime
from typing import Any

from homeassistant.components.diagnostics import REDACTED, async_redact_data
from homeassistant.const import CONF_NAME, CONF_PASSWORD, CONF_TOKEN, CONF_USERNAME
from homeassistant.core import HomeAssistant
from homeassistant.helpers import device_registry as dr
from homeassistant.helpers import entity_registry as er

from iqgateway import Gateway, IQGatewayError, snapshot_dict

from .const import DOMAIN, OPTION_DIAGNOSTICS_INCLUDE_FIXTURES
from .coordinator import EnvoyConfigEntry
from .devices import known_device_ids

# Keys whose values are secret or identify the owner, wherever they appear.
TO_REDACT = {
    CONF_PASSWORD,
    CONF_TOKEN,
    CONF_USERNAME,
    CONF_NAME,
    "title",
    "unique_id",
    "serial",
    "serial_num",
    "serial_number",
    "serialNumber",
    "sn",
    "cookie",
    "cookies",
    "Cookie",
    "Set-Cookie",
    "session_id",
    "sessionId",
    "email",
    "user",
    "jwt",
}
# Fixtures: after this many endpoints in a row got no answer at all, the rest are skipped.
GIVE_UP_AFTER = 2
JWT_PATTERN = re.compile(r"eyJ[\w-]+\.[\w-]+\.[\w-]*")


def to_jsonable(value: Any) -> Any:
    """Dataclasses, mappings, sets and enums as plain JSON values (bytes as text)."""
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return {f.name: to_jsonable(getattr(value, f.name)) for f in dataclasses.fields(value)}
    if isinstance(value, enum.Enum):
        return value.value
    if isinstance(value, Mapping):
        return {str(k): to_jsonable(v) for k, v in value.items()}
    if isinstance(value, frozenset | set):
        return sorted((to_jsonable(v) for v in value), key=str)
    if isinstance(value, list | tuple):
        return [to_jsonable(v) for v in value]
    if isinstance(value, bytes):
        return value.decode("utf-8", errors="replace")
    if isinstance(value, datetime):
        return value.isoformat()
    if value is None or isinstance(value, str | int | float | bool):
        return value
    return str(value)


def scrub(value: Any, replacements: Mapping[str, str]) -> Any:
    """Replace secrets (serial numbers, tokens) inside keys and strings; JWT-looking text too."""
    words = sorted((w for w in replacements if w and len(w) >= 4), key=len, reverse=True)
    pattern = re.compile("|".join(re.escape(w) for w in words)) if words else None

    def text(item: str) -> str:
        item = JWT_PATTERN.sub(REDACTED, item)
        return pattern.sub(lambda m: replacements[m.group()], item) if pattern is not None else item

    def walk(item: Any) -> Any:
        if isinstance(item, str):
            return text(item)
        if isinstance(item, Mapping):
            return {text(str(k)): walk(v) for k, v in item.items()}
        if isinstance(item, list):
            return [walk(v) for v in item]
        return item

    return walk(value)


def _replacements(hass: HomeAssistant, entry: EnvoyConfigEntry) -> dict[str, str]:
    """Each secret's stand-in: the Envoy's own serial and credentials become REDACTED, other serial
    numbers a numbered stand-in so that devices stay apart in the report. Devices the Envoy no longer
    reports (a removed inverter) keep their registry entry and are named in corrections: redacted too."""
    coordinator = entry.runtime_data
    gateway = coordinator.gateway
    out: dict[str, str] = {}
    idents = known_device_ids(coordinator.data) if coordinator.data is not None else set()
    for device in dr.async_entries_for_config_entry(dr.async_get(hass), entry.entry_id):
        idents.update(ident for domain, ident in device.identifiers if domain == DOMAIN)
    for number, ident in enumerate(sorted(idents), start=1):
        out[ident] = f"**REDACTED_{number}**"
    secrets = [str(entry.unique_id or ""), gateway.token or ""]
    secrets += [str(entry.data.get(key) or "") for key in (CONF_PASSWORD, CONF_TOKEN, CONF_USERNAME)]
    if gateway.info is not None:
        secrets.append(gateway.info.serial)
    for secret in secrets:
        out[secret] = REDACTED
    return out


async def _fixtures(entry: EnvoyConfigEntry) -> dict[str, Any]:
    """The device's answer for every endpoint the integration knows of; one failing does not stop the rest."""
    gateway = entry.runtime_data.gateway
    fixtures: dict[str, Any] = {}
    unanswered = 0
    for path in gateway.known_paths():
        if unanswered >= GIVE_UP_AFTER:
            fixtures[path] = {"error": "skipped: the device stopped answering"}
            continue
        try:
            answer = await gateway.fetch_raw(path)
        except IQGatewayError as err:
            fixtures[path] = {"error": str(err)}
            unanswered += 1
            continue
        unanswered = unanswered + 1 if answer.error is not None else 0
        fixtures[path] = {
            "status": answer.status,
            "content_type": answer.content_type,
            "body": answer.body.decode("utf-8", errors="replace"),
            "error": str(answer.error) if answer.error is not None else None,
        }
    return fixtures


def _entities_by_device(hass: HomeAssistant, entry: EnvoyConfigEntry) -> list[dict[str, Any]]:
    devices = dr.async_get(hass)
    entities = er.async_get(hass)
    out: list[dict[str, Any]] = []
    for device in dr.async_entries_for_config_entry(devices, entry.entry_id):
        listed: list[dict[str, Any]] = []
        for reg in er.async_entries_for_device(entities, device.id, include_disabled_entities=True):
            state = hass.states.get(reg.entity_id)
            listed.append(
                {
                    "entity_id": reg.entity_id,
                    "unique_id": reg.unique_id,
                    "original_name": reg.original_name,
                    "translation_key": reg.translation_key,
                    "disabled_by": reg.disabled_by,
                    "entity_category": reg.entity_category,
                    "state": None if state is None else {"state": state.state, "attributes": dict(state.attributes)},
                }
            )
        out.append(
            {
                "device": {
                    "name": device.name,
                    "model": device.model,
                    "manufacturer": device.manufacturer,
                    "sw_version": device.sw_version,
                    "hw_version": device.hw_version,
                    "identifiers": sorted(ident for _, ident in device.identifiers),
                    "via_device": device.via_device_id is not None,
                },
                "entities": listed,
            }
        )
    return out


def _daily(gateway: Gateway) -> dict[str, Any]:
    """Today / last seven days per lifetime counter, rebuilt and as the device says, and the stored closes."""
    daily = gateway.daily
    if daily is None:
        return {"enabled": False}
    return {
        "enabled": True,
        "time_zone": str(daily.tz),
        "rated_power_w": daily.rated_power_w,
        "figures": {key: {**to_jsonable(figures), "device_disagrees": figures.device_disagrees}
                    for key, figures in gateway.daily_figures.items()},
        "closes": {key: {day.isoformat(): total for day, total in sorted(daily.closes(key).items())}
                   for key in daily.keys},
    }


async def async_get_config_entry_diagnostics(hass: HomeAssistant, entry: EnvoyConfigEntry) -> dict[str, Any]:
    """The diagnostics report of one Envoy."""
    coordinator = entry.runtime_data
    gateway = coordinator.gateway
    data = coordinator.data
    info = gateway.info
    features = gateway.features
    properties: dict[str, Any] = {
        "host": gateway.host,
        "serial": info.serial if info is not None else None,
        "firmware": info.firmware if info is not None else None,
        "part_number": info.part_number if info is not None else None,
        "metered": info.metered if info is not None else None,
        "auth_kind": gateway.auth_kind,
        "manual_token": gateway.manual_token,
        "token_user": gateway.token_user,
        "token_expires_at": gateway.token_expires_at,
        "features": features,
        "last_update_success": coordinator.last_update_success,
        "update_interval_s": coordinator.update_interval.total_seconds() if coordinator.update_interval else None,
        "live_power": coordinator.live.as_diagnostics() if coordinator.live is not None else {"enabled": False},
        "realtime": coordinator.realtime.as_diagnostics() if coordinator.realtime is not None else {"enabled": False},
        "derived_energy": coordinator.derived.as_diagnostics(),
        "daily_energy": _daily(coordinator.gateway),
        "load": gateway.load_report(),
        "capabilities": gateway.capabilities.to_dict() if gateway.capabilities is not None else None,
    }
    report: dict[str, Any] = {
        "config_entry": entry.as_dict(),
        "envoy_properties": properties,
        "raw_data": dict(data.raw) if data is not None else None,
        "envoy_model_data": snapshot_dict(data) if data is not None else None,
        "corrections": to_jsonable(data.corrections) if data is not None else [],
        "envoy_entities_by_device": _entities_by_device(hass, entry),
        "fixtures": await _fixtures(entry) if entry.options.get(OPTION_DIAGNOSTICS_INCLUDE_FIXTURES) else {},
    }
    redacted = async_redact_data(to_jsonable(report), TO_REDACT)
    return dict(scrub(redacted, _replacements(hass, entry)))

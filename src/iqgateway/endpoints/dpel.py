"""Export / production limit (installer): `/ivp/ss/dpel` `dynamic_pel_settings`."""

from __future__ import annotations

from typing import Any

from ..models_installer import DpelSettings
from .family import EndpointFamily
from .values import JsonDict, bool_at, dict_at, mapping, num_at

PATH = "/ivp/ss/dpel"
SETTINGS = "dynamic_pel_settings"


def settings_doc(doc: object) -> JsonDict | None:
    return dict_at(mapping(doc), SETTINGS)


def parse_dpel(doc: object) -> DpelSettings | None:
    settings = settings_doc(doc)
    if settings is None:
        return None
    enabled = bool_at(settings, "enable")
    if enabled is None:
        return None
    limit = num_at(settings, "limit_value_W")
    slew = num_at(settings, "slew_rate")
    return DpelSettings(
        enabled=enabled,
        export_limit=bool_at(settings, "export_limit") is not False,
        limit_w=float(limit) if limit is not None else None,
        slew_rate=float(slew) if slew is not None else None,
        dynamic=bool_at(settings, "enable_dynamic_limiting"),
    )


def dpel_payload(current: JsonDict | None, *, enabled: bool, export_limit: bool | None, limit_w: float | None,
                 slew_rate: float | None) -> dict[str, Any]:
    """The POST body: the settings as read, with only what was asked changed."""
    settings: dict[str, Any] = dict(current or {})
    settings["enable"] = enabled
    if export_limit is not None:
        settings["export_limit"] = export_limit
    if limit_w is not None:
        settings["limit_value_W"] = limit_w
    if slew_rate is not None:
        settings["slew_rate"] = slew_rate
    return {SETTINGS: settings, "filename": "site_settings", "version": "00.00.01"}

# An installer-level setting: it changes rarely, and the Gateway reads it back right after a write.
FAMILY = EndpointFamily(name="dpel", intervals=((PATH, 900.0),))

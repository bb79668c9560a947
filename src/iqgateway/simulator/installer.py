"""The installer-level endpoints of a simulated device: power mode, DPEL, grid profile, PLC check.

Only the installer role gets in (an owner token, the `envoy` Digest user or no credentials get 401, as
on the device). Writes change what is read back; on a synthetic profile they also reach the house:
production forced off stops the inverters from the next reading, a DPEL export limit caps export.
"""

from __future__ import annotations

import json
from typing import Any

from .firmware import version_tuple
from .source import JSON_TYPE, NOT_FOUND, DeviceSource, Reply

POWER_MODE = "/ivp/mod/603980032/mode/power"
DPEL = "/ivp/ss/dpel"
AGF = "/installer/agf/index.json"
AGF_SET = "/installer/agf/set_profile.json"
PLC = "/installer/pcu_comm_check"
PATHS = frozenset({POWER_MODE, DPEL, AGF, AGF_SET, PLC})
# Firmware below this has no DPEL (a 404 `{"err": ...}`).
DPEL_FIRMWARE = (7,)

PROFILES = (
    {"id": "IEEE1547-2018-CA21", "name": "IEEE 1547:2018 California Rule 21"},
    {"id": "IEEE1547-2018-HI", "name": "IEEE 1547:2018 Hawaii"},
    {"id": "EN50549-1-2019-DE", "name": "EN 50549-1:2019 VDE-AR-N 4105 Germany"},
)


def _json(status: int, doc: Any) -> Reply:
    return Reply(status, json.dumps(doc, separators=(",", ":")).encode(), JSON_TYPE)


def _body(raw: bytes) -> dict[str, Any] | None:
    try:
        doc = json.loads(raw or b"null")
    except ValueError:
        return None
    return doc if isinstance(doc, dict) else None


class InstallerEndpoints:
    """The installer settings of one simulated device (kept across reads, changed by writes)."""

    def __init__(self, source: DeviceSource) -> None:
        self.source = source
        self.power_forced_off = False
        self.dpel: dict[str, Any] = {"enable": False, "export_limit": True, "limit_value_W": 0.0,
                                     "slew_rate": 10.0, "enable_dynamic_limiting": False}
        self.selected_profile = PROFILES[0]["id"]

    def respond(self, method: str, path: str, body: bytes, role: str | None) -> Reply:
        """The answer to one request; `role` None: auth is off (the simulator's `auth="none"`)."""
        if role is not None and role != "installer":
            return Reply(401, b"Unauthorized: installer access required", "text/html")
        reply = self._respond(method.upper(), path, body)
        if reply.status == 200 and method.upper() != "GET":
            self._to_house()
        return reply

    @property
    def serials(self) -> tuple[str, ...]:
        house = getattr(self.source, "house", None)
        return tuple(spec.serial for spec in house.config.inverters) if house is not None else ()

    def _to_house(self) -> None:
        house = getattr(self.source, "house", None)
        clock = getattr(self.source, "clock", None)
        if house is None or clock is None:
            return
        house.controls.production_forced_off = self.power_forced_off
        house.controls.export_limit_w = self.export_limit_w
        house.controls_changed(clock.timestamp())

    def _respond(self, verb: str, path: str, body: bytes) -> Reply:
        if path == POWER_MODE:
            return self._power_mode(verb, body)
        if path == DPEL:
            return self._dpel(verb, body)
        if path == AGF and verb == "GET":
            return _json(200, {"selected_profile": self.selected_profile, "profiles": list(PROFILES)})
        if path == AGF_SET and verb == "PUT":
            return self._set_profile(body)
        if path == PLC and verb == "GET":
            return _json(200, {serial: 5 - index % 3 for index, serial in enumerate(self.serials)})
        return NOT_FOUND

    def _power_mode(self, verb: str, body: bytes) -> Reply:
        if verb == "PUT":
            doc = _body(body)
            arr = doc.get("arr") if doc is not None else None
            if not isinstance(arr, list) or len(arr) != 1 or arr[0] not in (0, 1):
                return _json(400, {"error": "want {\"length\": 1, \"arr\": [0|1]}"})
            self.power_forced_off = arr[0] == 1
            return _json(200, {})
        if verb == "GET":
            return _json(200, {"powerForcedOff": self.power_forced_off})
        return NOT_FOUND

    def _dpel(self, verb: str, body: bytes) -> Reply:
        if version_tuple(self.source.firmware) < DPEL_FIRMWARE:
            return _json(404, {"err": "dpel not supported"})
        if verb == "POST":
            doc = _body(body)
            settings = doc.get("dynamic_pel_settings") if doc is not None else None
            if not isinstance(settings, dict) or not isinstance(settings.get("enable"), bool):
                return _json(400, {"error": "want dynamic_pel_settings with enable"})
            self.dpel = {**self.dpel, **settings}
            return _json(200, {})
        if verb == "GET":
            return _json(200, {"dynamic_pel_settings": dict(self.dpel), "filename": "site_settings",
                               "version": "00.00.01"})
        return NOT_FOUND

    def _set_profile(self, body: bytes) -> Reply:
        doc = _body(body)
        wanted = doc.get("selected_profile") if doc is not None else None
        if wanted not in {profile["id"] for profile in PROFILES}:
            return _json(200, {"status": "failed", "reason": f"unknown profile {wanted!r}"})
        self.selected_profile = str(wanted)
        return _json(200, {"status": "accepted"})

    @property
    def export_limit_w(self) -> float | None:
        """The export cap in force (an enabled export limit), or None."""
        if self.dpel.get("enable") is True and self.dpel.get("export_limit") is not False:
            return float(self.dpel.get("limit_value_W") or 0.0)
        return None

    @property
    def production_limit_w(self) -> float | None:
        """The production cap in force (an enabled production limit), or None."""
        if self.dpel.get("enable") is True and self.dpel.get("export_limit") is False:
            return float(self.dpel.get("limit_value_W") or 0.0)
        return None

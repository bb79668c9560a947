"""A synthetic device answering every endpoint from its simulated house (see profiles.make_profile)."""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import replace
from types import MappingProxyType
from typing import Any

from .clock import SimClock
from .physics import House
from .render import devices, ensemble, identity, livedata, meters, production
from .render.context import Hardware, Scene
from .source import NOT_FOUND, Reply
from .writes import apply_write, is_write

JSON = "application/json"
XML = "text/xml"
HTML = "text/html"
DEVICE_DATA_FIRMWARE = (8, 2, 4345)

_LATENCY: Mapping[str, float] = MappingProxyType({
    "/production.json": 2.5,
    "/production": 4.0,
    "/inventory.json": 3.0,
    "/home": 7.0,
})


class ProfileSource:
    """A synthetic device: a DeviceSource whose answers follow its simulated house."""

    def __init__(self, hardware: Hardware, house: House, clock: SimClock, documents: dict[str, Any]) -> None:
        self.hardware = hardware
        self.house = house
        self.clock = clock
        self.documents = documents
        self._lifetime_offset_wh = 0.0
        self._livedata_enabled = False
        self._livedata_last: dict[str, Any] | None = None
        self._livedata_polls = 0

    # ------------------------------------------------------------ DeviceSource
    @property
    def serial(self) -> str:
        return self.hardware.serial

    @property
    def firmware(self) -> str:
        return self.hardware.firmware

    @property
    def name(self) -> str:
        return self.hardware.name

    @property
    def livedata_enabled(self) -> bool:
        return self._livedata_enabled

    def respond(self, method: str, path: str, query: str, body: bytes) -> Reply:
        t = self.clock.timestamp()
        self.house.advance_to(t)
        scene = self._scene(t)
        verb = method.upper()
        if is_write(verb, path):
            if self.hardware.version < (7,):
                return NOT_FOUND
            return self._write(scene, verb, path, body)
        if verb not in ("GET", "HEAD"):
            return NOT_FOUND
        return self._read(scene, path, query)

    # ------------------------------------------------------------ fault hooks
    def reboot(self) -> None:
        """Like a real restart: the "today" counters start from zero, the live stream stops."""
        self.house.restart_day(self.clock.timestamp())
        self._livedata_enabled = False

    def upgrade_firmware(self, version: str) -> None:
        """A new firmware version appears in /info (features follow the version)."""
        numeric = version.lstrip("RDMrdm")
        channel = version[0].upper() if version[:1].isalpha() else self.hardware.channel
        self.hardware = replace(self.hardware, firmware=numeric, channel=channel)

    def reset_lifetime(self) -> None:
        """The inverters' lifetime production counter drops to zero (old metered firmware at 1.2 MWh)."""
        t = self.clock.timestamp()
        self._lifetime_offset_wh = self.house.inverter_energy_total(t)

    # ------------------------------------------------------------ internals
    def _scene(self, t: float) -> Scene:
        return Scene(self.hardware, self.house, t, self.documents, self._lifetime_offset_wh)

    def _write(self, scene: Scene, verb: str, path: str, body: bytes) -> Reply:
        if path == "/ivp/livedata/stream":
            reply = apply_write({}, verb, path, body, firmware=self.hardware.version)
            if reply is not None and reply.status == 200:
                self._livedata_enabled = json.loads(reply.body)["sc_stream"] == "enabled"
            return reply or NOT_FOUND
        self.documents["/ivp/ensemble/inventory"] = ensemble.inventory(scene)
        if self.hardware.battery_kind == "acb":
            self.documents["/inventory.json"] = devices.inventory(scene)
        reply = apply_write(self.documents, verb, path, body, firmware=self.hardware.version)
        if reply is None:
            return NOT_FOUND
        if reply.status == 200:
            self._sync_controls()
            self.house.controls_changed(scene.t)
        return reply

    def _sync_controls(self) -> None:
        ctl = self.house.controls
        for group in self.documents.get("/ivp/ensemble/inventory", []):
            if group.get("type") == "ENPOWER":
                for device in group.get("devices", []):
                    ctl.grid_connected = device.get("mains_admin_state") == "closed"
        tariff = self.documents.get("/admin/lib/tariff")
        if isinstance(tariff, dict):
            storage = tariff.get("tariff", {}).get("storage_settings", {})
            mode = storage.get("mode", ctl.mode)
            ctl.mode = "economy" if mode == "savings-mode" else mode
            ctl.reserve_soc = float(storage.get("reserved_soc", ctl.reserve_soc))
            ctl.very_low_soc = float(storage.get("very_low_soc", ctl.very_low_soc))
            ctl.charge_from_grid = bool(storage.get("charge_from_grid", ctl.charge_from_grid))
        gen_mode = self.documents.get("/ivp/ss/gen_mode")
        if isinstance(gen_mode, dict):
            ctl.generator_cmd = str(gen_mode.get("gen_cmd", ctl.generator_cmd))
        schedule = self.documents.get("/ivp/ss/gen_schedule")
        if isinstance(schedule, dict) and isinstance(schedule.get("default_soc"), dict):
            ctl.generator_start_soc = float(schedule["default_soc"].get("start_soc", ctl.generator_start_soc))
            ctl.generator_stop_soc = float(schedule["default_soc"].get("stop_soc", ctl.generator_stop_soc))
        acb = self.documents.get("/admin/lib/acb_config")
        if isinstance(acb, dict):
            ctl.acb_sleep = {
                e["serial_num"]: (int(e["sleep_min_soc"]), int(e["sleep_max_soc"])) for e in acb.get("acb_sleep", [])
            }

    @staticmethod
    def _json(doc: Any, path: str) -> Reply:
        body = json.dumps(doc, separators=(",", ":")).encode()
        return Reply(200, body, JSON, latency_s=_LATENCY.get(path, 0.2))

    def _read(self, scene: Scene, path: str, query: str) -> Reply:
        hw = self.hardware
        if path == "/info":
            return Reply(200, identity.info_xml(scene), XML, latency_s=0.1)
        if hw.version < (7,):
            return self._read_legacy(scene, path)
        doc = self._document(scene, path, query)
        if doc is None:
            return NOT_FOUND
        return self._json(doc, path)

    def _read_legacy(self, scene: Scene, path: str) -> Reply:
        if path == "/production":
            return Reply(200, production.legacy_production_html(scene), HTML, latency_s=4.0)
        if path == "/production.json":
            return Reply(200, production.LEGACY_NOT_FOUND, HTML, latency_s=0.3)
        if path == "/api/v1/production":
            return self._json(production.api_v1_production(scene), path)
        if path == "/api/v1/production/inverters":
            return self._json(production.api_v1_inverters(scene), path)
        return NOT_FOUND

    def _document(self, scene: Scene, path: str, query: str) -> Any:
        hw = self.hardware
        docs = self.documents
        if path == "/production.json":
            return production.production_json(scene, details="details=1" in query)
        if path == "/production":
            return production.production_json(scene, details=False)
        if path == "/api/v1/production":
            return production.api_v1_production(scene)
        if path == "/api/v1/production/inverters":
            return production.api_v1_inverters(scene)
        if path == "/ivp/pdm/device_data":
            return devices.device_data(scene) if hw.version >= DEVICE_DATA_FIRMWARE else None
        if path == "/ivp/meters":
            return meters.meters_list(scene)
        if path == "/ivp/meters/readings":
            return meters.readings(scene)
        if path == "/ivp/meters/reports":
            return meters.reports(scene) if hw.has_ct else None
        if path == "/inventory.json":
            return devices.inventory(scene)
        if path == "/home":
            n_bat = len(self.house.config.batteries)
            return identity.home(
                scene,
                inverters=len(self.house.config.inverters),
                acbs=n_bat if hw.battery_kind == "acb" else 0,
                encharges=n_bat if hw.battery_kind == "encharge" else 0,
            )
        if path == "/ivp/ensemble/inventory":
            return ensemble.inventory(scene)
        if path == "/ivp/ensemble/power":
            return ensemble.power(scene)
        if path == "/ivp/livedata/status":
            return self._livedata(scene)
        if path in ("/ivp/ensemble/dry_contacts", "/ivp/ss/dry_contact_settings"):
            return docs.get(path)
        if "/admin/lib/tariff" not in docs:
            return None
        if path == "/ivp/ensemble/secctrl":
            return ensemble.secctrl(scene)
        if path == "/ivp/ensemble/generator":
            return ensemble.generator(scene)
        if path in ("/admin/lib/tariff", "/ivp/ss/gen_config", "/ivp/ss/gen_schedule", "/ivp/ss/gen_mode"):
            return docs.get(path)
        if path == "/admin/lib/acb_config":
            return docs.get(path)
        return None

    def _livedata(self, scene: Scene) -> dict[str, Any]:
        self._livedata_polls += 1
        if self._livedata_enabled or self._livedata_last is None:
            self._livedata_last = livedata.meters(scene)
        return livedata.status(scene, self._livedata_last, enabled=self._livedata_enabled, polls=self._livedata_polls)

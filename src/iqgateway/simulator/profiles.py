"""Synthetic devices: named profiles of real installations whose values move with simulated time.

`make_profile("full-us", inverters=30, batteries=3, seed=7)` gives a `ProfileSource` (a
DeviceSource) that answers every endpoint with documents shaped exactly like the real
firmware's, driven by a `House` (physics.py) on a `SimClock`.
"""

from __future__ import annotations

import json
import zlib
from collections.abc import Mapping
from dataclasses import dataclass, replace
from types import MappingProxyType
from typing import Any
from zoneinfo import ZoneInfo

from .clock import SimClock
from .physics import BatterySpec, Controls, House, HouseConfig, InverterSpec, unit_noise
from .render import devices, ensemble, identity, livedata, meters, production, settings
from .render.context import Hardware, Scene
from .source import NOT_FOUND, Reply
from .writes import apply_write, is_write

JSON = "application/json"
XML = "text/xml"
HTML = "text/html"
DEVICE_DATA_FIRMWARE = (8, 2, 4345)


@dataclass(frozen=True, slots=True)
class Region:
    timezone: str
    latitude: float
    volts: float  # per phase (line to neutral)
    frequency: float
    currency: str


@dataclass(frozen=True, slots=True)
class InverterModel:
    part: str
    max_w: float
    panel_w: float


@dataclass(frozen=True, slots=True)
class BatteryModel:
    kind: str  # encharge | acb
    part: str
    capacity_wh: float
    power_w: float


@dataclass(frozen=True, slots=True)
class ProfileSpec:
    """One kind of installation."""

    firmware: str
    channel: str
    part_number: str
    imeter: bool | None
    phases: int
    phase_mode: str
    ct_enabled: tuple[str, ...]
    inverters: int
    inverter: InverterModel
    region: Region
    serial_prefix: str
    base_load_w: float
    battery: BatteryModel | None = None
    batteries: int = 0
    enpower: bool = False
    generator: bool = False
    collar: bool = False
    ensemble_api: bool = True  # serves secctrl/tariff/generator documents
    ct_disabled: tuple[str, ...] = ()
    mode: str = "self-consumption"
    reserve: float = 20.0


_US_CENTRAL = Region("America/Chicago", 38.0, 120.0, 60.0, "USD")
_US_EAST = Region("America/New_York", 40.7, 120.0, 60.0, "USD")
_EU = Region("Europe/Amsterdam", 52.0, 230.0, 50.0, "EUR")
_IQ8 = InverterModel("800-01331-r02", 297.0, 345.0)
_IQ7 = InverterModel("800-00631-r02", 290.0, 350.0)
_M215 = InverterModel("800-00106-r02", 225.0, 250.0)
_IQ_BATTERY_5P = BatteryModel("encharge", "836-01826-r76", 5000.0, 3840.0)
_IQ_BATTERY_3T = BatteryModel("encharge", "830-01760-r42", 3500.0, 1280.0)
_IQ_BATTERY_COLLAR = BatteryModel("encharge", "836-01250-r00", 5000.0, 3840.0)
_AC_BATTERY = BatteryModel("acb", "800-00930-r03", 1200.0, 270.0)
_PRODUCTION_NET = ("production", "net-consumption")

_SPECS: Mapping[str, ProfileSpec] = MappingProxyType({
    "legacy": ProfileSpec(
        "3.18.10", "R", "800-00069-r05", None, 2, "split", (), 12, _M215,
        Region("Pacific/Honolulu", 21.3, 120.0, 60.0, "USD"), "1214", 380.0, ensemble_api=False,
    ),
    "standard": ProfileSpec(
        "7.6.175", "D", "800-00656-r06", False, 2, "split", (), 16, _IQ8,
        Region("America/Denver", 39.7, 120.0, 60.0, "USD"), "1223", 420.0, ensemble_api=False,
    ),
    "metered": ProfileSpec(
        "8.2.4345", "D", "800-00654-r08", True, 1, "single", _PRODUCTION_NET, 16, _IQ8,
        Region("Australia/Sydney", -33.9, 240.0, 50.0, "AUD"), "1223", 350.0,
    ),
    "metered-3phase": ProfileSpec(
        "7.6.175", "D", "800-00654-r06", True, 3, "three", _PRODUCTION_NET, 18, _IQ7, _EU, "1218", 330.0,
    ),
    "total-consumption-ct": ProfileSpec(
        "8.3.5169", "D", "800-00654-r08", True, 2, "split", ("production", "total-consumption"), 16, _IQ8,
        _US_EAST, "2023", 450.0,
    ),
    "battery-eu": ProfileSpec(
        "8.2.4382", "D", "800-00664-r05", True, 3, "three", (*_PRODUCTION_NET, "storage"), 16, _IQ7, _EU,
        "1223", 330.0, battery=_IQ_BATTERY_3T, batteries=3,
    ),
    "full-us": ProfileSpec(
        "8.3.5169", "D", "800-00647-r11", True, 2, "split", (*_PRODUCTION_NET, "storage"), 20, _IQ8,
        _US_CENTRAL, "2024", 480.0, battery=_IQ_BATTERY_5P, batteries=2, enpower=True, generator=True,
    ),
    "acb": ProfileSpec(
        "8.3.5169", "D", "800-00654-r08", True, 3, "three", _PRODUCTION_NET, 8, _IQ7, _EU, "1220", 300.0,
        battery=_AC_BATTERY, batteries=2,
    ),
    "collar": ProfileSpec(
        "8.3.1598", "D", "800-02409-r03", True, 2, "split", (*_PRODUCTION_NET, "storage", "backfeed"), 17, _IQ8,
        Region("America/New_York", 35.8, 120.0, 60.0, "USD"), "2025", 450.0, battery=_IQ_BATTERY_COLLAR,
        batteries=2, collar=True, ct_disabled=("load", "evse", "pv3p"),
    ),
    # Batteries beside a total-consumption CT: the storage CT's counters give the battery's daily energy.
    "battery-total-ct": ProfileSpec(
        "8.3.5169", "D", "800-00654-r08", True, 2, "split", ("production", "total-consumption", "storage"), 16,
        _IQ8, _US_EAST, "2026", 450.0, battery=_IQ_BATTERY_5P, batteries=2,
    ),
})  # fmt: skip

PROFILES: tuple[str, ...] = tuple(_SPECS)


def profile_timezone(name: str) -> str:
    """The local time zone a profile's installation lives in (for its SimClock)."""
    return _SPECS[name].region.timezone


_LATENCY: Mapping[str, float] = MappingProxyType({
    "/production.json": 2.5,
    "/production": 4.0,
    "/inventory.json": 3.0,
    "/home": 7.0,
})


def _digits(seed: int, salt: int, width: int) -> str:
    return str(int(unit_noise(seed, salt) * 10**width)).zfill(width)


def make_profile(
    name: str,
    *,
    inverters: int | None = None,
    batteries: int | None = None,
    clock: SimClock | None = None,
    seed: int = 0,
    serial: str | None = None,
) -> ProfileSource:
    """A synthetic device of the named profile (see PROFILES)."""
    if name not in _SPECS:
        raise ValueError(f"unknown profile {name!r}; choose one of {', '.join(PROFILES)}")
    spec = _SPECS[name]
    n_inv = spec.inverters if inverters is None else inverters
    n_bat = spec.batteries if batteries is None else batteries
    if n_inv < 1:
        raise ValueError("a profile needs at least one inverter")
    if n_bat < 0 or (n_bat and spec.battery is None):
        raise ValueError(f"profile {name!r} has no batteries")
    clock = clock or SimClock(speed=1.0, tz=spec.region.timezone)
    tz_name = str(clock.tz) if isinstance(clock.tz, ZoneInfo) else spec.region.timezone
    battery = spec.battery
    salt = zlib.crc32(name.encode())
    envoy_serial = serial or f"{spec.serial_prefix}{_digits(seed, salt, 4)}{_digits(seed, salt + 1, 4)}"
    mid = _digits(seed, salt + 2, 4)
    invs = tuple(
        InverterSpec(
            serial=f"4822{mid}{i + 1:04d}",
            max_w=spec.inverter.max_w,
            factor=0.86 + 0.16 * unit_noise(seed, salt, 100 + i),
            report_offset=int(unit_noise(seed, salt, 5000 + i) * 300),
            phase=i % spec.phases,
        )
        for i in range(n_inv)
    )
    bats: tuple[BatterySpec, ...] = ()
    if battery is not None:
        bat_prefix = "1219" if battery.kind == "acb" else "4923"
        bats = tuple(
            BatterySpec(
                serial=f"{bat_prefix}{mid}{j + 1:04d}",
                capacity_wh=battery.capacity_wh,
                max_power_w=battery.power_w,
                phase=(j % spec.phases) if spec.phases == 3 else -1,
                kind=battery.kind,
            )
            for j in range(n_bat)
        )
    installed = int(clock.timestamp()) - 86400 * 400
    installed -= installed % 86400
    hw = Hardware(
        name=name,
        firmware=spec.firmware,
        channel=spec.channel,
        part_number=spec.part_number,
        imeter=spec.imeter,
        phases=spec.phases,
        phase_mode=spec.phase_mode,
        ct_enabled=spec.ct_enabled,
        ct_disabled=spec.ct_disabled,
        inverter_part=spec.inverter.part,
        battery_kind=battery.kind if battery is not None and n_bat else None,
        battery_part=battery.part if battery is not None else "",
        enpower=spec.enpower,
        generator=spec.generator,
        collar=spec.collar,
        timezone=tz_name,
        currency=spec.region.currency,
        serial=envoy_serial,
        enpower_serial=f"4823{mid}0001",
        collar_serial=f"4825{mid}0001",
        c6_serial=f"4825{mid}0101",
        installed=installed,
    )
    controls = Controls(mode=spec.mode, reserve_soc=spec.reserve if n_bat else 0.0)
    config = HouseConfig(
        inverters=invs,
        batteries=bats,
        phases=spec.phases,
        latitude=spec.region.latitude,
        panel_w=spec.inverter.panel_w,
        base_load_w=spec.base_load_w,
        seed=seed,
        volts_per_phase=spec.region.volts,
        frequency=spec.region.frequency,
        generator_w=22000.0 if spec.generator else 0.0,
    )
    house = House(config, clock, controls)
    return ProfileSource(hw, house, clock, _initial_documents(spec, hw, controls, seed))


def _initial_documents(spec: ProfileSpec, hw: Hardware, controls: Controls, seed: int) -> dict[str, Any]:
    docs: dict[str, Any] = {
        "/ivp/ensemble/dry_contacts": settings.dry_contacts("closed" if spec.enpower else "open"),
        "/ivp/ss/dry_contact_settings": settings.dry_contact_settings(
            variant="collar" if spec.collar else "enpower" if spec.enpower else "basic"
        ),
    }
    if spec.ensemble_api:
        docs["/admin/lib/tariff"] = settings.tariff(
            mode=controls.mode,
            reserve=controls.reserve_soc,
            very_low=round(controls.very_low_soc),
            currency=spec.region.currency,
            date=hw.installed,
            firmware=hw.version,
        )
        docs["/ivp/ss/gen_config"] = settings.gen_config(f"30{_digits(seed, 77, 8)}") if spec.generator else {}
        docs["/ivp/ss/gen_schedule"] = settings.gen_schedule() if spec.generator else {}
        if spec.generator:
            docs["/ivp/ss/gen_mode"] = settings.gen_mode(controls.generator_cmd)
    if hw.battery_kind == "acb":
        docs["/admin/lib/acb_config"] = {"acb_sleep": []}
    return docs


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

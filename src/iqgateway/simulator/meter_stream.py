"""The simulated `/stream/meter`: server-sent events built from the device's own CT meters and readings.

Each frame is read from the source's `/ivp/meters` and `/ivp/meters/readings` at the moment it is sent
(a profile's values follow its clock; a replay's are the capture's). Channels: production, net-consumption,
total-consumption (net + production when the device has no total CT), each `ph-a`..`ph-c` with p, q, s, v,
i, pf, f; all three phases always. A device without an enabled production or consumption CT answers 404.

Roles as the firmware checks them (`role` "auto"): from 7.6.175 a token whose `enphaseUser` is `installer`;
firmware 7 before that any token; below 7 Digest user `installer` (user `envoy` is refused). "any" lets
every authorised request stream (some 8.3 firmware takes owner tokens), "installer" always wants one.

Field behaviour and faults (StreamSettings): `stalls` sends 4 frames, then holds the next 4 (over `stall_hold_s` in
all) and sends them at once; `drop_s` closes each connection after that many seconds; `reset_after` resets the TCP
connection after that many frames of a connection; `garbage_every` sends every N-th frame as bytes that are
not JSON (N = 1: all of them); `mark` adds frame number + 0.25 W to every p so frames
differ (tests).
"""

from __future__ import annotations

import asyncio
import contextlib
from dataclasses import asdict, dataclass, fields
from typing import Any

import orjson
from aiohttp import web

from .answer_faults import reset_connection
from .firmware import uses_token_auth, version_tuple
from .source import DeviceSource

STREAM_PATH = "/stream/meter"
INSTALLER_FROM: tuple[int, ...] = (7, 6, 175)
CHANNELS = ("production", "net-consumption", "total-consumption")
PHASES = ("ph-a", "ph-b", "ph-c")
VALUE_KEYS = {"p": "activePower", "q": "reactivePower", "s": "apparentPower", "v": "voltage", "i": "current",
              "pf": "pwrFactor", "f": "freq"}
ROLES = ("auto", "any", "installer")
GARBAGE_FRAME = b'data: {"production": [1, \xff\n\n'


@dataclass(slots=True)
class StreamSettings:
    """How the stream behaves; changed at run time through the admin API or `SimulatedEnvoy.stream`."""

    hz: float = 1.0
    stalls: bool = False
    stall_hold_s: float = 4.0
    role: str = "auto"
    drop_s: float | None = None
    reset_after: int | None = None
    garbage_every: int | None = None
    mark: bool = False

    def update(self, changes: dict[str, Any]) -> None:
        """Apply a JSON object of changes; ValueError on an unknown key or a bad value."""
        known = {f.name for f in fields(self)}
        unknown = set(changes) - known
        if unknown:
            raise ValueError(f"unknown stream settings: {', '.join(sorted(unknown))} "
                             f"(known: {', '.join(sorted(known))})")
        merged = {**asdict(self), **changes}
        hz, hold = float(merged["hz"]), float(merged["stall_hold_s"])
        if not (hz > 0 and hold >= 0) or merged["role"] not in ROLES:
            raise ValueError(f"stream settings want hz > 0, stall_hold_s >= 0 and role one of {', '.join(ROLES)}")
        self.hz, self.stall_hold_s, self.role = hz, hold, str(merged["role"])
        self.stalls, self.mark = bool(merged["stalls"]), bool(merged["mark"])
        self.drop_s = None if merged["drop_s"] is None else float(merged["drop_s"])
        self.reset_after = None if merged["reset_after"] is None else int(merged["reset_after"])
        every = merged["garbage_every"]
        if every is not None and int(every) < 1:
            raise ValueError("garbage_every wants a frame count of 1 or more")
        self.garbage_every = None if every is None else int(every)

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


def _json(source: DeviceSource, path: str) -> Any:
    reply = source.respond("GET", path, "", b"")
    if reply.status != 200:
        return None
    try:
        return orjson.loads(reply.body)
    except orjson.JSONDecodeError:
        return None


def _number(value: object) -> float:
    return round(float(value), 3) if isinstance(value, int | float) and not isinstance(value, bool) else 0.0


def build_frame(source: DeviceSource) -> dict[str, Any] | None:
    """One frame from the source's meters and readings now; None without an enabled production/consumption CT."""
    meters, readings = _json(source, "/ivp/meters"), _json(source, "/ivp/meters/readings")
    if not isinstance(meters, list) or not isinstance(readings, list):
        return None
    kinds = {m.get("eid"): m.get("measurementType") for m in meters
             if isinstance(m, dict) and m.get("state", "enabled") == "enabled"}
    frame: dict[str, Any] = {}
    for reading in readings:
        kind = kinds.get(reading.get("eid")) if isinstance(reading, dict) else None
        if kind not in CHANNELS or not isinstance(reading, dict):
            continue
        channels = reading.get("channels") or [reading]
        frame[kind] = {}
        for n, phase in enumerate(PHASES):
            values = channels[n] if n < len(channels) and isinstance(channels[n], dict) else {}
            frame[kind][phase] = {key: _number(values.get(name)) for key, name in VALUE_KEYS.items()}
    if not frame:
        return None
    if "total-consumption" not in frame and {"production", "net-consumption"} <= frame.keys():
        prod, net = frame["production"], frame["net-consumption"]
        frame["total-consumption"] = {
            phase: {key: round(prod[phase][key] + net[phase][key], 3) if key in "pqsi" else net[phase][key]
                    for key in VALUE_KEYS} for phase in PHASES}
    for kind in CHANNELS:
        frame.setdefault(kind, {phase: dict.fromkeys(VALUE_KEYS, 0.0) for phase in PHASES})
    return {kind: frame[kind] for kind in CHANNELS}


class MeterStreamServer:
    """Serves `/stream/meter` for one simulated device; counts frames across connections."""

    def __init__(self, source: DeviceSource, settings: StreamSettings | None = None) -> None:
        self.source = source
        self.settings = settings or StreamSettings()
        self.frames_sent = 0
        self.connections = 0

    def allowed(self, role: str, *, auth_checked: bool) -> bool:
        """May a request of `role` (token enphaseUser or Digest user) stream?"""
        wanted = self.settings.role
        if not auth_checked or wanted == "any":
            return True
        firmware = self.source.firmware
        if wanted == "installer" or not uses_token_auth(firmware):
            return role == "installer"
        return role == "installer" or version_tuple(firmware) < INSTALLER_FROM

    def available(self) -> bool:
        return build_frame(self.source) is not None

    async def serve(self, request: web.BaseRequest, headers: dict[str, str]) -> web.StreamResponse:
        """Stream frames until the client leaves, or a drop/reset fault ends the connection."""
        settings = self.settings
        response = web.StreamResponse(status=200, headers={**headers, "Content-Type": "text/event-stream"})
        await response.prepare(request)
        self.connections += 1
        loop = asyncio.get_running_loop()
        started = loop.time()
        held: list[bytes] = []
        sent_here = 0
        position = 0
        while settings.drop_s is None or loop.time() - started < settings.drop_s:
            frame = build_frame(self.source)
            if frame is None:
                break
            number = self.frames_sent
            self.frames_sent += 1
            if settings.mark:
                frame = {kind: {phase: {key: round(value + number + 0.25, 3) if key == "p" else value
                                        for key, value in values.items()} for phase, values in phases.items()}
                         for kind, phases in frame.items()}
            spoiled = settings.garbage_every is not None and (number + 1) % settings.garbage_every == 0
            held.append(GARBAGE_FRAME if spoiled else b"data: " + orjson.dumps(frame) + b"\n\n")
            position += 1
            holding = settings.stalls and (position - 1) % 8 >= 4
            if not holding:
                try:
                    await response.write(b"".join(held))
                except (ConnectionResetError, OSError):
                    return response
                sent_here += len(held)
                held = []
            if settings.reset_after is not None and sent_here >= settings.reset_after:
                reset_connection(request)
            await asyncio.sleep(settings.stall_hold_s / 4 if holding else 1 / settings.hz)
        with contextlib.suppress(ConnectionResetError, OSError):
            await response.write_eof()
        return response


def settings_from_specs(specs: list[str]) -> StreamSettings:
    """StreamSettings from command-line `KEY=VALUE` items (`hz=2`, `stalls=on`, `drop_s=3`, `role=installer`)."""
    changes: dict[str, Any] = {}
    for spec in specs:
        key, sep, value = spec.partition("=")
        if not sep:
            raise ValueError(f"bad --stream {spec!r}: want KEY=VALUE")
        text = value.strip().lower()
        if key in ("stalls", "mark"):
            changes[key] = text in ("1", "true", "yes", "on")
        elif key in ("drop_s", "reset_after", "garbage_every") and text in ("", "none", "off"):
            changes[key] = None
        else:
            changes[key] = value.strip()
    settings = StreamSettings()
    settings.update(changes)
    return settings

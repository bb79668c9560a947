"""Faults the simulated device can show: the misbehaviour of real Envoys, switchable at run time.

A fault has a kind, a path pattern, an optional count (only the first N matching requests) and parameters.
Pattern: `*` = every path but /info; a pattern with `?` is matched against path?query; otherwise a shell
pattern on the path (`/ivp/ensemble/*`, `/production.json`).

Command-line / admin spec: `KIND[xN][=VALUE][:PATH]`, e.g. `hang=30:/ivp/meters`, `503x3`, `latency=2:/production`,
`boot=20`, `freeze=20/60`, `upgrade=8.3.5200`, `stall=45`.

| kind | effect |
|---|---|
| latency (=S) | the answer comes S seconds later (adds to the replayed latency) |
| hang (=S) | no answer for S seconds (default 120), then the connection closes |
| reset | the connection is closed with a TCP reset |
| 500, 503, 401, any 4xx/5xx | that status with a short HTML body (401: with a Digest challenge on fw < 7) |
| boot (=S) | for S seconds from now (or from start) every request but /info answers 503 |
| garbage | 200, JSON content type, bytes that are neither JSON nor UTF-8 |
| truncate | the body cut in half (Content-Length of the cut body) |
| drift | JSON with every top-level key renamed `<key>_v2` (items of a top-level list likewise) |
| wrongtype | JSON numbers replaced in turn by the number as a string and by null |
| empty | 200, the payload's content type, no body |
| spike | whToday/whLifetime (wattHoursToday/Lifetime) + 2^32 Wh in one answer (count 1 unless given) |
| zero | production counters 0 in one answer (count 1 unless given) |
| lifetoday | today and 7-day counters equal the lifetime counter beside them (8.3.5433 after a bad reset) |
| stall (=S) | while the device's local time is 23:00-23:05 requests hang S seconds (default 60) |
| hourly (=M) | at minutes M and M+1 of every hour (device-local; default 17) requests hang `seconds` (default 120) |
| freeze (=N/W) | more than N requests within W seconds freeze the device: every request hangs until reboot/clear |
| reboot (=S) | on the first matching request: the device reboots (503 for S seconds) |
| upgrade (=VERSION) | on the first matching request: the firmware changes to VERSION |
| reset_lifetime | on the first matching request: the lifetime counters restart at 0 |
| revoke | on the first matching request: every token and session cookie is revoked |
| shade (=SERIAL) | that inverter is shaded (a synthetic profile's): it produces nothing from now on |
| inverter_fault (=SERIAL) | that inverter's power conversion fails: nothing produced, conversion errors counted |
| inverter_offline (=SERIAL) | that inverter stops communicating: its last report stays, `communicating` false |
"""

from __future__ import annotations

import fnmatch
import re
import time
from collections import deque
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

import orjson

OPEN_PATHS = frozenset({"/info", "/info.xml"})
GARBAGE = b'\xff\xfe\x00\x9c not json \x89PNG\r\n\x1a\n{"production": [\xc3\x28' + b"\xde\xad\xbe\xef" * 8
STATUS_PAGE = b"<html><body><h1>%d %s</h1></body></html>"

ANSWER_KINDS = frozenset({"status", "garbage", "truncate", "drift", "wrongtype", "empty", "spike", "zero",
                          "lifetoday"})
CONNECTION_KINDS = frozenset({"hang", "reset"})
ACTION_KINDS = frozenset({"reboot", "upgrade", "reset_lifetime", "revoke"})
STATE_KINDS = frozenset({"boot", "stall", "freeze", "hourly"})
DEVICE_KINDS = frozenset({"shade", "inverter_fault", "inverter_offline"})  # the simulated hardware (device_faults.py)
KINDS = ANSWER_KINDS | CONNECTION_KINDS | ACTION_KINDS | STATE_KINDS | DEVICE_KINDS | {"latency"}
ONE_SHOT_KINDS = frozenset({"spike", "zero"}) | ACTION_KINDS

TODAY_KEYS = frozenset({"whToday", "wattHoursToday"})
LIFETIME_KEYS = frozenset({"whLifetime", "wattHoursLifetime"})
# lifetime key -> the daily keys beside it
_DAILY_BESIDE = {"whLifetime": ("whToday", "whLastSevenDays"),
                 "wattHoursLifetime": ("wattHoursToday", "wattHoursSevenDays")}
SPIKE_WH = 2**32


@dataclass(frozen=True, slots=True)
class Fault:
    """One fault: what happens, to which requests, how often."""

    kind: str
    pattern: str = "*"
    count: int | None = None  # None: every matching request
    params: Mapping[str, Any] = field(default_factory=dict)
    label: str = ""

    def matches(self, path: str, query: str) -> bool:
        if self.pattern == "*":
            return path not in OPEN_PATHS
        target = f"{path}?{query}" if "?" in self.pattern and query else path
        return fnmatch.fnmatchcase(target, self.pattern)

    def as_dict(self) -> dict[str, Any]:
        return {
            "kind": self.kind,
            "path": self.pattern,
            "count": self.count,
            "params": dict(self.params),
            "label": self.label,
        }


def make_fault(kind: str, path: str = "*", *, count: int | None = None, **params: Any) -> Fault:
    """A Fault from a kind name (`"503"` is short for kind `status` with code 503), checking the parameters."""
    kind = kind.strip().lower()
    label = kind
    if kind.isdigit():
        params = {**params, "code": int(kind)}
        kind = "status"
    if kind not in KINDS:
        raise ValueError(f"unknown fault kind {kind!r}; known: {', '.join(sorted(KINDS))} or an HTTP status")
    if kind == "status":
        code = int(params.get("code", 500))
        if not 400 <= code <= 599:
            raise ValueError(f"fault status {code} is not an HTTP error status")
        params = {**params, "code": code}
        label = str(code)
    for name in ("seconds", "window_s"):
        if name in params and float(params[name]) < 0:
            raise ValueError(f"fault {kind}: {name} must not be negative")
    if kind == "hourly" and not 0 <= int(params.get("minute", 17)) <= 59:
        raise ValueError("fault hourly: the minute must be 0-59")
    if kind == "upgrade" and not params.get("version"):
        raise ValueError("fault upgrade needs a version (upgrade=8.3.5200)")
    if kind in DEVICE_KINDS and (not params.get("serial") or count is not None):
        raise ValueError(f"fault {kind} needs an inverter serial and no count ({kind}=482212340001)")
    if count is not None and count < 1:
        raise ValueError("fault count must be at least 1")
    if count is None and kind in ONE_SHOT_KINDS:
        count = 1
    if count is not None:
        label = f"{label}x{count}"
    return Fault(kind, path or "*", count, dict(params), label)


_SPEC = re.compile(r"(?P<kind>[a-z_]+|\d{3})(?:x(?P<count>\d+))?(?:=(?P<value>[^:]+))?(?::(?P<path>.+))?")


def parse_fault(spec: str) -> Fault:
    """`KIND[xN][=VALUE][:PATH]` -> Fault (the VALUE's meaning depends on the kind, see the module docs)."""
    match = _SPEC.fullmatch(spec.strip())
    if not match:
        raise ValueError(f"bad fault {spec!r}: want KIND[xN][=VALUE][:PATH]")
    kind, value, path = match["kind"], match["value"], match["path"] or "*"
    count = int(match["count"]) if match["count"] else None
    params: dict[str, Any] = {}
    try:
        if value is not None:
            if kind in ("latency", "hang", "boot", "stall", "reboot"):
                params["seconds"] = float(value)
            elif kind == "status":
                params["code"] = int(value)
            elif kind == "freeze":
                requests, _, window = value.partition("/")
                params["requests"] = int(requests)
                params["window_s"] = float(window or 60)
            elif kind == "upgrade":
                params["version"] = value
            elif kind in DEVICE_KINDS:
                params["serial"] = value
            elif kind == "hourly":
                params["minute"] = int(value)
            else:
                raise ValueError(f"fault {kind} takes no value")
    except ValueError as err:
        raise ValueError(f"bad fault {spec!r}: {err}") from None
    return make_fault(kind, path, count=count, **params)


class FaultInjector:
    """The faults switched on for one simulated device, and the device-wide fault states (boot, freeze)."""

    def __init__(self, on_device_faults: Callable[[tuple[Fault, ...]], None] | None = None) -> None:
        self._on_device_faults = on_device_faults  # told the DEVICE_KINDS faults on every change; may refuse
        self._armed: list[list[Any]] = []  # [Fault, requests left or None]
        self.boot_until = 0.0  # monotonic time the boot period ends
        self.boot_s = 0.0  # length of the boot period a reboot starts
        self.frozen = False
        self._recent: deque[float] = deque()
        self.started = False

    @property
    def faults(self) -> tuple[Fault, ...]:
        return tuple(entry[0] for entry in self._armed)

    def add(self, kind: str | Fault, path: str = "*", *, count: int | None = None, **params: Any) -> Fault:
        """Switch a fault on: `add("hang", "/ivp/meters", seconds=5)`, `add("503", count=3)`, or a Fault."""
        fault = kind if isinstance(kind, Fault) else make_fault(kind, path, count=count, **params)
        if fault.kind in DEVICE_KINDS:
            self._device_faults((*self.faults, fault))
        if fault.kind == "boot":
            self.boot_s = float(fault.params.get("seconds", 30.0))
            if self.started:
                self.begin_boot()
        self._armed.append([fault, fault.count])
        return fault

    def add_spec(self, spec: str) -> Fault:
        return self.add(parse_fault(spec))

    def remove(self, fault: Fault) -> None:
        self._armed = [entry for entry in self._armed if entry[0] is not fault]
        if fault.kind in DEVICE_KINDS:
            self._device_faults(self.faults)

    def clear(self) -> None:
        """Every fault off; the device is no longer frozen nor booting."""
        device_faults = [f for f in self.faults if f.kind in DEVICE_KINDS]
        self._armed.clear()
        if device_faults:
            self._device_faults(())
        self.frozen = False
        self._recent.clear()
        self.boot_until = 0.0
        self.boot_s = 0.0

    def remaining(self, fault: Fault) -> int | None:
        for entry in self._armed:
            if entry[0] is fault:
                left: int | None = entry[1]
                return left
        return 0

    def as_list(self) -> list[dict[str, Any]]:
        return [{**entry[0].as_dict(), "remaining": entry[1]} for entry in self._armed]

    def _device_faults(self, faults: tuple[Fault, ...]) -> None:
        if self._on_device_faults is None:
            raise ValueError("hardware faults (shade, inverter_fault, inverter_offline) need a synthetic profile")
        self._on_device_faults(tuple(f for f in faults if f.kind in DEVICE_KINDS))

    # ------------------------------------------------------------------ device-wide states

    def begin_boot(self, seconds: float | None = None) -> None:
        self.boot_until = time.monotonic() + (self.boot_s if seconds is None else seconds)

    def booting(self) -> bool:
        return time.monotonic() < self.boot_until

    def unfreeze(self) -> None:
        self.frozen = False
        self._recent.clear()

    def note_request(self) -> None:
        """Count one request against the `freeze` faults' rate limit."""
        limits = [entry[0] for entry in self._armed if entry[0].kind == "freeze"]
        if not limits or self.frozen:
            return
        now = time.monotonic()
        self._recent.append(now)
        longest = max(float(f.params.get("window_s", 60.0)) for f in limits)
        while self._recent and self._recent[0] < now - longest:
            self._recent.popleft()
        for fault in limits:
            window = float(fault.params.get("window_s", 60.0))
            recent = sum(1 for t in self._recent if t >= now - window)
            if recent > int(fault.params.get("requests", 30)):
                self.frozen = True

    # ------------------------------------------------------------------ per-request faults

    def take(
        self, kinds: frozenset[str], path: str, query: str, applicable: Callable[[Fault], bool] | None = None
    ) -> Fault | None:
        """The first armed fault of one of `kinds` matching the request; uses up one of its count."""
        for entry in self._armed:
            fault, left = entry
            if fault.kind not in kinds or left == 0 or not fault.matches(path, query):
                continue
            if applicable is not None and not applicable(fault):
                continue
            if left is not None:
                entry[1] = left - 1
            return fault  # type: ignore[no-any-return]
        return None

    def take_every(self, kind: str, path: str, query: str) -> list[Fault]:
        """Every armed fault of `kind` matching the request; uses up one of each count."""
        found: list[Fault] = []
        for entry in self._armed:
            fault, left = entry
            if fault.kind == kind and left != 0 and fault.matches(path, query):
                if left is not None:
                    entry[1] = left - 1
                found.append(fault)
        return found

    def matching(self, kind: str, path: str, query: str) -> list[Fault]:
        """Armed faults of `kind` matching the request (nothing used up)."""
        return [
            entry[0]
            for entry in self._armed
            if entry[0].kind == kind and entry[1] != 0 and entry[0].matches(path, query)
        ]


# ---------------------------------------------------------------------- body transforms


def status_page(code: int) -> bytes:
    from http import HTTPStatus

    try:
        phrase = HTTPStatus(code).phrase
    except ValueError:
        phrase = "Error"
    return STATUS_PAGE % (code, phrase.encode())


def truncated(body: bytes) -> bytes:
    return body[: len(body) // 2]


def decode_json(body: bytes) -> Any:
    try:
        return orjson.loads(body)
    except orjson.JSONDecodeError:
        return None


def map_counters(body: bytes, change: Callable[[str, Any], Any]) -> bytes | None:
    """Apply `change(key, value)` to every production counter (today, lifetime); None if none is present."""
    if not any(key.encode() in body for key in TODAY_KEYS | LIFETIME_KEYS):
        return None
    doc = decode_json(body)
    if doc is None:
        return None
    touched = [False]

    def walk(node: Any) -> Any:
        if isinstance(node, dict):
            out = {}
            for key, value in node.items():
                if key in TODAY_KEYS | LIFETIME_KEYS and isinstance(value, int | float) and not isinstance(value, bool):
                    touched[0] = True
                    out[key] = change(key, value)
                else:
                    out[key] = walk(value)
            return out
        if isinstance(node, list):
            return [walk(value) for value in node]
        return node

    result = walk(doc)
    return orjson.dumps(result) if touched[0] else None


def has_counters(body: bytes) -> bool:
    return any(key.encode() in body for key in TODAY_KEYS | LIFETIME_KEYS)


def spiked(body: bytes) -> bytes | None:
    return map_counters(body, lambda _key, value: value + SPIKE_WH)


def zeroed(body: bytes) -> bytes | None:
    return map_counters(body, lambda _key, value: 0)


def daily_as_lifetime(body: bytes) -> bytes | None:
    """Every today / 7-day counter set to the lifetime counter of its object; None if there is none."""
    if not has_counters(body):
        return None
    doc = decode_json(body)
    if doc is None:
        return None

    def walk(node: Any) -> Any:
        if isinstance(node, dict):
            out = {key: walk(value) for key, value in node.items()}
            for lifetime, daily in _DAILY_BESIDE.items():
                if isinstance(out.get(lifetime), int | float):
                    out.update({key: out[lifetime] for key in daily if key in out})
            return out
        if isinstance(node, list):
            return [walk(value) for value in node]
        return node

    return orjson.dumps(walk(doc))

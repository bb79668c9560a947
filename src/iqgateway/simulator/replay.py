"""A captured device, replayed byte for byte (the capture format: tests/captures/README.md).

A request's path and query map to a file name (leading `/` dropped, `/ ? = &` -> `_`); the mapping only runs
from requests to file names, and only for paths under the known endpoints (or, for a file no known endpoint
reaches, its all-slashes path). Status, content type and latency come from `<file>_log.json`. Writes change an
in-memory copy of the JSON documents (iqgateway.simulator.writes); reads of a written path serve that copy.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, MutableMapping
from pathlib import Path
from typing import Any

import orjson

from .faults import LIFETIME_KEYS, map_counters
from .firmware import version_tuple
from .source import JSON_TYPE, NOT_FOUND, Reply

# Read paths of the Envoy local API (ENVOY-API.md and the captures); queries are mapped separately.
KNOWN_PATHS = (
    "/info", "/info.xml", "/home", "/auth/check_jwt",
    "/production", "/production.json", "/api/v1/production", "/api/v1/production/inverters",
    "/ivp/meters", "/ivp/meters/readings", "/ivp/meters/reports", "/ivp/meters/pvReading", "/ivp/meters/gridReading",
    "/ivp/pdm/device_data", "/ivp/pdm/energy",
    "/ivp/ensemble/inventory", "/ivp/ensemble/secctrl", "/ivp/ensemble/power", "/ivp/ensemble/dry_contacts",
    "/ivp/ensemble/status", "/ivp/ensemble/generator", "/ivp/ensemble/relay",
    "/ivp/ss/dry_contact_settings", "/ivp/ss/gen_config", "/ivp/ss/gen_schedule", "/ivp/ss/gen_mode",
    "/ivp/ss/pel_settings", "/ivp/ss", "/ivp/sc/pvlimit", "/ivp/livedata/status", "/ivp/livedata/stream",
    "/admin/lib/tariff", "/admin/lib/acb_config", "/inventory.json", "/inventory", "/inv", "/stream/meter",
)  # fmt: skip
NOT_ENDPOINTS = frozenset({"_readme", "README", "README.md"})
WRITE_METHODS = frozenset({"POST", "PUT", "DELETE", "PATCH"})


def file_name(path: str, query: str = "") -> str:
    """The capture file name of a request: leading `/` dropped, `/ ? = &` -> `_`."""
    raw = f"{path}?{query}" if query else path
    return re.sub(r"[/?=&]", "_", raw.lstrip("/"))


def _reaches(known: str, name: str) -> bool:
    stem = file_name(known)
    return name == stem or (name.startswith(stem) and name[len(stem) : len(stem) + 1] in ("_", "."))


class ReplaySource:
    """A DeviceSource serving one capture folder."""

    def __init__(self, capture_dir: Path | str) -> None:
        self.directory = Path(capture_dir)
        if not (self.directory / "info").is_file():
            raise ValueError(f"{self.directory} is not a capture folder (no `info` file)")
        self._files = frozenset(
            f.name
            for f in self.directory.iterdir()
            if f.is_file() and not f.name.endswith("_log.json") and f.name not in NOT_ENDPOINTS
        )
        # Files no known endpoint reaches stay reachable through their all-slashes path.
        self._extra_paths = frozenset(
            "/" + name.replace("_", "/") for name in self._files if not any(_reaches(k, name) for k in KNOWN_PATHS)
        )
        self._cache: dict[str, Reply] = {}
        self._info = (self.directory / "info").read_bytes()
        self._serial, self._software = _identity(self._info)
        self._firmware = _strip_channel(self._software)
        self.documents = _Documents(self)
        self._lifetime_reset = False

    # ------------------------------------------------------------------ DeviceSource

    @property
    def serial(self) -> str:
        return self._serial

    @property
    def firmware(self) -> str:
        return self._firmware

    @property
    def name(self) -> str:
        return self.directory.name

    def respond(self, method: str, path: str, query: str, body: bytes) -> Reply:
        if method.upper() in WRITE_METHODS:
            return self._write(method.upper(), path, body)
        written = self.documents.written(path)
        if written is not None:
            reply = self.lookup(path, query)
            content_type = reply.content_type if "json" in reply.content_type else JSON_TYPE
            return Reply(200, orjson.dumps(written), content_type, latency_s=reply.latency_s)
        reply = self.lookup(path, query)
        if self._lifetime_reset and reply.status == 200:
            reset = map_counters(reply.body, lambda key, value: 0 if key in LIFETIME_KEYS else value)
            if reset is not None:
                return Reply(reply.status, reset, reply.content_type, reply.headers, reply.latency_s)
        return reply

    # ------------------------------------------------------------------ optional hooks (faults)

    def upgrade_firmware(self, version: str) -> None:
        """The device now reports `version` in /info (the channel letter is kept)."""
        channel = self._software[:1] if self._software[:1].isalpha() else ""
        software = channel + _strip_channel(version)
        old = f"<software>{self._software}</software>".encode()
        new = f"<software>{software}</software>".encode()
        self._info = self._info.replace(old, new, 1)
        self._software = software
        self._firmware = _strip_channel(software)
        self._cache.pop("info", None)

    def reset_lifetime(self) -> None:
        """The lifetime production counters restart at 0 (and stay there: a capture does not move)."""
        self._lifetime_reset = True

    def reboot(self) -> None:
        """Nothing a capture could lose: written documents persist like the device's settings."""

    # ------------------------------------------------------------------ lookup

    def belongs(self, path: str) -> bool:
        """Is `path` an endpoint this replay may answer from a file (known endpoint, or below one)?"""
        if path in KNOWN_PATHS or path in self._extra_paths:
            return True
        return any(path.startswith(known + "/") or path.startswith(known + ".") for known in KNOWN_PATHS)

    def candidates(self, path: str, query: str) -> list[str]:
        names = [file_name(path, query)]
        if path == "/production.json" and query == "details=1":
            names.append("production.json")
        if path == "/inventory.json" and query in ("deleted=1", ""):
            names += ["inventory.json_deleted_1", "inventory"]
        if path == "/info.xml":
            names.append("info")
        if query:
            names.append(file_name(path))
        return names

    def lookup(self, path: str, query: str) -> Reply:
        """The captured answer to GET path?query (NOT_FOUND if the device did not serve it)."""
        if not self.belongs(path):
            return NOT_FOUND
        for name in self.candidates(path, query):
            if name in self._files:
                return self._reply(name)
        return NOT_FOUND

    def _reply(self, name: str) -> Reply:
        if name == "info":
            return Reply(200, self._info, self._content_type(name, self._info, self._meta(name)))
        cached = self._cache.get(name)
        if cached is not None:
            return cached
        body = (self.directory / name).read_bytes()
        meta = self._meta(name)
        try:
            status = int(meta.get("code") or 200)
        except (TypeError, ValueError):
            status = 200
        try:
            latency = max(0.0, float(meta.get("duration_seconds") or 0.0))
        except (TypeError, ValueError):
            latency = 0.0
        reply = Reply(status, body, self._content_type(name, body, meta), latency_s=latency)
        self._cache[name] = reply
        return reply

    def _meta(self, name: str) -> dict[str, Any]:
        log = self.directory / f"{name}_log.json"
        if not log.is_file():
            return {}
        try:
            meta = orjson.loads(log.read_bytes())
        except orjson.JSONDecodeError:
            return {}
        return meta if isinstance(meta, dict) else {}

    @staticmethod
    def _content_type(name: str, body: bytes, meta: dict[str, Any]) -> str:
        headers = meta.get("headers")
        if isinstance(headers, dict):
            for key, value in headers.items():
                if str(key).lower() == "content-type" and value:
                    return str(value)
        start = body.lstrip()[:5]
        if name == "info" or start.startswith(b"<?xml"):
            return "text/xml"
        if start[:1] in (b"{", b"["):
            return JSON_TYPE
        return "text/html"

    # ------------------------------------------------------------------ writes

    def _write(self, method: str, path: str, body: bytes) -> Reply:
        from .writes import apply_write

        with self.documents.tracking():
            reply = apply_write(self.documents, method, path, body, firmware=version_tuple(self._firmware))
        if reply is not None:
            return reply
        current = self.documents.get(path)
        if current is None:
            return NOT_FOUND
        return Reply(200, orjson.dumps(current))

    def json_document(self, path: str) -> Any:
        """The decoded captured JSON of GET `path` (no query), or None."""
        reply = self.lookup(path, "")
        if reply.status != 200:
            return None
        try:
            return orjson.loads(reply.body)
        except orjson.JSONDecodeError:
            return None

    def json_paths(self) -> list[str]:
        """Request paths (no query) whose captured answer is JSON."""
        paths = [p for p in KNOWN_PATHS if self.lookup(p, "").status == 200 and p not in ("/info", "/info.xml")]
        return [p for p in paths if self.json_document(p) is not None]


class _Documents(MutableMapping[str, Any]):
    """The device's JSON documents keyed by request path: the capture's, overridden where written.

    Documents handed out while `tracking()` are compared with the capture afterwards, so a write that
    changes a document in place is noticed as well as one that assigns it.
    """

    def __init__(self, source: ReplaySource) -> None:
        self._source = source
        self._overrides: dict[str, Any] = {}
        self._lent: dict[str, Any] = {}
        self._deleted: set[str] = set()

    def written(self, path: str) -> Any:
        return self._overrides.get(path)

    def __getitem__(self, path: str) -> Any:
        if path in self._overrides:
            return self._overrides[path]
        if path in self._deleted:
            raise KeyError(path)
        if path in self._lent:
            return self._lent[path]
        doc = self._source.json_document(path)
        if doc is None:
            raise KeyError(path)
        self._lent[path] = doc
        return doc

    def __setitem__(self, path: str, value: Any) -> None:
        self._deleted.discard(path)
        self._overrides[path] = value

    def __delitem__(self, path: str) -> None:
        if path not in self:
            raise KeyError(path)
        self._overrides.pop(path, None)
        self._deleted.add(path)

    def __iter__(self) -> Iterator[str]:
        seen = dict.fromkeys([*self._source.json_paths(), *self._overrides])
        return iter([p for p in seen if p not in self._deleted])

    def __len__(self) -> int:
        return sum(1 for _ in self)

    def tracking(self) -> _Tracking:
        return _Tracking(self)

    def settle(self) -> None:
        """Documents changed in place become overrides; untouched ones stay byte-identical."""
        for path, doc in self._lent.items():
            if path not in self._overrides and doc != self._source.json_document(path):
                self._overrides[path] = doc
        self._lent.clear()


class _Tracking:
    def __init__(self, documents: _Documents) -> None:
        self._documents = documents

    def __enter__(self) -> None:
        return None

    def __exit__(self, *exc: object) -> None:
        self._documents.settle()


def _identity(info: bytes) -> tuple[str, str]:
    """(serial, software with channel letter) from the /info XML; empty strings where absent."""
    text = info.decode("utf-8", errors="replace")
    device = re.search(r"<device>(.*?)</device>", text, re.S)
    scope = device.group(1) if device else text
    serial = re.search(r"<sn>\s*([^<]*?)\s*</sn>", scope) or re.search(r"<sn>\s*([^<]*?)\s*</sn>", text)
    software = re.search(r"<software>\s*([^<]*?)\s*</software>", scope) or re.search(
        r"<software>\s*([^<]*?)\s*</software>", text
    )
    return (serial.group(1) if serial else ""), (software.group(1) if software else "")


def _strip_channel(software: str) -> str:
    """ "D8.3.5169" -> "8.3.5169" (R, D, M... are release channels)."""
    return software[1:] if software[:1].isalpha() else software

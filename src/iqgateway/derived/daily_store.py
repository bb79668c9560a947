"""The site's time zone by name, and the daily closes kept in a JSON file between runs (CLI, export)."""

from __future__ import annotations

import contextlib
import os
from datetime import datetime, tzinfo
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import orjson

from ..errors import InvalidState, IQGatewayError

LOCAL = "local"


def site_zone(name: str | None) -> tzinfo:
    """The zone `name` ("Europe/Berlin"); None or "local": this machine's zone. IQGatewayError if unknown."""
    if name is None or name == LOCAL:
        return _machine_zone()
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        raise IQGatewayError(f"unknown time zone {name!r} (an IANA name such as Europe/Berlin)") from None


def _machine_zone() -> tzinfo:
    name = os.environ.get("TZ", "").lstrip(":")
    if name:
        with contextlib.suppress(ZoneInfoNotFoundError, ValueError):
            return ZoneInfo(name)
    with contextlib.suppress(OSError, ZoneInfoNotFoundError, ValueError):
        target = str(Path("/etc/localtime").resolve())
        if "zoneinfo/" in target:
            return ZoneInfo(target.split("zoneinfo/", 1)[1])
    zone = datetime.now().astimezone().tzinfo
    assert zone is not None
    return zone


def load_state(path: Path) -> dict[str, Any] | None:
    """The saved document in `path` (None if there is no file); InvalidState if it is not JSON."""
    try:
        raw = path.read_bytes()
    except FileNotFoundError:
        return None
    except OSError as err:
        raise InvalidState(f"cannot read the daily energy file {path}: {err.strerror}") from None
    try:
        doc = orjson.loads(raw)
    except orjson.JSONDecodeError:
        raise InvalidState(f"the daily energy file {path} is not JSON") from None
    if not isinstance(doc, dict):
        raise InvalidState(f"the daily energy file {path} does not hold a JSON object")
    return doc


def save_state(path: Path, state: dict[str, Any]) -> None:
    """Write `state` to `path` atomically (a temporary file beside it, then renamed)."""
    temporary = path.with_name(path.name + ".tmp")
    try:
        temporary.write_bytes(orjson.dumps(state, option=orjson.OPT_INDENT_2))
        temporary.replace(path)
    except OSError as err:
        raise InvalidState(f"cannot write the daily energy file {path}: {err.strerror}") from None

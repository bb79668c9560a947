"""Checks of a capture folder before it is replayed: each problem names the file and what is wrong with it."""

from __future__ import annotations

import re
from pathlib import Path

import orjson

_SERIAL = re.compile(rb"<sn>\s*([^<\s][^<]*?)\s*</sn>")
_SOFTWARE = re.compile(rb"<software>\s*([^<\s][^<]*?)\s*</software>")
_VERSION = re.compile(rb"\d+\.\d+")


def capture_problems(directory: Path) -> list[str]:
    """What keeps `directory` from replaying as a device ("info: empty", "ivp_meters_log.json: not JSON")."""
    if not directory.is_dir():
        return [f"{directory}: not a capture folder (no such folder)"]
    info = directory / "info"
    if not info.is_file():
        return [f"{directory}: not a capture folder (no `info` file: every capture has the device's /info answer)"]
    problems = []
    problem = _info_problem(info.read_bytes())
    if problem is not None:
        problems.append(f"{info}: {problem}")
    for log in sorted(directory.glob("*_log.json")):
        problem = _log_problem(log.read_bytes())
        if problem is not None:
            problems.append(f"{log}: {problem}")
    return problems


def _info_problem(body: bytes) -> str | None:
    text = body.strip()
    if not text:
        return "empty"
    head = text[:200].lower()
    if b"<html" in head or b"<!doctype html" in head:
        return "an HTML page, not the /info XML document"
    if not text.startswith(b"<"):
        return "not the /info XML document"
    serial, software = _SERIAL.search(text), _SOFTWARE.search(text)
    if serial is None:
        return "no serial number (<sn>)"
    if software is None or not _VERSION.search(software.group(1)):
        return "no firmware version (<software>)"
    return None


def _log_problem(body: bytes) -> str | None:
    try:
        doc = orjson.loads(body)
    except orjson.JSONDecodeError:
        return "not JSON (want {\"headers\": {...}, \"code\": 200, \"duration_seconds\": 0.3})"
    if not isinstance(doc, dict):
        return "not a JSON object"
    code = doc.get("code")
    if code is not None and (isinstance(code, bool) or not isinstance(code, int) or not 100 <= code <= 599):
        return f"code {str(code)[:20]!r} is not an HTTP status"
    headers = doc.get("headers")
    if headers is not None and not isinstance(headers, dict):
        return "headers is not an object"
    duration = doc.get("duration_seconds")
    if duration is not None and (isinstance(duration, bool) or not isinstance(duration, int | float)):
        return "duration_seconds is not a number"
    return None

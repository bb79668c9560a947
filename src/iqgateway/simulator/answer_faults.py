"""How the simulated device spoils one answer or connection when a fault says so (the server applies these)."""

from __future__ import annotations

import contextlib
import datetime
import socket
import struct
from collections.abc import Callable
from typing import Any

import orjson
from aiohttp import web

from .auth import UNAUTHORIZED_BODY
from .faults import (
    GARBAGE,
    Fault,
    daily_as_lifetime,
    decode_json,
    has_counters,
    spiked,
    status_page,
    truncated,
    zeroed,
)
from .source import JSON_TYPE, DeviceSource, Reply

HTML_TYPE = "text/html"


class NoAnswer(Exception):
    """The request ends without an answer (hang, reset)."""


def applies(fault: Fault, reply: Reply) -> bool:
    if fault.kind in ("spike", "zero", "lifetoday"):
        return reply.status == 200 and has_counters(reply.body)
    return True


def drifted(body: bytes) -> bytes | None:
    """Every top-level key renamed `<key>_v2` (keys of a top-level list's objects likewise); None if not JSON."""
    doc = decode_json(body)
    if isinstance(doc, dict):
        return orjson.dumps({f"{key}_v2": value for key, value in doc.items()})
    if isinstance(doc, list):
        return orjson.dumps(
            [{f"{key}_v2": value for key, value in item.items()} if isinstance(item, dict) else item for item in doc]
        )
    return None


def wrong_types(body: bytes) -> bytes | None:
    """JSON numbers replaced in turn by the number as a string and by null; None if not JSON."""
    doc = decode_json(body)
    if doc is None:
        return None
    turn = [0]

    def walk(node: Any) -> Any:
        if isinstance(node, dict):
            return {key: walk(value) for key, value in node.items()}
        if isinstance(node, list):
            return [walk(value) for value in node]
        if isinstance(node, int | float) and not isinstance(node, bool):
            turn[0] += 1
            return str(node) if turn[0] % 2 else None
        return node

    return orjson.dumps(walk(doc))


def faulted(fault: Fault, reply: Reply, challenge: Callable[[], str], *,
            token_auth: bool) -> tuple[int, bytes, str, dict[str, str]]:
    """(status, body, content type, extra headers) of the spoiled answer."""
    json_type = reply.content_type if "json" in reply.content_type else JSON_TYPE
    kind = fault.kind
    if kind == "status":
        code = int(fault.params["code"])
        headers = {"WWW-Authenticate": challenge()} if code == 401 and not token_auth else {}
        body = UNAUTHORIZED_BODY if code == 401 else status_page(code)
        return code, body, HTML_TYPE, headers
    if kind == "garbage":
        return 200, GARBAGE, json_type, {}
    if kind == "empty":
        return 200, b"", reply.content_type, {}
    if kind == "truncate":
        return reply.status, truncated(reply.body), reply.content_type, {}
    transform = {"drift": drifted, "wrongtype": wrong_types, "spike": spiked, "zero": zeroed,
                 "lifetoday": daily_as_lifetime}[kind]
    changed = transform(reply.body)
    return reply.status, reply.body if changed is None else changed, reply.content_type, {}


def device_minute(source: DeviceSource) -> int:
    """Minutes since the device's local midnight (its simulated clock, or this machine's)."""
    clock = getattr(source, "clock", None)
    now = clock.now() if clock is not None and callable(getattr(clock, "now", None)) else None
    if not isinstance(now, datetime.datetime):
        now = datetime.datetime.now()
    return now.hour * 60 + now.minute


def in_nightly_stall(source: DeviceSource, fault: Fault) -> bool:
    """Whether the source's clock is inside the fault's nightly window (default 23:00 for 5 minutes)."""
    start_hour, _, start_minute = str(fault.params.get("start", "23:00")).partition(":")
    start = int(start_hour) * 60 + int(start_minute or 0)
    return start <= device_minute(source) < start + int(fault.params.get("minutes", 5))


def reset_connection(request: web.BaseRequest) -> None:
    """Close the request's connection with a TCP reset (linger 0), then end the request without an answer."""
    transport = request.transport
    if transport is None:
        raise NoAnswer
    sock = transport.get_extra_info("socket")
    if sock is not None:
        with contextlib.suppress(OSError):
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
    transport.abort()
    raise NoAnswer

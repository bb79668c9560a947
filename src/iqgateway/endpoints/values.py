"""Typed, total accessors for decoded JSON: each returns the value in the asked type or None.

Device JSON drifts between firmware versions (keys renamed, numbers sent as strings, null where a
number was). Parsers read every field through these helpers, so a wrong type becomes a None field
instead of an exception.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from typing import Any

import orjson

from ..answer import Answer

JsonDict = Mapping[str, Any]
# Integers outside 64 bits are never real device values (and no JSON encoder downstream takes them).
INT_LIMIT = 2**63


def load_json(body: bytes) -> object:
    """Decode a JSON body; raises ValueError (orjson.JSONDecodeError) on anything that is not JSON."""
    if not body or not body.strip():
        raise ValueError("empty body")
    return orjson.loads(body)


def number(value: object) -> float | int | None:
    """A finite int or float (never a bool); anything else is None."""
    kind = type(value)
    if kind is int:
        return value  # type: ignore[return-value]
    if kind is float:
        return value if math.isfinite(value) else None  # type: ignore[arg-type,return-value]
    if isinstance(value, bool) or not isinstance(value, int | float):
        return None
    if isinstance(value, float) and not math.isfinite(value):
        return None
    return value


def integer(value: object) -> int | None:
    """An int, or a float with no fractional part; anything else is None."""
    num = number(value)
    if num is None or not -INT_LIMIT < num < INT_LIMIT:
        return None
    if isinstance(num, int):
        return num
    if num.is_integer():
        return int(num)
    return None


def int_like(value: object) -> int | None:
    """An integer, also when the device sends it as a decimal string ("1785593319")."""
    if isinstance(value, str):
        text = value.strip()
        if text.lstrip("-").isdigit():
            return integer(int(text))
        return None
    return integer(value)


def string(value: object) -> str | None:
    return value if isinstance(value, str) else None


def boolean(value: object) -> bool | None:
    """A bool, or the strings "true"/"false" some endpoints send instead; anything else is None."""
    if isinstance(value, bool):
        return value
    if isinstance(value, str):
        lowered = value.strip().lower()
        if lowered == "true":
            return True
        if lowered == "false":
            return False
    return None


def flag(value: object) -> bool | None:
    """A bool also given as 0/1 (e.g. generator `present`)."""
    if isinstance(value, int) and not isinstance(value, bool) and value in (0, 1):
        return bool(value)
    return boolean(value)


def array(value: object) -> list[Any] | None:
    return value if isinstance(value, list) else None


def mapping(value: object) -> JsonDict | None:
    # a decoded JSON object: its keys are strings by JSON's own rules
    return value if isinstance(value, dict) else None


def dicts(value: object) -> list[JsonDict]:
    """The dict items of a JSON list (other items dropped); [] if not a list."""
    items = array(value)
    if items is None:
        return []
    return [item for item in (mapping(entry) for entry in items) if item is not None]


def strings(value: object) -> tuple[str, ...]:
    """The string items of a JSON list; () if not a list."""
    items = array(value)
    if items is None:
        return ()
    return tuple(item for item in items if isinstance(item, str))


def scaled(value: object, divisor: float) -> float | None:
    """A number divided by `divisor` (milli-units to units); None if not a number."""
    num = number(value)
    return None if num is None else num / divisor


def num_at(doc: JsonDict | None, key: str) -> float | int | None:
    return None if doc is None else number(doc.get(key))


def int_at(doc: JsonDict | None, key: str) -> int | None:
    return None if doc is None else integer(doc.get(key))


def str_at(doc: JsonDict | None, key: str) -> str | None:
    return None if doc is None else string(doc.get(key))


def bool_at(doc: JsonDict | None, key: str) -> bool | None:
    return None if doc is None else boolean(doc.get(key))


def dict_at(doc: JsonDict | None, key: str) -> JsonDict | None:
    return None if doc is None else mapping(doc.get(key))


def answer_json(answer: Answer | None) -> object | None:
    """The decoded JSON of a successful answer; None for a failed, non-2xx, empty or non-JSON answer."""
    return None if answer is None else answer.json()

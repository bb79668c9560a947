"""Profiles as the simulator tests build them: a fixed start, a frozen clock, a fixed seed."""

from __future__ import annotations

import json
from datetime import datetime
from typing import Any

from iqgateway.simulator.clock import SimClock
from iqgateway.simulator.profiles import ProfileSource, make_profile
from tests.shared import CAPTURES

START = datetime(2026, 6, 21, 13, 5)


def capture_json(capture: str, name: str) -> Any:
    path = CAPTURES / capture / name
    if not path.is_file() and name == "production.json_details_1":
        path = CAPTURES / capture / "production.json"
    return json.loads(path.read_text())


def new_profile(name: str, **kw: Any) -> ProfileSource:
    return make_profile(name, clock=SimClock(START, speed=0, tz="America/Chicago"), seed=3, **kw)


def get_json(source: ProfileSource, path: str, query: str = "") -> Any:
    reply = source.respond("GET", path, query, b"")
    assert reply.status == 200, f"{path}: {reply.status} {reply.body[:80]!r}"
    assert reply.content_type == "application/json"
    return json.loads(reply.body)

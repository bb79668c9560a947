"""Production power mode (installer): `/ivp/mod/603980032/mode/power` → `{"powerForcedOff": bool}`."""

from __future__ import annotations

from typing import Any

from .family import EndpointFamily
from .values import bool_at, mapping

PATH = "/ivp/mod/603980032/mode/power"


def parse_power_forced_off(doc: object) -> bool | None:
    return bool_at(mapping(doc), "powerForcedOff")


def power_mode_payload(producing: bool) -> dict[str, Any]:
    """The PUT body: `arr` [1] forces production off, [0] lets it produce."""
    return {"length": 1, "arr": [0 if producing else 1]}

# An installer-level setting: it changes rarely, and the Gateway reads it back right after a write.
FAMILY = EndpointFamily(name="power_mode", intervals=((PATH, 3600.0),))

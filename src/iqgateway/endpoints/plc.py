"""PLC signal level of inverters and relays (installer): `/installer/pcu_comm_check` (heavy: at most hourly)."""

from __future__ import annotations

from .family import EndpointFamily
from .values import integer, mapping

PATH = "/installer/pcu_comm_check"
# The device answers this slowly and it loads its power-line link: at most once per this many seconds.
MIN_INTERVAL_S = 3600.0


def parse_plc_levels(doc: object) -> dict[str, int] | None:
    """`{serial: level}`; entries whose level is not a whole number are left out."""
    root = mapping(doc)
    if root is None:
        return None
    levels: dict[str, int] = {}
    for serial, value in root.items():
        level = integer(value)
        if level is not None:
            levels[str(serial)] = level
    return levels

# Opt-in and heavy on the device: at most hourly; read only when the token's role allows (gateway_installer.py).
FAMILY = EndpointFamily(name="plc", intervals=((PATH, MIN_INTERVAL_S),))

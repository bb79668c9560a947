"""The sleep state of AC batteries, as the Envoy's inventory and sleep settings imply it."""

from __future__ import annotations

from collections.abc import Iterable

from .models import AcbUnit

SLEEP_STATES = ("awake", "going_to_sleep", "asleep", "waking")
MIXED = "mixed"


def sleep_state(unit: AcbUnit) -> str | None:
    """Asleep once a unit asked to sleep is inside its sleep SoC window; going to sleep until then."""
    if unit.sleep_enabled is None:
        return None
    if not unit.sleep_enabled:
        return "awake"
    low, high, soc = unit.sleep_min_soc, unit.sleep_max_soc, unit.soc_percent
    if soc is not None and low is not None and high is not None and not low <= soc <= high:
        return "going_to_sleep"
    return "asleep"


def aggregate_sleep_state(units: Iterable[AcbUnit]) -> str | None:
    """All AC batteries at once: a transition while any is in one, else their common state, else mixed."""
    states = {sleep_state(unit) for unit in units}
    if not states or None in states:
        return None
    for moving in ("going_to_sleep", "waking"):
        if moving in states:
            return moving
    return states.pop() if len(states) == 1 else MIXED

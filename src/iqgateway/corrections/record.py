"""What a correction changed: one entry of `GatewayData.corrections`."""

from __future__ import annotations

import enum
from dataclasses import dataclass
from typing import Any


class CorrectionKind(enum.StrEnum):
    """Which firmware fault a correction undoes."""

    INACTIVE_INVERTER = "inactive_inverter"  # device_data keeps a removed inverter ("active": false)
    MISSING_INVERTER = "missing_inverter"  # device_data lacks an inverter the inventory lists
    TOTAL_CONSUMPTION = "total_consumption"  # total-consumption segment holds the net-consumption figures
    ACTIVE_PHASES = "active_phases"  # phase count from the phases that carry data
    IMPLAUSIBLE_DAILY = "implausible_daily"  # today / 7-day figure the lifetime counter cannot have made
    PHASES_FROM_LINES = "phases_from_lines"  # no CT configuration, but production.json has per-phase lines
    SPLIT_PHASE_LIVE = "split_phase_live"  # live data of a split-phase site reports an L3
    PLACEHOLDER_SERIALS = "placeholder_serials"  # every battery has the same redacted serial


@dataclass(frozen=True, slots=True)
class Correction:
    """One corrected value: where it is in the snapshot, what the device said and what the snapshot holds."""

    kind: CorrectionKind
    path: str  # dotted snapshot path, e.g. "consumption_total.wh_lifetime", "inverters.<serial>"
    raw: Any  # the device's value (None when the device had none)
    corrected: Any  # the snapshot's value (None when left out)
    reason: str

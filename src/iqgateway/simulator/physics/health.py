"""Inverter health: a shaded or faulty inverter stops producing, a non-communicating one stops reporting.

The condition applies from the moment it is set; its effect shows in the inverter's next report (the
previous one stays as it was). A shaded or faulty inverter produces nothing, so the sun it no longer
converts is missing from the site's production too; a non-communicating one keeps producing (the
production meter sees it) while its reports stay at the last one before the link went down.
"""

from __future__ import annotations

from dataclasses import dataclass

OUTPUTS = ("ok", "shaded", "fault")


@dataclass(frozen=True, slots=True)
class InverterHealth:
    """What is wrong with one inverter (the default: nothing)."""

    output: str = "ok"  # ok | shaded (no DC: module covered) | fault (DC present, the conversion fails)
    offline: bool = False  # its power-line link is down: no reports reach the gateway

    def __post_init__(self) -> None:
        if self.output not in OUTPUTS:
            raise ValueError(f"inverter output {self.output!r}: want one of {', '.join(OUTPUTS)}")

    @property
    def producing(self) -> bool:
        return self.output == "ok"


HEALTHY = InverterHealth()


@dataclass(frozen=True, slots=True)
class Condition:
    """An inverter's health, when it began, and what it was before."""

    health: InverterHealth
    since: float
    before: InverterHealth

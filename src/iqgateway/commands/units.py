"""Numbers for tables: one unit per column, scaled as Home Assistant shows them (W/kW, Wh/kWh/MWh), no "-0"."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class Unit:
    name: str
    factor: float
    digits: int

    def __call__(self, value: float | None) -> str:
        """`value` (in the base unit) in this unit, "-" when unknown."""
        if value is None:
            return "-"
        text = f"{value / self.factor:,.{self.digits}f}"
        if text.startswith("-") and not text.strip("-0.,"):
            text = text[1:]
        return text


POWER = (Unit("kW", 1e3, 3), Unit("W", 1.0, 0))
ENERGY = (Unit("MWh", 1e6, 3), Unit("kWh", 1e3, 2), Unit("Wh", 1.0, 0))


def unit_for(values: Iterable[float | None], scale: tuple[Unit, ...]) -> Unit:
    """The unit of a column: the largest of `scale` the column's biggest magnitude reaches."""
    biggest = max((abs(v) for v in values if v is not None), default=0.0)
    for unit in scale:
        if biggest >= unit.factor:
            return unit
    return scale[-1]


def column(values: list[float | None], scale: tuple[Unit, ...]) -> tuple[str, list[str]]:
    """(unit name, the cells) of a column of values in the base unit (W or Wh)."""
    unit = unit_for(values, scale)
    return unit.name, [unit(value) for value in values]

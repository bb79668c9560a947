"""Total consumption overwritten with net consumption (seen on 8.3.5433), and the phases that carry data.

A metered Envoy with a total-consumption CT has been seen reporting, in the production document's
`total-consumption` segment, the `net-consumption` power and lifetime. Total consumption is then
net consumption + production, for the aggregate and per phase.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from types import MappingProxyType

from ..endpoints import production
from ..endpoints.values import dicts, num_at
from ..models import EnergyReading
from .record import Correction, CorrectionKind

_LEAVES = ("watts_now", "wh_today", "wh_last_seven_days", "wh_lifetime")
_LINE_KEYS = ("wNow", "whLifetime", "whToday", "whLastSevenDays")
PHASE_MODES: Mapping[int, str] = MappingProxyType({1: "single", 2: "split", 3: "three"})


def overwritten_with_net(doc: production.ProductionDoc | None, prod: EnergyReading | None) -> bool:
    """The document's total-consumption segment has the net-consumption power and lifetime, while there is
    production (power or lifetime): a total can equal net only when production is zero."""
    if doc is None or prod is None:
        return False
    total, net = doc.total_consumption, doc.net_consumption
    if total is None or net is None or not (total.active and net.active):
        return False
    same = all(num_at(total.entry, key) is not None and num_at(total.entry, key) == num_at(net.entry, key)
               for key in ("wNow", "whLifetime"))
    return same and any(value not in (None, 0) for value in (prod.watts_now, prod.wh_lifetime))


def total_from_net(total: EnergyReading, net: EnergyReading, prod: EnergyReading,
                   path: str = "consumption_total") -> tuple[EnergyReading, list[Correction]]:
    """Every figure of `total` that equals net's becomes net + production (phases by name)."""
    found: list[Correction] = []
    changes: dict[str, object] = {}
    for leaf in _LEAVES:
        mine, theirs, made = getattr(total, leaf), getattr(net, leaf), getattr(prod, leaf)
        if mine is None or mine != theirs or made is None or mine + made == mine:
            continue
        changes[leaf] = mine + made
        found.append(Correction(
            kind=CorrectionKind.TOTAL_CONSUMPTION, path=f"{path}.{leaf}", raw=mine, corrected=mine + made,
            reason="total consumption equals net consumption (power and lifetime) while there is production: "
                   "total = net + production"))
    if total.phases and net.phases and prod.phases:
        phases = dict(total.phases)
        for name, phase in total.phases.items():
            net_phase, prod_phase = net.phases.get(name), prod.phases.get(name)
            if net_phase is not None and prod_phase is not None:
                phases[name], more = total_from_net(phase, net_phase, prod_phase, f"{path}.phases.{name}")
                found += more
        changes["phases"] = phases
    return (dataclasses.replace(total, **changes) if changes else total), found  # type: ignore[arg-type]


def active_phases(doc: production.ProductionDoc | None) -> tuple[int, ...]:
    """Positions of the `lines` with non-zero data in any of production, total and net consumption."""
    if doc is None:
        return ()
    segments = [seg for seg in (doc.production_ct, doc.total_consumption, doc.net_consumption)
                if seg is not None and seg.active]
    width = max((len(dicts(seg.entry.get("lines"))) for seg in segments), default=0)
    return tuple(index for index in range(width)
                 if any(_line_has_data(dicts(seg.entry.get("lines")), index) for seg in segments))


def _line_has_data(lines: list[Mapping[str, object]], index: int) -> bool:
    if index >= len(lines):
        return False
    return any(num_at(lines[index], key) not in (None, 0) for key in _LINE_KEYS)

"""What one endpoint family is: its paths, how often it is read, what makes an answer usable, what is guarded.

Every `endpoints/<family>.py` exports one `FAMILY`; `endpoints.FAMILIES` lists them. The probe, the
schedule, the transport, the answer check and the energy guards read these descriptions and name no
endpoint path themselves.
"""

from __future__ import annotations

import enum
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from types import MappingProxyType

from ..answer import Answer

EVERY_CYCLE = 0.0
ON_DEMAND = None


class CounterKind(enum.Enum):
    LIFETIME = "lifetime"
    TODAY = "today"
    WINDOW = "window"  # rolling (last seven days)
    SIGNED = "signed"  # a balance that legitimately falls (net consumption while exporting)


@dataclass(frozen=True, slots=True)
class GuardWatch:
    """Energy counters of one GatewayData field the guard keeps from stepping back.

    `keyed`: the field is a mapping (serial, measurement type) of models, each guarded as `<field>.<key>`.
    Models with `phases` have their phases guarded too, as `<key>.<phase>`.
    """

    field: str
    counters: tuple[tuple[str, CounterKind], ...]
    keyed: bool = False


@dataclass(frozen=True, slots=True)
class EndpointFamily:
    """One family of endpoints (see the module docstring).

    `paths`: what the probe asks once at setup (query included). `intervals`: path prefix (no query) ->
    seconds between reads (EVERY_CYCLE, or ON_DEMAND: never by an update); `metered_intervals` replace
    them when live power comes from the CT readings, `storage_metered_intervals` when the CT readings also carry
    the battery power (an enabled storage CT). `slow`: bare paths a device answers slowly (they get a
    longer timeout). `usable`: per path, whether a JSON answer is the expected document (paths not listed
    only need to be JSON). `guards`: the energy counters of its part of the snapshot. `shape_free`: paths
    (query included) whose answers skip the numeric-shape check (answer_cache.py): large lists with no
    counter or power figure.
    """

    name: str
    paths: tuple[str, ...] = ()
    intervals: tuple[tuple[str, float | None], ...] = ()
    metered_intervals: tuple[tuple[str, float | None], ...] = ()
    storage_metered_intervals: tuple[tuple[str, float | None], ...] = ()
    slow: frozenset[str] = frozenset()
    usable: Mapping[str, Callable[[Answer], bool]] = field(default_factory=lambda: MappingProxyType({}))
    guards: tuple[GuardWatch, ...] = ()
    shape_free: frozenset[str] = frozenset()

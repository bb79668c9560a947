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

from ..answer import Answer, ParsedDocs
from ..models import Feature

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
class Discovered:
    """What a family's probe answers say: the paths an update reads and the features the device has."""

    endpoints: tuple[str, ...] = ()
    features: frozenset[Feature] = frozenset()


NOTHING = Discovered()


@dataclass(frozen=True, slots=True)
class Part:
    """One GatewayData field a family builds from the parsed answers of the paths an update read.

    `sources`: the paths it is read from (its time in `parts_updated_at`). `in_snapshot`: serialized into
    the snapshot JSON under its name (a raw document kept only for writes is not).
    """

    name: str
    build: Callable[[ParsedDocs], object]
    sources: tuple[str, ...]
    in_snapshot: bool = True


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
    counter or power figure. `discover`: from the probe's answers (path -> Answer), what an update reads
    and which features the device has; families without it are decided in probe.py (their answers
    depend on the production source). `kept_failing`: paths that stay in the updates when their answer at
    setup failed (the device has them: a 5xx, a timeout, garbled JSON) while `discover` found the family's
    other paths; the update asks again until they answer. `parts`: the GatewayData fields it builds (`Part`).
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
    discover: Callable[[Mapping[str, Answer]], Discovered] | None = None
    kept_failing: tuple[str, ...] = ()
    parts: tuple[Part, ...] = ()

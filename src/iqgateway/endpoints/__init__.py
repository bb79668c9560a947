"""Pure parsers, one module per endpoint family: decoded device JSON in, model parts out.

`FAMILIES` lists every family's description (`endpoints/family.py`), in the order the probe asks them.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from types import MappingProxyType

from ..answer import Answer
from . import (
    acb,
    dpel,
    dry_contacts,
    ensemble,
    generator,
    grid_profile,
    home,
    inverters,
    livedata,
    meters,
    plc,
    power_mode,
    production,
    pv_limit,
    tariff,
)
from .family import EndpointFamily, Part

FAMILIES: tuple[EndpointFamily, ...] = (
    production.FAMILY,
    inverters.FAMILY,
    meters.FAMILY,
    ensemble.FAMILY,
    dry_contacts.FAMILY,
    tariff.FAMILY,
    acb.FAMILY,
    generator.FAMILY,
    livedata.FAMILY,
    home.FAMILY,
    power_mode.FAMILY,
    dpel.FAMILY,
    grid_profile.FAMILY,
    plc.FAMILY,
    pv_limit.FAMILY,
)


def probe_paths(families: tuple[EndpointFamily, ...] = FAMILIES) -> tuple[str, ...]:
    """Every path the probe asks once (query included), in family order."""
    return tuple(dict.fromkeys(path for family in families for path in family.paths))


def usable_checks(families: tuple[EndpointFamily, ...] = FAMILIES) -> Mapping[str, Callable[[Answer], bool]]:
    """Per path: what makes its decoded answer the expected document."""
    return MappingProxyType({path: check for family in families for path, check in family.usable.items()})


def slow_paths(families: tuple[EndpointFamily, ...] = FAMILIES) -> frozenset[str]:
    return frozenset(path for family in families for path in family.slow)


def shape_free_paths(families: tuple[EndpointFamily, ...] = FAMILIES) -> frozenset[str]:
    return frozenset(path for family in families for path in family.shape_free)


def snapshot_parts(families: tuple[EndpointFamily, ...] = FAMILIES) -> tuple[Part, ...]:
    """The GatewayData fields the families build, in family order."""
    return tuple(part for family in families for part in family.parts)

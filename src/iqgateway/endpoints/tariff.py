"""`/admin/lib/tariff`: the tariff document and its battery `storage_settings`."""

from __future__ import annotations

from types import MappingProxyType

from ..models import StorageMode, StorageSettings
from .family import EndpointFamily
from .values import JsonDict, bool_at, dict_at, mapping, num_at, str_at

TARIFF = "/admin/lib/tariff"

LEGACY_ECONOMY_MODE = "savings-mode"


def parse_tariff_doc(doc: object) -> JsonDict | None:
    """The whole document when it is a tariff (has a `tariff` object); None otherwise."""
    root = mapping(doc)
    if root is None or dict_at(root, "tariff") is None:
        return None
    return root


def normalise_mode(mode: str | None) -> str | None:
    if mode is None:
        return None
    if mode == LEGACY_ECONOMY_MODE:
        return StorageMode.ECONOMY.value
    return mode


def parse_storage_settings(doc: JsonDict | None) -> StorageSettings | None:
    settings = dict_at(dict_at(doc, "tariff"), "storage_settings")
    if settings is None:
        return None
    date = settings.get("date")
    return StorageSettings(
        mode=normalise_mode(str_at(settings, "mode")),
        operation_mode_sub_type=str_at(settings, "operation_mode_sub_type"),
        reserve_soc_percent=num_at(settings, "reserved_soc"),
        very_low_soc_percent=num_at(settings, "very_low_soc"),
        charge_from_grid=bool_at(settings, "charge_from_grid"),
        date=date if isinstance(date, str) else (str(date) if num_at(settings, "date") is not None else None),
        opt_schedules=bool_at(settings, "opt_schedules"),
    )


FAMILY = EndpointFamily(
    name="tariff",
    paths=(TARIFF,),
    intervals=((TARIFF, 3600.0),),
    usable=MappingProxyType({TARIFF: lambda answer: answer.part(parse_tariff_doc) is not None}),
)

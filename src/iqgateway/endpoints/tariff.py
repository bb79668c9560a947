"""`/admin/lib/tariff`: the tariff document and its battery `storage_settings`."""

from __future__ import annotations

from collections.abc import Mapping
from types import MappingProxyType

from ..answer import Answer, ParsedDocs
from ..models import Feature, StorageMode, StorageSettings
from .family import NOTHING, Discovered, EndpointFamily, Part
from .values import JsonDict, answer_json, bool_at, dict_at, mapping, num_at, str_at

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


def _discover(answers: Mapping[str, Answer]) -> Discovered:
    if parse_tariff_doc(answer_json(answers.get(TARIFF))) is None:
        return NOTHING
    return Discovered(endpoints=(TARIFF,), features=frozenset({Feature.TARIFF}))


def _doc(docs: ParsedDocs) -> JsonDict | None:
    return docs.part(TARIFF, parse_tariff_doc)


FAMILY = EndpointFamily(
    name="tariff",
    paths=(TARIFF,),
    intervals=((TARIFF, 3600.0),),
    usable=MappingProxyType({TARIFF: lambda answer: answer.part(parse_tariff_doc) is not None}),
    discover=_discover,
    parts=(Part("storage_settings", lambda docs: parse_storage_settings(_doc(docs)), sources=(TARIFF,)),
           Part("tariff_raw", _doc, sources=(TARIFF,), in_snapshot=False)),
)

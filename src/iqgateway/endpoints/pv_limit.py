"""`/ivp/sc/pvlimit`: the PV production limit (`{"enable": false, "pv_limit_pct": 100}`); firmware without it
answers 404 with an `err`/`error` document."""

from __future__ import annotations

from collections.abc import Mapping
from types import MappingProxyType

from ..answer import Answer, ParsedDocs
from ..models import PvLimit
from .family import NOTHING, Discovered, EndpointFamily, Part
from .values import answer_json, bool_at, mapping, num_at

PV_LIMIT = "/ivp/sc/pvlimit"


def parse_pv_limit(doc: object) -> PvLimit | None:
    root = mapping(doc)
    if root is None:
        return None
    limit = PvLimit(enabled=bool_at(root, "enable"), limit_percent=num_at(root, "pv_limit_pct"))
    if limit.limit_percent is None or not 0 <= limit.limit_percent <= 100:
        return None
    return limit


def _discover(answers: Mapping[str, Answer]) -> Discovered:
    if parse_pv_limit(answer_json(answers.get(PV_LIMIT))) is None:
        return NOTHING
    return Discovered(endpoints=(PV_LIMIT,))


def _part(docs: ParsedDocs) -> PvLimit | None:
    return docs.part(PV_LIMIT, parse_pv_limit)


# A setting: it changes when an installer or the utility changes it, so hourly is enough.
FAMILY = EndpointFamily(
    name="pv_limit",
    paths=(PV_LIMIT,),
    intervals=((PV_LIMIT, 3600.0),),
    usable=MappingProxyType({PV_LIMIT: lambda answer: answer.part(parse_pv_limit) is not None}),
    discover=_discover,
    parts=(Part("pv_limit", _part, sources=(PV_LIMIT,)),),
)

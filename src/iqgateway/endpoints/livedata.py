"""`/ivp/livedata/status`: power flows at about one second resolution (device units: milliwatts)."""

from __future__ import annotations

from collections.abc import Mapping
from types import MappingProxyType

from ..answer import Answer
from ..models import PHASE_NAMES, Feature, LiveData, LiveMeter, LivePhasePower
from .family import NOTHING, Discovered, EndpointFamily, Part
from .values import JsonDict, answer_json, dict_at, int_like, mapping, num_at, scaled, str_at

LIVEDATA = "/ivp/livedata/status"

_PHASE_SUFFIXES = ("a", "b", "c")


def _meter(doc: JsonDict | None) -> LiveMeter | None:
    if doc is None:
        return None
    phases: dict[str, LivePhasePower] = {}
    for name, suffix in zip(PHASE_NAMES, _PHASE_SUFFIXES, strict=True):
        power = scaled(doc.get(f"agg_p_ph_{suffix}_mw"), 1000)
        apparent = scaled(doc.get(f"agg_s_ph_{suffix}_mva"), 1000)
        if power is not None or apparent is not None:
            phases[name] = LivePhasePower(power_w=power, apparent_power_va=apparent)
    meter = LiveMeter(power_w=scaled(doc.get("agg_p_mw"), 1000),
                      apparent_power_va=scaled(doc.get("agg_s_mva"), 1000),
                      phases=phases or None)
    if meter.power_w is None and meter.apparent_power_va is None and not phases:
        return None
    return meter


def parse_livedata(doc: object) -> LiveData | None:
    root = mapping(doc)
    meters = dict_at(root, "meters")
    if root is None or meters is None:
        return None
    stream = str_at(dict_at(root, "connection"), "sc_stream")
    return LiveData(
        last_update=int_like(meters.get("last_update")),
        stream_enabled=None if stream is None else stream == "enabled",
        pv=_meter(dict_at(meters, "pv")),
        storage=_meter(dict_at(meters, "storage")),
        grid=_meter(dict_at(meters, "grid")),
        load=_meter(dict_at(meters, "load")),
        generator=_meter(dict_at(meters, "generator")),
        soc_percent=num_at(meters, "soc"),
    )


def _discover(answers: Mapping[str, Answer]) -> Discovered:
    # polled on its own (live.LivePower) when asked for, never in the regular cycle: no endpoint
    if parse_livedata(answer_json(answers.get(LIVEDATA))) is None:
        return NOTHING
    return Discovered(features=frozenset({Feature.LIVE_DATA}))


FAMILY = EndpointFamily(
    name="livedata",
    paths=(LIVEDATA,),
    usable=MappingProxyType({LIVEDATA: lambda answer: answer.part(parse_livedata) is not None}),
    discover=_discover,
    parts=(Part("live", lambda docs: docs.part(LIVEDATA, parse_livedata), sources=(LIVEDATA,)),),
)

"""Invariants of the corrections over arbitrary production documents of the 8.3.5433 shape."""

from __future__ import annotations

import copy
import json
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from iqgateway.answer import Answer
from iqgateway.assemble import assemble
from iqgateway.corrections import CorrectionKind
from iqgateway.corrections.apply import apply_corrections
from iqgateway.corrections.daily import plausible_daily
from iqgateway.info import parse_info
from iqgateway.models import EnergyReading
from iqgateway.probe import decide_features, probe_paths
from tests.lib.capture_answers import capture_answers
from tests.shared import CAPTURES

HOST = "192.0.2.9"
BASE = "8.3.5169_with_generator"
DOC = json.loads((CAPTURES / BASE / "production.json_details_1").read_text())
INFO = parse_info((CAPTURES / BASE / "info").read_bytes(), host=HOST)
FEATURES = decide_features(INFO, capture_answers(CAPTURES / BASE, probe_paths(INFO)), host=HOST)
ANSWERS = capture_answers(CAPTURES / BASE, FEATURES.endpoints)

watts = st.floats(min_value=-20_000, max_value=20_000, allow_nan=False)
counters = st.floats(min_value=0, max_value=1e9, allow_nan=False)


def _segment(doc: dict[str, Any], kind: str) -> dict[str, Any]:
    return next(s for part in ("production", "consumption") for s in doc[part] if s.get("measurementType") == kind)


def _with_fault(net_w: float, net_wh: float, prod_w: float, prod_wh: float) -> dict[str, Any]:
    doc: dict[str, Any] = copy.deepcopy(DOC)
    prod, total, net = (_segment(doc, k) for k in ("production", "total-consumption", "net-consumption"))
    prod["wNow"], prod["whLifetime"] = prod_w, prod_wh
    net["wNow"], net["whLifetime"] = net_w, net_wh
    total["wNow"], total["whLifetime"] = net_w, net_wh
    for line in (*prod["lines"], *total["lines"], *net["lines"]):
        line["wNow"] = 0
    return doc


def _read(doc: dict[str, Any]) -> Any:
    body = json.dumps(doc).encode()
    answers = {**ANSWERS, "/production.json?details=1": Answer("/production.json?details=1", 200, body,
                                                               "application/json", 1.0)}
    return assemble(INFO, FEATURES, answers, host=HOST, now=1_785_592_409.0)


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(net_w=watts, net_wh=counters, prod_w=st.floats(min_value=0, max_value=20_000), prod_wh=counters)
def test_total_from_net_is_net_plus_production_and_idempotent(
    net_w: float, net_wh: float, prod_w: float, prod_wh: float
) -> None:
    data = _read(_with_fault(net_w, net_wh, prod_w, prod_wh))
    total, net, made = data.consumption_total, data.consumption_net, data.production
    assert total is not None
    assert net is not None
    assert made is not None
    # the CT readings carry this device's power: production is what they say, beside the document's counters
    assert made.wh_lifetime == prod_wh
    fixed = any(c.kind is CorrectionKind.TOTAL_CONSUMPTION for c in data.corrections)
    assert fixed == (net_wh + prod_wh != net_wh)  # the lifetime moves whenever production has any
    if made.watts_now != 0 or prod_wh != 0:
        assert total.wh_lifetime == net.wh_lifetime + prod_wh
        assert total.wh_lifetime >= net.wh_lifetime  # production never takes away
        assert total.watts_now >= net.watts_now
    else:
        assert total.wh_lifetime == net.wh_lifetime
    again = apply_corrections(data, data.raw)
    assert again.consumption_total == total  # a corrected snapshot needs no second correction
    assert again.corrections == data.corrections


@settings(max_examples=60, deadline=None)
@given(today=st.one_of(st.none(), counters), week=st.one_of(st.none(), counters),
       lifetime=st.one_of(st.none(), counters))
def test_daily_figures_left_are_plausible_and_the_rest_stand(
    today: float | None, week: float | None, lifetime: float | None
) -> None:
    reading = EnergyReading(watts_now=1.0, wh_today=today, wh_last_seven_days=week, wh_lifetime=lifetime)
    fixed, found = plausible_daily(reading, "production")
    assert fixed is not None
    for before, after in ((today, fixed.wh_today), (week, fixed.wh_last_seven_days)):
        if after is not None:
            assert after == before
            assert lifetime is None or lifetime <= 0 or after < 0.5 * lifetime
        elif before is not None:
            assert lifetime is not None
            assert lifetime > 0
            assert before >= 0.5 * lifetime
    assert fixed.wh_lifetime == lifetime
    assert len(found) == sum(1 for b, a in ((today, fixed.wh_today), (week, fixed.wh_last_seven_days))
                             if b is not None and a is None)
    assert plausible_daily(fixed, "production") == (fixed, [])

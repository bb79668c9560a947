"""CT readings fetched after the (slow, less often read) production document carry the current power."""

from __future__ import annotations

import dataclasses
import json
from typing import Any

from iqgateway.assemble import assemble
from iqgateway.info import parse_info
from iqgateway.models import GatewayData
from iqgateway.probe import decide_features, probe_paths
from tests.lib.capture_answers import capture_answers
from tests.shared import CAPTURES

HOST = "192.0.2.1"
CAPTURE = "8.3.5169_with_generator"
READINGS = "/ivp/meters/readings"


def _read(readings_later_s: float) -> GatewayData:
    capture = CAPTURES / CAPTURE
    info = parse_info((capture / "info").read_bytes(), host=HOST)
    features = decide_features(info, capture_answers(capture, probe_paths(info)), host=HOST)
    answers = capture_answers(capture, features.endpoints)
    later = answers[READINGS]
    answers[READINGS] = dataclasses.replace(later, fetched_at=later.fetched_at + readings_later_s)
    return assemble(info, features, answers, host=HOST, now=answers[READINGS].fetched_at)


def _readings() -> dict[str, dict[str, Any]]:
    meters = json.loads((CAPTURES / CAPTURE / "ivp_meters").read_text())
    kinds = {m["eid"]: m["measurementType"] for m in meters}
    readings = json.loads((CAPTURES / CAPTURE / "ivp_meters_readings").read_text())
    return {kinds[r["eid"]]: r for r in readings if r["eid"] in kinds}


def test_same_moment_keeps_the_production_document_power() -> None:
    data = _read(0)
    doc = json.loads((CAPTURES / CAPTURE / "production.json_details_1").read_text())
    assert data.production is not None
    assert data.production.watts_now == doc["production"][1]["wNow"]


def test_fresher_readings_carry_the_power() -> None:
    data = _read(60)
    ct = _readings()
    prod_w, net_w = ct["production"]["activePower"], ct["net-consumption"]["activePower"]
    assert data.production is not None
    assert data.consumption_net is not None
    assert data.consumption_total is not None
    assert data.production.watts_now == prod_w
    assert data.consumption_net.watts_now == net_w
    assert data.consumption_total.watts_now == prod_w + net_w  # a net-CT site: total = production + net
    phases = data.production.phases
    assert phases is not None
    assert phases["L1"].watts_now == ct["production"]["channels"][0]["activePower"]
    assert phases["L2"].watts_now == ct["production"]["channels"][1]["activePower"]
    # energy counters stay those of the production document
    before = _read(0)
    assert before.production is not None
    assert data.production.wh_lifetime == before.production.wh_lifetime

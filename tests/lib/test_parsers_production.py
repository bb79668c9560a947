"""Production source choice and the production document's segments."""

from __future__ import annotations

import json

import pytest

from iqgateway.answer import Answer
from iqgateway.assemble import assemble, check_answer
from iqgateway.endpoints import production
from iqgateway.errors import AuthenticationRequired, HttpStatusError, InvalidResponse
from iqgateway.models import DeviceInfo
from iqgateway.probe import choose_production_source, decide_features
from tests.lib.capture_answers import capture_answers
from tests.shared import CAPTURES

HOST = "192.0.2.5"
INFO = DeviceInfo(serial="1", part_number=None, firmware="8.2.4264", firmware_channel="D", metered=True,
                  firmware_version=(8, 2, 4264))
UNMETERED = DeviceInfo(serial="1", part_number=None, firmware="7.6.175", firmware_channel="D", metered=False,
                       firmware_version=(7, 6, 175))


def answer(path: str, doc: object, status: int = 200) -> Answer:
    body = doc if isinstance(doc, bytes) else json.dumps(doc).encode()
    return Answer(path, status, body, "application/json", 1.0)


def inverters_only(lifetime: int = 32_465_106, watts: int = 5521, eim_active: int | None = None) -> dict[str, object]:
    segs: list[dict[str, object]] = [{"type": "inverters", "activeCount": 38, "wNow": watts, "whLifetime": lifetime}]
    if eim_active is not None:
        segs.append({"type": "eim", "activeCount": eim_active, "measurementType": "production", "wNow": 3.6,
                     "whLifetime": 1586.7, "whToday": 70, "whLastSevenDays": 1521})
    return {"production": segs}


V1 = "/api/v1/production"
DETAILS = "/production.json?details=1"


def test_v1_all_zero_is_skipped_for_inverter_data() -> None:
    answers = {DETAILS: answer(DETAILS, inverters_only()),
               V1: answer(V1, {"wattsNow": 0, "wattHoursToday": 0, "wattHoursSevenDays": 0, "wattHoursLifetime": 0})}
    assert choose_production_source(UNMETERED, answers) == DETAILS


def test_v1_preferred_without_production_ct() -> None:
    answers = {DETAILS: answer(DETAILS, inverters_only(lifetime=366_148)),
               V1: answer(V1, {"wattsNow": 3391, "wattHoursToday": 7883, "wattHoursSevenDays": 107011,
                               "wattHoursLifetime": 8717473})}
    assert choose_production_source(UNMETERED, answers) == V1


def test_inactive_ct_slot_means_inverters_segment() -> None:
    answers = {DETAILS: answer(DETAILS, inverters_only(eim_active=0)),
               V1: answer(V1, {"wattsNow": 4, "wattHoursToday": 0, "wattHoursSevenDays": 1583,
                               "wattHoursLifetime": 1583})}
    assert choose_production_source(INFO, answers) == DETAILS
    # the data tells even without the metered flag: v1 far below what the inverters report
    assert choose_production_source(UNMETERED, answers) == DETAILS
    features = decide_features(INFO, answers, host=HOST)
    data = assemble(INFO, features, answers, host=HOST, now=1.0)
    assert data.production is not None
    assert (data.production.watts_now, data.production.wh_today, data.production.wh_lifetime) == (
        5521, None, 32_465_106)


def test_active_ct_wins_over_everything() -> None:
    doc = inverters_only(eim_active=1)
    answers = {DETAILS: answer(DETAILS, doc), V1: answer(V1, {"wattsNow": 1, "wattHoursLifetime": 2})}
    assert choose_production_source(INFO, answers) == DETAILS
    data = assemble(INFO, decide_features(INFO, answers, host=HOST), answers, host=HOST, now=1.0)
    assert data.production is not None
    assert data.production.wh_today == 70
    assert data.production.wh_lifetime == 1586.7  # no rounding


def test_html_era_production_used_when_details_fail() -> None:
    answers = {DETAILS: answer(DETAILS, b"<html>Page Not Found</html>"),
               "/production": answer("/production", inverters_only(eim_active=1)),
               V1: answer(V1, b"", status=500)}
    assert choose_production_source(INFO, answers) == "/production"


def test_no_source_is_a_typed_error_naming_the_endpoint() -> None:
    answers = {DETAILS: answer(DETAILS, b"garbage", status=200), V1: answer(V1, {"nothing": 1}),
               "/production": answer("/production", b"", status=404)}
    with pytest.raises(InvalidResponse) as caught:
        decide_features(INFO, answers, host=HOST)
    assert caught.value.endpoint == DETAILS
    assert "production" in str(caught.value)
    assert HOST in str(caught.value)


def test_all_refused_is_authentication_required() -> None:
    answers = {p: answer(p, b"<html>401</html>", status=401) for p in (DETAILS, V1, "/production")}
    with pytest.raises(AuthenticationRequired):
        decide_features(INFO, answers, host=HOST)


def test_assemble_raises_when_the_source_breaks() -> None:
    capture = CAPTURES / "7.6.175_with_cts"
    answers = capture_answers(capture, (DETAILS, V1, "/production"))
    features = decide_features(INFO, answers, host=HOST)
    assert features.production_source == DETAILS
    broken = {**answers, DETAILS: answer(DETAILS, b'{"production": [', status=200)}
    with pytest.raises(InvalidResponse) as caught:
        assemble(INFO, features, broken, host=HOST)
    assert caught.value.endpoint == DETAILS


def test_positional_consumption_on_old_firmware() -> None:
    doc = {"production": [], "consumption": [
        {"type": "eim", "activeCount": 1, "wNow": 10.5, "whLifetime": 100, "whToday": 1, "whLastSevenDays": 7},
        {"type": "eim", "activeCount": 1, "wNow": -3.5, "whLifetime": 50, "whToday": 0, "whLastSevenDays": 0}]}
    parsed = production.parse_production_doc(doc)
    assert parsed is not None
    total = production.segment_reading(parsed.total_consumption, 1)
    net = production.segment_reading(parsed.net_consumption, 1)
    assert total is not None
    assert net is not None
    assert (total.watts_now, net.watts_now) == (10.5, -3.5)


def test_inactive_consumption_is_none() -> None:
    parsed = production.parse_production_doc(json.loads((CAPTURES / "4.2.33" / "production.json").read_bytes()))
    assert parsed is not None
    assert production.segment_reading(parsed.total_consumption, 1) is None
    assert parsed.has_active_production_ct


def test_phases_only_when_lines_cover_the_phase_count() -> None:
    doc = json.loads((CAPTURES / "8.3.1598_collar" / "production.json").read_bytes())
    parsed = production.parse_production_doc(doc)
    assert parsed is not None
    two = production.segment_reading(parsed.production_ct, 2)
    assert two is not None
    assert two.phases is not None
    assert list(two.phases) == ["L1", "L2"]
    one = production.segment_reading(parsed.production_ct, 1)
    assert one is not None
    assert one.phases is None


@pytest.mark.parametrize(("body", "status", "error"), [
    (b"", 200, InvalidResponse), (b"{not json", 200, InvalidResponse), (b'{"x": 1}', 200, InvalidResponse),
    (b"<html/>", 500, HttpStatusError), (b"<html/>", 401, AuthenticationRequired),
])
def test_check_answer_rejects(body: bytes, status: int, error: type[Exception]) -> None:
    problem = check_answer(DETAILS, Answer(DETAILS, status, body, "application/json", 1.0), host=HOST)
    assert isinstance(problem, error)
    assert problem.endpoint == DETAILS


def test_check_answer_accepts_real_answers_and_rejects_empty_inverter_list() -> None:
    answers = capture_answers(CAPTURES / "8.3.5169_with_generator", (DETAILS, V1, "/api/v1/production/inverters"))
    for path, ans in answers.items():
        assert check_answer(path, ans, host=HOST) is None, path
    empty = Answer("/api/v1/production/inverters", 200, b"[]", "application/json", 1.0)
    assert isinstance(check_answer("/api/v1/production/inverters", empty, host=HOST), InvalidResponse)

"""Property tests: every parser is total over arbitrary and mutated JSON, the whole pipeline only ever
raises the documented typed errors, and what survives damage is the document's own number (the
properties of well-formed documents: test_parsers_properties.py)."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

import orjson
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from iqgateway.answer import Answer
from iqgateway.assemble import assemble, check_answer
from iqgateway.endpoints import (
    acb,
    collar,
    dry_contacts,
    ensemble,
    generator,
    home,
    inverters,
    livedata,
    meters,
    production,
    tariff,
    values,
)
from iqgateway.errors import InvalidResponse, IQGatewayError, UnsupportedFirmware
from iqgateway.info import parse_info
from iqgateway.models import CtMeter, EnergyReading
from iqgateway.probe import decide_features, probe_paths
from iqgateway.snapshot import snapshot_dict
from tests.lib.capture_answers import capture_answer, capture_answers
from tests.shared import CAPTURES

HOST = "192.0.2.9"
RICH = "8.3.5169_with_generator"

scalars = (st.none() | st.booleans() | st.integers(min_value=-(2**63), max_value=2**63)
           | st.floats(allow_nan=True, allow_infinity=True) | st.text(max_size=12)
           | st.sampled_from(["true", "false", "1785593319", "enabled", "eim", "inverters", "pcu", "ENCHARGE",
                              "ENPOWER", "COLLAR", "C6 COMBINER CONTROLLER", "ACB", "production",
                              "net-consumption", "total-consumption", "devices:", "dry_contacts"]))
KEYS = st.sampled_from([
    "production", "consumption", "storage", "type", "activeCount", "measurementType", "wNow", "whLifetime",
    "whToday", "whLastSevenDays", "lines", "wattsNow", "wattHoursLifetime", "eid", "state", "phaseCount",
    "channels", "activePower", "serialNumber", "devType", "lastReportWatts", "devName", "sn", "watts",
    "lastReading", "lifetime", "deviceCount", "deviceDataLimit", "devices", "serial_num", "percentFull",
    "devices:", "real_power_mw", "dry_contacts", "id", "status", "tariff", "storage_settings", "mode", "meters",
    "pv", "agg_p_mw", "connection", "network", "interfaces", "ENC_agg_soc", "agg_soc", "present", "err",
]) | st.text(max_size=8)
json_values = st.recursive(scalars, lambda inner: st.lists(inner, max_size=5)
                           | st.dictionaries(KEYS, inner, max_size=6), max_leaves=40)


def _real(file: str, capture: str = RICH) -> Any:
    return json.loads((CAPTURES / capture / file).read_bytes())


REAL_DOCS: list[Any] = [
    _real("production.json_details_1"), _real("api_v1_production"), _real("api_v1_production_inverters"),
    _real("ivp_pdm_device_data"), _real("ivp_meters"), _real("ivp_meters_readings"), _real("ivp_ensemble_inventory"),
    _real("ivp_ensemble_secctrl"), _real("ivp_ensemble_dry_contacts"), _real("ivp_ss_dry_contact_settings"),
    _real("admin_lib_tariff"), _real("ivp_ensemble_generator"), _real("ivp_ss_gen_config"), _real("home"),
    _real("ivp_ensemble_inventory", "8.3.1598_collar"), _real("ivp_ensemble_power", "8.3.1598_collar"),
    _real("inventory.json_deleted_1", "8.3.5169_ACB_inventory"),
]


@st.composite
def mutated(draw: st.DrawFn) -> Any:
    """A real document with random damage: keys dropped or renamed, values replaced, lists cut."""
    doc = draw(st.sampled_from(REAL_DOCS))

    def damage(node: Any, depth: int) -> Any:
        if isinstance(node, dict):
            out: dict[str, Any] = {}
            for key, value in node.items():
                action = draw(st.integers(0, 9))
                if action == 0:
                    continue
                if action == 1:
                    out[f"{key}_v2"] = value
                elif action == 2:
                    out[key] = draw(json_values)
                else:
                    out[key] = damage(value, depth + 1) if depth < 6 else value
            return out
        if isinstance(node, list):
            cut = draw(st.integers(0, len(node)))
            return [damage(item, depth + 1) for item in node[:cut]]
        if draw(st.integers(0, 5)) == 0:
            return draw(scalars)
        return node

    return damage(doc, 0)


documents = json_values | mutated()


def _ct() -> tuple[CtMeter, ...]:
    return meters.parse_meters(_real("ivp_meters")) or ()


def _production_readings(doc: Any) -> object:
    parsed = production.parse_production_doc(doc)
    if parsed is None:
        return None
    return (production.production_from_doc(parsed, 2), parsed.sound,
            production.segment_reading(parsed.net_consumption, 3), production.inverters_reading(parsed))


PARSERS: list[Callable[[Any], object]] = [
    production.parse_production_doc,
    _production_readings,
    production.parse_v1_production,
    meters.parse_meters,
    meters.readings_by_eid,
    lambda d: meters.join_readings(_ct(), meters.readings_by_eid(d) or {}),
    lambda d: meters.phase_layout(meters.parse_meters(d) or ()),
    inverters.parse_v1_inverters,
    inverters.parse_device_data,
    inverters.device_data_complete,
    inverters.v1_acb_entries,
    ensemble.inventory_devices,
    lambda d: ensemble.parse_encharge(ensemble.inventory_devices(d), ensemble.power_by_serial(d)),
    lambda d: ensemble.parse_enpower(ensemble.inventory_devices(d)),
    lambda d: ensemble.encharge_aggregate(ensemble.parse_secctrl(d)),
    lambda d: ensemble.battery_aggregate(ensemble.parse_secctrl(d)),
    ensemble.parse_power_doc,
    lambda d: collar.parse_collar(ensemble.inventory_devices(d)),
    lambda d: collar.parse_c6cc(ensemble.inventory_devices(d)),
    lambda d: tariff.parse_storage_settings(tariff.parse_tariff_doc(d)),
    lambda d: dry_contacts.parse_dry_contacts(d, d),
    lambda d: acb.parse_acb(production.parse_production_doc(d), acb.acb_inventory(d), inverters.v1_acb_entries(d)),
    lambda d: generator.parse_generator(d, d, d, d),
    generator.parse_generator_state,
    livedata.parse_livedata,
    home.parse_home,
    values.number, values.integer, values.int_like, values.boolean, values.flag, values.strings, values.dicts,
]


@settings(max_examples=250, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(doc=documents, which=st.integers(0, len(PARSERS) - 1))
def test_parsers_are_total(doc: Any, which: int) -> None:
    PARSERS[which](doc)  # must not raise


@settings(max_examples=150, deadline=None)
@given(doc=documents)
def test_every_parser_on_the_same_document(doc: Any) -> None:
    for parser in PARSERS:
        parser(doc)


def _drift(doc: Any) -> Any:
    if isinstance(doc, dict):
        return {f"{key}_v2": value for key, value in doc.items()}
    if isinstance(doc, list):
        return [dict(list(item.items())[:1]) if isinstance(item, dict) else item for item in doc]
    return doc


def test_drifted_documents_give_none() -> None:
    assert production.parse_production_doc(_drift(_real("production.json_details_1"))) is None
    assert production.parse_v1_production(_drift(_real("api_v1_production"))) is None
    # device_data's top-level keys are device ids: renaming them loses nothing
    assert inverters.parse_device_data(_drift(_real("ivp_pdm_device_data"))) == inverters.parse_device_data(
        _real("ivp_pdm_device_data"))
    inner = {key: _drift(value) for key, value in _real("ivp_pdm_device_data").items()}
    assert inverters.parse_device_data(inner) is None
    assert meters.parse_meters(_drift(_real("ivp_meters"))) is None
    assert tariff.parse_tariff_doc(_drift(_real("admin_lib_tariff"))) is None
    assert dry_contacts.relays_by_id(_drift(_real("ivp_ensemble_dry_contacts"))) is None
    assert ensemble.parse_secctrl(_drift(_real("ivp_ensemble_secctrl"))) is None
    assert ensemble.parse_power_doc(_drift(_real("ivp_ensemble_power", "8.3.1598_collar"))) is None
    assert generator.parse_generator_state(_drift(_real("ivp_ensemble_generator"))) is None
    assert not ensemble.has_devices(ensemble.inventory_devices(_drift(_real("ivp_ensemble_inventory"))))
    v1 = inverters.parse_v1_inverters(_drift(_real("api_v1_production_inverters")))  # items keep their serial
    assert v1 is not None
    assert len(v1) == 20
    assert all(i.last_report_watts is None and i.last_report_date is None for i in v1.values())


def test_wrong_types_give_none_fields() -> None:
    entry = {"serialNumber": "1", "lastReportDate": "soon", "devType": 1, "lastReportWatts": "136",
             "maxReportWatts": None}
    found = inverters.parse_v1_inverters([entry])
    assert found is not None
    assert (found["1"].last_report_watts, found["1"].max_report_watts, found["1"].last_report_date) == (
        None, None, None)
    v1 = production.parse_v1_production({"wattsNow": "5", "wattHoursLifetime": 10, "wattHoursToday": True})
    assert v1 is not None
    assert (v1.watts_now, v1.wh_lifetime, v1.wh_today) == (None, 10, None)


body_faults = st.one_of(
    st.binary(max_size=300),
    st.just(b""),
    st.just(b"\xff\xfe{\x00"),
    st.builds(lambda doc: orjson.dumps(doc, option=orjson.OPT_NON_STR_KEYS), mutated()),
)


@settings(max_examples=80, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(body=body_faults, path_index=st.integers(0, 100), cut=st.integers(0, 100), status=st.sampled_from(
    [200, 200, 200, 401, 404, 500]))
def test_pipeline_raises_only_typed_errors(body: bytes, path_index: int, cut: int, status: int) -> None:
    capture = CAPTURES / RICH
    info = parse_info((capture / "info").read_bytes(), host=HOST)
    paths = probe_paths(info)
    target = paths[path_index % len(paths)]
    truncate = cut % 3 == 0

    def answers(wanted: tuple[str, ...]) -> dict[str, Answer]:
        found = capture_answers(capture, wanted)
        if target in found:
            original = found[target]
            damaged = original.body[: len(original.body) * cut // 100] if truncate else body
            found[target] = Answer(target, status, damaged, "application/json", 1.0)
        return found

    failure: IQGatewayError | None = None
    try:
        features = decide_features(info, answers(paths), host=HOST)
        data = assemble(info, features, answers(features.endpoints), host=HOST, now=2.0)
    except IQGatewayError as err:
        failure = err
    if failure is not None:
        assert target in (production.PRODUCTION_DETAILS, production.PRODUCTION_HTML_ERA, production.PRODUCTION_V1)
        assert failure.endpoint is not None
        assert failure.host == HOST
        return
    orjson.dumps(snapshot_dict(data))
    for path in features.endpoints:
        problem = check_answer(path, answers((path,))[path], host=HOST)
        assert problem is None or isinstance(problem, IQGatewayError)


@settings(max_examples=200, deadline=None)
@given(body=st.binary(max_size=400) | st.builds(lambda s: s.encode(), st.text(max_size=200)))
def test_info_raises_only_typed_errors(body: bytes) -> None:
    failure: InvalidResponse | UnsupportedFirmware | None = None
    try:
        parse_info(body, host=HOST)
    except (InvalidResponse, UnsupportedFirmware) as err:
        failure = err
    assert failure is None or failure.endpoint == "/info"


@settings(max_examples=100, deadline=None)
@given(cut=st.integers(0, 2000))
def test_truncated_info_raises_only_typed_errors(cut: int) -> None:
    body = (CAPTURES / RICH / "info").read_bytes()
    try:
        info = parse_info(body[:cut], host=HOST)
    except (InvalidResponse, UnsupportedFirmware):
        return
    assert info.serial == "202439990001"


def test_capture_answer_helper_reads_status() -> None:
    answer = capture_answer(CAPTURES / "3.8.10", "/ivp/meters")
    assert answer.status == 401


def _numbers_of(reading: EnergyReading) -> list[float | None]:
    return [reading.watts_now, reading.wh_today, reading.wh_last_seven_days, reading.wh_lifetime]


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(doc=mutated())
def test_readings_of_damaged_documents_are_numbers_found_in_them(doc: Any) -> None:
    """Whatever survives the damage is the document's own number at that place, never a made-up one."""
    parsed = production.parse_production_doc(doc)
    if parsed is not None:
        for segment in (parsed.production_ct, parsed.net_consumption, parsed.total_consumption):
            reading = production.segment_reading(segment, 1)
            if reading is not None and segment is not None:
                entry = segment.entry
                expected = [values.number(entry.get(k)) for k in ("wNow", "whToday", "whLastSevenDays", "whLifetime")]
                assert _numbers_of(reading) == expected
    found = inverters.parse_device_data(doc)
    for serial, inv in (found or {}).items():
        assert serial == inv.serial
        assert isinstance(serial, str)
        assert serial
    v1 = production.parse_v1_production(doc)
    if v1 is not None:
        assert isinstance(doc, dict)
        assert v1.watts_now == values.number(doc.get("wattsNow"))
        assert v1.wh_lifetime == values.number(doc.get("wattHoursLifetime"))

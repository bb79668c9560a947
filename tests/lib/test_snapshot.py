"""snapshot_dict: the documented schema, JSON-ready, stable."""

from __future__ import annotations

import enum
import json
import math

import orjson
import pytest

from iqgateway.models import PHASE_NAMES
from iqgateway.snapshot import plain, snapshot_dict
from tests.lib.test_assemble_captures import read_capture, ref_of
from tests.shared import capture_names

TOP_KEYS = ("serial", "firmware", "part_number", "features", "phase_count", "phase_mode", "production",
            "consumption_total", "consumption_net", "meters", "inverters", "encharge", "encharge_aggregate",
            "enpower", "acb", "battery_aggregate", "dry_contacts", "storage_settings", "collar", "c6cc",
            "generator", "live", "endpoints")
ENERGY_LEAVES = {"watts_now", "wh_today", "wh_last_seven_days", "wh_lifetime", "device_wh_today",
                 "device_wh_last_seven_days", "device_daily_disagrees"}
METER_LEAVES = {"active_power_w", "energy_delivered_wh", "energy_received_wh", "voltage_v", "current_a",
                "frequency_hz", "power_factor", "metering_status", "status_flags"}


@pytest.mark.parametrize("name", capture_names())
def test_schema_and_serialisable(name: str) -> None:
    doc = snapshot_dict(read_capture(name))
    assert set(TOP_KEYS) <= set(doc)
    assert json.loads(orjson.dumps(doc)) == json.loads(json.dumps(doc))
    ref = ref_of(name)
    assert set(ref) - {"_pyenphase", "_overrides", "_alt"} <= set(doc)
    for block in ("production", "consumption_total", "consumption_net"):
        if doc[block] is None:
            continue
        assert set(doc[block]) >= ENERGY_LEAVES
        for phase, values in (doc[block].get("phases") or {}).items():
            assert phase in PHASE_NAMES
            assert set(values) == ENERGY_LEAVES
    for kind, meter in doc["meters"].items():
        assert set(meter) >= METER_LEAVES
        assert isinstance(meter["status_flags"], list)
        assert meter["state"] == "enabled", kind
    assert doc["features"] == sorted(doc["features"])
    for relay in (doc["dry_contacts"] or {}).values():
        assert "settings_raw" not in relay  # the raw document stays in the model, not in the snapshot


def test_absent_hardware_is_null() -> None:
    doc = snapshot_dict(read_capture("3.9.36"))
    for key in ("consumption_total", "consumption_net", "encharge", "encharge_aggregate", "enpower", "acb",
                "battery_aggregate", "dry_contacts", "storage_settings", "collar", "c6cc", "generator", "live"):
        assert doc[key] is None, key
    assert doc["meters"] == {}
    assert doc["phase_count"] == 1


def test_concrete_snapshot_values() -> None:
    doc = snapshot_dict(read_capture("8.3.5169_with_generator"))
    assert doc["serial"] == "202439990001"
    assert doc["firmware"] == "8.3.5169"
    assert doc["phase_mode"] == "split"
    assert doc["production"]["phases"]["L1"]["wh_lifetime"] == pytest.approx(5767480.421)
    assert doc["meters"]["production"]["phases"]["L2"]["voltage_v"] == 124.921
    assert doc["inverters"]["482208990001"]["last_report_watts"] == 136
    assert "serial" not in doc["inverters"]["482208990001"]
    assert doc["dry_contacts"]["NC1"]["pv_serial_nb"] == []
    assert doc["generator"]["config"]["manufacturer"] == "Generac"
    assert doc["storage_settings"]["mode"] == "self-consumption"


class _Colour(enum.StrEnum):
    RED = "red"


def test_plain_conversions() -> None:
    assert plain((1, 2)) == [1, 2]
    assert plain(frozenset({"b", "a"})) == ["a", "b"]
    assert plain(_Colour.RED) == "red"
    assert plain(math.nan) is None
    assert plain({1: (True, None)}) == {"1": [True, None]}
    assert plain(object.__new__(object)).startswith("<object")


def test_to_dict_is_the_whole_model() -> None:
    data = read_capture("8.3.5169_with_generator")
    doc = data.to_dict()
    assert json.loads(orjson.dumps(doc)) == doc
    assert "raw" not in doc
    assert doc["info"]["serial"] == "202439990001"
    assert data.enpower is not None
    assert doc["enpower"]["serial_number"] == data.enpower.serial_number
    assert doc["enpower"]["firmware_version"] == snapshot_dict(data)["enpower"]["firmware_version"]
    assert doc["inverters"]["482208990001"]["last_report_watts"] == 136
    assert doc["features"]["names"] == sorted(feature.value for feature in data.features.names)
    with_raw = data.to_dict(raw=True)
    assert set(with_raw["raw"]) == set(data.raw)
    assert with_raw["raw"]["/ivp/meters"] == list(data.raw["/ivp/meters"])

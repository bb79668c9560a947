"""Property tests over generated well-formed documents: what a parser returns keeps the document's own
numbers (numeric types, W and Wh unscaled, J to Wh and mV to V converted), per-phase lines add up to the
aggregate the document gives, and serials are preserved."""

from __future__ import annotations

import math
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from iqgateway.endpoints import inverters, production
from iqgateway.models import PHASE_NAMES, EnergyReading

watts = st.floats(min_value=-20000, max_value=20000, allow_nan=False) | st.integers(-20000, 20000)
counters = st.floats(min_value=0, max_value=2e9, allow_nan=False) | st.integers(0, 2**40)
serials = st.from_regex(r"[0-9]{12}", fullmatch=True)


@st.composite
def ct_segment(draw: st.DrawFn, measurement: str) -> dict[str, Any]:
    """An active CT segment whose aggregate is the sum of its per-phase lines, as the device writes it."""
    lines = [{"wNow": draw(watts), "whLifetime": draw(counters), "whToday": draw(counters),
              "whLastSevenDays": draw(counters)} for _ in range(draw(st.integers(2, 3)))]
    total = {key: sum(line[key] for line in lines) for key in lines[0]}
    return {"type": "eim", "activeCount": 1, "measurementType": measurement, **total, "lines": lines}


def _numbers_of(reading: EnergyReading) -> list[float | None]:
    return [reading.watts_now, reading.wh_today, reading.wh_last_seven_days, reading.wh_lifetime]


def _same_as(reading: EnergyReading, entry: dict[str, Any]) -> None:
    """The reading is the entry's numbers, unscaled (W stays W, Wh stays Wh), of a numeric type."""
    assert _numbers_of(reading) == [entry.get(key) for key in ("wNow", "whToday", "whLastSevenDays", "whLifetime")]
    for value in _numbers_of(reading):
        assert isinstance(value, int | float)
        assert not isinstance(value, bool)
        assert math.isfinite(value)


@settings(max_examples=120, deadline=None)
@given(production_ct=ct_segment("production"), net=ct_segment("net-consumption"), inverter_w=watts,
       inverter_wh=counters, active=st.integers(1, 60))
def test_production_document_numbers_and_phases_are_kept(
    production_ct: dict[str, Any], net: dict[str, Any], inverter_w: float, inverter_wh: float, active: int
) -> None:
    inverters_entry = {"type": "inverters", "activeCount": active, "wNow": inverter_w, "whLifetime": inverter_wh}
    doc = production.parse_production_doc({"production": [inverters_entry, production_ct], "consumption": [net]})
    assert doc is not None
    assert doc.sound
    assert doc.inverters is not None
    assert doc.inverters.active_count == active
    for entry, segment in ((production_ct, doc.production_ct), (net, doc.net_consumption)):
        phase_count = len(entry["lines"])
        reading = production.segment_reading(segment, phase_count)
        assert reading is not None
        _same_as(reading, entry)
        assert reading.phases is not None
        assert list(reading.phases) == list(PHASE_NAMES[:phase_count])
        for line, phase in zip(entry["lines"], reading.phases.values(), strict=True):
            _same_as(phase, line)
        for index in (0, 1, 2, 3):  # each counter: the phases add up to the aggregate the document gives
            aggregate = _numbers_of(reading)[index]
            assert aggregate is not None
            parts = [_numbers_of(phase)[index] or 0.0 for phase in reading.phases.values()]
            assert math.isclose(sum(parts), aggregate, rel_tol=1e-9, abs_tol=1e-6)
    produced = production.production_from_doc(doc, len(production_ct["lines"]))
    assert produced is not None
    _same_as(produced, production_ct)  # the active production CT wins over the inverters' own totals
    from_inverters = production.inverters_reading(doc)
    assert from_inverters is not None
    assert (from_inverters.watts_now, from_inverters.wh_lifetime) == (inverter_w, inverter_wh)
    assert (from_inverters.wh_today, from_inverters.wh_last_seven_days) == (None, None)


@st.composite
def device_data_doc(draw: st.DrawFn) -> tuple[dict[str, Any], dict[str, dict[str, Any]]]:
    """A device_data document and, by serial, the channel of each of its PV inverters."""
    pcus = draw(st.dictionaries(serials, st.fixed_dictionaries({
        "now": st.integers(0, 400), "max": st.integers(0, 400), "today": st.integers(0, 4000),
        "joules": st.integers(0, 2**40), "end": st.integers(1_500_000_000, 2_000_000_000),
        "mv": st.integers(180_000, 260_000), "mhz": st.integers(49_000, 61_000), "temp": st.integers(-20, 90),
    }), min_size=1, max_size=8))
    doc: dict[str, Any] = {"deviceCount": len(pcus) + 1, "deviceDataLimit": 50,
                           "704643328": {"devName": "eim", "sn": "EIM1", "channels": [{}]}}
    channels: dict[str, dict[str, Any]] = {}
    for index, (serial, v) in enumerate(pcus.items()):
        channel = {"watts": {"now": v["now"], "max": v["max"]}, "wattHours": {"today": v["today"]},
                   "lastReading": {"endDate": v["end"], "acVoltageINmV": v["mv"], "acFrequencyINmHz": v["mhz"],
                                   "channelTemp": v["temp"], "duration": 300},
                   "lifetime": {"joulesProduced": v["joules"]}}
        doc[str(553648384 + 256 * index)] = {"devName": "pcu", "sn": serial, "channels": [channel]}
        channels[serial] = channel
    return doc, channels


@settings(max_examples=120, deadline=None)
@given(case=device_data_doc())
def test_device_data_keeps_serials_and_converts_units(case: tuple[dict[str, Any], dict[str, Any]]) -> None:
    doc, channels = case
    found = inverters.parse_device_data(doc)
    assert found is not None
    assert set(found) == set(channels)  # every inverter, by its own serial; the meter is no inverter
    assert inverters.device_data_complete(doc)
    for serial, inv in found.items():
        channel = channels[serial]
        assert inv.serial == serial
        assert inv.last_report_watts == channel["watts"]["now"]  # W as reported
        assert inv.energy_today_wh == channel["wattHours"]["today"]
        assert inv.last_report_date == channel["lastReading"]["endDate"]
        assert inv.lifetime_energy_wh is not None
        assert inv.lifetime_energy_wh >= 0  # joules to Wh: never negative, 3600 J each
        assert math.isclose(inv.lifetime_energy_wh * 3600, channel["lifetime"]["joulesProduced"], rel_tol=1e-12)
        assert inv.ac_voltage_v == pytest.approx(channel["lastReading"]["acVoltageINmV"] / 1000)  # mV to V
        assert inv.ac_voltage_v is not None
        assert 180 <= inv.ac_voltage_v <= 260
        assert inv.ac_frequency_hz == pytest.approx(channel["lastReading"]["acFrequencyINmHz"] / 1000)
        assert inv.temperature_c == channel["lastReading"]["channelTemp"]


@settings(max_examples=120, deadline=None)
@given(entries=st.lists(st.fixed_dictionaries({
    "serialNumber": serials, "devType": st.sampled_from([1, 1, 1, 11]), "lastReportWatts": st.integers(0, 400),
    "maxReportWatts": st.integers(0, 400), "lastReportDate": st.integers(1_500_000_000, 2_000_000_000),
}), min_size=1, max_size=10, unique_by=lambda entry: entry["serialNumber"]))
def test_v1_inverters_keep_serials_and_leave_out_batteries(entries: list[dict[str, Any]]) -> None:
    found = inverters.parse_v1_inverters(entries)
    assert found is not None
    pv = {entry["serialNumber"]: entry for entry in entries if entry["devType"] != 11}
    assert set(found) == set(pv)
    assert set(inverters.v1_acb_entries(entries)) == {e["serialNumber"] for e in entries if e["devType"] == 11}
    for serial, inv in found.items():
        assert (inv.last_report_watts, inv.max_report_watts, inv.last_report_date) == (
            pv[serial]["lastReportWatts"], pv[serial]["maxReportWatts"], pv[serial]["lastReportDate"])

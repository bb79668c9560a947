"""Every capture, parsed without I/O (info -> probe -> assemble -> snapshot), reads like the reference.

The reference (tests/references/pyenphase-4.2.0) is what pyenphase 4.2.0 reads from the same capture, in
the snapshot's own schema, corrected where it is wrong against the raw capture. Every leaf of it must be
in our snapshot at the same path: numbers within 0.5 % or one unit (0.01 for volts, amps, hertz and power
factor), anything else equal, or one of the reference's other accepted readings (`_alt`).
"""

from __future__ import annotations

import json
import math
from pathlib import Path
from typing import Any

import pytest

from iqgateway.assemble import assemble
from iqgateway.errors import IQGatewayError
from iqgateway.info import parse_info
from iqgateway.models import Feature, GatewayData
from iqgateway.probe import decide_features, probe_paths
from iqgateway.snapshot import snapshot_dict
from tests.lib.capture_answers import capture_answers
from tests.shared import CAPTURES, REFS_PYENPHASE, accepts_rebuilt_daily, capture_names

HOST = "192.0.2.1"
FINE = frozenset({"voltage_v", "current_a", "frequency_hz", "power_factor"})
# Parts of pyenphase's reading the library does not take over: the generator's exercise schedule document.
NOT_READ = frozenset({"generator.schedule"})
MISSING = object()


def _number(value: Any) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool) and math.isfinite(value)


def _close(got: Any, want: Any, leaf: str) -> bool:
    if _number(got) and _number(want):
        return bool(abs(got - want) <= max(0.01 if leaf in FINE else 1.0, 0.005 * abs(want)))
    if want is None and got == []:
        return True  # no status flags: pyenphase says null, the snapshot an empty list
    if isinstance(want, list) and isinstance(got, list):
        return sorted(map(str, want)) == sorted(map(str, got))
    return bool(got == want)


def rebuilt_daily(ref: dict[str, Any], path: str, leaf: str, want: Any, got: Any) -> bool:
    """A daily or 7-day figure of the reference at least half its block's lifetime counter, ours null or smaller."""
    if leaf not in ("wh_today", "wh_last_seven_days") or not _number(want) or not (got is None or _number(got)):
        return False
    block: Any = ref
    for part in path.split(".")[:-1]:
        block = block.get(part) if isinstance(block, dict) else None
    lifetime: Any = block.get("wh_lifetime") if isinstance(block, dict) else None
    ours = None if got is None else float(got)
    return _number(lifetime) and accepts_rebuilt_daily(float(want), float(lifetime), ours)


def differences(ours: dict[str, Any], ref: dict[str, Any]) -> list[str]:
    """Where `ours` does not read like `ref`, one line per leaf."""
    accepted: dict[str, list[Any]] = ref.get("_alt") or {}
    may_omit = set(accepted.get("inverters.may_omit") or [])
    diffs: list[str] = []

    def walk(want: Any, got: Any, path: str) -> None:
        if path in NOT_READ:
            return
        if got is MISSING and path.startswith("inverters.") and path.count(".") == 1 and path[10:] in may_omit:
            return
        if isinstance(want, dict):
            if isinstance(got, dict):
                for key, value in want.items():
                    walk(value, got.get(key, MISSING), f"{path}.{key}" if path else key)
            elif got not in accepted.get(path, []):
                diffs.append(f"{path}: {'missing' if got is MISSING else json.dumps(got)[:60]} (want an object)")
            return
        leaf = path.rsplit(".", 1)[-1]
        if path == "features" and isinstance(got, list):  # the library may know more features than pyenphase
            if set(want) <= set(got):
                return
        elif any(_close(got, candidate, leaf) for candidate in [want, *accepted.get(path, [])]):
            return
        elif rebuilt_daily(ref, path, leaf, want, got):
            return  # the device's figure is at least half its lifetime counter: null or a rebuilt, smaller one
        diffs.append(f"{path}: {'missing' if got is MISSING else json.dumps(got)[:60]} != {json.dumps(want)[:60]}")

    for key, value in ref.items():
        if not key.startswith("_"):
            walk(value, ours.get(key, MISSING), key)
    return diffs


def read_capture(name: str) -> GatewayData:
    capture = CAPTURES / name
    info = parse_info((capture / "info").read_bytes(), host=HOST)
    features = decide_features(info, capture_answers(capture, probe_paths(info)), host=HOST)
    return assemble(info, features, capture_answers(capture, features.endpoints), host=HOST, now=1_700_000_000.0)


def snapshot_of(name: str) -> dict[str, Any]:
    doc = json.loads(json.dumps(snapshot_dict(read_capture(name))))
    assert isinstance(doc, dict)
    return doc


def ref_of(name: str) -> dict[str, Any]:
    doc = json.loads((REFS_PYENPHASE / f"{name}.json").read_text())
    assert isinstance(doc, dict)
    return doc


@pytest.mark.parametrize("name", capture_names())
def test_capture_reads_like_reference(name: str) -> None:
    assert differences(snapshot_of(name), ref_of(name)) == []


def test_the_comparison_finds_a_wrong_reading() -> None:
    name = "7.6.175_with_cts"
    ours, ref = snapshot_of(name), ref_of(name)
    ours["production"]["wh_lifetime"] = ref["production"]["wh_lifetime"] * 1.01
    ours["meters"]["net-consumption"]["voltage_v"] += 2.0  # 235 V: 0.5 % is 1.2 V
    del ours["inverters"][next(iter(ref["inverters"]))]
    ours["features"].remove("metering")
    found = [line.split(":")[0] for line in differences(ours, ref)]
    assert found == ["features", "production.wh_lifetime", "meters.net-consumption.voltage_v",
                     f"inverters.{next(iter(ref['inverters']))}"]


def test_all_24_captures_present() -> None:
    assert len(capture_names()) == 24


# ------------------------------------------------------------------ concrete values, read from the capture files

def _json(capture: str, file: str) -> Any:
    return json.loads((CAPTURES / capture / file).read_bytes())


def test_old_firmware_reads_v1_production() -> None:
    data = read_capture("3.9.36")
    v1 = _json("3.9.36", "api_v1_production")
    assert data.features.production_source == "/api/v1/production"
    assert data.production is not None
    assert data.production.wh_lifetime == v1["wattHoursLifetime"] == 6012540
    assert data.production.watts_now == v1["wattsNow"]
    assert len(data.inverters) == len(_json("3.9.36", "api_v1_production_inverters")) == 12
    assert data.meters == {}
    assert (data.phase_count, data.phase_mode) == (1, None)


def test_firmware_3_18_reports_its_real_version() -> None:
    data = read_capture("3.8.10")
    assert data.info.firmware == "3.18.10"
    assert data.info.firmware_channel == "D"


def test_split_phase_cts_with_generator() -> None:
    name = "8.3.5169_with_generator"
    data = read_capture(name)
    details = _json(name, "production.json_details_1")
    eim = next(e for e in details["production"] if e["type"] == "eim")
    assert data.production is not None
    assert data.production.wh_lifetime == eim["whLifetime"]  # no rounding
    assert data.production.phases is not None
    assert data.production.phases["L2"].watts_now == eim["lines"][1]["wNow"]
    readings = {r["eid"]: r for r in _json(name, "ivp_meters_readings")}
    net = data.meters["net-consumption"]
    assert net.active_power_w == readings[704643584]["activePower"]
    assert net.energy_received_wh == readings[704643584]["actEnergyRcvd"]
    assert net.phases is not None
    assert set(net.phases) == {"L1", "L2"}
    assert net.phases["L1"].active_power_w == readings[704643584]["channels"][0]["activePower"]
    assert 1023410688 not in {m.eid for m in data.meters.values()}  # extra readings eid ignored
    assert (data.phase_count, data.phase_mode) == (2, "split")
    assert data.generator is not None
    assert data.generator.mode == {"gen_cmd": "on", "last_updated_by": "ITK"}
    assert data.generator.state is not None
    assert data.generator.state.present is True
    assert Feature.GENERATOR in data.features
    assert data.enpower is not None
    assert data.enpower.serial_number == "202411990001"
    assert data.enpower.mains_admin_state == "closed"
    assert data.dry_contacts is not None
    assert {k: v.status for k, v in data.dry_contacts.items()} == {"NC1": "closed", "NC2": "closed",
                                                                   "NO1": "closed", "NO2": "closed"}
    nc1 = data.dry_contacts["NC1"]
    assert (nc1.override, nc1.black_start, nc1.generator_action) == (True, 5.0, "apply")
    assert nc1.settings_raw is not None
    assert nc1.settings_raw["override"] == "true"  # raw document kept as sent


def test_device_data_unit_conversions() -> None:
    name = "8.3.5169_with_generator"
    data = read_capture(name)
    assert data.features.inverter_source == "/ivp/pdm/device_data"
    assert len(data.inverters) == 20  # 20 pcu, the two eim entries are not inverters
    inv = data.inverters["482208990001"]
    assert inv.dc_voltage_v == 40.352
    assert inv.dc_current_a == 3.707
    assert inv.ac_voltage_v == 248.875
    assert inv.ac_current_a == 0.582
    assert inv.ac_frequency_hz == 59.988
    assert inv.temperature_c == 32
    assert inv.lifetime_energy_wh == pytest.approx(2011819050 / 3600)
    assert inv.energy_today_wh == 145
    assert inv.last_report_watts == 136
    assert inv.max_report_watts == 297
    assert inv.last_report_date == 1785593319
    assert inv.last_report_duration_s == 910


def test_batteries_and_enpower() -> None:
    name = "7.3.517"
    data = read_capture(name)
    assert data.encharge is not None
    assert set(data.encharge) == {"122035013273", "122035013278", "122035013286"}
    battery = data.encharge["122035013273"]
    assert battery.soc_percent == 100
    assert battery.capacity_wh == 3360
    assert battery.power_soc_percent == 100
    assert data.encharge_aggregate is not None
    assert data.encharge_aggregate.available_energy_wh == 10080
    assert data.storage_settings is not None
    assert data.storage_settings.mode == "backup"
    assert data.storage_settings.charge_from_grid is True


def test_collar_c6cc_and_ensemble_power_units() -> None:
    name = "8.3.1598_collar"
    data = read_capture(name)
    assert data.collar is not None
    assert data.collar.serial_number == "482520020939"
    assert data.c6cc is not None
    assert data.c6cc.firmware_version == "0.1.20-D1"
    assert data.encharge is not None
    battery = data.encharge["492516006337"]
    assert battery.real_power_w == -532.0  # -532000 mW
    assert battery.soc_percent == 92
    assert set(data.meters) == {"production", "net-consumption", "storage", "backfeed"}
    assert data.meters["backfeed"].active_power_w == pytest.approx(-686.225)
    assert data.enpower is None
    assert data.dry_contacts is None


def test_acb_units_and_aggregate() -> None:
    name = "8.3.5169_ACB_inventory"
    data = read_capture(name)
    assert data.acb is not None
    assert (data.acb.power_w, data.acb.charge_wh, data.acb.soc_percent, data.acb.batteries) == (-2, 25, 1, 2)
    unit = data.acb.units["121917000000"]
    assert (unit.soc_percent, unit.sleep_min_soc, unit.sleep_max_soc, unit.last_report_watts) == (2, 25, 30, 4)
    assert "121917000000" not in data.inverters  # devType 11 is an AC battery, not an inverter

    mixed = read_capture("8.2.4382_ACB")
    assert mixed.battery_aggregate is not None
    assert mixed.battery_aggregate.available_energy_wh == 1890 + 930
    assert mixed.battery_aggregate.soc_percent == 39
    assert mixed.acb is not None
    assert mixed.acb.state == "discharging"
    acb_serials = {e["serialNumber"] for e in _json("8.2.4382_ACB", "api_v1_production_inverters")
                   if e["devType"] == 11}
    assert acb_serials
    assert not acb_serials & set(mixed.inverters)


def test_metered_without_ct_reads_inverters_segment() -> None:
    name = "8.2.4264_metered_noct"
    data = read_capture(name)
    segment = next(e for e in _json(name, "production.json")["production"] if e["type"] == "inverters")
    assert data.production is not None
    assert data.production.watts_now == segment["wNow"] == 5521
    assert data.production.wh_lifetime == segment["whLifetime"]
    assert data.production.wh_today is None
    assert data.production.wh_last_seven_days is None
    assert data.consumption_total is None
    assert data.meters == {}
    assert (data.phase_count, data.phase_mode) == (1, None)
    eim = next(e for e in _json(name, "production.json")["production"] if e["type"] == "eim")
    assert eim["activeCount"] == 0
    assert data.idle_production_ct is not None
    assert (data.idle_production_ct.wh_today, data.idle_production_ct.wh_last_seven_days) == (
        eim["whToday"], eim["whLastSevenDays"])
    assert read_capture("8.3.5169_with_generator").idle_production_ct is None


def test_zero_v1_is_not_chosen_over_a_production_ct() -> None:
    data = read_capture("8.3.1598_collar")
    assert _json("8.3.1598_collar", "api_v1_production")["wattHoursLifetime"] == 0
    assert data.features.production_source == "/production.json?details=1"
    assert data.production is not None
    assert data.production.wh_lifetime == pytest.approx(47077.959)


def test_three_phase_consumption_per_phase() -> None:
    name = "7.6.175_with_cts_3phase"
    data = read_capture(name)
    doc = _json(name, "production.json")
    total = next(e for e in doc["consumption"] if e["measurementType"] == "total-consumption")
    assert data.consumption_total is not None
    assert data.consumption_total.phases is not None
    assert [data.consumption_total.phases[p].wh_lifetime for p in ("L1", "L2", "L3")] == [
        line["whLifetime"] for line in total["lines"]]
    assert Feature.THREE_PHASE in data.features


def test_unsupported_html_info_is_a_typed_error() -> None:
    with pytest.raises(IQGatewayError, match="unsupported"):
        parse_info(b"<html><body>Envoy</body></html>", host=HOST)


def test_captures_path_helper_points_at_files() -> None:
    assert isinstance(CAPTURES, Path)
    assert (CAPTURES / "8.2.4264_metered_noct" / "production.json").is_file()

"""Meters, inverters, ensemble devices, relays, tariff, generator, live data, /home."""

from __future__ import annotations

import dataclasses
import json
from typing import Any

import pytest

from iqgateway.answer import Answer
from iqgateway.assemble import assemble
from iqgateway.endpoints import dry_contacts, ensemble, generator, home, inverters, livedata, meters, tariff
from iqgateway.info import parse_info
from iqgateway.models import GatewayData, Inverter
from iqgateway.probe import decide_features, probe_paths
from iqgateway.snapshot import snapshot_dict
from tests.lib.capture_answers import capture_answers
from tests.lib.test_assemble_captures import read_capture
from tests.shared import CAPTURES


def load(capture: str, file: str) -> Any:
    return json.loads((CAPTURES / capture / file).read_bytes())


def test_meters_join_ignores_extra_eids_and_disabled_cts() -> None:
    cts = meters.parse_meters(load("8.3.1598_collar", "ivp_meters"))
    assert cts is not None
    assert len(cts) == 7
    readings = meters.readings_by_eid(load("8.3.1598_collar", "ivp_meters_readings"))
    assert readings is not None
    assert 1023410688 in readings  # an eid /ivp/meters does not list
    joined = meters.join_readings(cts, readings)
    assert set(joined) == {"production", "net-consumption", "storage", "backfeed"}
    storage = joined["storage"]
    raw = readings[704643840]
    assert storage.active_power_w == raw["activePower"]
    assert storage.phases is not None
    assert [storage.phases[p].current_a for p in ("L1", "L2")] == [c["current"] for c in raw["channels"][:2]]
    assert meters.phase_layout(cts) == (2, "split")


def test_meters_without_status_flags_and_disabled_net() -> None:
    cts = meters.parse_meters(load("4.2.33", "ivp_meters"))
    assert cts is not None
    assert [(m.measurement_type, m.enabled, m.status_flags) for m in cts] == [
        ("production", True, ()), ("net-consumption", False, ())]


def test_phase_layout_without_enabled_cts() -> None:
    cts = meters.parse_meters(load("8.2.4264_metered_noct", "ivp_meters"))
    assert cts is not None
    assert meters.phase_layout(cts) == (1, None)
    assert meters.phase_layout(()) == (1, None)


def test_v1_inverters_and_acb_entries() -> None:
    doc = load("8.2.4382_ACB", "api_v1_production_inverters")
    found = inverters.parse_v1_inverters(doc)
    assert found is not None
    acbs = inverters.v1_acb_entries(doc)
    assert len(found) + len(acbs) == len(doc)
    first = next(e for e in doc if e["devType"] != 11)
    assert found[first["serialNumber"]].last_report_watts == first["lastReportWatts"]
    assert found[first["serialNumber"]].last_report_date == first["lastReportDate"]


def test_an_inverter_from_its_report_is_the_dataclass_built_in_full() -> None:
    doc = load("8.2.4382_ACB", "api_v1_production_inverters")
    first = next(e for e in doc if e["devType"] != 11)
    health = {first["serialNumber"]: (False, True)}
    found = inverters.v1_inverters(inverters.v1_rows(doc), health)
    assert found is not None
    built = found[first["serialNumber"]]
    full = Inverter(first["serialNumber"], first["lastReportWatts"], first["maxReportWatts"], first["lastReportDate"],
                    source=inverters.V1_INVERTERS, producing=False, communicating=True)
    assert built == full
    assert hash(built) == hash(full)
    assert repr(built) == repr(full)
    assert dataclasses.asdict(built) == dataclasses.asdict(full)
    assert dataclasses.replace(built, producing=True) == dataclasses.replace(full, producing=True)
    assert built.dc_voltage_v is None
    assert built.energy_last_week_wh is None
    with pytest.raises(dataclasses.FrozenInstanceError):
        built.last_report_watts = 1.0  # type: ignore[misc]


def test_device_data_over_its_limit_is_not_complete() -> None:
    doc = dict(load("8.2.4345_with_device_data", "ivp_pdm_device_data"))
    assert inverters.device_data_complete(doc)
    doc["deviceCount"] = doc["deviceDataLimit"]
    assert not inverters.device_data_complete(doc)
    assert inverters.device_data_overflow(doc)


def test_encharge_and_power() -> None:
    groups = ensemble.inventory_devices(load("7.3.517", "ivp_ensemble_inventory"))
    power = ensemble.power_by_serial(load("7.3.517", "ivp_ensemble_power"))
    batteries = ensemble.parse_encharge(groups, power)
    assert batteries is not None
    battery = batteries["122035013273"]
    assert (battery.soc_percent, battery.max_cell_temp_c, battery.led_status, battery.dc_switch_off) == (
        100, 28, 14, False)
    assert battery.real_power_w == 0
    assert battery.temperature_unit == "C"
    enpower = ensemble.parse_enpower(groups)
    assert enpower is not None
    assert (enpower.serial_number, enpower.grid_mode, enpower.temperature, enpower.temperature_unit) == (
        "122029016399", "multimode-ongrid", 88, "F")


def test_empty_battery_group_gives_none() -> None:
    groups = ensemble.inventory_devices(load("8.3.5169_with_generator", "ivp_ensemble_inventory"))
    assert groups is not None
    assert ensemble.ENCHARGE_TYPE in groups
    assert ensemble.parse_encharge(groups, {}) is None


def test_secctrl_aggregates() -> None:
    secctrl = ensemble.parse_secctrl(load("8.3.1598_collar", "ivp_ensemble_secctrl"))
    aggregate = ensemble.encharge_aggregate(secctrl)
    assert aggregate is not None
    assert (aggregate.soc_percent, aggregate.available_energy_wh, aggregate.max_available_capacity_wh,
            aggregate.reserve_soc_percent) == (89, 8900, 10000, 100)
    assert ensemble.parse_secctrl({"error": "404 - Not Found"}) is None


def test_dry_contacts_strings_to_booleans_and_raw_kept() -> None:
    relays = dry_contacts.parse_dry_contacts(load("8.1.41", "ivp_ensemble_dry_contacts"),
                                             load("8.1.41", "ivp_ss_dry_contact_settings"))
    assert relays is not None
    settings = {e["id"]: e for e in load("8.1.41", "ivp_ss_dry_contact_settings")["dry_contacts"]}
    states = {e["id"]: e["status"] for e in load("8.1.41", "ivp_ensemble_dry_contacts")["dry_contacts"]}
    for relay_id, relay in relays.items():
        assert relay.status == states[relay_id]
        assert relay.override is (settings[relay_id]["override"] == "true")
        assert relay.settings_raw == settings[relay_id]
        assert relay.generator_action == settings[relay_id]["gen_action"]


def test_relays_without_settings_keep_their_state() -> None:
    relays = dry_contacts.parse_dry_contacts({"dry_contacts": [{"id": "NC1", "status": "open"}]}, None)
    assert relays is not None
    assert relays["NC1"].status == "open"
    assert relays["NC1"].settings_raw is None


def test_tariff_modes() -> None:
    doc = tariff.parse_tariff_doc(load("7.3.517", "admin_lib_tariff"))
    settings = tariff.parse_storage_settings(doc)
    assert settings is not None
    assert (settings.mode, settings.reserve_soc_percent, settings.charge_from_grid) == ("backup", 100.0, True)
    legacy = tariff.parse_storage_settings({"tariff": {"storage_settings": {"mode": "savings-mode"}}})
    assert legacy is not None
    assert legacy.mode == "economy"
    no_storage = tariff.parse_tariff_doc(load("5.0.62", "admin_lib_tariff"))
    assert no_storage is not None
    assert tariff.parse_storage_settings(no_storage) is None


def test_generator_absent_and_present() -> None:
    assert generator.parse_generator(load("7.3.517", "ivp_ensemble_generator"), {}, {}, None) is None
    assert generator.configured({"err": "404 - Not Found"}) is None
    name = "8.3.5169_with_generator"
    found = generator.parse_generator(load(name, "ivp_ensemble_generator"), load(name, "ivp_ss_gen_config"),
                                      load(name, "ivp_ss_gen_schedule"), load(name, "ivp_ss_gen_mode"))
    assert found is not None
    assert found.state is not None
    assert (found.state.admin_mode, found.state.start_soc, found.state.present) == (2, 30, True)
    assert found.config is not None
    assert found.config["generator_id"] == "3019990001"


def test_livedata_milliwatts_to_watts() -> None:
    doc = {"connection": {"sc_stream": "enabled"}, "meters": {
        "last_update": 1700000000, "soc": 55,
        "pv": {"agg_p_mw": 2_885_154, "agg_s_mva": 3_000_000, "agg_p_ph_a_mw": 1_438_279, "agg_p_ph_b_mw": 1_446_875},
        "storage": {"agg_p_mw": -500_000, "agg_s_mva": 0},
        "grid": {"agg_p_mw": "wrong", "agg_s_mva": None},
        "load": {}, "generator": {"agg_p_mw": 0, "agg_s_mva": 0}}}
    live = livedata.parse_livedata(doc)
    assert live is not None
    assert live.stream_enabled is True
    assert live.pv is not None
    assert live.pv.power_w == 2885.154
    assert live.pv.phases is not None
    assert live.pv.phases["L2"].power_w == 1446.875
    assert live.storage is not None
    assert live.storage.power_w == -500.0
    assert live.grid is None
    assert live.soc_percent == 55
    assert livedata.parse_livedata({"meters": "x"}) is None


def test_home_interfaces() -> None:
    info = home.parse_home(load("8.3.1598_collar", "home"))
    assert info is not None
    assert info.timezone == "US/Eastern"
    assert info.primary_interface == "wlan0"
    assert [i.interface for i in info.interfaces] == ["ppp0", "eth0", "wlan0"]
    assert info.interfaces[2].mac == "00:10:2D:30:40:50"
    assert home.parse_home([]) is None


def _read(capture: str, broken: dict[str, Answer]) -> GatewayData:
    folder = CAPTURES / capture
    info = parse_info((folder / "info").read_bytes(), host="h")
    probe = {**capture_answers(folder, probe_paths(info)), **broken}
    features = decide_features(info, probe, host="h")
    update = {**capture_answers(folder, features.endpoints), **broken}
    return assemble(info, features, update, host="h", now=1.0)


def test_broken_ct_configuration_makes_the_phase_layout_unknown() -> None:
    broken = {meters.METERS: Answer(meters.METERS, 500, b"<html>500</html>", "text/html", 1.0)}
    data = _read("7.3.466_with_cts_3phase", broken)
    assert meters.METERS in data.features.endpoints  # asked again next update
    assert data.phase_layout_known is False
    assert data.meters == {}
    doc = snapshot_dict(data)
    assert (doc["phase_count"], doc["phase_mode"]) == (None, None)
    clean = _read("7.3.466_with_cts_3phase", {})
    assert (clean.phase_count, clean.phase_layout_known) == (3, True)


def test_digest_firmware_refusing_meters_means_no_cts() -> None:
    data = _read("3.8.10", {})  # its /ivp/meters answers 401
    assert data.phase_layout_known is True
    assert snapshot_dict(data)["phase_count"] == 1
    assert meters.METERS not in data.features.endpoints


def test_failing_device_data_stays_the_inverter_source() -> None:
    broken = {inverters.DEVICE_DATA: Answer(inverters.DEVICE_DATA, 200, b'{"553648384": {', "application/json", 1.0)}
    data = _read("8.3.5169_with_generator", broken)
    assert data.features.inverter_source == inverters.DEVICE_DATA
    assert data.inverters == {}
    refused = {inverters.DEVICE_DATA: Answer(inverters.DEVICE_DATA, 401, b"", "text/html", 1.0)}
    fallback = _read("8.3.5169_with_generator", refused)
    assert fallback.features.inverter_source == inverters.V1_INVERTERS
    assert fallback.inverters["482208990001"].last_report_watts == 116  # the v1 list's own reading


def test_ac_batteries_only_in_the_v1_list_are_units() -> None:
    # 8.2.4382_ACB: three AC batteries (devType 11), no inventory.json details
    data = read_capture("8.2.4382_ACB")
    assert data.acb is not None
    units = data.acb.units
    assert set(units) == {"122122013808", "122122013879", "122122014120"}
    v1 = {e["serialNumber"]: e for e in json.loads((CAPTURES / "8.2.4382_ACB" / "api_v1_production_inverters")
                                                    .read_text()) if e.get("devType") == 11}
    for serial, unit in units.items():
        assert unit.last_report_watts == v1[serial]["lastReportWatts"]
        assert unit.last_report_date == v1[serial]["lastReportDate"]
        assert unit.soc_percent is None


def test_inverters_only_in_the_v1_list_are_kept_beside_the_detailed_ones() -> None:
    data = read_capture("8.3.5169_ACB_inventory")
    assert set(data.inverters) == {"122013000000", "12122012100000", "122012100000"}
    assert set(data.summary_only_inverters) == {"122012200000"}
    assert data.summary_only_inverters["122012200000"].last_report_watts == 3
    assert data.acb is not None
    # an AC battery's report time comes with its v1 watts
    assert data.acb.units["121917000000"].last_report_watts == 4

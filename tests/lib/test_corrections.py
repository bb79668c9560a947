"""Firmware faults undone and recorded: each synthetic capture (tests/captures/synthetic) replayed over HTTPS.

The expected numbers are computed here from the capture files; the snapshot must hold them and name the
correction (kind, path, the device's value) in `corrections`, in the model and in the JSON document.
"""

from __future__ import annotations

import copy
import json
from pathlib import Path
from typing import Any

from iqgateway import GatewayData
from iqgateway.corrections import CorrectionKind
from iqgateway.corrections.layout import split_phase_live
from iqgateway.endpoints.livedata import parse_livedata
from iqgateway.live import LivePower
from iqgateway.simulator.server import SimulatedEnvoy
from iqgateway.simulator.testing import replay_envoy
from iqgateway.snapshot import snapshot_dict
from tests.lib.conftest import connected
from tests.shared import CAPTURES

SYNTHETIC = CAPTURES / "synthetic"


def doc(capture: str, file: str) -> Any:
    return json.loads((SYNTHETIC / capture / file).read_text())


def segment(production_doc: dict[str, Any], kind: str) -> dict[str, Any]:
    return next(s for part in ("production", "consumption") for s in production_doc[part]
                if s.get("measurementType") == kind)


def kinds_at(data: GatewayData) -> dict[str, CorrectionKind]:
    return {c.path: c.kind for c in data.corrections}


async def read(capture: str | Path) -> tuple[GatewayData, dict[str, Any]]:
    async with replay_envoy(SYNTHETIC / capture) as envoy, connected(envoy) as gateway:
        assert envoy.url.startswith("https://")
        data = await gateway.update()
    return data, snapshot_dict(data)


async def test_removed_inverter_is_not_current() -> None:
    name = "8.3.5289_removed_inverter"
    data, document = await read(name)
    device_data = doc(name, "ivp_pdm_device_data")
    pcus = {d["sn"]: d for d in device_data.values() if isinstance(d, dict) and d.get("devName") == "pcu"}
    removed = {sn for sn, d in pcus.items() if d["active"] is False}
    assert removed == {"482208990020"}
    assert set(data.inverters) == set(pcus) - removed
    assert set(document["inverters"]) == set(pcus) - removed
    assert "482208990020" not in data.summary_only_inverters
    stale = pcus["482208990020"]["channels"][0]["watts"]["now"]
    (correction,) = data.corrections
    assert (correction.kind, correction.path, correction.raw) == (
        CorrectionKind.INACTIVE_INVERTER, "inverters.482208990020", stale)
    assert document["corrections"][0]["kind"] == "inactive_inverter"
    assert "active" in document["corrections"][0]["reason"]


async def test_short_device_data_is_completed_from_the_inventory_and_the_v1_list() -> None:
    name = "8.3.5433_short_device_data"
    data, document = await read(name)
    device_data = doc(name, "ivp_pdm_device_data")
    detailed = {d["sn"] for d in device_data.values() if isinstance(d, dict) and d.get("devName") == "pcu"}
    inventory = {d["serial_num"] for g in doc(name, "inventory.json_deleted_1") if g["type"] == "PCU"
                 for d in g["devices"]}
    v1 = {e["serialNumber"]: e for e in doc(name, "api_v1_production_inverters")}
    assert len(detailed) == 18
    assert len(inventory) == 20
    assert set(data.inverters) == inventory
    assert data.inverters["482208990019"].last_report_watts == v1["482208990019"]["lastReportWatts"]
    assert data.inverters["482208990019"].source == "/api/v1/production/inverters"
    assert data.inverters["482208990020"].last_report_watts is None  # no list has its power
    assert data.inverters["482208990020"].source == "/inventory.json?deleted=1"
    some = sorted(detailed)[0]
    assert data.inverters[some].source == "/ivp/pdm/device_data"
    assert kinds_at(data) == {"inverters.482208990019": CorrectionKind.MISSING_INVERTER,
                              "inverters.482208990020": CorrectionKind.MISSING_INVERTER}
    assert document["inverters"]["482208990019"]["source"] == "/api/v1/production/inverters"


async def test_total_consumption_overwritten_with_net_is_net_plus_production() -> None:
    name = "8.3.5433_total_is_net"
    data, document = await read(name)
    production_doc = doc(name, "production.json_details_1")
    net, prod = segment(production_doc, "net-consumption"), segment(production_doc, "production")
    assert segment(production_doc, "total-consumption")["whLifetime"] == net["whLifetime"]
    total = data.consumption_total
    assert total is not None
    assert total.phases is not None
    assert total.wh_lifetime == net["whLifetime"] + prod["whLifetime"]
    assert total.watts_now == net["wNow"] + prod["wNow"]
    for index, phase in enumerate(("L1", "L2")):
        assert total.phases[phase].wh_lifetime == (
            net["lines"][index]["whLifetime"] + prod["lines"][index]["whLifetime"])
    assert set(total.phases) == {"L1", "L2"}  # the third line is all zeros: not a phase of this site
    assert data.phase_count == 2
    found = kinds_at(data)
    assert found["consumption_total.wh_lifetime"] is CorrectionKind.TOTAL_CONSUMPTION
    assert found["consumption_total.phases.L2.watts_now"] is CorrectionKind.TOTAL_CONSUMPTION
    entry = next(c for c in document["corrections"] if c["path"] == "consumption_total.wh_lifetime")
    assert entry["raw"] == net["whLifetime"]
    assert entry["corrected"] == document["consumption_total"]["wh_lifetime"]
    # net consumption and production are the device's own figures
    assert data.consumption_net is not None
    assert data.consumption_net.wh_lifetime == net["whLifetime"]


async def test_today_equal_to_lifetime_is_null() -> None:
    name = "8.3.5433_today_is_lifetime"
    data, document = await read(name)
    production_doc = doc(name, "production.json_details_1")
    prod, net = segment(production_doc, "production"), segment(production_doc, "net-consumption")
    assert prod["whToday"] == prod["whLifetime"]
    for block in ("production", "consumption_total"):
        reading = document[block]
        assert reading["wh_today"] is None
        assert reading["wh_last_seven_days"] is None
        assert reading["phases"]["L1"]["wh_today"] is None
    assert document["production"]["wh_lifetime"] == prod["whLifetime"]
    assert document["consumption_net"]["wh_today"] == net["whToday"]  # not a figure of this fault
    daily = {c.path for c in data.corrections if c.kind is CorrectionKind.IMPLAUSIBLE_DAILY}
    assert {"production.wh_today", "production.wh_last_seven_days", "consumption_total.wh_today",
            "production.phases.L2.wh_today"} <= daily


async def test_the_same_figures_stand_on_the_real_capture() -> None:
    async with replay_envoy("8.3.5169_with_generator") as envoy, connected(envoy) as gateway:
        data = await gateway.update()
    production_doc = json.loads((CAPTURES / "8.3.5169_with_generator" / "production.json_details_1").read_text())
    assert data.corrections == ()
    assert data.production is not None
    assert data.production.wh_today == segment(production_doc, "production")["whToday"]


async def test_phases_from_lines_without_ct_configuration() -> None:
    name = "7.3.466_meters_404"
    data, document = await read(name)
    production_doc = doc(name, "production.json")
    lines = segment(production_doc, "total-consumption")["lines"]
    assert data.phase_count == 3
    assert data.phase_mode == "three"
    assert document["phase_count"] == 3
    total = data.consumption_total
    assert total is not None
    assert total.phases is not None
    assert [total.phases[p].wh_lifetime for p in ("L1", "L2", "L3")] == [line["whLifetime"] for line in lines]
    assert kinds_at(data) == {"phase_count": CorrectionKind.PHASES_FROM_LINES}


async def test_placeholder_battery_serials_keep_every_unit() -> None:
    name = "8.2.4286_placeholder_batteries"
    data, _ = await read(name)
    devices = next(g["devices"] for g in doc(name, "ivp_ensemble_inventory") if g["type"] == "ENCHARGE")
    assert {d["serial_num"] for d in devices} == {"999999999999"}
    assert data.encharge is not None
    assert list(data.encharge) == [f"999999999999_{n}" for n in range(1, len(devices) + 1)]
    assert [b.soc_percent for b in data.encharge.values()] == [d["percentFull"] for d in devices]
    power = doc(name, "ivp_ensemble_power")["devices:"]
    assert [b.real_power_w for b in data.encharge.values()] == [p["real_power_mw"] / 1000 for p in power]
    assert {c.kind for c in data.corrections if c.path.startswith("encharge.")} == {
        CorrectionKind.PLACEHOLDER_SERIALS}


async def test_split_phase_live_data_has_no_l3() -> None:
    name = "8.3.5433_today_is_lifetime"  # a split-phase site; the live status document is added here
    live_doc = {"connection": {"sc_stream": "enabled"},
                "meters": {"last_update": 1785592409, "soc": 40, "is_split_phase": 1, "phase_count": 2,
                           "pv": {"agg_p_mw": 3000000, "agg_p_ph_a_mw": 1400000, "agg_p_ph_b_mw": 1600000,
                                  "agg_p_ph_c_mw": 0}}}
    async with replay_envoy(SYNTHETIC / name) as envoy:
        envoy.source.documents["/ivp/livedata/status"] = live_doc  # type: ignore[attr-defined]
        envoy.source.documents["/ivp/livedata/stream"] = {"sc_stream": "enabled"}  # type: ignore[attr-defined]
        async with connected(envoy) as gateway:
            live = await LivePower(gateway).poll()
    assert live.pv is not None
    assert live.pv.phases is not None
    assert set(live.pv.phases) == {"L1", "L2"}
    assert live.pv.phases["L2"].power_w == 1600
    raw = parse_livedata(live_doc)
    assert raw is not None
    assert raw.pv is not None
    assert raw.pv.phases is not None
    assert "L3" in raw.pv.phases
    fixed, found = split_phase_live(live_doc, raw)
    assert fixed is not None
    assert fixed.pv is not None
    assert "L3" not in (fixed.pv.phases or {})
    assert [(c.kind, c.path) for c in found] == [(CorrectionKind.SPLIT_PHASE_LIVE, "live.pv.phases.L3")]


async def test_guard_rebases_total_consumption_when_the_fault_starts_and_stops() -> None:
    name = "8.3.5433_total_is_net"
    clock = [1_785_592_409.0]
    async with replay_envoy(SYNTHETIC / name) as envoy, connected(envoy, clock=lambda: clock[0]) as gateway:
        faulty = await gateway.update()
        assert faulty.consumption_total is not None
        shown = faulty.consumption_total.wh_lifetime
        assert shown is not None
        real = json.loads((CAPTURES / "8.3.5169_with_generator" / "production.json_details_1").read_text())
        real_total = segment(real, "total-consumption")["whLifetime"]
        assert real_total != shown  # the CT's own counter is on another base than net + production

        fixed = await _next(envoy, gateway, clock, real)  # the firmware is fixed: the device's own total again
        assert fixed.consumption_total is not None
        assert fixed.consumption_total.wh_lifetime == shown  # no jump
        assert not any(c.kind is CorrectionKind.TOTAL_CONSUMPTION for c in fixed.corrections)

        later = copy.deepcopy(real)
        segment(later, "total-consumption")["whLifetime"] = real_total + 500
        moved = await _next(envoy, gateway, clock, later)
        assert moved.consumption_total is not None
        assert moved.consumption_total.wh_lifetime == shown + 500  # the device's increase, on the held base


async def _next(envoy: SimulatedEnvoy, gateway: Any, clock: list[float], production_doc: Any) -> GatewayData:
    envoy.source.documents["/production.json"] = production_doc  # type: ignore[attr-defined]
    clock[0] += 3700  # every document is due again
    data: GatewayData = await gateway.update()
    return data


async def test_guard_holds_total_consumption_when_the_fault_starts() -> None:
    clock = [1_785_592_409.0]
    real = json.loads((CAPTURES / "8.3.5169_with_generator" / "production.json_details_1").read_text())
    async with replay_envoy(SYNTHETIC / "8.3.5433_total_is_net") as envoy:
        envoy.source.documents["/production.json"] = real  # type: ignore[attr-defined]
        async with connected(envoy, clock=lambda: clock[0]) as gateway:
            before = await gateway.update()
            assert before.consumption_total is not None
            assert before.consumption_total.wh_lifetime == segment(real, "total-consumption")["whLifetime"]
            faulty = await _next(envoy, gateway, clock, doc("8.3.5433_total_is_net", "production.json_details_1"))
    net, prod = segment(real, "net-consumption"), segment(real, "production")
    assert net["whLifetime"] + prod["whLifetime"] > before.consumption_total.wh_lifetime  # a jump up, were it shown
    assert any(c.kind is CorrectionKind.TOTAL_CONSUMPTION for c in faulty.corrections)
    assert faulty.consumption_total is not None
    assert faulty.consumption_total.wh_lifetime == before.consumption_total.wh_lifetime
    assert faulty.consumption_total.watts_now == net["wNow"] + prod["wNow"]  # power is not a counter: corrected


async def test_only_phases_with_data_count_when_total_is_net() -> None:
    name = "8.3.5433_total_is_net"
    ct_config = doc(name, "ivp_meters")
    for meter in ct_config:
        meter["phaseCount"], meter["phaseMode"] = 3, "three"  # as these firmwares report: three phases
    async with replay_envoy(SYNTHETIC / name) as envoy:
        envoy.source.documents["/ivp/meters"] = ct_config  # type: ignore[attr-defined]
        async with connected(envoy) as gateway:
            data = await gateway.update()
    lines = segment(doc(name, "production.json_details_1"), "production")["lines"]
    assert len(lines) == 3
    assert not any(lines[2].values())  # the third line is all zeros
    assert data.phase_count == 2
    assert data.phase_mode == "split"
    assert data.production is not None
    assert set(data.production.phases or {}) == {"L1", "L2"}
    assert data.production.phases is not None
    assert data.production.phases["L2"].wh_lifetime == lines[1]["whLifetime"]
    (phase_fix,) = [c for c in data.corrections if c.kind is CorrectionKind.ACTIVE_PHASES]
    assert (phase_fix.path, phase_fix.raw, phase_fix.corrected) == ("phase_count", 3, 2)

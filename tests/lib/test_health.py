"""Inverter health (inventory flags, device_data counters) and Q-Relays, read through the Gateway."""

from __future__ import annotations

from iqgateway import QRelay
from iqgateway.endpoints.q_relays import parse_q_relays
from iqgateway.simulator.testing import replay_envoy
from tests.lib.conftest import capture_json, connected

CAPTURE = "8.3.5169_with_generator"


async def test_inverter_health_from_capture() -> None:
    inventory = capture_json(CAPTURE, "inventory.json_deleted_1")
    device_data = capture_json(CAPTURE, "ivp_pdm_device_data")
    flags = {d["serial_num"]: d for g in inventory if g["type"] == "PCU" for d in g["devices"]}
    readings = {v["sn"]: v["channels"][0] for v in device_data.values()
                if isinstance(v, dict) and v.get("devName") == "pcu"}
    async with replay_envoy(CAPTURE) as envoy, connected(envoy) as gateway:
        data = await gateway.update()
    assert data.inverters
    for serial, inverter in data.inverters.items():
        assert (inverter.producing, inverter.communicating) == (flags[serial]["producing"],
                                                                flags[serial]["communicating"])
        channel = readings[serial]
        assert inverter.conversion_error_s == channel["lastReading"]["pwrConvErrSecs"]
        assert inverter.conversion_max_error_cycles == channel["lastReading"]["pwrConvMaxErrCycles"]
        assert inverter.energy_yesterday_wh == channel["wattHours"]["yesterday"]
        assert inverter.energy_last_week_wh == channel["wattHours"]["week"]
    # the capture's NSRB group is empty
    assert data.q_relays == ()


def test_q_relays_from_inventory_nsrb() -> None:
    inventory = capture_json(CAPTURE, "inventory.json_deleted_1")
    pcu = next(g for g in inventory if g["type"] == "PCU")["devices"][0]
    relay = {**pcu, "serial_num": "482208990099", "relay": "open", "communicating": False}
    doc = [*inventory, {"type": "NSRB", "devices": [relay, {**relay, "serial_num": "X", "deleted": True}]}]
    assert parse_q_relays(doc) == (QRelay(
        serial="482208990099", relay_closed=False, communicating=False, producing=pcu["producing"],
        temperature_c=None, frequency_hz=None, voltage_l1_v=None, voltage_l2_v=None, voltage_l3_v=None,
        switch_count=None, last_report_date=int(pcu["last_rpt_date"]), firmware=pcu["img_pnum_running"]),)

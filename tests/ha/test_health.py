"""Health entities: each inverter's producing / communicating flags and the Q-Relays, from the simulated inventory."""

from __future__ import annotations

import copy
from datetime import timedelta

from custom_components.enphase_envoy.const import DOMAIN
from freezegun.api import FrozenDateTimeFactory
from homeassistant.components.binary_sensor import DOMAIN as BINARY_SENSOR
from homeassistant.const import STATE_OFF, STATE_ON
from homeassistant.core import HomeAssistant
from homeassistant.helpers import device_registry as dr
from homeassistant.helpers import entity_registry as er

from iqgateway.simulator.server import SimulatedEnvoy
from tests.ha.actions import device_document, state_of
from tests.ha.common import setup_envoy_entry
from tests.ha.conftest import StartEnvoy
from tests.ha.test_grid_energy import start_clocks

CAPTURE = "8.3.5169_with_generator"  # 20 inverters in /inventory.json, an empty NSRB group
INVERTER = "482208990001"
Q_RELAY = "482209990777"
INVENTORY_QUIET_S = 3600  # the inventory is read hourly while the inverter reports look as at its last read
UPDATE_S = 60
FAULT_PROFILE = "metered"
REPORT_PERIOD_S = 300  # an inverter reports every 5 minutes


def with_q_relay(envoy: SimulatedEnvoy, *, relay: str, communicating: bool) -> None:
    """Serve the capture's inventory with one Q-Relay in its NSRB group from now on."""
    inventory = copy.deepcopy(device_document(envoy, "/inventory.json"))
    group = next(g for g in inventory if g["type"] == "NSRB")
    group["devices"] = [{
        "part_num": "800-00597-r04", "installed": "1750786534", "serial_num": Q_RELAY,
        "device_status": ["envoy.global.ok"], "last_rpt_date": "1785593319", "admin_state": 1, "dev_type": 12,
        "created_date": "1750786534", "img_load_date": "0", "img_pnum_running": "520-00082-r01-v04.27.03",
        "relay": relay, "producing": relay == "closed", "communicating": communicating, "provisioned": True,
        "operating": True,
    }]
    envoy.source.documents["/inventory.json"] = inventory  # type: ignore[attr-defined]


async def test_inverter_flags_follow_the_inventory(
    hass: HomeAssistant, start_envoy: StartEnvoy, freezer: FrozenDateTimeFactory
) -> None:
    envoy = await start_envoy(CAPTURE)
    entry = await setup_envoy_entry(hass, envoy)
    assert state_of(hass, BINARY_SENSOR, f"{INVERTER}_producing") == STATE_ON
    assert state_of(hass, BINARY_SENSOR, f"{INVERTER}_communicating") == STATE_ON
    registry = er.async_get(hass)
    producing = registry.async_get(registry.async_get_entity_id(BINARY_SENSOR, DOMAIN, f"{INVERTER}_producing") or "")
    assert producing is not None
    assert producing.entity_category is not None
    assert producing.entity_category.value == "diagnostic"
    device = dr.async_get(hass).async_get(producing.device_id or "")
    assert device is not None
    assert (DOMAIN, INVERTER) in device.identifiers

    inventory = copy.deepcopy(device_document(envoy, "/inventory.json"))
    pcu = next(d for d in inventory[0]["devices"] if d["serial_num"] == INVERTER)
    pcu["producing"], pcu["communicating"] = False, False
    envoy.source.documents["/inventory.json"] = inventory  # type: ignore[attr-defined]

    freezer.tick(timedelta(seconds=INVENTORY_QUIET_S + 1))
    await entry.runtime_data.async_refresh()
    await hass.async_block_till_done()
    assert state_of(hass, BINARY_SENSOR, f"{INVERTER}_producing") == STATE_OFF
    assert state_of(hass, BINARY_SENSOR, f"{INVERTER}_communicating") == STATE_OFF
    assert state_of(hass, BINARY_SENSOR, "482208990002_producing") == STATE_ON  # the others are unchanged


async def test_q_relay_device_and_its_state(
    hass: HomeAssistant, start_envoy: StartEnvoy, freezer: FrozenDateTimeFactory
) -> None:
    envoy = await start_envoy(CAPTURE)
    with_q_relay(envoy, relay="closed", communicating=True)
    entry = await setup_envoy_entry(hass, envoy)
    device = dr.async_get(hass).async_get_device(identifiers={(DOMAIN, Q_RELAY)})
    assert device is not None
    assert (device.name, device.model) == (f"Q-Relay {Q_RELAY}", "Q-Relay")
    assert device.sw_version == "520-00082-r01-v04.27.03"
    assert state_of(hass, BINARY_SENSOR, f"{Q_RELAY}_relay_closed") == STATE_ON
    assert state_of(hass, BINARY_SENSOR, f"{Q_RELAY}_communicating") == STATE_ON
    # the inventory has no temperature, frequency, voltages or switch count for it: no sensors for them
    ours = {e.unique_id for e in er.async_entries_for_device(er.async_get(hass), device.id)}
    assert ours == {f"{Q_RELAY}_relay_closed", f"{Q_RELAY}_communicating"}

    with_q_relay(envoy, relay="open", communicating=False)
    freezer.tick(timedelta(seconds=INVENTORY_QUIET_S + 1))
    await entry.runtime_data.async_refresh()
    await hass.async_block_till_done()
    assert state_of(hass, BINARY_SENSOR, f"{Q_RELAY}_relay_closed") == STATE_OFF
    assert state_of(hass, BINARY_SENSOR, f"{Q_RELAY}_communicating") == STATE_OFF


async def test_an_inverter_fault_stops_producing_at_the_update_after_its_report(
    hass: HomeAssistant, start_envoy: StartEnvoy, freezer: FrozenDateTimeFactory
) -> None:
    clock = start_clocks(freezer, FAULT_PROFILE, offset_s=12 * 3600)  # June noon: every inverter produces
    envoy = await start_envoy(profile=FAULT_PROFILE, clock=clock)
    entry = await setup_envoy_entry(hass, envoy)
    serials = sorted(entry.runtime_data.data.inverters)
    faulty, healthy = serials[0], serials[1]
    assert state_of(hass, BINARY_SENSOR, f"{faulty}_producing") == STATE_ON
    assert state_of(hass, BINARY_SENSOR, f"{faulty}_communicating") == STATE_ON

    envoy.faults.add_spec(f"inverter_fault={faulty}")
    freezer.tick(timedelta(seconds=REPORT_PERIOD_S + 1))
    clock.advance(REPORT_PERIOD_S + 1)
    await entry.runtime_data.async_refresh()
    await hass.async_block_till_done()
    data = entry.runtime_data.data
    assert data.inverters[faulty].last_report_watts == 0  # its report shows the fault before the inventory does
    assert data.inverters[healthy].last_report_watts
    freezer.tick(timedelta(seconds=UPDATE_S))
    clock.advance(UPDATE_S)
    await entry.runtime_data.async_refresh()
    await hass.async_block_till_done()
    assert state_of(hass, BINARY_SENSOR, f"{faulty}_producing") == STATE_OFF
    assert state_of(hass, BINARY_SENSOR, f"{faulty}_communicating") == STATE_ON  # a fault, not an outage
    assert state_of(hass, BINARY_SENSOR, f"{healthy}_producing") == STATE_ON
    errors = entry.runtime_data.data.inverters[faulty].conversion_error_s
    assert errors is not None
    assert errors > 0

"""What core's integration has in Home Assistant 2026.11, with core's unique_ids and device layout.

The AC battery group's sleep SoC band select, aggregate sleep state and sleep/wake buttons; AC batteries as
"AC Battery <sn>" devices under the group; serial numbers on child devices; the Envoy's MAC address;
refusing another Envoy at the configured host, at setup and later; PARALLEL_UPDATES on every platform.
"""

from __future__ import annotations

import importlib
from datetime import timedelta

import pytest
from custom_components.enphase_envoy.const import DOMAIN, PLATFORMS
from freezegun.api import FrozenDateTimeFactory
from homeassistant.components.button.const import DOMAIN as BUTTON
from homeassistant.components.button.const import SERVICE_PRESS
from homeassistant.components.select import DOMAIN as SELECT
from homeassistant.components.select import SERVICE_SELECT_OPTION
from homeassistant.components.sensor import DOMAIN as SENSOR
from homeassistant.config_entries import ConfigEntryState
from homeassistant.const import CONF_TOKEN, STATE_UNAVAILABLE, EntityCategory
from homeassistant.core import HomeAssistant
from homeassistant.helpers import device_registry as dr
from homeassistant.helpers import entity_registry as er
from homeassistant.helpers.update_coordinator import UpdateFailed
from pytest_homeassistant_custom_component.common import MockConfigEntry, async_fire_time_changed

from tests.ha.actions import call, device_document, state_of
from tests.ha.common import envoy_entry_data, setup_envoy_entry
from tests.ha.conftest import StartEnvoy

ACB = "8.3.5169_ACB_inventory"  # Envoy 122035000000, AC batteries 121917000000 and 122047000000 at 2 % SoC
ENVOY, UNIT, OTHER = "122035000000", "121917000000", "122047000000"
COLLAR = "8.3.1598_collar"


def device(hass: HomeAssistant, ident: str) -> dr.DeviceEntry:
    found = [d for d in dr.async_get(hass).devices.values() if (DOMAIN, ident) in d.identifiers]
    assert len(found) == 1, ident
    return found[0]


def sleep_config(envoy_doc: object) -> dict[str, tuple[int, int]]:
    assert isinstance(envoy_doc, dict)
    return {e["serial_num"]: (e["sleep_min_soc"], e["sleep_max_soc"]) for e in envoy_doc["acb_sleep"]}


async def test_acb_group_sleep_band_state_and_buttons(hass: HomeAssistant, start_envoy: StartEnvoy) -> None:
    envoy = await start_envoy(ACB)
    await setup_envoy_entry(hass, envoy)
    registry = er.async_get(hass)
    group = device(hass, f"{ENVOY}_acb")
    for domain, unique_id in ((SELECT, f"{ENVOY}_acb_sleep_soc"), (SENSOR, f"{ENVOY}_acb_aggregate_sleep_state"),
                              (BUTTON, f"{ENVOY}_acb_sleep"), (BUTTON, f"{ENVOY}_acb_wake")):
        entity_id = registry.async_get_entity_id(domain, DOMAIN, unique_id)
        assert entity_id is not None, unique_id
        entry = registry.async_get(entity_id)
        assert entry is not None
        assert entry.device_id == group.id
    select = registry.async_get(registry.async_get_entity_id(SELECT, DOMAIN, f"{ENVOY}_acb_sleep_soc") or "")
    assert select is not None
    assert select.entity_category is EntityCategory.CONFIG
    state = hass.states.get(select.entity_id)
    assert state is not None
    assert state.attributes["options"] == [f"{low}-{low + 5}" for low in range(0, 100, 5)]
    # until one is picked, the band is the batteries' own (25-30 % in the capture)
    assert state.state == "25-30"
    assert state_of(hass, SENSOR, f"{ENVOY}_acb_aggregate_sleep_state") == "awake"

    await call(hass, SELECT, SERVICE_SELECT_OPTION, f"{ENVOY}_acb_sleep_soc", option="90-95")
    assert state_of(hass, SELECT, f"{ENVOY}_acb_sleep_soc") == "90-95"
    await call(hass, BUTTON, SERVICE_PRESS, f"{ENVOY}_acb_sleep")
    assert sleep_config(device_document(envoy, "/admin/lib/acb_config")) == {UNIT: (90, 95), OTHER: (90, 95)}
    assert state_of(hass, SENSOR, f"{ENVOY}_acb_aggregate_sleep_state") == "going_to_sleep"  # 2 % is below 90

    await call(hass, BUTTON, SERVICE_PRESS, f"{ENVOY}_acb_wake")
    assert device_document(envoy, "/admin/lib/acb_config")["acb_sleep"] == []
    assert state_of(hass, SENSOR, f"{ENVOY}_acb_aggregate_sleep_state") == "awake"

    # one battery asleep (2 % is inside 0-5), the other awake; the unit's own button takes the picked band too
    await call(hass, SELECT, SERVICE_SELECT_OPTION, f"{ENVOY}_acb_sleep_soc", option="0-5")
    await call(hass, BUTTON, SERVICE_PRESS, f"{UNIT}_acb_sleep")
    assert sleep_config(device_document(envoy, "/admin/lib/acb_config")) == {UNIT: (0, 5)}
    assert state_of(hass, SENSOR, f"{UNIT}_acb_battery_sleep_state") == "asleep"
    assert state_of(hass, SENSOR, f"{ENVOY}_acb_aggregate_sleep_state") == "mixed"


async def test_acb_device_layout(hass: HomeAssistant, start_envoy: StartEnvoy) -> None:
    envoy = await start_envoy(ACB)
    await setup_envoy_entry(hass, envoy)
    envoy_device, group = device(hass, ENVOY), device(hass, f"{ENVOY}_acb")
    assert (group.name, group.model, group.via_device_id) == (f"ACB {ENVOY}", "ACB", envoy_device.id)
    for serial in (UNIT, OTHER):
        unit = device(hass, serial)
        assert (unit.name, unit.model, unit.serial_number, unit.hw_version) == (
            f"AC Battery {serial}", "AC Battery", serial, "800-00930-r03"
        )
        assert unit.via_device_id == group.id
    inverter = device(hass, "122012100000")
    assert (inverter.name, inverter.serial_number, inverter.via_device_id) == (
        "Inverter 122012100000", "122012100000", envoy_device.id
    )


async def test_child_devices_carry_serial_numbers_and_the_envoy_its_mac(
    hass: HomeAssistant, start_envoy: StartEnvoy
) -> None:
    envoy = await start_envoy(COLLAR)
    await setup_envoy_entry(hass, envoy)
    serial = envoy.source.serial
    envoy_device = device(hass, serial)
    # /home: the primary interface is wlan0, 00:10:2D:30:40:50 (eth0 has another)
    assert envoy_device.connections == {(dr.CONNECTION_NETWORK_MAC, "00:10:2d:30:40:50")}
    children = [d for d in dr.async_get(hass).devices.values() if d.via_device_id == envoy_device.id]
    assert {d.model for d in children} == {"Inverter", "Encharge", "IQ Meter Collar", "C6 Combiner Controller"}
    for child in children:
        (ident,) = {i for d, i in child.identifiers if d == DOMAIN}
        assert child.serial_number == ident, child.name


async def test_relays_hang_under_the_enpower(hass: HomeAssistant, start_envoy: StartEnvoy) -> None:
    envoy = await start_envoy("7.3.517")
    await setup_envoy_entry(hass, envoy)
    enpower = device(hass, "122029016399")
    assert (enpower.model, enpower.serial_number, enpower.via_device_id) == (
        "Enpower", "122029016399", device(hass, envoy.source.serial).id
    )
    relays = {d.name: d for d in dr.async_get(hass).devices.values() if d.model == "Dry contact relay"}
    assert set(relays) >= {"NC1 Test", "NC2", "No1"}
    assert all(r.via_device_id == enpower.id and r.serial_number is None for r in relays.values())


async def test_setup_refuses_another_envoy_at_the_host(hass: HomeAssistant, start_envoy: StartEnvoy) -> None:
    envoy = await start_envoy("7.6.175_standard")
    data = envoy_entry_data(envoy, manual_token=False)
    entry = MockConfigEntry(domain=DOMAIN, unique_id="999999999999", title="Envoy 999999999999", data=data)
    entry.add_to_hass(hass)
    envoy.stats.reset()
    await hass.config_entries.async_setup(entry.entry_id)
    await hass.async_block_till_done()
    assert entry.state is ConfigEntryState.SETUP_RETRY
    assert envoy.stats.requests == 1  # /info only: no credentials went to the other device
    assert entry.data[CONF_TOKEN] == data[CONF_TOKEN]
    assert not er.async_entries_for_config_entry(er.async_get(hass), entry.entry_id)
    assert "999999999999" in str(entry.reason)
    assert envoy.source.serial in str(entry.reason)


async def test_another_envoy_at_the_host_later_is_not_read(
    hass: HomeAssistant, start_envoy: StartEnvoy, freezer: FrozenDateTimeFactory
) -> None:
    first = await start_envoy("5.0.62")
    entry = await setup_envoy_entry(hass, first)
    production = f"{first.source.serial}_production"
    assert state_of(hass, SENSOR, production) != STATE_UNAVAILABLE
    await first.stop()
    await start_envoy("4.2.33", port=first.port)  # the address went to another Envoy
    for _ in range(2):  # the first poll fails, which makes the next one read the identity again
        freezer.tick(timedelta(seconds=61))
        async_fire_time_changed(hass)
        await hass.async_block_till_done(wait_background_tasks=True)
    coordinator = entry.runtime_data
    assert isinstance(coordinator.last_exception, UpdateFailed)
    assert coordinator.last_exception.translation_key == "unexpected_device"
    assert state_of(hass, SENSOR, production) == STATE_UNAVAILABLE


@pytest.mark.parametrize("platform", PLATFORMS)
def test_parallel_updates(platform: str) -> None:
    module = importlib.import_module(f"custom_components.enphase_envoy.{platform}")
    assert getattr(module, "PARALLEL_UPDATES", None) == (0 if platform in ("sensor", "binary_sensor") else 1)

"""Sensors: the full 2025.4.4 entity set on full-featured devices, values as the capture holds them, defaults."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from custom_components.enphase_envoy.const import DOMAIN
from homeassistant.components.sensor import DOMAIN as SENSOR
from homeassistant.core import HomeAssistant
from homeassistant.helpers import entity_registry as er

from iqgateway.simulator.server import SimulatedEnvoy
from tests.ha.common import setup_envoy_entry
from tests.ha.conftest import StartEnvoy
from tests.shared import CAPTURES, REFS_HA_CORE, REFS_PYENPHASE

REGISTRY_EXAMPLE = REFS_HA_CORE / "registry-example.json"
# The serials core's example device uses, and the role each stands for.
SPEC_ROLES = {"1234": "ENVOY", "123456": "ENCHARGE", "654321": "ENPOWER", "482312083761": "INVERTER"}


def spec_keys() -> set[str]:
    """`<domain>:<unique_id with serials replaced by roles>` of every entity in core 2025.4.4's example registry."""
    keys = set()
    for entity_id, unique_id in json.loads(REGISTRY_EXAMPLE.read_text())["rows"]:
        domain = entity_id.split(".", 1)[0]
        serial, _, rest = unique_id.partition("_")
        role = SPEC_ROLES[serial]
        rest = re.sub(r"^relay_NC1_", "relay_RELAY_", rest)
        keys.add(f"{domain}:{role}_{rest}" if rest else f"{domain}:{role}")
    return keys


def our_keys(hass: HomeAssistant, entry_id: str, envoy: SimulatedEnvoy) -> set[str]:
    """Our `<domain>:<unique_id>` of one entry, with serials replaced by the role of their device."""
    entities = er.async_entries_for_config_entry(er.async_get(hass), entry_id)
    data = hass.config_entries.async_get_entry(entry_id).runtime_data.data  # type: ignore[union-attr]
    roles = {data.info.serial: "ENVOY", **dict.fromkeys(data.inverters, "INVERTER")}
    roles |= dict.fromkeys(data.encharge or {}, "ENCHARGE")
    if data.enpower is not None:
        roles[data.enpower.serial_number] = "ENPOWER"
    keys = set()
    for entity in entities:
        serial, _, rest = entity.unique_id.partition("_")
        rest = re.sub(r"^relay_[^_]+_", "relay_RELAY_", rest)
        role = roles.get(serial, serial)
        keys.add(f"{entity.domain}:{role}_{rest}" if rest else f"{entity.domain}:{role}")
    return keys


async def test_full_featured_devices_have_every_core_entity(
    hass: HomeAssistant, start_envoy: StartEnvoy, entity_registry_enabled_by_default: None
) -> None:
    """full-us (Enpower, relays, IQ batteries, storage CT, split phase), battery-eu (three phases) and a
    capture with IQ and AC batteries together: every unique_id of core's example registry is there."""
    ours: set[str] = set()
    for capture, profile in ((None, "full-us"), (None, "battery-eu"), ("8.2.4382_ACB", None)):
        envoy = await start_envoy(capture, profile=profile)
        entry = await setup_envoy_entry(hass, envoy)
        ours |= our_keys(hass, entry.entry_id, envoy)
    wanted = spec_keys()
    assert len(wanted) == 172  # every row of the example registry
    assert sorted(wanted - ours) == []


async def test_values_and_units_as_the_capture_holds_them(
    hass: HomeAssistant, start_envoy: StartEnvoy, entity_registry_enabled_by_default: None
) -> None:
    capture = "8.3.5169_with_generator"
    envoy = await start_envoy(capture)
    await setup_envoy_entry(hass, envoy)
    production = json.loads(Path(CAPTURES / capture / "production.json_details_1").read_text())
    consumption = {c["measurementType"]: c for c in production["consumption"]}
    serial = envoy.source.serial

    def state(unique_id: str) -> tuple[float, str]:
        entity_id = er.async_get(hass).async_get_entity_id(SENSOR, DOMAIN, unique_id)
        assert entity_id is not None, unique_id
        found = hass.states.get(entity_id)
        assert found is not None
        return float(found.state), found.attributes["unit_of_measurement"]

    # total consumption: W shown in kW, today's Wh in kWh, lifetime in MWh
    total = consumption["total-consumption"]
    assert state(f"{serial}_consumption") == (total["wNow"] / 1000, "kW")
    today, unit = state(f"{serial}_daily_consumption")
    assert (round(today, 3), unit) == (round(total["whToday"] / 1000, 3), "kWh")
    lifetime, unit = state(f"{serial}_lifetime_consumption")
    assert (round(lifetime, 6), unit) == (round(total["whLifetime"] / 1e6, 6), "MWh")
    # the Enpower reports °F; Home Assistant shows °C
    inventory = json.loads(Path(CAPTURES / capture / "ivp_ensemble_inventory").read_text())
    enpower = next(g for g in inventory if g["type"] == "ENPOWER")["devices"][0]
    celsius, unit = state(f"{enpower['serial_num']}_temperature")
    assert unit == "°C"
    assert round(celsius) == round((enpower["temperature"] - 32) * 5 / 9)
    # the PV production limit (/ivp/sc/pvlimit), a percentage
    pv_limit = json.loads(Path(CAPTURES / capture / "ivp_sc_pvlimit").read_text())
    assert state(f"{serial}_pv_limit") == (pv_limit["pv_limit_pct"], "%")


async def test_phase_and_detail_sensors_are_created_disabled(hass: HomeAssistant, start_envoy: StartEnvoy) -> None:
    envoy = await start_envoy("8.3.5169_with_generator")
    await setup_envoy_entry(hass, envoy)
    registry = er.async_get(hass)
    serial = envoy.source.serial

    def disabled(unique_id: str) -> bool:
        entity_id = registry.async_get_entity_id(SENSOR, DOMAIN, unique_id)
        assert entity_id is not None, unique_id
        entry = registry.async_get(entity_id)
        assert entry is not None
        return entry.disabled_by is er.RegistryEntryDisabler.INTEGRATION

    assert not disabled(f"{serial}_production")
    assert not disabled(f"{serial}_lifetime_net_consumption")
    assert disabled(f"{serial}_production_l1")
    assert disabled(f"{serial}_lifetime_net_consumption_l2")
    assert disabled(f"{serial}_frequency")
    assert disabled(f"{serial}_pv_limit")
    assert disabled("482208990001_dc_voltage")
    assert disabled("482208990001_last_reported")
    assert not disabled("482208990001")
    assert hass.states.get(registry.async_get_entity_id(SENSOR, DOMAIN, f"{serial}_production_l1") or "") is None


def test_every_translation_key_has_a_name_and_its_states() -> None:
    """strings.json (and its English translation) names every entity and state the platforms use."""
    from custom_components.enphase_envoy import (
        binary_sensor,
        button,
        number,
        number_installer,
        select,
        select_installer,
        sensor,
        sensor_installer,
        switch,
        switch_installer,
    )

    component = Path(sensor.__file__).parent
    strings = json.loads((component / "strings.json").read_text())["entity"]
    english = json.loads((component / "translations" / "en.json").read_text())["entity"]
    assert strings == english
    platforms = {
        "sensor": (*sensor.all_sensor_descriptions(), *sensor_installer.INSTALLER_SENSORS,
                   *sensor_installer.HEALTH_SENSORS),
        "binary_sensor": binary_sensor.BINARY_SENSORS,
        "switch": (*switch.SWITCHES, *switch_installer.INSTALLER_SWITCHES),
        "number": (*number.NUMBERS, *number_installer.DPEL_NUMBERS),
        "select": (*select.SELECTS, select_installer.DPEL_MODE, select_installer.GRID_PROFILE),
        "button": button.BUTTONS,
    }
    used: dict[str, set[str]] = {}
    for platform, descriptions in platforms.items():
        for description in descriptions:
            key = description.translation_key
            if key is None:
                continue
            used.setdefault(platform, set()).add(key)
            if description.name is None:  # named after its device (a relay)
                continue
            entry = strings[platform][key]
            name = entry["name"]
            if description.translation_placeholders:
                assert "{phase_name}" in name, key
            for option in getattr(description, "options", None) or []:
                assert option in entry["state"], (key, option)
    for platform, keys in used.items():  # (strings.json also names the sensors beyond core's, see sensor_beyond)
        assert keys - {"relay_status"} <= set(strings[platform]), platform
    icons = json.loads((component / "icons.json").read_text())["entity"]
    for platform, keys in icons.items():
        assert set(keys) <= used[platform], platform


async def test_inverter_details_from_device_data(
    hass: HomeAssistant, start_envoy: StartEnvoy, entity_registry_enabled_by_default: None
) -> None:
    """Firmware with /ivp/pdm/device_data: each inverter's DC/AC values, temperature and energy counters."""
    capture = "8.3.5169_with_generator"
    envoy = await start_envoy(capture)
    await setup_envoy_entry(hass, envoy)
    reference = json.loads((REFS_PYENPHASE / f"{capture}.json").read_text())["inverters"]
    fields = {  # sensor key -> (reference leaf, factor to the unit Home Assistant shows)
        "dc_voltage": ("dc_voltage_v", 1.0),
        "dc_current": ("dc_current_a", 1.0),
        "ac_voltage": ("ac_voltage_v", 1.0),
        "ac_current": ("ac_current_a", 1.0),
        "ac_frequency": ("ac_frequency_hz", 1.0),
        "temperature": ("temperature_c", 1.0),
        "lifetime_energy": ("lifetime_energy_wh", 1e-3),  # shown in kWh
        "energy_today": ("energy_today_wh", 1.0),
        "last_report_duration": ("last_report_duration_s", 1.0),
        "max_reported": ("max_report_watts", 1.0),
    }
    assert len(reference) == 20
    registry = er.async_get(hass)
    for serial, values in reference.items():
        for key, (leaf, factor) in fields.items():
            entity_id = registry.async_get_entity_id(SENSOR, DOMAIN, f"{serial}_{key}")
            assert entity_id is not None, (serial, key)
            state = hass.states.get(entity_id)
            assert state is not None
            assert float(state.state) == pytest.approx(values[leaf] * factor, rel=1e-6), (serial, key)

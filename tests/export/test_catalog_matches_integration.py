"""What the export publishes for a capture is what the integration creates for it.

For every capture, the snapshot the Gateway reads through the simulator goes through the export's catalog;
the result is compared with the integration's entity registry for the same capture, as committed in
tests/ha/snapshots/test_entities_captures.ambr (recorded by tests/ha/test_entities_captures.py inside a
real Home Assistant): the same sensors and binary sensors (unique_ids), with the same names, classes,
state classes, categories, enabled defaults, options and precisions, on the same devices. Units are the
native ones (W, Wh) where the registry shows the suggested display unit (kW, MWh).

Left out, by design: the integration's controls (switches, selects, numbers, buttons: the export does not
write), its energy derived across updates (grid import/export, battery charged/discharged) and its live
power sensors (an option).
"""

from __future__ import annotations

import re
from functools import cache

import pytest

from iqgateway.export.catalog import Reading, catalog
from iqgateway.simulator.testing import replay_envoy
from tests.lib.conftest import connected
from tests.shared import REPO, capture_names

SNAPSHOT = REPO / "tests" / "ha" / "snapshots" / "test_entities_captures.ambr"
ENTITY = re.compile(r"^\s+'(sensor|binary_sensor):([^']+)': \"(.*)\",$")
DEVICE = re.compile(r"^\s+\"(.*) \| ids=\[\['enphase_envoy', '([^']+)'\]\] \| via=.*\",$")
# what the integration adds beyond core: derived energy, and its own polling diagnostics (not device data)
BEYOND_CORE = re.compile(
    r"_(grid_energy_(imported|exported)(_l[123])?|battery_energy_(charged|discharged))$"
    r"|_load_\w+_(latency|latency_p95|failures|interval)$"
    r"|_(daily|seven_days)_(grid_import|grid_export|battery_charged|battery_discharged)$"
    r"|_grid_profile$|_(conversion_error_time|conversion_max_error_cycles|energy_last_week|energy_yesterday)$"
)
# Issue 17's inverter health (the integration's producing / communicating per inverter) is not exported yet.
INVERTER_HEALTH = re.compile(r"_(producing|communicating)$")
DISPLAY_UNITS = {"W": {"W", "kW"}, "Wh": {"Wh", "kWh", "MWh"}, "°F": {"°F", "°C"}}  # shown in the metric system


@cache
def snapshot_sections() -> dict[str, list[str]]:
    sections: dict[str, list[str]] = {}
    current: list[str] = []
    for line in SNAPSHOT.read_text().splitlines():
        if match := re.match(r"# name: test_capture_entities\[([^\]]+)\]", line):
            current = sections.setdefault(match.group(1), [])
        else:
            current.append(line)
    return sections


def registry(capture: str) -> tuple[dict[tuple[str, str], dict[str, str]], dict[str, list[str]]]:
    """(component, unique_id) -> the registry's fields, and device identifier -> its fields."""
    entities, devices = {}, {}
    for line in snapshot_sections()[capture]:
        if match := ENTITY.match(line):
            _entity_id, *fields = match.group(3).split(" | ")
            parsed = {}
            for item in fields:
                key, _, value = item.partition("=")
                parsed[key] = value
            parsed["enabled"] = "enabled" if "enabled" in fields else "disabled"
            entities[(match.group(1), match.group(2))] = parsed
        elif match := DEVICE.match(line):
            devices[match.group(2)] = match.group(1).split(" | ")
    return entities, devices


def quoted(value: str | None) -> str:
    return repr(value)


def expected_fields(item: Reading) -> dict[str, str]:
    return {
        "name": quoted(item.name),
        "class": str(item.device_class),
        "state_class": str(item.state_class),
        "precision": str(item.precision),
        "category": str(item.entity_category),
        "enabled": "enabled" if item.enabled else "disabled",
        "device": quoted(item.device.name),
    }


@pytest.mark.parametrize("capture", capture_names())
async def test_the_export_publishes_what_the_integration_creates(capture: str) -> None:
    async with replay_envoy(capture) as envoy, connected(envoy) as gateway:
        data = await gateway.update()
    readings = catalog(data)
    entities, devices = registry(capture)
    wanted = {key for key, fields in entities.items() if not BEYOND_CORE.search(key[1])
              and not (fields.get("device", "").startswith("'Inverter ") and INVERTER_HEALTH.search(key[1]))}
    published = {(item.component, item.unique_id): item for item in readings}
    assert len(published) == len(readings), "a unique_id published twice"
    assert set(published) == wanted, (sorted(wanted - set(published))[:5], sorted(set(published) - wanted)[:5])
    for key, item in published.items():
        fields = entities[key]
        got = {name: fields[name] for name in expected_fields(item)}
        assert got == expected_fields(item), key
        shown = fields["unit"]
        assert shown in DISPLAY_UNITS.get(str(item.unit), {str(item.unit)}), (key, item.unit, shown)
        if item.options is not None:
            assert fields["options"] == str(list(item.options)), key
        name, model, _manufacturer, sw, hw, serial = devices[item.device.ident]
        assert (name, model, sw, hw, serial) == (item.device.name, item.device.model, str(item.device.sw_version),
                                                 str(item.device.hw_version), str(item.device.serial_number)), key
    state_keys: dict[tuple[str, str], str] = {}
    for item in readings:  # one state document per device: no two values of a device under one key
        assert state_keys.setdefault((item.device.ident, item.key), item.unique_id) == item.unique_id

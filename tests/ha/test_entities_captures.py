"""Every capture: the devices and entities registered match a committed snapshot, states match HA core's.

One HA instance per capture replays the real device through the simulator over HTTP(S); every entity is
registered enabled (the integration's enabled-by-default choice is recorded in the snapshot) and the
first refresh's states are compared with what HA core 2025.4.4 showed for the same capture.
"""

from __future__ import annotations

import pytest
from homeassistant.core import HomeAssistant
from syrupy.assertion import SnapshotAssertion

from tests.ha.common import setup_envoy_entry
from tests.ha.conftest import StartEnvoy
from tests.ha.entity_dump import compare_with_core, dump, record_enabled_defaults, registry_view
from tests.shared import capture_names


@pytest.mark.parametrize("capture", capture_names())
async def test_capture_entities(
    hass: HomeAssistant, start_envoy: StartEnvoy, snapshot: SnapshotAssertion, capture: str
) -> None:
    envoy = await start_envoy(capture)
    with record_enabled_defaults() as disabled:
        entry = await setup_envoy_entry(hass, envoy)
        ours = dump(hass, entry.entry_id, disabled)

    assert registry_view(ours) == snapshot(name=capture)

    diffs = compare_with_core(capture, ours)
    assert not diffs.missing, f"core unique_ids we do not create: {sorted(diffs.missing)[:10]}"
    assert not diffs.attributes, diffs.attributes[:10]
    assert not diffs.devices, diffs.devices[:10]
    assert not diffs.states, diffs.states[:10]

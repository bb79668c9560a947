"""Realtime option: CT sensors follow the simulated meter stream at 1 Hz, one write a second at most, no extra polls.

The stream runs in real time (the simulator sends 5 frames a second, marked so each differs); the tests wait
for the frames they need, a few seconds in all.
"""

from __future__ import annotations

import asyncio
import itertools
import time
from collections import Counter

import pytest
from custom_components.enphase_envoy.const import DOMAIN, ISSUE_STREAM_NEEDS_INSTALLER, OPTION_REALTIME
from custom_components.enphase_envoy.diagnostics import async_get_config_entry_diagnostics
from custom_components.enphase_envoy.realtime import stream_issue_id
from homeassistant.config_entries import ConfigEntryState
from homeassistant.const import EVENT_STATE_CHANGED
from homeassistant.core import Event, EventStateChangedData, HomeAssistant
from homeassistant.data_entry_flow import FlowResultType
from homeassistant.helpers import entity_registry as er
from homeassistant.helpers import issue_registry as ir
from pytest_homeassistant_custom_component.common import MockConfigEntry

from iqgateway.simulator.meter_stream import StreamSettings
from iqgateway.simulator.server import SimulatedEnvoy
from tests.lib.test_stream import CAPTURE, capture_channels

from .common import envoy_entry_data, setup_envoy_entry
from .conftest import StartEnvoy

WINDOW_S = 3.5
STREAM_PATH = "/stream/meter"


def entity_id(hass: HomeAssistant, serial: str, key: str) -> str:
    found = er.async_get(hass).async_get_entity_id("sensor", DOMAIN, f"{serial}_{key}")
    assert found is not None, key
    return found


async def realtime_entry(hass: HomeAssistant, envoy: SimulatedEnvoy, user: str = "installer") -> MockConfigEntry:
    data = envoy_entry_data(envoy, token=envoy.mint_token(user=user))
    return await setup_envoy_entry(hass, envoy, options={OPTION_REALTIME: True}, data=data)


async def wait_for_frames(hass: HomeAssistant, entry: MockConfigEntry) -> None:
    realtime = entry.runtime_data.realtime
    assert realtime is not None
    async with asyncio.timeout(10):
        while realtime.frame is None:
            await asyncio.sleep(0.05)
    await hass.async_block_till_done()


async def test_ct_sensors_follow_the_stream_at_1_hz_with_one_write_a_second_at_most(
    hass: HomeAssistant, start_envoy: StartEnvoy, entity_registry_enabled_by_default: None
) -> None:
    prod = capture_channels()["production"]
    envoy = await start_envoy(CAPTURE, stream=StreamSettings(hz=5, mark=True))
    entry = await realtime_entry(hass, envoy)
    serial = envoy.source.serial
    await wait_for_frames(hass, entry)
    keys = ("production_ct_power", "production_ct_reactive_power", "production_ct_apparent_power", "net_consumption")
    watched = {entity_id(hass, serial, key): key for key in keys}
    writes: dict[str, list[float]] = {eid: [] for eid in watched}

    def on_change(event: Event[EventStateChangedData]) -> None:
        if event.data["entity_id"] in writes:
            writes[event.data["entity_id"]].append(time.monotonic())

    unsub = hass.bus.async_listen(EVENT_STATE_CHANGED, on_change)
    await asyncio.sleep(WINDOW_S)
    unsub()
    power, reactive, apparent, net = (hass.states.get(eid) for eid in watched)
    assert power is not None
    assert reactive is not None
    assert apparent is not None
    assert net is not None
    scale = {"W": 1.0, "kW": 1000.0}[power.attributes["unit_of_measurement"]]
    marked = float(power.state) * scale - prod["activePower"] - 0.25  # the frame number the simulator added
    assert marked >= 5
    assert marked == pytest.approx(round(marked), abs=0.01)
    assert float(reactive.state) == pytest.approx(prod["reactivePower"])
    assert float(apparent.state) == pytest.approx(prod["apparentPower"])
    stamps = writes[entity_id(hass, serial, "production_ct_power")]
    assert len(stamps) >= int(WINDOW_S) - 1  # changes at 1 Hz (frames come at 5 Hz)
    assert len(stamps) <= int(WINDOW_S) + 1
    assert all(later - earlier >= 0.9 for earlier, later in itertools.pairwise(stamps))
    for eid, times in writes.items():
        assert len(times) <= int(WINDOW_S) + 1, watched[eid]

    report = await async_get_config_entry_diagnostics(hass, entry)
    realtime = report["envoy_properties"]["realtime"]
    assert realtime["state"] == "streaming"
    assert realtime["connections"] == 1
    assert realtime["frames"] >= 5 * (WINDOW_S - 1)
    assert realtime["frames_per_s"] == pytest.approx(5, rel=0.3)
    assert realtime["reconnects"] == 0
    assert realtime["refused"] is None
    assert await hass.config_entries.async_unload(entry.entry_id)


async def regular_requests(hass: HomeAssistant, envoy: SimulatedEnvoy, realtime: bool) -> Counter[str]:
    options = {OPTION_REALTIME: True} if realtime else {}
    data = envoy_entry_data(envoy, token=envoy.mint_token(user="installer"))
    entry = await setup_envoy_entry(hass, envoy, options=options, data=data)
    for _ in range(2):
        await entry.runtime_data.async_refresh()
    assert entry.runtime_data.last_update_success
    counts = Counter(envoy.stats.per_endpoint)
    assert await hass.config_entries.async_unload(entry.entry_id)
    await hass.async_block_till_done()
    return counts


async def test_the_regular_cycle_asks_the_same_with_the_stream_on(
    hass: HomeAssistant, start_envoy: StartEnvoy
) -> None:
    plain = await start_envoy(CAPTURE, stream=StreamSettings(hz=5))
    without = await regular_requests(hass, plain, False)
    streaming = await start_envoy(CAPTURE, stream=StreamSettings(hz=5))
    with_stream = await regular_requests(hass, streaming, True)
    assert plain.stream.connections == 0
    assert streaming.stream.connections == 1  # one connection, held open while the entry was loaded
    assert streaming.stream.frames_sent >= 1
    with_stream.pop(STREAM_PATH, None)  # logged once the connection ends
    assert without["/ivp/meters/readings"] >= 2
    assert with_stream == without


async def test_a_refused_role_leaves_everything_as_it_was_and_raises_a_repair_issue(
    hass: HomeAssistant, start_envoy: StartEnvoy
) -> None:
    prod = capture_channels()["production"]
    envoy = await start_envoy(CAPTURE, stream=StreamSettings(hz=5, mark=True))
    entry = await realtime_entry(hass, envoy, user="owner")
    assert entry.state is ConfigEntryState.LOADED
    await hass.async_block_till_done(wait_background_tasks=True)
    issue = ir.async_get(hass).async_get_issue(DOMAIN, stream_issue_id(entry.entry_id))
    assert issue is not None
    assert issue.translation_key == ISSUE_STREAM_NEEDS_INSTALLER
    power = hass.states.get(entity_id(hass, envoy.source.serial, "production_ct_power"))
    assert power is not None
    assert float(power.state) == pytest.approx(prod["activePower"] / 1000, abs=0.001)  # the regular kW reading
    registered = er.async_entries_for_config_entry(er.async_get(hass), entry.entry_id)
    assert not [e.unique_id for e in registered if e.unique_id.endswith(("reactive_power", "apparent_power"))]
    report = await async_get_config_entry_diagnostics(hass, entry)
    assert report["envoy_properties"]["realtime"]["state"] == "refused"
    assert "installer token" in report["envoy_properties"]["realtime"]["refused"]

    result = await hass.config_entries.options.async_init(entry.entry_id)
    result = await hass.config_entries.options.async_configure(
        result["flow_id"], {"diagnostics_include_fixtures": False, "disable_keep_alive": False, OPTION_REALTIME: False}
    )
    assert result["type"] is FlowResultType.CREATE_ENTRY
    await hass.async_block_till_done()
    assert entry.options[OPTION_REALTIME] is False
    assert ir.async_get(hass).async_get_issue(DOMAIN, stream_issue_id(entry.entry_id)) is None
    assert await hass.config_entries.async_unload(entry.entry_id)

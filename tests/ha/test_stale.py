"""A device that stops answering: entities keep their values within the budget, then become unavailable
(logged once), and come back with the first good answer."""

from __future__ import annotations

import functools
import logging
from typing import Any

import pytest
from custom_components.enphase_envoy import connect as connect_module
from custom_components.enphase_envoy.const import DOMAIN
from freezegun.api import FrozenDateTimeFactory
from homeassistant.const import STATE_UNAVAILABLE
from homeassistant.core import HomeAssistant
from homeassistant.helpers import entity_registry as er

from iqgateway import Gateway
from tests.shared import CAPTURES, capture_serial

from .common import setup_envoy_entry
from .conftest import StartEnvoy
from .test_init import poll

CAPTURE = "8.3.5169_with_generator"  # live power from the CT readings, read every update


def _json(name: str) -> Any:
    import json

    return json.loads((CAPTURES / CAPTURE / name).read_text())


def production_ct_kw() -> float:
    eid = next(m["eid"] for m in _json("ivp_meters") if m["measurementType"] == "production")
    watts = next(r["activePower"] for r in _json("ivp_meters_readings") if r["eid"] == eid)
    return float(watts) / 1000


def production_doc_kw() -> float:
    doc = _json("production.json_details_1")
    return float(next(p["wNow"] for p in doc["production"] if p["type"] == "eim")) / 1000


async def test_stopped_device_goes_unavailable_once_and_recovers(
    hass: HomeAssistant, start_envoy: StartEnvoy, freezer: FrozenDateTimeFactory, caplog: pytest.LogCaptureFixture,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # the frozen clock also stops the event loop's timers: retry a refused connection without a pause
    monkeypatch.setattr(connect_module, "Gateway", functools.partial(Gateway, retry_delays=(0.0, 0.0)))
    envoy = await start_envoy(CAPTURE)
    entry = await setup_envoy_entry(hass, envoy)
    production = er.async_get(hass).async_get_entity_id("sensor", DOMAIN, f"{capture_serial(CAPTURE)}_production")
    assert production is not None
    await poll(hass, freezer)
    state = hass.states.get(production)
    assert state is not None
    assert float(state.state) == pytest.approx(production_ct_kw(), abs=1e-3)
    live_value = state.state

    caplog.clear()
    await envoy.stop()
    for _ in range(2):  # within the budget of three updates: the kept value, marked stale in the data
        await poll(hass, freezer)
        assert entry.runtime_data.last_update_success
        assert entry.runtime_data.data.endpoints["/ivp/meters/readings"].stale
        state = hass.states.get(production)
        assert state is not None
        assert state.state == live_value
    for _ in range(2):
        await poll(hass, freezer)
        assert not entry.runtime_data.last_update_success
        state = hass.states.get(production)
        assert state is not None
        assert state.state == STATE_UNAVAILABLE
    lost = [r for r in caplog.records if r.levelno >= logging.ERROR and "Error fetching" in r.message]
    assert len(lost) == 1
    assert "/ivp/meters/readings" in lost[0].getMessage()
    assert "stale" in lost[0].getMessage()

    await envoy.start()  # back on the same port
    await poll(hass, freezer)
    assert entry.runtime_data.last_update_success
    state = hass.states.get(production)
    assert state is not None
    # the CT readings, or the production document when it was due too and answered after them
    assert round(float(state.state), 6) in (round(production_ct_kw(), 6), round(production_doc_kw(), 6))
    back = [r for r in caplog.records if "recovered" in r.message]
    assert len(back) == 1

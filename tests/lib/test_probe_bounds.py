"""The probe is bounded per endpoint: what answered is used, what hung is marked unavailable and asked again."""

from __future__ import annotations

import pytest

from iqgateway import Feature
from iqgateway.gateway_probe import REPROBE_AFTER_S
from iqgateway.simulator.testing import replay_envoy

from .conftest import capture_json, connected

CAPTURE = "7.6.175_with_cts"
START = 1_780_000_000.0


class Clock:
    def __init__(self) -> None:
        self.now = START

    def __call__(self) -> float:
        return self.now


def production_ct() -> dict[str, float]:
    doc = capture_json(CAPTURE, "production.json_details_1") or capture_json(CAPTURE, "production.json")
    eim: dict[str, float] = next(p for p in doc["production"] if p["type"] == "eim")
    return eim


async def test_hanging_endpoints_leave_production_and_come_back_later() -> None:
    clock = Clock()
    hanging = ["hang=5:/ivp/*", "hang=5:/api/*"]
    async with (
        replay_envoy(CAPTURE, faults=hanging) as envoy,
        connected(envoy, clock=clock, request_timeout=0.3, update_deadline=5.0) as gateway,
    ):
        features = gateway.features
        assert features is not None
        assert features.production_source is not None
        assert features.production_source.startswith("/production.json")
        assert Feature.CT_METERS not in features
        data = await gateway.update()
        assert data.production is not None
        assert data.production.wh_lifetime == production_ct()["whLifetime"]
        assert data.production.watts_now == pytest.approx(production_ct()["wNow"])

        envoy.faults.clear()
        clock.now = START + REPROBE_AFTER_S / 2
        assert Feature.CT_METERS not in (await gateway.update()).features
        clock.now = START + REPROBE_AFTER_S + 1
        healed = await gateway.update()
        assert Feature.CT_METERS in healed.features
        assert Feature.INVERTERS in healed.features
        assert len(healed.inverters) == len(capture_json(CAPTURE, "api_v1_production_inverters"))

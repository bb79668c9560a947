"""The site's own answers set the cadence (cadence_rules.py), and the CT counters carry the lifetimes between
hourly reads of the production document (ct_energy.py): request counts and values from the simulator."""

from __future__ import annotations

import itertools
import json
from datetime import datetime
from zoneinfo import ZoneInfo

import pytest

from iqgateway import Gateway
from iqgateway.simulator.clock import SimClock
from iqgateway.simulator.profiles import make_profile
from iqgateway.simulator.server import SimulatedEnvoy
from iqgateway.simulator.testing import replay_envoy
from tests.shared import CAPTURES

ZONE = ZoneInfo("America/Chicago")
HOUR = 60


async def _hour(envoy: SimulatedEnvoy, gateway: Gateway, clock: SimClock | list[float]) -> None:
    for _ in range(HOUR):
        await gateway.update()
        if isinstance(clock, SimClock):
            clock.advance(60)
        else:
            clock[0] += 60


async def test_battery_power_hourly_where_the_site_has_no_batteries() -> None:
    clock = [1_785_592_409.0]
    async with replay_envoy("8.3.5169_with_generator") as envoy, Gateway(
            envoy.url, token=envoy.mint_token(), clock=lambda: clock[0]) as gateway:
        await gateway.update()
        envoy.stats.reset()
        await _hour(envoy, gateway, clock)
        assert envoy.stats.count("/ivp/ensemble/power") <= 1  # `"devices:": []`: no battery power to follow
        assert envoy.stats.count("/ivp/meters/readings") == HOUR  # live power every update
        reason = gateway.load_report()["endpoints"]["/ivp/ensemble/power"]["interval_reason"]
        assert "no IQ Batteries" in reason


async def test_an_unchanging_unmetered_power_is_read_with_the_inverter_list() -> None:
    clock = [1_785_592_409.0]
    async with replay_envoy("7.6.175_standard") as envoy, Gateway(
            envoy.url, token=envoy.mint_token(), clock=lambda: clock[0]) as gateway:
        first = await gateway.update()
        envoy.stats.reset()
        await _hour(envoy, gateway, clock)
        power = envoy.stats.count("/api/v1/production")
        inverters = envoy.stats.count("/api/v1/production/inverters")
        assert inverters in (11, 12)  # every 5 minutes
        assert power <= inverters + 2  # with the list (a replay's figure never changes), not 60 times
        data = await gateway.update()
        captured = json.loads((CAPTURES / "7.6.175_standard" / "api_v1_production").read_text())
        assert data.production is not None
        assert first.production is not None
        assert data.production.watts_now == first.production.watts_now == captured["wattsNow"]


async def test_a_moving_unmetered_power_stays_fresh_every_update() -> None:
    clock = SimClock(datetime(2026, 6, 21, 10, 0, tzinfo=ZONE), speed=0, tz=ZONE)
    async with SimulatedEnvoy(make_profile("standard", clock=clock)) as envoy, Gateway(
            envoy.url, token=envoy.mint_token(), clock=clock.timestamp, tz=ZONE) as gateway:
        await gateway.update()
        envoy.stats.reset()
        seen = []
        for _ in range(HOUR):
            data = await gateway.update()
            assert data.production is not None
            seen.append(data.production.watts_now)
            clock.advance(60)
        power = envoy.stats.count("/api/v1/production")
        changes = sum(1 for a, b in itertools.pairwise(seen) if a != b)
        # the profile's power moves with its inverters' reports: read at least as often as it changes
        assert power >= changes
        assert power < HOUR or changes >= HOUR - 2


async def test_ct_counters_carry_the_lifetimes_between_hourly_production_documents() -> None:
    clock = SimClock(datetime(2026, 6, 21, 10, 0, tzinfo=ZONE), speed=0, tz=ZONE)
    async with SimulatedEnvoy(make_profile("metered", inverters=6, clock=clock)) as envoy, Gateway(
            envoy.url, token=envoy.mint_token(), clock=clock.timestamp, tz=ZONE) as gateway:
        await gateway.update()
        envoy.stats.reset()
        shown = []
        for _ in range(HOUR):
            clock.advance(60)
            data = await gateway.update()
            assert data.production is not None
            assert data.production.wh_lifetime is not None
            shown.append(data.production.wh_lifetime)
        assert envoy.stats.count("/production.json") <= 2  # hourly, not every 5 minutes
        assert all(b >= a for a, b in itertools.pairwise(shown))  # never back
        doc = json.loads(envoy.source.respond("GET", "/production.json", "details=1", b"").body)
        device = next(e for e in doc["production"] if e.get("type") == "eim")["whLifetime"]
        assert shown[-1] == pytest.approx(device, abs=5.0)  # the device's own counter, minute by minute
        assert shown[-1] > shown[0]

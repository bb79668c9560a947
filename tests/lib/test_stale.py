"""A device that stops answering: old data carries its own age, then the update fails as stale."""

from __future__ import annotations

import pytest

from iqgateway import StaleError
from iqgateway.simulator.testing import replay_envoy
from iqgateway.snapshot import snapshot_dict

from .conftest import capture_json, connected

CAPTURE = "8.3.5169_with_generator"  # CT readings carry the live power (read every update)
READINGS = "/ivp/meters/readings"
START = 1_780_000_000.0
QUICK = (0.0, 0.0)  # no pauses between the retries of a refused connection


class Clock:
    def __init__(self) -> None:
        self.now = START

    def __call__(self) -> float:
        return self.now


def production_ct_watts() -> float:
    readings = capture_json(CAPTURE, "ivp_meters_readings")
    meters = capture_json(CAPTURE, "ivp_meters")
    production_eid = next(m["eid"] for m in meters if m["measurementType"] == "production")
    return float(next(r["activePower"] for r in readings if r["eid"] == production_eid))


async def test_stopped_device_is_stale_after_the_budget_and_recovers() -> None:
    clock = Clock()
    async with replay_envoy(CAPTURE) as envoy, connected(envoy, clock=clock, retry_delays=QUICK) as gateway:
        assert gateway.stale_after == 3
        good = await gateway.update()
        assert good.updated_at == START
        assert good.parts_updated_at["production"] == START
        assert good.parts_updated_at["meters"] == START
        assert good.production is not None

        await envoy.stop()
        for step in (1, 2):
            clock.now = START + 60 * step
            held = await gateway.update()
            # the kept values come with the time they were measured, never with "now"
            assert held.updated_at == START
            assert held.parts_updated_at["production"] == START
            assert held.endpoints[READINGS].stale
            assert held.endpoints[READINGS].age_s == 60 * step
            assert held.production == good.production
            assert snapshot_dict(held)["updated_at"] == START

        clock.now = START + 180
        with pytest.raises(StaleError) as caught:
            await gateway.update()
        err = caught.value
        assert err.endpoint == READINGS
        assert err.host == envoy.address
        assert err.age_s == 180
        assert "stale" in str(err)
        assert "180 s" in str(err)
        assert "connection refused" in str(err)
        assert "connect call" not in str(err)

        await envoy.start()  # same port
        clock.now = START + 240
        back = await gateway.update()
        assert back.updated_at == START + 240
        assert not back.endpoints[READINGS].stale
        assert back.parts_updated_at["production"] == START + 240
        assert back.production is not None
        assert back.production.watts_now == pytest.approx(production_ct_watts())


async def test_the_budget_is_configurable() -> None:
    clock = Clock()
    async with replay_envoy(CAPTURE) as envoy, connected(envoy, clock=clock, retry_delays=QUICK,
                                                         stale_after=1) as gateway:
        await gateway.update()
        await envoy.stop()
        clock.now = START + 30
        with pytest.raises(StaleError, match="30 s, 1 updates in a row"):
            await gateway.update()


async def test_one_glitch_within_the_budget_is_forgotten() -> None:
    clock = Clock()
    async with replay_envoy(CAPTURE) as envoy, connected(envoy, clock=clock, retry_delays=QUICK,
                                                         stale_after=2) as gateway:
        await gateway.update()
        for step in range(1, 5):  # a failed reading every other update never adds up to the budget
            clock.now = START + 60 * step
            if step % 2:
                envoy.faults.add("500", READINGS, count=1)
            data = await gateway.update()
            assert data.endpoints[READINGS].stale is bool(step % 2)


def test_a_budget_below_one_update_is_refused() -> None:
    from iqgateway import Gateway

    with pytest.raises(ValueError, match="at least 1"):
        Gateway("127.0.0.1", stale_after=0)

"""A simulated day against a synthetic profile over real HTTPS: derived grid and battery energy.

The profile's clock is frozen (speed 0) and moved a minute at a time; after each move the Gateway
updates (every endpoint every cycle) and the accumulators get the snapshot with the simulated time.
The results are checked against the counters the device reports and against the simulator's own
integrated flows (physics.House.energy), with device glitches and a restart in the middle of the day.
"""

from __future__ import annotations

import json
from datetime import datetime
from types import MappingProxyType
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from iqgateway import Cadence, Gateway, GatewayData, InvalidResponse
from iqgateway.derived import BatteryEnergy, GridEnergy, balanced_net_reading
from iqgateway.simulator.clock import SimClock
from iqgateway.simulator.physics import Energy
from iqgateway.simulator.profiles import make_profile, profile_timezone
from iqgateway.simulator.server import SimulatedEnvoy
from tests.simulator.sources import NetCounterReset

STEP_S = 60
DAY_STEPS = 24 * 60
PHASES = ("L1", "L2")


def day_clock(profile: str, *, offset_s: float) -> SimClock:
    """A frozen clock at local midnight of a June day (plus `offset_s`) in the profile's time zone."""
    tz = ZoneInfo(profile_timezone(profile))
    start = datetime(2026, 6, 21, tzinfo=tz).timestamp() + offset_s
    return SimClock(datetime.fromtimestamp(start, tz), speed=0, tz=tz)


# Every update reads the documents the accumulators use (the battery list hourly); nothing else (keeps a day quick).
DAY_CADENCE = Cadence(intervals=MappingProxyType({"/production.json": 0.0, "/ivp/ensemble/power": 0.0,
                                                  "/ivp/ensemble/inventory": 3600.0}), default_s=None)


async def open_gateway(envoy: SimulatedEnvoy) -> Gateway:
    """A set-up, probed Gateway reading production and battery power on every update."""
    gateway = Gateway(envoy.url, token=envoy.mint_token(), cadence=DAY_CADENCE)
    try:
        await gateway.setup()
        await gateway.authenticate()
        await gateway.probe()
    except BaseException:
        await gateway.close()
        raise
    return gateway


def restored_grid(energy: GridEnergy) -> GridEnergy:
    return GridEnergy.from_state(json.loads(json.dumps(energy.to_state())))


def restored_battery(energy: BatteryEnergy) -> BatteryEnergy:
    return BatteryEnergy.from_state(json.loads(json.dumps(energy.to_state())))


def net_counters(data: GatewayData) -> tuple[float, dict[str, float]]:
    """The balanced net counter (total and per phase) exactly as the device sent it this update."""
    doc: Any = data.raw["/production.json?details=1"]
    net = next(e for e in doc["consumption"] if e["measurementType"] == "net-consumption")
    return float(net["whLifetime"]), {name: float(line["whLifetime"])
                                      for name, line in zip(PHASES, net["lines"], strict=True)}


async def test_grid_energy_over_a_day_matches_the_net_counter_and_the_physics() -> None:
    clock = day_clock("total-consumption-ct", offset_s=0)  # polls on the physics' 60 s steps
    inner = make_profile("total-consumption-ct", clock=clock)
    house = inner.house
    energy = GridEnergy()
    async with SimulatedEnvoy(inner) as envoy:
        gateway = await open_gateway(envoy)
        try:
            data = await gateway.update()
            assert energy.update(data, at=clock.timestamp())
            first_net, first_phases = net_counters(data)
            start_energy: Energy = house.energy(clock.timestamp())
            assert balanced_net_reading(data) is not None
            glitches = {3 * 60: "spike", 13 * 60: "zero", 13 * 60 + 30: "spike"}
            for step in range(1, DAY_STEPS + 1):
                clock.advance(STEP_S)
                kind = glitches.get(step)
                if kind is not None:
                    envoy.faults.add(kind, "/production.json", count=1)
                if step == 12 * 60:  # restart mid-day: a new Gateway and totals restored from their state
                    await gateway.close()
                    before = (energy.total, dict(energy.phases))
                    energy = restored_grid(energy)
                    assert (energy.total, dict(energy.phases)) == before
                    gateway = await open_gateway(envoy)
                previous = energy.total
                data = await gateway.update()
                energy.update(data, at=clock.timestamp())
                assert energy.total is not None
                assert previous is not None
                assert energy.total.imported_wh >= previous.imported_wh
                assert energy.total.exported_wh >= previous.exported_wh
                if kind is not None:  # the glitch answer reached the accumulator and moved nothing
                    seen, _ = net_counters(data)
                    assert seen == 0 or seen > 2**31
                    assert energy.total == previous
            last_net, last_phases = net_counters(data)
            end_energy: Energy = house.energy(clock.timestamp())
        finally:
            await gateway.close()

    total = energy.total
    assert total is not None
    # a June day: the house exports at noon and imports at night
    assert total.exported_wh > 1000
    assert total.imported_wh > 1000
    assert abs((total.imported_wh - total.exported_wh) - (last_net - first_net)) < 0.01
    physics = end_energy.minus(start_energy)
    assert abs(total.imported_wh - physics.imported) < 0.5
    assert abs(total.exported_wh - physics.exported) < 0.5
    for index, name in enumerate(PHASES):
        phase = energy.phases[name]
        assert abs((phase.imported_wh - phase.exported_wh) - (last_phases[name] - first_phases[name])) < 0.01
        assert abs(phase.imported_wh - physics.imported_ph[index]) < 0.5
        assert abs(phase.exported_wh - physics.exported_ph[index]) < 0.5


async def _battery_day(profile: str) -> tuple[BatteryEnergy, Energy]:
    clock = day_clock(profile, offset_s=STEP_S / 2)  # samples in the middle of the physics' steps
    source = make_profile(profile, clock=clock)
    energy = BatteryEnergy()
    async with SimulatedEnvoy(source) as envoy:
        gateway = await open_gateway(envoy)
        try:
            data = await gateway.update()
            assert energy.update(data, at=clock.timestamp())
            start_energy: Energy = source.house.energy(clock.timestamp())
            power_path = "/ivp/ensemble/power" if energy.source == "encharge" else "/production.json?details=1"
            for step in range(1, DAY_STEPS + 1):
                clock.advance(STEP_S)
                if step in (5 * 60, 17 * 60):  # one unreadable answer: the snapshot keeps stale power
                    envoy.faults.add("garbage", power_path.split("?", maxsplit=1)[0], count=1)
                if step == 12 * 60:
                    await gateway.close()
                    before = (energy.charged_wh, energy.discharged_wh)
                    energy = restored_battery(energy)
                    assert (energy.charged_wh, energy.discharged_wh) == before
                    gateway = await open_gateway(envoy)
                previous = (energy.charged_wh, energy.discharged_wh)
                if step in (5 * 60, 17 * 60) and power_path == data.features.production_source:
                    with pytest.raises(InvalidResponse):  # the required source failed: no snapshot this time
                        await gateway.update()
                    continue
                data = await gateway.update()
                used = energy.update(data, at=clock.timestamp())
                if step in (5 * 60, 17 * 60):
                    assert data.endpoints[power_path].stale
                    assert not used
                    assert (energy.charged_wh, energy.discharged_wh) == previous
            end_energy: Energy = source.house.energy(clock.timestamp())
        finally:
            await gateway.close()
    return energy, end_energy.minus(start_energy)


@pytest.mark.parametrize(
    ("profile", "source", "least_wh", "described_as"),
    [("battery-eu", "encharge", 500, "/ivp/ensemble/power"), ("acb", "acb", 100, "storage wNow")],
    ids=["iq-battery", "ac-battery"],
)
async def test_battery_energy_over_a_day_matches_the_simulated_flows(
    profile: str, source: str, least_wh: float, described_as: str
) -> None:
    energy, physics = await _battery_day(profile)
    assert energy.source == source
    assert physics.charged > least_wh
    assert physics.discharged > least_wh
    assert energy.charged_wh is not None
    assert energy.discharged_wh is not None
    assert abs(energy.charged_wh - physics.charged) <= 0.01 * physics.charged
    assert abs(energy.discharged_wh - physics.discharged) <= 0.01 * physics.discharged
    assert described_as in energy.description


async def test_a_net_counter_reset_is_not_counted() -> None:
    clock = day_clock("total-consumption-ct", offset_s=11 * 3600)
    inner = make_profile("total-consumption-ct", clock=clock)
    source = NetCounterReset(inner)
    energy = GridEnergy()
    nets: list[float] = []
    physics: list[Energy] = []  # the simulator's own counters at each update (it only answers for the present)
    reset_step = 60
    async with SimulatedEnvoy(source) as envoy:
        gateway = await open_gateway(envoy)
        try:
            for step in range(121):
                if step:
                    clock.advance(STEP_S)
                if step == reset_step:
                    source.reset()
                previous = energy.total
                data = await gateway.update()
                energy.update(data, at=clock.timestamp())
                nets.append(net_counters(data)[0])
                physics.append(inner.house.energy(clock.timestamp()))
                if step == reset_step:
                    assert nets[-1] == 0
                    assert energy.total == previous
        finally:
            await gateway.close()
    total = energy.total
    assert total is not None
    # counted: the steps before the reset and those after it; not the jump, nor the minute the jump hid
    counted = (nets[reset_step - 1] - nets[0]) + (nets[-1] - nets[reset_step])
    assert abs((total.imported_wh - total.exported_wh) - counted) < 0.01
    whole = physics[-1].minus(physics[0])
    hidden = physics[reset_step].minus(physics[reset_step - 1])
    assert whole.exported > 1000  # around noon: exporting, and the counter falls
    assert abs(total.imported_wh - (whole.imported - hidden.imported)) < 0.5
    assert abs(total.exported_wh - (whole.exported - hidden.exported)) < 0.5

"""Inverter health follows the simulated hardware: a shaded or faulty inverter stops producing and a
non-communicating one keeps its last report, each from its next report, as read over HTTP(S).

Each faulted device runs beside a healthy twin (same profile, seed and simulated time): what the fault
does not touch must read the same on both.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import datetime
from typing import Any

import aiohttp
import orjson
import pytest

from iqgateway.simulator.clock import SimClock
from iqgateway.simulator.physics import House
from iqgateway.simulator.physics.inverters import last_report_time
from iqgateway.simulator.profiles import ProfileSource, profile_timezone
from iqgateway.simulator.server import SimulatedEnvoy
from iqgateway.simulator.testing import profile_envoy, replay_envoy
from tests.simulator.conftest import GENERATOR, DeviceClient

PROFILE = "metered"  # 8.2.4345: /ivp/pdm/device_data; Sydney in winter, late morning: no inverter clips
START = datetime(2026, 7, 10, 11, 0)
OK = ["envoy.global.ok"]


class Device:
    """One simulated device on a frozen clock, read like a client of the real one."""

    def __init__(self, http: aiohttp.ClientSession, envoy: SimulatedEnvoy, clock: SimClock) -> None:
        self.http = http
        self.envoy = envoy
        self.clock = clock
        self.client = DeviceClient(http, envoy.url, token=envoy.mint_token())

    async def json(self, path: str) -> Any:
        answer = await self.client.get(path)
        assert answer.status == 200, (path, answer.status)
        return orjson.loads(answer.body)

    async def inventory(self) -> dict[str, dict[str, Any]]:
        doc = await self.json("/inventory.json")
        pcus = next(group for group in doc if group["type"] == "PCU")
        return {device["serial_num"]: device for device in pcus["devices"]}

    async def readings(self) -> dict[str, dict[str, Any]]:
        """The device_data channel of each inverter, by serial."""
        doc = await self.json("/ivp/pdm/device_data")
        return {
            entry["sn"]: entry["channels"][0]
            for entry in doc.values()
            if isinstance(entry, dict) and entry.get("devName") == "pcu"
        }

    async def production_w(self) -> float:
        readings = await self.json("/ivp/meters/readings")
        return float(readings[0]["activePower"])  # the production CT comes first

    async def admin(self, method: str, route: str, body: dict[str, Any] | None = None) -> tuple[int, Any]:
        async with self.http.request(method, f"{self.envoy.url}/__simulator__{route}", json=body, ssl=False) as answer:
            return answer.status, await answer.json()

    async def fault(self, spec: str) -> None:
        status, body = await self.admin("POST", "/faults", {"spec": spec})
        assert status == 200, body

    def serial(self, index: int) -> str:
        return self.house.config.inverters[index].serial

    @property
    def house(self) -> House:
        source = self.envoy.source
        assert isinstance(source, ProfileSource)
        return source.house

    def next_report(self, index: int) -> int:
        """When inverter `index` reports next (strictly after now)."""
        return last_report_time(self.house.config.inverters[index], self.clock.timestamp()) + 300


@asynccontextmanager
async def twins(http: aiohttp.ClientSession) -> AsyncIterator[tuple[Device, Device]]:
    """(device to fault, healthy twin) at the same simulated moment."""
    tz = profile_timezone(PROFILE)
    clocks = SimClock(START, speed=0, tz=tz), SimClock(START, speed=0, tz=tz)
    async with (
        profile_envoy(PROFILE, clock=clocks[0], seed=4) as faulted,
        profile_envoy(PROFILE, clock=clocks[1], seed=4) as healthy,
    ):
        yield Device(http, faulted, clocks[0]), Device(http, healthy, clocks[1])


def advance_to(ts: float, *devices: Device) -> None:
    for device in devices:
        device.clock.advance(ts - device.clock.timestamp())


def flags(entry: dict[str, Any]) -> tuple[bool, bool, bool, list[str]]:
    return entry["producing"], entry["communicating"], entry["operating"], entry["device_status"]


async def test_a_faulty_inverter_stops_producing_from_its_next_report(http: aiohttp.ClientSession) -> None:
    async with twins(http) as (device, twin):
        serial = device.serial(0)
        before = (await device.inventory())[serial]
        assert flags(before) == (True, True, True, OK)
        assert (await device.readings())[serial]["lastReading"]["pwrConvErrSecs"] == 0
        fault_ts = device.clock.timestamp()
        await device.fault(f"inverter_fault={serial}")
        assert (await device.inventory())[serial] == before  # the gateway has not heard from it yet
        report_ts = device.next_report(0)
        advance_to(report_ts - 1, device, twin)
        assert (await device.inventory())[serial] == before

        advance_to(report_ts, device, twin)
        inventory, reference = await device.inventory(), await twin.inventory()
        assert flags(inventory[serial]) == (False, True, False, ["envoy.cond_flags.obs_strs.failure"])
        assert inventory[serial]["last_rpt_date"] == str(report_ts)
        assert flags(reference[serial]) == (True, True, True, OK)
        del inventory[serial], reference[serial]
        assert inventory == reference  # the others as on the healthy twin
        reading = (await device.readings())[serial]
        assert reading["watts"]["now"] == 0
        assert reading["lastReading"]["joulesProduced"] == 0
        errors = reading["lastReading"]["pwrConvErrSecs"]
        assert errors == report_ts - fault_ts
        cycles = errors * reading["lastReading"]["acFrequencyINmHz"] / 1000
        assert reading["lastReading"]["pwrConvMaxErrCycles"] == pytest.approx(cycles, abs=1)
        inverters = {i["serialNumber"]: i for i in await device.json("/api/v1/production/inverters")}
        assert inverters[serial]["lastReportWatts"] == 0
        assert inverters[serial]["lastReportDate"] == report_ts

        # what it no longer converts is missing at the production CT: its share of the site's panels
        factors = [inv.factor for inv in device.house.config.inverters]
        share = factors[0] / sum(factors)
        assert await twin.production_w() > 500
        assert await device.production_w() == pytest.approx((1 - share) * await twin.production_w(), rel=1e-4)

        advance_to(report_ts + 300, device, twin)
        assert (await device.readings())[serial]["lastReading"]["pwrConvErrSecs"] == 300


async def test_a_shaded_inverter_produces_nothing_but_reports(http: aiohttp.ClientSession) -> None:
    async with twins(http) as (device, twin):
        serial = device.serial(1)
        await device.fault(f"shade={serial}")
        report_ts = device.next_report(1)
        advance_to(report_ts, device, twin)
        entry = (await device.inventory())[serial]
        assert flags(entry) == (False, True, True, ["envoy.cond_flags.pcu_ctrl.dc-pwr-low"])
        assert entry["last_rpt_date"] == str(report_ts)
        reading = (await device.readings())[serial]
        assert reading["watts"]["now"] == 0
        assert reading["lastReading"]["pwrConvErrSecs"] == 0
        assert reading["lastReading"]["pwrConvMaxErrCycles"] == 0
        assert (await twin.readings())[serial]["watts"]["now"] > 20

        status, _ = await device.admin("DELETE", "/faults")
        assert status == 200
        advance_to(report_ts + 300, device, twin)
        assert (await device.inventory())[serial] == (await twin.inventory())[serial]
        assert flags((await device.inventory())[serial]) == (True, True, True, OK)


async def test_an_offline_inverter_keeps_its_last_report(http: aiohttp.ClientSession) -> None:
    async with twins(http) as (device, twin):
        serial = device.serial(2)
        last = (await device.readings())[serial]
        last_ts = last["lastReading"]["endDate"]
        await device.fault(f"inverter_offline={serial}")
        missed = device.next_report(2)
        advance_to(missed - 1, device, twin)
        assert flags((await device.inventory())[serial]) == (True, True, True, OK)

        for ts in (missed, missed + 300, missed + 600):
            advance_to(ts, device, twin)
            entry = (await device.inventory())[serial]
            assert (entry["producing"], entry["communicating"], entry["operating"]) == (False, False, False)
            assert entry["last_rpt_date"] == str(last_ts)
            assert (await device.readings())[serial] == last  # stale: every figure as last reported
            assert (await twin.inventory())[serial]["last_rpt_date"] == str(ts)
        # it still produces: the production CT sees it as on the healthy twin
        assert await device.production_w() == await twin.production_w()

        status, _ = await device.admin("DELETE", "/faults")
        assert status == 200
        advance_to(missed + 900, device, twin)
        back, reference = (await device.readings())[serial], (await twin.readings())[serial]
        assert back == reference
        assert back["lifetime"]["joulesProduced"] > last["lifetime"]["joulesProduced"]  # never steps back
        assert flags((await device.inventory())[serial]) == (True, True, True, OK)


async def test_a_hardware_fault_names_an_inverter_of_a_synthetic_profile(http: aiohttp.ClientSession) -> None:
    async with twins(http) as (device, _):
        status, body = await device.admin("POST", "/faults", {"spec": "inverter_fault=482200000099"})
        assert status == 400
        assert "no inverter 482200000099" in body["error"]
        assert f"are {device.serial(0)} to {device.serial(15)}" in body["error"]
        assert (await device.admin("GET", "/faults"))[1] == {"faults": []}
    async with replay_envoy(GENERATOR) as envoy:
        replay = Device(http, envoy, SimClock(START, speed=0))
        status, body = await replay.admin("POST", "/faults", {"spec": "shade=482200000001"})
        assert status == 400
        assert "need a synthetic profile" in body["error"]
        assert envoy.faults.faults == ()

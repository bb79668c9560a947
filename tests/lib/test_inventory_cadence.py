"""The inventory (slow, ~450 bytes per device) is read hourly while the inverter reports look as they did at its
last read, and at its 5-minute interval again once they change: request counts and flags from the simulator."""

from __future__ import annotations

import copy
from datetime import datetime
from zoneinfo import ZoneInfo

from iqgateway import Gateway
from iqgateway.cadence_rules import LATE_REPORT_S, report_picture
from iqgateway.models import Inverter
from iqgateway.simulator.clock import SimClock
from iqgateway.simulator.profiles import make_profile
from iqgateway.simulator.server import SimulatedEnvoy
from iqgateway.simulator.testing import replay_envoy

ZONE = ZoneInfo("America/Chicago")
INVENTORY = "/inventory.json"
HOUR = 60
REPORT_PERIOD_MIN = 5


def _inverter(serial: str, watts: float | None, date: int | None) -> Inverter:
    return Inverter(serial, watts, 300, date)


def test_the_picture_names_inverters_without_power_or_with_a_late_report() -> None:
    now = 1_785_600_000
    inverters = {
        "1": _inverter("1", 250, now),
        "2": _inverter("2", 0, now),  # no power
        "3": _inverter("3", 240, now - int(LATE_REPORT_S) - 1),  # stopped reporting
        "4": _inverter("4", 230, now - int(LATE_REPORT_S)),  # late, not yet over the limit
        "5": _inverter("5", None, None),
    }
    serials, unwell = report_picture(inverters)
    assert serials == frozenset({"1", "2", "3", "4", "5"})
    assert unwell == frozenset({"2", "3", "5"})
    # new reports of the same healthy inverters are the same picture
    later = {s: _inverter(s, (i.last_report_watts or 0) + 5 if s in ("1", "4") else i.last_report_watts,
                          i.last_report_date) for s, i in inverters.items()}
    assert report_picture(later) == (serials, unwell)


async def _until(gateway: Gateway, clock: SimClock, serial: str, producing: bool, limit: int) -> int:
    """Minutes of updates until `serial`'s producing flag reads `producing` (fails after `limit`)."""
    for minute in range(1, limit + 1):
        clock.advance(60)
        data = await gateway.update()
        if data.inverters[serial].producing is producing:
            return minute
    raise AssertionError(f"{serial} producing is not {producing} after {limit} minutes")


async def test_the_inventory_is_hourly_while_the_reports_look_alike_and_follows_a_fault() -> None:
    clock = SimClock(datetime(2026, 6, 21, 11, 0, tzinfo=ZONE), speed=0, tz=ZONE)
    async with SimulatedEnvoy(make_profile("metered", inverters=6, clock=clock)) as envoy, Gateway(
            envoy.url, token=envoy.mint_token(), clock=clock.timestamp, tz=ZONE) as gateway:
        data = await gateway.update()
        faulty = sorted(data.inverters)[0]
        assert data.inverters[faulty].producing is True
        envoy.stats.reset()
        for _ in range(HOUR):
            clock.advance(60)
            await gateway.update()
        assert envoy.stats.count(INVENTORY) <= 2  # hourly, not 12 times
        reports = envoy.stats.count("/api/v1/production/inverters") + envoy.stats.count("/ivp/pdm/device_data")
        assert reports in (11, 12, 13)  # the inverter reports stay at 5 minutes
        reason = gateway.load_report()["endpoints"]["/inventory.json?deleted=1"]["interval_reason"]
        assert "same inverters" in reason

        envoy.stats.reset()
        fault = envoy.faults.add_spec(f"inverter_fault={faulty}")
        # the report shows it within one report period; the inventory is read at the update after
        assert await _until(gateway, clock, faulty, False, REPORT_PERIOD_MIN + 2) <= REPORT_PERIOD_MIN + 1
        assert envoy.stats.count(INVENTORY) == 1
        shown = gateway.data
        assert shown is not None
        assert all(i.producing is True for s, i in shown.inverters.items() if s != faulty)

        envoy.faults.remove(fault)
        assert await _until(gateway, clock, faulty, True, REPORT_PERIOD_MIN + 2) <= REPORT_PERIOD_MIN + 1
        assert envoy.stats.count(INVENTORY) == 2


async def test_an_inverter_that_stops_reporting_shows_not_communicating() -> None:
    clock = SimClock(datetime(2026, 6, 21, 11, 0, tzinfo=ZONE), speed=0, tz=ZONE)
    async with SimulatedEnvoy(make_profile("metered", inverters=6, clock=clock)) as envoy, Gateway(
            envoy.url, token=envoy.mint_token(), clock=clock.timestamp, tz=ZONE) as gateway:
        data = await gateway.update()
        offline = sorted(data.inverters)[-1]
        for _ in range(10):
            clock.advance(60)
            await gateway.update()
        envoy.faults.add_spec(f"inverter_offline={offline}")
        limit = int(LATE_REPORT_S) // 60 + 2 * REPORT_PERIOD_MIN + 1  # late, then the list's and the next update
        for _ in range(limit):
            clock.advance(60)
            data = await gateway.update()
            if data.inverters[offline].communicating is False:
                break
        assert data.inverters[offline].communicating is False
        assert all(i.communicating is True for s, i in data.inverters.items() if s != offline)


async def _inventory_reads_in_an_hour(envoy: SimulatedEnvoy, gateway: Gateway, clock: list[float]) -> int:
    await gateway.update()
    envoy.stats.reset()
    for _ in range(HOUR):
        clock[0] += 60
        await gateway.update()
    return envoy.stats.count(INVENTORY)


async def test_an_inventory_with_ac_batteries_stays_at_five_minutes() -> None:
    clock = [1_785_592_409.0]
    async with replay_envoy("8.3.5169_ACB_inventory") as envoy, Gateway(
            envoy.url, token=envoy.mint_token(), clock=lambda: clock[0]) as gateway:
        assert await _inventory_reads_in_an_hour(envoy, gateway, clock) in (11, 12, 13)  # the ACBs' state
        assert gateway.load_report()["endpoints"]["/inventory.json?deleted=1"]["interval_reason"] is None


async def test_an_inventory_with_q_relays_stays_at_five_minutes() -> None:
    clock = [1_785_592_409.0]
    async with replay_envoy("8.3.5169_with_generator") as envoy, Gateway(
            envoy.url, token=envoy.mint_token(), clock=lambda: clock[0]) as gateway:
        assert await _inventory_reads_in_an_hour(envoy, gateway, clock) <= 2  # an empty NSRB group: no relays
        documents = envoy.source.documents  # type: ignore[attr-defined]
        inventory = copy.deepcopy(documents["/inventory.json"])
        group = next(g for g in inventory if g["type"] == "NSRB")
        group["devices"] = [{"serial_num": "482209990777", "part_num": "800-00597-r02", "relay": "closed",
                             "producing": False, "communicating": True, "provisioned": True, "operating": True,
                             "dev_type": 12, "last_rpt_date": "1785592400", "device_status": ["envoy.global.ok"]}]
        documents["/inventory.json"] = inventory
        clock[0] += 3600
        assert await _inventory_reads_in_an_hour(envoy, gateway, clock) in (11, 12, 13)  # the relay's own flags

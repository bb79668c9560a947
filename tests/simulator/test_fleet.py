"""`make_fleet`: many devices of one profile with no serial in common, each an independent house."""

from __future__ import annotations

import orjson

from iqgateway.simulator.clock import SimClock
from iqgateway.simulator.fleet import make_fleet
from iqgateway.simulator.profiles import ProfileSource


def serials(source: ProfileSource) -> set[str]:
    hw = source.hardware
    return {hw.serial, hw.enpower_serial, hw.collar_serial, hw.c6_serial,
            *(i.serial for i in source.house.config.inverters), *(b.serial for b in source.house.config.batteries)}


def get(source: ProfileSource, path: str) -> object:
    reply = source.respond("GET", path, "", b"")
    assert reply.status == 200, (path, reply.status)
    return orjson.loads(reply.body)


def test_no_two_devices_share_a_serial() -> None:
    fleet = make_fleet("acb", 7, clock=SimClock(speed=0, tz="Europe/Amsterdam"), inverters=2, houses=2)
    seen: set[str] = set()
    for source in fleet:
        mine = serials(source)
        assert len(mine) == 4 + len(source.house.config.inverters) + len(source.house.config.batteries)
        assert not mine & seen, source.serial
        seen |= mine
    assert len({s.serial for s in fleet}) == len(fleet)


def test_a_twin_is_its_house_under_its_own_serials_and_moves_on_its_own() -> None:
    clock = SimClock(speed=0, tz="Pacific/Honolulu")
    fleet = make_fleet("legacy", 3, clock=clock, inverters=3, houses=2)
    base, twin = fleet[0], fleet[2]
    assert get(twin, "/api/v1/production") == get(base, "/api/v1/production")
    base_inverters = get(base, "/api/v1/production/inverters")
    twin_inverters = get(twin, "/api/v1/production/inverters")
    assert isinstance(base_inverters, list)
    assert isinstance(twin_inverters, list)
    assert [i["lastReportWatts"] for i in twin_inverters] == [i["lastReportWatts"] for i in base_inverters]
    assert {i["serialNumber"] for i in twin_inverters} == {i.serial for i in twin.house.config.inverters}
    assert not {i["serialNumber"] for i in twin_inverters} & {i["serialNumber"] for i in base_inverters}
    before = get(base, "/api/v1/production")
    twin.reset_lifetime()
    assert get(base, "/api/v1/production") == before
    assert get(twin, "/api/v1/production") != before

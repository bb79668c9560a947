"""Each profile runs one simulated week (5-minute steps) and keeps the invariants a real house keeps."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from iqgateway.simulator.clock import SimClock
from iqgateway.simulator.profiles import PROFILES, ProfileSource, make_profile, profile_timezone

STEP_S = 300
WEEK_STEPS = 7 * 24 * 3600 // STEP_S
# spans the EU daylight-saving change (29 March 2026): local midnights are 23 or 25 hours apart there
START = (2026, 3, 26, 10, 0)


def get(source: ProfileSource, path: str, query: str = "") -> Any:
    reply = source.respond("GET", path, query, b"")
    assert reply.status == 200, (path, reply.status)
    return json.loads(reply.body)


@dataclass
class Monotonic:
    """Counters that must never step back."""

    last: dict[str, float] = field(default_factory=dict)

    def check(self, name: str, value: float, when: str) -> None:
        before = self.last.get(name)
        assert before is None or value >= before - 1e-6, f"{name} stepped back {before} -> {value} at {when}"
        self.last[name] = value


@dataclass
class Daily:
    """A "today" counter: grows during a local day, restarts at local midnight and only then."""

    last: dict[str, tuple[float, str]] = field(default_factory=dict)
    resets: dict[str, int] = field(default_factory=dict)

    def check(self, name: str, value: float, day: str, when: str) -> None:
        prev = self.last.get(name)
        self.last[name] = (value, day)
        if prev is None:
            return
        before, prev_day = prev
        if day == prev_day:
            assert value >= before - 1e-6, f"{name} dropped within {day}: {before} -> {value} at {when}"
            return
        self.resets[name] = self.resets.get(name, 0) + 1
        assert value < before or before == 0, f"{name} did not restart at midnight: {before} -> {value} at {when}"
        assert value <= 2000, f"{name} starts a day at {value} at {when}"


def _meter_totals(source: ProfileSource) -> dict[str, float]:
    """Device counters (Wh) an energy balance needs, from the device's own documents."""
    totals: dict[str, float] = {}
    hw = source.hardware
    if hw.has_ct:
        for report in get(source, "/ivp/meters/reports"):
            cum = report["cumulative"]
            totals[f"{report['reportType']}:in"] = cum["whDlvdCum"]
            totals[f"{report['reportType']}:out"] = cum["whRcvdCum"]
    for reading in get(source, "/ivp/meters/readings"):
        if reading["eid"] == 704643840:
            totals["storage:in"] = reading["actEnergyDlvd"]
            totals["storage:out"] = reading["actEnergyRcvd"]
    if hw.battery_kind == "acb":
        data = get(source, "/ivp/pdm/device_data")
        acbs = [d for d in data.values() if isinstance(d, dict) and d.get("devName") == "acb"]
        totals["storage:in"] = sum(a["channels"][0]["lifetime"]["joulesProduced"] for a in acbs) / 3600
        totals["storage:out"] = sum(a["channels"][0]["lifetime"]["joulesUsed"] for a in acbs) / 3600
    return totals


def _socs(source: ProfileSource) -> list[float]:
    kind = source.hardware.battery_kind
    if kind == "encharge":
        return [d["soc"] for d in get(source, "/ivp/ensemble/power")["devices:"]]
    if kind == "acb":
        groups = get(source, "/inventory.json", "deleted=1")
        return [d["percentFull"] for g in groups if g["type"] == "ACB" for d in g["devices"]]
    return []


# metered-500 is metered with more inverters: a week of it only costs time
@pytest.mark.parametrize("profile", [name for name in PROFILES if name != "metered-500"])
def test_one_week(profile: str) -> None:
    tz = ZoneInfo(profile_timezone(profile))
    clock = SimClock(datetime(*START, tzinfo=tz), speed=0, tz=tz)
    source = make_profile(profile, clock=clock, seed=11)
    hw = source.hardware
    lifetimes, daily = Monotonic(), Daily()
    reports: dict[str, int] = {}
    first_totals = _meter_totals(source) if hw.has_ct else {}
    first_lifetime = get(source, "/api/v1/production")["wattHoursLifetime"]
    integrated_wh = 0.0
    last_watts = get(source, "/api/v1/production")["wattsNow"]
    reserve = source.house.controls.reserve_soc
    socs_seen: list[float] = []
    peak_pv = 0
    for step in range(WEEK_STEPS):
        clock.advance(STEP_S)
        now = clock.timestamp()
        local = clock.now()
        when, day = local.isoformat(), local.date().isoformat()

        v1 = get(source, "/api/v1/production")
        lifetimes.check("v1 lifetime", v1["wattHoursLifetime"], when)
        daily.check("v1 today", v1["wattHoursToday"], day, when)
        integrated_wh += (last_watts + v1["wattsNow"]) / 2 * STEP_S / 3600
        last_watts = v1["wattsNow"]
        peak_pv = max(peak_pv, v1["wattsNow"])

        for inv in get(source, "/api/v1/production/inverters"):
            if inv.get("devType", 1) != 1:
                continue
            serial, date = inv["serialNumber"], inv["lastReportDate"]
            assert now - STEP_S < date <= now, f"{serial} reported at {date}, now {now}"
            if serial in reports:
                assert date - reports[serial] == STEP_S, f"{serial}: reports {reports[serial]} then {date}"
            reports[serial] = date
            assert 0 <= inv["lastReportWatts"] <= inv["maxReportWatts"]

        if hw.has_ct:
            for reading in get(source, "/ivp/meters/readings"):
                lifetimes.check(f"{reading['eid']} dlvd", reading["actEnergyDlvd"], when)
                lifetimes.check(f"{reading['eid']} rcvd", reading["actEnergyRcvd"], when)
        if hw.version >= (7,) and step % 3 == 0:  # the slow endpoint, polled every 15 minutes
            doc = get(source, "/production.json", "details=1")
            for entry in doc["production"] + doc.get("consumption", []):
                name = entry.get("measurementType", entry["type"])
                if name != "net-consumption":  # a balance (imported - exported): it falls while exporting
                    lifetimes.check(f"production.json {name}", entry["whLifetime"], when)
                if name in ("production", "total-consumption"):
                    daily.check(f"production.json {name} today", entry["whToday"], day, when)
        socs = _socs(source)
        for soc in socs:
            assert 0 <= soc <= 100
            assert soc >= reserve - 1, f"battery at {soc}% below the {reserve}% reserve at {when}"
        socs_seen += socs

    # a week of reports at a 5-minute cadence from every inverter
    assert len(reports) == len(source.house.config.inverters)
    # "today" restarted at each of the 7 local midnights, and production was real
    assert all(count == 7 for count in daily.resets.values()), daily.resets
    assert peak_pv > 500
    lifetime_delta = get(source, "/api/v1/production")["wattHoursLifetime"] - first_lifetime
    assert lifetime_delta == pytest.approx(integrated_wh, rel=0.05)
    if socs_seen:
        assert max(socs_seen) - min(socs_seen) > 20  # the batteries actually cycle

    if hw.has_ct:
        end = _meter_totals(source)
        delta = {key: end[key] - first_totals[key] for key in end}
        pv = delta["production:in"]
        load = delta["total-consumption:in"]
        grid = delta["net-consumption:in"] - delta["net-consumption:out"]
        battery = delta.get("storage:in", 0.0) - delta.get("storage:out", 0.0)
        assert pv > 50_000
        assert load > 30_000
        assert pv + grid + battery - load == pytest.approx(0, abs=0.01 * load)

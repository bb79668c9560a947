"""What the synthetic profiles do over time and across sizes: identity pages, counts, seeds, counters, reports."""

from __future__ import annotations

import itertools
import xml.etree.ElementTree as ET

import pytest

from iqgateway.simulator.clock import SimClock
from iqgateway.simulator.profiles import PROFILES, ProfileSource, make_profile
from tests.shared import CAPTURES

from .profile_helpers import START, get_json, new_profile

GEN = "8.3.5169_with_generator"


def _info(source: ProfileSource) -> ET.Element:
    reply = source.respond("GET", "/info", "", b"")
    assert (reply.status, reply.content_type) == (200, "text/xml")
    return ET.fromstring(reply.body)


@pytest.mark.parametrize("profile", PROFILES)
def test_info_xml_like_the_device(sources: dict[str, ProfileSource], profile: str) -> None:
    source = sources[profile]
    root = _info(source)
    legacy = profile == "legacy"
    reference = ET.fromstring((CAPTURES / ("3.8.10" if legacy else GEN) / "info").read_bytes())
    device, ref_device = root.find("device"), reference.find("device")
    assert device is not None
    assert ref_device is not None
    assert [c.tag for c in device] == [c.tag for c in ref_device]
    assert device.findtext("sn") == source.serial
    software = device.findtext("software") or ""
    assert software[0] in "RDM"
    assert software[1:] == source.firmware
    if not legacy:
        assert device.findtext("imeter") == ("false" if profile == "standard" else "true")
        assert root.findtext("web-tokens") == "true"
    assert root.find("package") is not None


def test_legacy_pages_are_html() -> None:
    source = new_profile("legacy")
    page = source.respond("GET", "/production", "", b"")
    assert (page.status, page.content_type) == (200, "text/html")
    watts_now = get_json(source, "/api/v1/production")["wattsNow"]
    assert b"System Energy Production" in page.body
    assert f"{watts_now / 1000:5.3g} kW".encode() in page.body or f"{watts_now:5.0f} W".encode() in page.body
    not_json = source.respond("GET", "/production.json", "", b"")
    assert not_json.status == 200
    assert b"Page Not Found" in not_json.body
    inverters = get_json(source, "/api/v1/production/inverters")
    assert len(inverters) == 12
    assert all("devType" not in inv for inv in inverters)


def test_sizes_200_inverters_and_device_data_limit() -> None:
    source = new_profile("full-us", inverters=200, batteries=4)
    inverters = get_json(source, "/api/v1/production/inverters")
    assert len(inverters) == 200
    assert len({inv["serialNumber"] for inv in inverters}) == 200
    data = get_json(source, "/ivp/pdm/device_data")
    devices = {k: v for k, v in data.items() if k not in ("deviceCount", "deviceDataLimit")}
    assert len(devices) == 50
    assert data["deviceDataLimit"] == 50
    assert data["deviceCount"] == 200 + 2  # inverters + production and consumption CTs
    assert [d["sn"] for d in devices.values()] == [inv["serialNumber"] for inv in inverters[:50]]
    production = get_json(source, "/production.json", "details=1")
    assert production["production"][0]["activeCount"] == 200
    assert (
        production["production"][0]["wNow"] == sum(inv["lastReportWatts"] for inv in inverters)
        or abs(production["production"][0]["wNow"] - sum(inv["lastReportWatts"] for inv in inverters)) <= 200
    )
    inventory = get_json(source, "/ivp/ensemble/inventory")
    encharge = next(g for g in inventory if g["type"] == "ENCHARGE")
    assert len(encharge["devices"]) == 4
    assert len(get_json(source, "/ivp/ensemble/power")["devices:"]) == 4


def test_defaults_and_counts_per_profile(sources: dict[str, ProfileSource]) -> None:
    counts = {name: len(get_json(src, "/api/v1/production/inverters")) for name, src in sources.items()}
    assert counts == {
        "legacy": 12,
        "standard": 16,
        "metered": 16,
        "metered-500": 500,
        "metered-3phase": 18,
        "total-consumption-ct": 16,
        "battery-eu": 16,
        "full-us": 20,
        "acb": 8 + 2,  # AC Batteries are listed with devType 11
        "collar": 17,
        "battery-total-ct": 16,
    }
    meters = get_json(sources["collar"], "/ivp/meters")
    assert [(m["measurementType"], m["state"]) for m in meters] == [
        ("production", "enabled"),
        ("net-consumption", "enabled"),
        ("storage", "enabled"),
        ("backfeed", "enabled"),
        ("load", "disabled"),
        ("evse", "disabled"),
        ("pv3p", "disabled"),
    ]
    full = get_json(sources["full-us"], "/ivp/ensemble/dry_contacts")
    assert [r["id"] for r in full["dry_contacts"]] == ["NC1", "NC2", "NO1", "NO2"]
    three = get_json(sources["metered-3phase"], "/production.json", "details=1")
    assert len(three["production"][1]["lines"]) == 3
    assert {m["phaseMode"] for m in get_json(sources["battery-eu"], "/ivp/meters")} == {"three"}
    assert get_json(sources["full-us"], "/ivp/ensemble/generator")["present"] == 1


def test_same_seed_same_answers_and_seed_changes_them() -> None:
    a, b = new_profile("metered", inverters=5), new_profile("metered", inverters=5)
    for src in (a, b):
        src.clock.advance(3600)
    doc_a = get_json(a, "/ivp/meters/readings")
    assert doc_a == get_json(b, "/ivp/meters/readings")
    other = make_profile("metered", inverters=5, clock=SimClock(START, speed=0, tz="America/Chicago"), seed=4)
    other.clock.advance(3600)
    assert get_json(other, "/ivp/meters/readings") != doc_a


def test_counters_do_not_depend_on_polling_rate() -> None:
    often, once = new_profile("full-us"), new_profile("full-us")
    for _ in range(120):
        often.clock.advance(37)
        get_json(often, "/production.json", "details=1")
    once.clock.advance(37 * 120)
    assert get_json(often, "/ivp/meters/readings") == get_json(once, "/ivp/meters/readings")
    assert get_json(often, "/api/v1/production/inverters") == get_json(once, "/api/v1/production/inverters")


def test_hooks_reboot_upgrade_reset_lifetime() -> None:
    source = new_profile("standard")
    before = get_json(source, "/api/v1/production")
    assert before["wattHoursToday"] > 1000  # 13:05 on a June day
    source.reboot()
    source.clock.advance(300)
    after = get_json(source, "/api/v1/production")
    assert 0 <= after["wattHoursToday"] < 1000
    assert after["wattHoursLifetime"] >= before["wattHoursLifetime"]
    source.reset_lifetime()
    assert get_json(source, "/api/v1/production")["wattHoursLifetime"] == 0
    source.clock.advance(600)
    assert 0 < get_json(source, "/api/v1/production")["wattHoursLifetime"] < 2000
    source.upgrade_firmware("D8.2.4345")
    assert source.firmware == "8.2.4345"
    assert _info(source).findtext("device/software") == "D8.2.4345"
    assert source.respond("GET", "/ivp/pdm/device_data", "", b"").status == 200


def test_phase_values_are_plausible(sources: dict[str, ProfileSource]) -> None:
    us = get_json(sources["full-us"], "/ivp/meters/readings")
    eu = get_json(sources["metered-3phase"], "/ivp/meters/readings")
    for channel in us[0]["channels"][:2]:
        assert 115 < channel["voltage"] < 127
        assert 59.9 < channel["freq"] < 60.1
    assert us[0]["channels"][2]["voltage"] == 0.0
    assert 235 < us[0]["voltage"] < 254  # split phase: the two legs add up
    for channel in eu[0]["channels"]:
        assert 225 < channel["voltage"] < 242
        assert 49.9 < channel["freq"] < 50.1
        if channel["activePower"] > 50:
            assert 0.5 < channel["pwrFactor"] <= 1.0
            assert channel["current"] == pytest.approx(channel["apparentPower"] / channel["voltage"], rel=0.01)


def test_inverters_change_only_at_their_own_report_times() -> None:
    source = new_profile("metered", inverters=6)
    seen: dict[str, list[tuple[int, int]]] = {}
    for _ in range(40):
        source.clock.advance(30)
        now = source.clock.timestamp()
        for inv in get_json(source, "/api/v1/production/inverters"):
            assert now - 300 < inv["lastReportDate"] <= now
            seen.setdefault(inv["serialNumber"], []).append((inv["lastReportDate"], inv["lastReportWatts"]))
    offsets = set()
    for history in seen.values():
        dates = sorted({date for date, _ in history})
        assert all(b - a == 300 for a, b in itertools.pairwise(dates))
        assert len(dates) in (4, 5)  # 20 minutes seen: a report every 5 minutes
        for date in dates:
            assert len({watts for d, watts in history if d == date}) == 1
        offsets.add(dates[0] % 300)
    assert len(offsets) > 1  # staggered, not all at once

"""DailyEnergy: today and last seven days from lifetime counters at local midnight."""

from __future__ import annotations

import json
from datetime import date, datetime
from zoneinfo import ZoneInfo

import pytest

from iqgateway.derived.daily_energy import DailyEnergy, DailySource, local_midnight
from iqgateway.errors import InvalidState

BERLIN = ZoneInfo("Europe/Berlin")


def at(day: int, hour: int, minute: int = 0, *, month: int = 6) -> float:
    return datetime(2026, month, day, hour, minute, tzinfo=BERLIN).timestamp()


def steady(energy: DailyEnergy, start: float, end: float, *, watts: float, base: float = 1_000_000.0,
           step_s: float = 600.0, key: str = "production") -> float:
    """Readings of a counter rising at `watts` from `base` at `start`; returns the last lifetime value."""
    t = start
    value = base
    while t <= end:
        value = base + watts * (t - start) / 3600.0
        energy.observe(key, t, value)
        t += step_s
    return value


def test_the_midnight_close_is_interpolated_between_the_readings_either_side() -> None:
    energy = DailyEnergy(BERLIN)
    energy.observe("production", at(20, 23, 50), 1000.0)
    figures = energy.observe("production", at(21, 0, 10), 1200.0)
    assert energy.closes("production") == {date(2026, 6, 21): 1100.0}
    assert figures.today_wh == 100.0
    assert figures.today_source == DailySource.CLOSES
    assert energy.observe("production", at(21, 12), 5000.0).today_wh == 3900.0


@pytest.mark.parametrize(("device_today", "close"), [(300.0, 1700.0), (1200.0, 1500.0), (None, 1500.0)],
                         ids=["device-fits-the-gap", "device-above-the-rise", "no-device-figure"])
def test_over_a_long_gap_the_device_today_places_the_close_where_it_fits(device_today: float | None,
                                                                        close: float) -> None:
    energy = DailyEnergy(BERLIN)
    energy.observe("production", at(20, 23), 1000.0)
    figures = energy.observe("production", at(21, 1), 2000.0, device_today_wh=device_today)
    assert energy.closes("production") == {date(2026, 6, 21): close}
    assert figures.today_wh == 2000.0 - close


@pytest.mark.parametrize(("day", "month", "hours"), [(29, 3, 23), (25, 10, 25), (21, 6, 24)],
                         ids=["spring-23h", "autumn-25h", "june-24h"])
def test_a_dst_day_counts_its_real_hours(day: int, month: int, hours: int) -> None:
    energy = DailyEnergy(BERLIN)
    start = local_midnight(date(2026, month, day - 1), BERLIN)
    end = local_midnight(date(2026, month, day + 1), BERLIN) - 60
    steady(energy, start, end, watts=1000.0, step_s=300.0)
    last_reading = end - (end - start) % 300.0
    figures = energy.observe("production", last_reading, 1_000_000.0 + (last_reading - start) / 3.6)
    since_midnight_h = (last_reading - local_midnight(date(2026, month, day), BERLIN)) / 3600.0
    assert since_midnight_h == pytest.approx(hours - 5 / 60)
    assert figures.today_wh == pytest.approx(1000.0 * since_midnight_h)


def test_a_gap_over_six_hours_leaves_the_day_without_a_close() -> None:
    energy = DailyEnergy(BERLIN)
    energy.observe("production", at(20, 20), 1000.0)
    figures = energy.observe("production", at(21, 3), 1500.0)
    assert figures.today_wh is None
    assert energy.closes("production") == {}
    # next midnight is bridged again
    energy.observe("production", at(21, 23, 55), 30_000.0)
    assert energy.observe("production", at(22, 0, 5), 30_010.0).today_wh == pytest.approx(5.0)


def test_after_a_gap_the_device_figure_seeds_the_day_when_it_is_plausible() -> None:
    energy = DailyEnergy(BERLIN, rated_power_w=4000.0)
    energy.observe("production", at(20, 18), 100_000.0)
    # 10:00 next day: 12 kWh since midnight is within 4 kW x 10 h and below the rise since 18:00
    figures = energy.observe("production", at(21, 10), 115_000.0, device_today_wh=12_000.0, bounded=True)
    assert figures.today_wh == 12_000.0
    assert figures.today_source == DailySource.DEVICE
    assert energy.observe("production", at(21, 11), 118_000.0).today_wh == 15_000.0


@pytest.mark.parametrize(
    ("device_today", "why"),
    [(16_000.0, "more than the counter rose since the reading before midnight"),
     (-5.0, "negative"),
     (14_900.0, "more than 1 kW could make in 10 hours")],
)
def test_after_a_gap_an_implausible_device_figure_leaves_today_unknown(device_today: float, why: str) -> None:
    energy = DailyEnergy(BERLIN, rated_power_w=1000.0 if "1 kW" in why else 4000.0)
    energy.observe("production", at(20, 18), 100_000.0)
    figures = energy.observe("production", at(21, 10), 115_000.0, device_today_wh=device_today, bounded=True)
    assert figures.today_wh is None, why
    assert figures.device_today_wh == device_today
    assert figures.device_disagrees


def test_a_first_reading_keeps_the_device_figure_below_half_its_lifetime_counter() -> None:
    energy = DailyEnergy(BERLIN, rated_power_w=100.0)  # no since-midnight bound without history
    figures = energy.observe("production", at(21, 1), 13_431_000.0, device_today_wh=21_000.0,
                             device_seven_days_wh=140_000.0, bounded=True)
    assert figures.today_wh == 21_000.0
    assert figures.last_seven_days_wh is None  # 140 kWh is more than 7 x 24 h x 100 W
    assert not DailyEnergy(BERLIN).observe("production", at(21, 1), 13_431_000.0, device_today_wh=21_000.0,
                                           device_seven_days_wh=140_000.0).device_disagrees


@pytest.mark.parametrize(("today", "week", "want_today", "want_week"), [
    (13_431_000.0, 13_431_000.0, None, None),  # "today" = lifetime (8.3.5433)
    (10_000.0, 13_419_000.0, 10_000.0, None),  # a 7-day figure of 99.9 % of lifetime
    (10_000.0, 6_715_500.0, 10_000.0, None),  # exactly half
    (10_000.0, 6_715_000.0, 10_000.0, 6_715_000.0),  # just below half
])
def test_device_figures_of_half_the_lifetime_counter_are_not_daily(
    today: float, week: float, want_today: float | None, want_week: float | None
) -> None:
    figures = DailyEnergy(BERLIN).observe("production", at(21, 15), 13_431_000.0, device_today_wh=today,
                                          device_seven_days_wh=week)
    assert (figures.today_wh, figures.last_seven_days_wh) == (want_today, want_week)
    assert figures.device_disagrees == (want_today is None or want_week is None)


def test_last_seven_days_comes_from_the_close_six_midnights_back() -> None:
    energy = DailyEnergy(BERLIN)
    start = local_midnight(date(2026, 6, 10), BERLIN) - 1800
    steady(energy, start, at(18, 12), watts=1000.0)
    figures = energy.observe("production", at(18, 12), 1_000_000.0 + (at(18, 12) - start) / 3.6,
                             device_seven_days_wh=1.0)
    assert figures.last_seven_days_wh == pytest.approx(6 * 24_000.0 + 12_000.0)
    assert figures.last_seven_days_source == DailySource.CLOSES
    assert figures.device_disagrees
    assert min(energy.closes("production")) >= date(2026, 6, 10)
    assert len(energy.closes("production")) <= 9


def test_a_one_reading_spike_is_ignored_and_a_persisting_reset_counts_nothing_for_the_jump() -> None:
    energy = DailyEnergy(BERLIN)
    energy.observe("production", at(20, 23, 55), 50_000.0)
    energy.observe("production", at(21, 0, 5), 50_010.0)
    energy.observe("production", at(21, 10), 53_000.0)
    spiked = energy.observe("production", at(21, 10, 5), 53_100.0 + 2**32)
    assert spiked.today_wh == 2_995.0
    assert energy.observe("production", at(21, 10, 10), 53_200.0).today_wh == 3_195.0
    energy.observe("production", at(21, 10, 15), 3.0)  # the counter restarts from zero
    figures = energy.observe("production", at(21, 10, 20), 103.0)
    assert figures.today_wh == 3_295.0
    assert energy.observe("production", at(21, 11), 1_103.0).today_wh == 4_295.0


def test_a_signed_counter_falls_while_the_house_exports() -> None:
    energy = DailyEnergy(BERLIN)
    energy.observe("consumption_net", at(20, 23, 55), 8_000.0, signed=True)
    energy.observe("consumption_net", at(21, 0, 5), 8_020.0, signed=True)
    figures = energy.observe("consumption_net", at(21, 13), 2_010.0, signed=True)
    assert figures.today_wh == -6_000.0
    one_shot = DailyEnergy(BERLIN).observe("consumption_net", at(21, 13), -500_000.0, device_today_wh=-10_000.0,
                                           signed=True)
    assert one_shot.today_wh == -10_000.0


def test_state_survives_a_restart_through_json() -> None:
    energy = DailyEnergy(BERLIN)
    energy.observe("production", at(20, 23, 50), 1000.0)
    energy.observe("production", at(21, 0, 10), 1200.0)
    energy.observe("production", at(21, 1), 1300.0 + 2**32)  # pending glitch travels too
    restored = DailyEnergy.from_state(json.loads(json.dumps(energy.to_state())), BERLIN)
    assert restored.to_state() == energy.to_state()
    assert restored.observe("production", at(21, 2), 1400.0).today_wh == 300.0


@pytest.mark.parametrize(("state", "says"), [
    ({"version": 9, "counters": {}}, "not a version 1"),
    ({"version": 1, "counters": []}, "counters is not a mapping"),
    ({"version": 1, "counters": {"production": {"signed": False, "offset": 0, "ref": [1, 2], "pending": None,
                                                "closes": {}}}}, "counter 'production': ref is not [value, time"),
    ({"version": 1, "counters": {"production": {"signed": False, "offset": 0, "ref": None, "pending": None,
                                                "closes": {"June": 5}}}}, "'June' is not a date"),
    ({"version": 1, "counters": {"production": {"signed": "no", "offset": 0, "ref": None, "pending": None,
                                                "closes": {}}}}, "signed is not true or false"),
    ({"version": 1, "counters": {"production": {"signed": False, "offset": "x", "ref": None, "pending": None,
                                                "closes": {}}}}, "offset is not a number"),
])
def test_a_bad_state_is_a_typed_error_naming_what_is_wrong(state: dict[str, object], says: str) -> None:
    with pytest.raises(InvalidState, match="cannot restore the daily energy closes") as caught:
        DailyEnergy.from_state(state, BERLIN)
    assert says in str(caught.value)


def test_a_day_seeded_from_the_device_follows_its_late_reset() -> None:
    energy = DailyEnergy(BERLIN, rated_power_w=5000.0)
    # the first reading ever, five minutes after midnight: the device still shows yesterday's 30 kWh
    first = energy.observe("production", at(21, 0, 5), 2_000_000.0, device_today_wh=30_000.0, bounded=True)
    assert first.today_wh == 30_000.0  # plausible without history
    # with history, 30 kWh in ten minutes is more than 5 kW makes: no figure rather than a wrong one
    assert energy.observe("production", at(21, 0, 10), 2_000_000.0, device_today_wh=30_000.0,
                          bounded=True).today_wh is None
    # the device resets at last: the day follows it from there
    assert energy.observe("production", at(21, 0, 20), 2_000_000.0, device_today_wh=0.0,
                          bounded=True).today_wh == 0.0
    assert energy.observe("production", at(21, 9), 2_004_000.0).today_wh == 4_000.0

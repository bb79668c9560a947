"""A one-shot read with a time zone: every capture keeps its device daily figures unless half its lifetime."""

from __future__ import annotations

from zoneinfo import ZoneInfo

import pytest

from iqgateway.derived.daily_energy import DailyEnergy
from iqgateway.derived.daily_readings import apply_daily
from iqgateway.models import EnergyReading
from tests.lib.test_assemble_captures import read_capture
from tests.shared import capture_names

ZONE = ZoneInfo("America/New_York")


def pairs(name: str, reading: EnergyReading | None) -> list[tuple[str, EnergyReading]]:
    if reading is None:
        return []
    out = [(name, reading)]
    for phase, line in (reading.phases or {}).items():
        out += pairs(f"{name}.{phase}", line)
    return out


def expected(device: float | None, lifetime: float | None, signed: bool) -> float | None:
    if device is None or lifetime is None:
        return None
    if signed:
        return None if lifetime > 0 and device >= lifetime / 2 else device
    return device if 0 <= device < lifetime / 2 else None


@pytest.mark.parametrize("name", capture_names())
def test_a_one_shot_read_keeps_plausible_device_figures(name: str) -> None:
    data = read_capture(name)
    rebuilt, figures = apply_daily(DailyEnergy(ZONE), data)
    checked = 0
    for block in ("production", "consumption_total", "consumption_net"):
        signed = block == "consumption_net"
        before = dict(pairs(block, getattr(data, block)))
        for key, reading in pairs(block, getattr(rebuilt, block)):
            device = before[key]
            assert reading.device_wh_today == device.wh_today
            assert reading.device_wh_last_seven_days == device.wh_last_seven_days
            if device.wh_lifetime is None:
                continue
            assert reading.wh_today == expected(device.wh_today, device.wh_lifetime, signed), key
            assert reading.wh_last_seven_days == expected(device.wh_last_seven_days, device.wh_lifetime,
                                                          signed), key
            assert figures[key].today_wh == reading.wh_today
            checked += 1
    assert checked == sum(1 for block in ("production", "consumption_total", "consumption_net")
                          for _key, r in pairs(block, getattr(data, block)) if r.wh_lifetime is not None)


def test_a_seven_day_figure_of_99_9_percent_of_lifetime_is_not_reported() -> None:
    data = read_capture("8.2.4286_with_3cts_and_battery_split")
    assert data.production is not None
    assert data.production.wh_last_seven_days is not None
    assert data.production.wh_lifetime is not None
    assert data.production.wh_last_seven_days > 0.99 * data.production.wh_lifetime
    rebuilt, _ = apply_daily(DailyEnergy(ZONE), data)
    assert rebuilt.production is not None
    assert rebuilt.production.wh_last_seven_days is None
    assert rebuilt.production.device_wh_last_seven_days == data.production.wh_last_seven_days
    assert rebuilt.production.device_daily_disagrees

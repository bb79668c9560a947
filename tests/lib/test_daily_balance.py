"""DailyEnergy's signed counters: their rises and falls (grid import and export of the balanced net counter)."""

from __future__ import annotations

import json
from datetime import datetime
from zoneinfo import ZoneInfo

from iqgateway.derived.daily_energy import DailyEnergy

BERLIN = ZoneInfo("Europe/Berlin")


def at(hour: int, minute: int = 0) -> float:
    return datetime(2026, 6, 21, hour, minute, tzinfo=BERLIN).timestamp()


def test_rises_and_falls_add_up_and_survive_a_restart() -> None:
    energy = DailyEnergy(BERLIN)
    for minute, value in ((0, 500.0), (10, 800.0), (20, 650.0), (30, 400.0)):
        energy.observe("consumption_net", at(9, minute), value, signed=True)
    assert energy.balance("consumption_net") == (300.0, 400.0)
    restored = DailyEnergy.from_state(json.loads(json.dumps(energy.to_state())), BERLIN)
    restored.observe("consumption_net", at(9, 40), 900.0, signed=True)
    assert restored.balance("consumption_net") == (800.0, 400.0)


def test_a_spike_counts_for_neither_side() -> None:
    energy = DailyEnergy(BERLIN)
    energy.observe("consumption_net", at(9), 500.0, signed=True)
    energy.observe("consumption_net", at(9, 10), 500.0 + 2.0**32, signed=True)
    energy.observe("consumption_net", at(9, 20), 450.0, signed=True)
    assert energy.balance("consumption_net") == (0.0, 50.0)


def test_an_unsigned_counter_has_no_balance() -> None:
    energy = DailyEnergy(BERLIN)
    energy.observe("production", at(9), 500.0)
    assert energy.balance("production") is None
    assert energy.balance("absent") is None

"""GridEnergy: import/export from the balanced net lifetime counter, glitches, restore, property tests."""

from __future__ import annotations

import dataclasses
import itertools
import json
import math
from collections.abc import Mapping
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from iqgateway import IQGatewayError
from iqgateway.derived import GridEnergy, GridEnergyTotals, balanced_net_reading
from iqgateway.models import DeviceInfo, EndpointStatus, EnergyReading, Feature, Features, GatewayData

PRODUCTION = "/production.json?details=1"
T0 = 1_782_000_000.0
SPIKE = 2.0**32


def snapshot(net_wh: float | None, phases: Mapping[str, float] | None = None, *, at: float = T0,
             raw: Mapping[str, Any] | None = None, stale: bool = False) -> GatewayData:
    """A two-phase total-consumption-CT gateway's snapshot with the given net-consumption lifetime counters."""
    info = DeviceInfo(serial="202312340001", part_number="800-00654-r08", firmware="8.3.5169",
                      firmware_channel="D", metered=True, firmware_version=(8, 3, 5169))
    features = Features(names=frozenset({Feature.PRODUCTION, Feature.TOTAL_CONSUMPTION}),
                        production_source=PRODUCTION, inverter_source=None, phase_count=2, phase_mode="split",
                        endpoints=(PRODUCTION,))
    net = None
    if net_wh is not None:
        net = EnergyReading(watts_now=None, wh_today=None, wh_last_seven_days=None, wh_lifetime=net_wh,
                            phases={name: EnergyReading(None, None, None, value) for name, value in
                                    (phases or {}).items()} or None)
    status = EndpointStatus(path=PRODUCTION, fetched_at=at, age_s=0.0, stale=stale)
    return GatewayData(info=info, features=features, phase_count=2, phase_mode="split", production=None,
                       consumption_total=None, consumption_net=net, meters={}, inverters={}, encharge=None,
                       encharge_aggregate=None, enpower=None, acb=None, battery_aggregate=None, dry_contacts=None,
                       storage_settings=None, collar=None, c6cc=None, generator=None, updated_at=at,
                       endpoints={PRODUCTION: status}, raw=dict(raw or {}))


def feed(energy: GridEnergy, values: list[float], *, start: float = T0, step_s: float = 60.0) -> None:
    for i, value in enumerate(values):
        energy.observe(start + i * step_s, value)


def test_rises_are_import_falls_are_export_in_total_and_per_phase() -> None:
    energy = GridEnergy()
    readings = [
        (10_000.0, {"L1": 6_000.0, "L2": 4_000.0}),
        (10_012.5, {"L1": 6_010.0, "L2": 4_002.5}),   # importing on both legs
        (10_004.0, {"L1": 6_012.0, "L2": 3_992.0}),   # L1 imports 2, L2 exports 10.5
        (9_990.0, {"L1": 6_005.0, "L2": 3_985.0}),    # exporting on both
        (9_990.0, {"L1": 6_005.0, "L2": 3_985.0}),
    ]
    for i, (net, phases) in enumerate(readings):
        assert energy.update(snapshot(net, phases, at=T0 + 60 * i))
    assert energy.total == GridEnergyTotals(imported_wh=12.5, exported_wh=22.5)
    assert energy.phases["L1"] == GridEnergyTotals(imported_wh=12.0, exported_wh=7.0)
    assert energy.phases["L2"] == GridEnergyTotals(imported_wh=2.5, exported_wh=17.5)
    total = energy.total
    assert total.imported_wh - total.exported_wh == pytest.approx(9_990.0 - 10_000.0)


def test_nothing_is_counted_before_a_first_reading() -> None:
    energy = GridEnergy()
    assert energy.total is None
    assert not energy.started
    assert not energy.update(snapshot(None))
    energy.update(snapshot(500.0))
    assert energy.total == GridEnergyTotals(0.0, 0.0)


@pytest.mark.parametrize("glitch", [10_000.0 + SPIKE, 0.0, -SPIKE])
def test_a_one_poll_glitch_moves_nothing_and_loses_nothing(glitch: float) -> None:
    energy = GridEnergy()
    feed(energy, [10_000.0, 10_020.0])
    before = energy.total
    energy.observe(T0 + 120, glitch)
    assert energy.total == before
    energy.observe(T0 + 180, 10_050.0)  # counted from the last good reading: the glitch interval is not lost
    assert energy.total == GridEnergyTotals(imported_wh=50.0, exported_wh=0.0)


def test_a_spike_lasting_two_polls_is_never_counted() -> None:
    energy = GridEnergy()
    feed(energy, [10_000.0, 10_010.0, 10_010.0 + SPIKE, 10_020.0 + SPIKE, 10_030.0, 10_025.0])
    # followed the spike once confirmed (its 10 Wh step counts), never its jumps
    assert energy.total == GridEnergyTotals(imported_wh=20.0, exported_wh=5.0)


def test_a_counter_reset_is_followed_without_counting_the_jump() -> None:
    energy = GridEnergy()
    feed(energy, [8_400_000.0, 8_400_030.0, 0.0, 12.0, 40.0, 35.0])
    # the step to 0 (and the minute it hid) is not counted; from the confirmed reset on, steps count again
    assert energy.total == GridEnergyTotals(imported_wh=30.0 + 12.0 + 28.0, exported_wh=5.0)


def test_a_step_faster_than_the_grid_allows_is_not_counted_but_a_long_gap_is() -> None:
    energy = GridEnergy(max_power_w=20_000)
    feed(energy, [1_000.0, 1_400.0])  # 400 Wh in a minute = 24 kW: too fast
    assert energy.total == GridEnergyTotals(0.0, 0.0)
    energy = GridEnergy(max_power_w=20_000)
    energy.observe(T0, 1_000.0)
    energy.observe(T0 + 3600, 6_000.0)  # 5 kWh over an hour (the gateway was not read meanwhile)
    assert energy.total == GridEnergyTotals(imported_wh=5_000.0, exported_wh=0.0)


def test_stale_or_repeated_snapshots_are_skipped() -> None:
    energy = GridEnergy()
    assert energy.update(snapshot(1_000.0, at=T0))
    assert not energy.update(snapshot(1_050.0, at=T0 + 60, stale=True))
    assert not energy.update(snapshot(1_050.0, at=T0))  # the same fetch again (not due this cycle)
    assert energy.update(snapshot(1_040.0, at=T0 + 120))
    assert energy.total == GridEnergyTotals(imported_wh=40.0, exported_wh=0.0)


def test_the_device_counter_wins_over_a_counter_held_by_the_energy_guard() -> None:
    """The Gateway's EnergyGuard holds a one-poll zero; the device's own counter is what the accumulator reads."""
    def device(net: float, held: float, at: float) -> GatewayData:
        data = snapshot(held, at=at)
        return dataclasses.replace(data, consumption_net_device=EnergyReading(None, None, None, net))

    energy = GridEnergy()
    energy.update(device(5_000.0, 5_000.0, T0))
    held = device(4_980.0, 5_000.0, T0 + 60)
    reading = balanced_net_reading(held)
    assert reading is not None
    assert reading.wh_lifetime == 4_980.0
    energy.update(held)
    assert energy.total == GridEnergyTotals(imported_wh=0.0, exported_wh=20.0)


def test_restore_continues_without_a_jump() -> None:
    values = [1_000.0, 1_010.0, 1_004.0, 1_004.0 + SPIKE, 1_030.0, 1_020.0, 1_060.0]
    straight = GridEnergy()
    feed(straight, values)
    first = GridEnergy()
    feed(first, values[:4])
    restored = GridEnergy.from_state(json.loads(json.dumps(first.to_state())))
    assert restored.total == first.total
    for i, value in enumerate(values[4:], start=4):
        restored.observe(T0 + 60 * i, value)
    assert restored.total == straight.total


@pytest.mark.parametrize("state", [
    {}, {"version": 99}, {"version": 1, "total": "x"},
    {"version": 1, "total": {"imported_wh": -1, "exported_wh": 0, "ref": None}},
    {"version": 1, "total": {"imported_wh": 1, "exported_wh": 0, "ref": [1]}},
    {"version": 1, "total": {"imported_wh": 1, "exported_wh": 0, "ref": None}, "phases": []},
])
def test_a_broken_state_is_a_typed_error(state: dict[str, Any]) -> None:
    with pytest.raises(IQGatewayError, match="cannot restore grid energy"):
        GridEnergy.from_state(state)


def test_description_says_how_it_is_derived() -> None:
    text = GridEnergy(max_power_w=50_000).description
    assert "net-consumption whLifetime" in text
    assert "50 kW" in text


_values = st.one_of(
    st.floats(allow_nan=True, allow_infinity=True),
    st.floats(min_value=-1e7, max_value=1e7),
    st.sampled_from([0.0, SPIKE, -SPIKE]),
)
_steps = st.lists(st.tuples(st.floats(min_value=-120, max_value=4000, allow_nan=False), _values,
                            _values, _values), max_size=60)


@settings(max_examples=200, deadline=None)
@given(_steps)
def test_totals_never_decrease_whatever_the_inputs(steps: list[tuple[float, float, float, float]]) -> None:
    energy = GridEnergy()
    at = T0
    seen: list[tuple[float, float]] = []
    for dt, total, l1, l2 in steps:
        at += dt
        energy.observe(at, total, {"L1": l1, "L2": l2})
        for totals in ([energy.total] if energy.total else []) + list(energy.phases.values()):
            assert math.isfinite(totals.imported_wh)
            assert math.isfinite(totals.exported_wh)
            assert totals.imported_wh >= 0
            assert totals.exported_wh >= 0
        if energy.total is not None:
            seen.append((energy.total.imported_wh, energy.total.exported_wh))
    assert all(a[0] <= b[0] and a[1] <= b[1] for a, b in itertools.pairwise(seen))


@settings(max_examples=200, deadline=None)
@given(st.lists(st.floats(min_value=-1_600, max_value=1_600, allow_nan=False), min_size=1, max_size=60),
       st.floats(min_value=-1e7, max_value=1e7, allow_nan=False))
def test_plausible_steps_balance_to_the_counter_change(deltas: list[float], start: float) -> None:
    energy = GridEnergy()
    value = start
    energy.observe(T0, value)
    for i, delta in enumerate(deltas, start=1):
        value += delta
        if value == 0:
            value = 0.5  # an exact zero is treated as the zero glitch
        energy.observe(T0 + 60 * i, value)
    assert energy.total is not None
    balance = energy.total.imported_wh - energy.total.exported_wh
    assert balance == pytest.approx(value - start, abs=1e-6 * max(1.0, abs(start)))


@settings(max_examples=100, deadline=None)
@given(st.lists(_values, min_size=2, max_size=40), st.integers(min_value=1, max_value=39))
def test_a_restore_anywhere_changes_nothing(values: list[float], cut: int) -> None:
    straight = GridEnergy()
    feed(straight, values)
    first = GridEnergy()
    feed(first, values[:cut])
    restored = GridEnergy.from_state(json.loads(json.dumps(first.to_state())))
    for i, value in enumerate(values[cut:], start=cut):
        restored.observe(T0 + 60 * i, value)
    assert restored.total == straight.total

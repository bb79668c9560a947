"""BatteryEnergy: trapezoidal integration of the batteries' power, gaps, glitches, restore, property tests."""

from __future__ import annotations

import itertools
import json
import math
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from iqgateway import IQGatewayError
from iqgateway.derived import BatteryEnergy, battery_power
from iqgateway.models import (
    AcBatteries,
    DeviceInfo,
    EnchargeBattery,
    EndpointStatus,
    Feature,
    Features,
    GatewayData,
)

POWER = "/ivp/ensemble/power"
PRODUCTION = "/production.json?details=1"
T0 = 1_782_000_000.0


def iq_battery(serial: str, power_w: float | None) -> EnchargeBattery:
    return EnchargeBattery(
        serial=serial, soc_percent=50.0, temperature=20.0, temperature_unit="C", max_cell_temp_c=21.0,
        capacity_wh=3500.0, communicating=True, operating=True, dc_switch_off=False, admin_state=6,
        admin_state_str="ENCHG_STATE_READY", led_status=17, last_report_date=None, installed_date=None,
        part_number="830-01760-r42", firmware_version=None, bmu_firmware_version=None, revision=None,
        comm_level_sub_ghz=5, comm_level_2_4_ghz=5, power_soc_percent=50.0, real_power_w=power_w,
    )


def snapshot(*, iq: list[float | None] | None = None, acb: float | None = None, acb_units: int = 2,
             at: float = T0, stale: str | None = None) -> GatewayData:
    info = DeviceInfo(serial="122312340001", part_number="800-00664-r05", firmware="8.2.4382",
                      firmware_channel="D", metered=True, firmware_version=(8, 2, 4382))
    features = Features(names=frozenset({Feature.PRODUCTION, Feature.ENCHARGE}), production_source=PRODUCTION,
                        inverter_source=None, phase_count=3, phase_mode="three", endpoints=(PRODUCTION, POWER))
    encharge = None if iq is None else {f"49230001{i:04d}": iq_battery(f"49230001{i:04d}", p)
                                        for i, p in enumerate(iq)}
    ac = None if acb is None else AcBatteries(power_w=acb, charge_wh=600.0, soc_percent=50.0, state="idle",
                                              batteries=acb_units)
    endpoints = {path: EndpointStatus(path=path, fetched_at=at, age_s=0.0, stale=path == stale)
                 for path in (PRODUCTION, POWER)}
    return GatewayData(info=info, features=features, phase_count=3, phase_mode="three", production=None,
                       consumption_total=None, consumption_net=None, meters={}, inverters={}, encharge=encharge,
                       encharge_aggregate=None, enpower=None, acb=ac, battery_aggregate=None, dry_contacts=None,
                       storage_settings=None, collar=None, c6cc=None, generator=None, updated_at=at,
                       endpoints=endpoints)


def test_constant_discharge_for_an_hour() -> None:
    energy = BatteryEnergy()
    for minute in range(61):
        assert energy.update(snapshot(iq=[400.0, 350.0, 250.0], at=T0 + 60 * minute))
    assert energy.discharged_wh == pytest.approx(1000.0)
    assert energy.charged_wh == 0.0
    assert energy.source == "encharge"


def test_trapezoids_of_charging_and_discharging_power() -> None:
    energy = BatteryEnergy()
    energy.observe(T0, -1200.0)
    energy.observe(T0 + 60, -600.0)   # charging: (1200 + 600) / 2 W for a minute = 15 Wh
    assert energy.charged_wh == pytest.approx(15.0)
    energy.observe(T0 + 120, 900.0)   # switches: 600 W charging and 900 W discharging, each for half a minute
    assert energy.charged_wh == pytest.approx(15.0 + 5.0)
    assert energy.discharged_wh == pytest.approx(7.5)


def test_an_interval_longer_than_the_gap_is_not_integrated() -> None:
    energy = BatteryEnergy(max_gap_s=300)
    energy.observe(T0, 1000.0)
    energy.observe(T0 + 301, 1000.0)
    assert energy.discharged_wh == 0.0
    energy.observe(T0 + 601, 1000.0)  # 300 s: integrated
    assert energy.discharged_wh == pytest.approx(1000.0 * 300 / 3600)
    assert "300 s" in energy.description


@pytest.mark.parametrize("glitch", [2.0**32, -(2.0**32), 4.294967296e6 * 1000, math.nan, math.inf])
def test_a_power_glitch_is_dropped_and_bridged(glitch: float) -> None:
    energy = BatteryEnergy()
    assert energy.update(snapshot(iq=[500.0, 500.0], at=T0))
    assert not energy.update(snapshot(iq=[glitch, 500.0], at=T0 + 60))
    assert energy.discharged_wh == 0.0
    assert energy.update(snapshot(iq=[500.0, 500.0], at=T0 + 120))
    assert energy.discharged_wh == pytest.approx(1000.0 * 120 / 3600)  # bridged from the last good reading
    assert energy.charged_wh == 0.0


def test_stale_power_is_skipped() -> None:
    energy = BatteryEnergy()
    energy.update(snapshot(iq=[-1000.0], at=T0))
    assert not energy.update(snapshot(iq=[-1000.0], at=T0 + 60, stale=POWER))
    assert energy.update(snapshot(iq=[-1000.0], at=T0 + 120))
    assert energy.charged_wh == pytest.approx(1000.0 * 120 / 3600)


def test_power_sources() -> None:
    both = battery_power(snapshot(iq=[300.0, None, -100.0], acb=-250.0, acb_units=2))
    assert both is not None
    assert (both.power_w, both.batteries, both.source) == (-50.0, 5, "encharge+acb")
    acb = battery_power(snapshot(acb=120.0))
    assert acb is not None
    assert (acb.power_w, acb.source) == (120.0, "acb")
    assert battery_power(snapshot(iq=[None, None])) is None
    assert battery_power(snapshot()) is None


def test_ac_battery_energy_and_description() -> None:
    energy = BatteryEnergy()
    energy.update(snapshot(acb=-270.0, at=T0))
    energy.update(snapshot(acb=-270.0, at=T0 + 3600 - 3599))
    assert energy.charged_wh == pytest.approx(270.0 / 3600)
    assert energy.source == "acb"
    assert "production.json storage wNow" in energy.description


def test_nothing_before_a_first_reading() -> None:
    energy = BatteryEnergy()
    assert energy.charged_wh is None
    assert energy.discharged_wh is None
    assert not energy.update(snapshot())


def test_restore_continues_without_a_jump() -> None:
    powers = [-800.0, -900.0, 100.0, 1500.0, 1400.0, -50.0]
    straight = BatteryEnergy()
    for i, p in enumerate(powers):
        straight.observe(T0 + 60 * i, p)
    first = BatteryEnergy()
    for i, p in enumerate(powers[:3]):
        first.observe(T0 + 60 * i, p)
    restored = BatteryEnergy.from_state(json.loads(json.dumps(first.to_state())))
    assert (restored.charged_wh, restored.discharged_wh) == (first.charged_wh, first.discharged_wh)
    for i, p in enumerate(powers[3:], start=3):
        restored.observe(T0 + 60 * i, p)
    assert restored.charged_wh == pytest.approx(straight.charged_wh)
    assert restored.discharged_wh == pytest.approx(straight.discharged_wh)


@pytest.mark.parametrize("state", [
    {}, {"version": 2}, {"version": 1, "charged_wh": "1", "discharged_wh": 0},
    {"version": 1, "charged_wh": 1, "discharged_wh": -2},
    {"version": 1, "charged_wh": 1, "discharged_wh": 2, "last": [1]},
    {"version": 1, "charged_wh": 1, "discharged_wh": 2, "last": [T0, "x"]},
])
def test_a_broken_state_is_a_typed_error(state: dict[str, Any]) -> None:
    with pytest.raises(IQGatewayError, match="cannot restore battery energy"):
        BatteryEnergy.from_state(state)


_power = st.one_of(st.floats(allow_nan=True, allow_infinity=True), st.floats(min_value=-12_000, max_value=12_000),
                   st.sampled_from([0.0, 2.0**32, -(2.0**32)]))


@settings(max_examples=200, deadline=None)
@given(st.lists(st.tuples(st.floats(min_value=-100, max_value=900, allow_nan=False), _power), max_size=80))
def test_totals_never_decrease_whatever_the_inputs(samples: list[tuple[float, float]]) -> None:
    energy = BatteryEnergy()
    at = T0
    previous = (0.0, 0.0)
    for dt, power in samples:
        at += dt
        energy.observe(at, power)
        now = (energy.charged_wh or 0.0, energy.discharged_wh or 0.0)
        assert all(math.isfinite(v) and v >= 0 for v in now)
        assert now[0] >= previous[0]
        assert now[1] >= previous[1]
        previous = now


@settings(max_examples=200, deadline=None)
@given(st.lists(st.floats(min_value=-10_000, max_value=10_000, allow_nan=False), min_size=2, max_size=60))
def test_net_energy_is_the_trapezoid_of_the_signed_power(powers: list[float]) -> None:
    energy = BatteryEnergy()
    for i, p in enumerate(powers):
        energy.observe(T0 + 60 * i, p)
    expected = sum((a + b) / 2 * 60 / 3600 for a, b in itertools.pairwise(powers))
    assert energy.discharged_wh is not None
    assert energy.charged_wh is not None
    assert energy.discharged_wh - energy.charged_wh == pytest.approx(expected, abs=1e-6)

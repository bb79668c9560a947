"""EnergyGuard: glitches are held, genuine resets accepted."""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence
from datetime import UTC, datetime

import pytest

from iqgateway.guards import SPIKE_WH, CounterKind, EnergyGuard
from iqgateway.models import EnergyReading, GatewayData
from tests.lib.test_assemble_captures import read_capture

SPIKE = 2**32


def at(day: int, hour: int, minute: int = 0) -> float:
    return datetime(2026, 6, day, hour, minute, tzinfo=UTC).timestamp()


def moment(day: int, hour: int, minute: int = 0) -> datetime:
    return datetime(2026, 6, day, hour, minute, tzinfo=UTC)


@pytest.fixture
def guard() -> EnergyGuard:
    return EnergyGuard(tz=UTC)


def feed(guard: EnergyGuard, kind: CounterKind, series: Sequence[tuple[float, datetime]]) -> list[float]:
    return [guard.judge("c", kind, value, when) for value, when in series]


def test_spike_is_held(guard: EnergyGuard) -> None:
    got = feed(guard, CounterKind.LIFETIME, [(1000, moment(1, 12)), (1000 + SPIKE, moment(1, 12, 1)),
                                             (1010, moment(1, 12, 2))])
    assert got == [1000, 1000, 1010]


def test_spike_on_today_counter_is_held(guard: EnergyGuard) -> None:
    got = feed(guard, CounterKind.TODAY, [(5000, moment(1, 12)), (5000 + SPIKE, moment(1, 12, 5)),
                                          (5100, moment(1, 12, 10))])
    assert got == [5000, 5000, 5100]
    assert SPIKE_WH < SPIKE


def test_zero_is_held(guard: EnergyGuard) -> None:
    got = feed(guard, CounterKind.LIFETIME, [(1000, moment(1, 12)), (0, moment(1, 12, 1)), (1005, moment(1, 12, 2))])
    assert got == [1000, 1000, 1005]


def test_step_back_is_held(guard: EnergyGuard) -> None:
    got = feed(guard, CounterKind.LIFETIME, [(1000, moment(1, 12)), (990, moment(1, 12, 1)), (1001, moment(1, 12, 2))])
    assert got == [1000, 1000, 1001]


def test_persistent_lifetime_reset_is_accepted(guard: EnergyGuard) -> None:
    series = [(1_200_000, moment(1, 12)), (0, moment(1, 12, 1)), (5, moment(1, 12, 2)), (12, moment(1, 12, 3)),
              (20, moment(1, 12, 4))]
    assert feed(guard, CounterKind.LIFETIME, series) == [1_200_000, 1_200_000, 1_200_000, 12, 20]


def test_midday_zero_of_today_is_held(guard: EnergyGuard) -> None:
    got = feed(guard, CounterKind.TODAY, [(5000, moment(1, 12)), (0, moment(1, 12, 5)), (5050, moment(1, 12, 10))])
    assert got == [5000, 5000, 5050]


def test_new_day_reset_is_accepted(guard: EnergyGuard) -> None:
    got = feed(guard, CounterKind.TODAY, [(5000, moment(1, 23, 50)), (0, moment(2, 0, 5)), (40, moment(2, 0, 10))])
    assert got == [5000, 0, 40]


def test_late_reset_after_midnight_is_accepted_once(guard: EnergyGuard) -> None:
    series = [(5000, moment(1, 23, 55)), (5002, moment(2, 0, 5)), (0, moment(2, 0, 14)), (30, moment(2, 0, 20)),
              (0, moment(2, 0, 25)), (35, moment(2, 0, 30))]
    assert feed(guard, CounterKind.TODAY, series) == [5000, 5002, 0, 30, 30, 35]


def test_seven_day_counter_may_roll_down_but_not_to_zero(guard: EnergyGuard) -> None:
    series = [(90_000, moment(1, 23)), (70_000, moment(2, 0, 5)), (0, moment(2, 0, 10)), (70_100, moment(2, 0, 15))]
    assert feed(guard, CounterKind.WINDOW, series) == [90_000, 70_000, 70_000, 70_100]


def _with_production(data: GatewayData, lifetime: float, today: float, when: float, extra: float = 0) -> GatewayData:
    assert data.production is not None
    phases = {name: dataclasses.replace(phase, wh_lifetime=lifetime / 2 + extra)
              for name, phase in (data.production.phases or {}).items()}
    production = dataclasses.replace(data.production, wh_lifetime=lifetime + extra, wh_today=today,
                                     phases=phases or None)
    return dataclasses.replace(data, production=production, updated_at=when)


def test_apply_on_a_real_snapshot() -> None:
    base = read_capture("8.3.5169_with_generator")
    assert base.production is not None
    lifetime = base.production.wh_lifetime
    assert lifetime is not None
    guard = EnergyGuard(tz=UTC)
    first = guard.apply(_with_production(base, lifetime, 2900, at(1, 12)))
    glitch = guard.apply(_with_production(base, lifetime, 0, at(1, 12, 1), extra=SPIKE))
    assert glitch.production is not None
    assert glitch.production.wh_lifetime == lifetime
    assert glitch.production.wh_today == 2900
    assert glitch.production.phases is not None
    assert glitch.production.phases["L1"].wh_lifetime == lifetime / 2
    assert first.production == EnergyReading(
        watts_now=base.production.watts_now, wh_today=2900,
        wh_last_seven_days=base.production.wh_last_seven_days, wh_lifetime=lifetime,
        phases=first.production.phases if first.production else None)
    meter = base.meters["production"]
    assert meter.energy_delivered_wh is not None
    dropped = dataclasses.replace(base, updated_at=at(1, 12, 2), meters={
        **base.meters, "production": dataclasses.replace(meter, energy_delivered_wh=0)})
    held = guard.apply(dropped)
    assert held.meters["production"].energy_delivered_wh == meter.energy_delivered_wh
    serial = "482208990001"
    inverter = base.inverters[serial]
    assert inverter.lifetime_energy_wh is not None
    bumped = dataclasses.replace(inverter, lifetime_energy_wh=inverter.lifetime_energy_wh + SPIKE)
    spiked = dataclasses.replace(base, updated_at=at(1, 12, 3), inverters={**base.inverters, serial: bumped})
    assert guard.apply(spiked).inverters[serial].lifetime_energy_wh == inverter.lifetime_energy_wh


def test_missing_values_stay_missing(guard: EnergyGuard) -> None:
    base = read_capture("8.2.4264_metered_noct")
    kept = guard.apply(dataclasses.replace(base, updated_at=at(1, 12)))
    assert kept.production is not None
    assert kept.production.wh_today is None
    assert kept == dataclasses.replace(base, updated_at=at(1, 12))


def test_two_guards_share_nothing() -> None:
    one, two = EnergyGuard(tz=UTC), EnergyGuard(tz=UTC)
    one.judge("c", CounterKind.LIFETIME, 1000, moment(1, 12))
    assert two.judge("c", CounterKind.LIFETIME, 10, moment(1, 12)) == 10
    assert one.snapshot_keys() == {"c": 1000}


def test_signed_net_counter_may_fall_but_not_glitch(guard: EnergyGuard) -> None:
    # balanced net consumption falls while the house exports; only spikes and one-poll zeros are glitches
    series = [(8_440_000, moment(1, 12)), (8_439_200, moment(1, 12, 1)), (8_439_200 - SPIKE, moment(1, 12, 2)),
              (8_438_900, moment(1, 12, 3)), (0, moment(1, 12, 4)), (8_438_700, moment(1, 12, 5))]
    assert feed(guard, CounterKind.SIGNED, series) == [8_440_000, 8_439_200, 8_439_200, 8_438_900, 8_438_900,
                                                        8_438_700]


def test_net_consumption_lifetime_is_guarded_as_signed(guard: EnergyGuard) -> None:
    def data(net_wh: float, when: float) -> GatewayData:
        base = read_capture("7.3.517")
        net = EnergyReading(watts_now=-500, wh_today=None, wh_last_seven_days=None, wh_lifetime=net_wh)
        return dataclasses.replace(base, consumption_net=net, updated_at=when)

    first = guard.apply(data(8_440_000, at(1, 12)))
    exported = guard.apply(data(8_439_000, at(1, 12, 1)))
    assert first.consumption_net is not None
    assert exported.consumption_net is not None
    assert exported.consumption_net.wh_lifetime == 8_439_000

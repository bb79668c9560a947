"""The load policy: quiet window, latency back-off, learned hourly hangs; in isolation and against the simulator."""

from __future__ import annotations

from collections import Counter
from datetime import datetime, time
from types import MappingProxyType
from zoneinfo import ZoneInfo

import pytest

from iqgateway import Cadence, Gateway
from iqgateway.policy import LoadGovernor, LoadPolicy
from iqgateway.schedule import Schedule
from iqgateway.simulator.clock import SimClock
from iqgateway.simulator.profiles import make_profile, profile_timezone
from iqgateway.simulator.server import SimulatedEnvoy

UTC = ZoneInfo("UTC")
T0 = datetime(2026, 6, 20, 20, 0, tzinfo=UTC).timestamp()
PATH = "/ivp/pdm/device_data"


def test_slow_answers_stretch_the_interval_up_to_a_bound_and_good_ones_restore_it() -> None:
    governor = LoadGovernor(LoadPolicy(slow_s=10.0, max_stretch=4, restore_after=3), UTC)
    assert governor.stretched(PATH, 300.0) == 300.0
    stretches = []
    for _ in range(4):
        governor.note(PATH, T0, 12.0, failed=False, timed_out=False)
        stretches.append(governor.stretch(PATH))
    assert stretches == [2, 4, 4, 4]
    assert governor.stretched(PATH, 300.0) == 1200.0
    assert governor.stretched("/ivp/meters/readings", 0.0) == 0.0  # only the slow one
    governor.note("/ivp/meters/readings", T0, 1.0, failed=True, timed_out=True)
    assert governor.stretch("/ivp/meters/readings") == 2
    assert governor.stretched("/ivp/meters/readings", 0.0) == 0.0  # read on every update all the same
    for _ in range(3):
        governor.note(PATH, T0, 1.0, failed=False, timed_out=False)
    assert governor.stretch(PATH) == 2
    for _ in range(3):
        governor.note(PATH, T0, 1.0, failed=False, timed_out=False)
    assert governor.stretch(PATH) == 1


def test_a_stretched_endpoint_is_read_less_often() -> None:
    governor = LoadGovernor(LoadPolicy(), UTC)
    schedule = Schedule(governor=governor)
    schedule.fetched(PATH, T0)
    assert schedule.next_due(PATH) == T0 + 300
    governor.note(PATH, T0, 11.0, failed=False, timed_out=False)
    schedule.fetched(PATH, T0 + 300)
    assert schedule.next_due(PATH) == T0 + 300 + 600


def test_hangs_at_the_same_minute_in_two_hours_are_learned_and_avoided() -> None:
    governor = LoadGovernor(LoadPolicy(hang_s=25.0, learn_after=2, avoid_margin_min=1), UTC)
    governor.note(PATH, T0 + 17 * 60, 30.0, failed=False, timed_out=False)
    governor.note(PATH, T0 + 17 * 60 + 20, 1.0, failed=True, timed_out=True)  # same hour: still one hour
    assert governor.hang_minutes(PATH) == ()
    governor.note(PATH, T0 + 3600 + 17 * 60, 1.0, failed=True, timed_out=True)
    assert governor.hang_minutes(PATH) == (17,)
    avoided = [minute for minute in range(60) if governor.avoid(PATH, T0 + 7200 + minute * 60)]
    assert avoided == [16, 17, 18]
    assert not governor.avoid("/ivp/meters/readings", T0 + 7200 + 17 * 60)
    assert governor.failures_per_hour(PATH, T0 + 3600 + 17 * 60) == 2
    assert governor.failures_per_hour(PATH, T0 + 3600 + 18 * 60) == 1  # the first one is over an hour old
    report = governor.endpoint(PATH, T0 + 3600 + 17 * 60)
    assert report["hang_minutes"] == [17]
    assert report["latency_last_s"] == 1.0
    assert report["latency_p95_s"] == 30.0


@pytest.mark.parametrize(("moment", "quiet"), [(time(22, 57, 59), False), (time(22, 58), True),
                                               (time(23, 5, 59), True), (time(23, 6), False)])
def test_the_quiet_window_is_device_local(moment: time, quiet: bool) -> None:
    sydney = ZoneInfo("Australia/Sydney")
    at = datetime.combine(datetime(2026, 6, 20).date(), moment, tzinfo=sydney).timestamp()
    assert LoadGovernor(LoadPolicy(), sydney).quiet(at) is quiet
    assert not LoadGovernor(LoadPolicy(quiet=False), sydney).quiet(at)
    assert not LoadGovernor(LoadPolicy(), None).quiet(at)  # no site zone: no device-local time


def test_policy_options_are_checked() -> None:
    policy = LoadPolicy().with_options({"quiet_start": "22:30", "slow_s": "5", "max_stretch": 3, "quiet": False})
    assert (policy.quiet_start, policy.slow_s, policy.max_stretch, policy.quiet) == (time(22, 30), 5.0, 3, False)
    assert policy.as_dict()["quiet_start"] == "22:30"
    with pytest.raises(ValueError, match="unknown load policy option 'speed'"):
        LoadPolicy().with_options({"speed": 1})
    with pytest.raises(ValueError, match="quiet_end: '25:99' is not usable"):
        LoadPolicy().with_options({"quiet_end": "25:99"})
    with pytest.raises(ValueError, match="at least 1"):
        LoadPolicy(max_stretch=0)


PROFILE = "metered"
ZONE = ZoneInfo(profile_timezone(PROFILE))
LIVE = "/ivp/meters/readings"
# device_data every minute, so that it meets the hang minutes every hour; everything else as by default
CADENCE = Cadence(intervals=MappingProxyType({**Cadence().intervals, PATH: 60.0}), identity_check_s=None)


async def test_no_request_in_the_quiet_window_nor_at_learned_hang_minutes_and_power_stays_fresh() -> None:
    start = datetime(2026, 6, 20, 20, 0, tzinfo=ZONE)
    clock = SimClock(start, speed=0, tz=ZONE)
    asked: Counter[tuple[int, int, str]] = Counter()  # (hour, minute, path) -> requests the device counted
    sent: Counter[tuple[int, int, str]] = Counter()  # (hour, minute, path) -> requests the Gateway sent

    def on_request(path: str) -> None:
        moment = datetime.fromtimestamp(clock.timestamp(), ZONE)
        sent[moment.hour, moment.minute, path] += 1

    async with SimulatedEnvoy(make_profile(PROFILE, clock=clock)) as envoy:
        envoy.faults.add("stall", seconds=3)
        envoy.faults.add("hourly", PATH, minute=15, seconds=3)
        gateway = Gateway(envoy.url, token=envoy.mint_token(), cadence=CADENCE, clock=clock.timestamp, tz=ZONE,
                          request_timeout=1.0, on_request=on_request)
        try:
            for _ in range(6 * 60):
                now = datetime.fromtimestamp(clock.timestamp(), ZONE)
                before = dict(envoy.stats.per_endpoint)
                data = await gateway.update()
                for path, count in envoy.stats.per_endpoint.items():
                    if count > before.get(path, 0):
                        asked[now.hour, now.minute, path] += count - before.get(path, 0)
                quiet = time(22, 58) <= now.time() < time(23, 6)
                if not quiet:
                    status = data.endpoints[LIVE]
                    assert status.fetched_at == clock.timestamp(), now  # live power read this update
                    assert not status.stale
                clock.advance(60)
            report = gateway.load_report()
        finally:
            await gateway.close()
    for counts in (asked, sent):
        assert sum(n for (h, m, _), n in counts.items() if (22, 58) <= (h, m) < (23, 6)) == 0
    # the simulator hangs device_data at minutes 15 and 16 of every hour; a hang stretches its interval, so
    # only 15 is met twice (20:15, 21:15) and learned; the margin keeps 16 away too
    learned = report["endpoints"][PATH]["hang_minutes"]
    assert learned == [15]
    avoided = {(m + d) % 60 for m in learned for d in (-1, 0, 1)}  # avoid_margin_min = 1
    assert {15, 16} <= avoided
    assert sum(n for (h, m, p), n in sent.items() if p == PATH and h in (20, 21) and m == 15) == 2
    learned_hours = (22, 23, 0, 1)
    assert sum(n for (h, m, p), n in sent.items() if p == PATH and h in learned_hours and m in avoided) == 0
    # device_data is still read in every hour, away from those minutes
    assert all(sum(n for (h, _, p), n in sent.items() if p == PATH and h == hour) >= 20 for hour in learned_hours)
    assert report["policy"]["quiet_start"] == "22:58"
    assert report["endpoints"][LIVE]["interval_s"] == 0.0

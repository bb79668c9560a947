"""Installer-level endpoints and the capability report, over real HTTPS against the simulator."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import UTC, datetime
from typing import Any

import aiohttp
import pytest

from iqgateway import (
    Cadence,
    CapabilityName,
    CapabilityState,
    CapabilityUnavailable,
    ControlRejected,
    DpelSettings,
    Gateway,
    InstallerRoleRequired,
)
from iqgateway.simulator.clock import SimClock
from iqgateway.simulator.faults import parse_fault
from iqgateway.simulator.installer import AGF, DPEL, PLC, POWER_MODE, PROFILES
from iqgateway.simulator.profiles import ProfileSource
from iqgateway.simulator.server import SimulatedEnvoy
from iqgateway.simulator.testing import profile_envoy, replay_envoy
from iqgateway.snapshot import snapshot_dict

INSTALLER_ONLY = (CapabilityName.PRODUCTION_POWER_MODE, CapabilityName.EXPORT_LIMIT, CapabilityName.GRID_PROFILE,
                  CapabilityName.PLC_SIGNAL_CHECK)
# a sunny midday: the inverters produce and a small house exports
NOON = datetime(2026, 6, 21, 12, 0, tzinfo=UTC)


def _clock() -> SimClock:
    return SimClock(NOON, speed=0, tz="UTC")


@asynccontextmanager
async def _gateway(role: str, **kw: Any) -> AsyncIterator[tuple[SimulatedEnvoy, Gateway]]:
    """A metered profile at noon and a Gateway with a token of `role`."""
    async with profile_envoy("metered", clock=_clock()) as envoy, \
            Gateway(envoy.url, token=envoy.mint_token(user=role), **kw) as gateway:
        yield envoy, gateway


def _advance(envoy: SimulatedEnvoy, seconds: float) -> None:
    source = envoy.source
    assert isinstance(source, ProfileSource)
    source.clock.advance(seconds)


def _installer_requests(envoy: SimulatedEnvoy) -> list[tuple[str, int | None]]:
    paths = {POWER_MODE, DPEL, AGF, PLC}
    return [(r.path, r.status) for r in envoy.stats.log if r.path in paths]


async def test_owner_token_gets_needs_installer_and_no_installer_requests() -> None:
    async with _gateway("owner") as (envoy, gateway):
        for _ in range(3):
            await gateway.update()
        report = gateway.capabilities
        assert report is not None
        assert report.role == "owner"
        assert report.firmware == envoy.source.firmware
        for name in INSTALLER_ONLY:
            capability = report.get(name)
            assert capability.state is CapabilityState.NEEDS_INSTALLER
            assert "installer token" in capability.reason
        assert report.get(CapabilityName.PRODUCTION_POWER_MODE).reason == (
            "production control needs an installer token; owner tokens cannot switch production "
            "(/ivp/mod/603980032/mode/power)")
        assert _installer_requests(envoy) == []
        assert [r.path for r in envoy.stats.log if r.status == 401] == []
        data = gateway.data
        assert data is not None
        assert (data.power_forced_off, data.dpel, data.grid_profile, data.plc_levels) == (None, None, None, None)
        with pytest.raises(CapabilityUnavailable, match="needs_installer_role") as refused:
            await gateway.set_production(False)
        assert (refused.value.host, refused.value.endpoint) == (gateway.host, POWER_MODE)
        assert _installer_requests(envoy) == []
        assert report.to_dict()["capabilities"]["production_power_mode"]["state"] == "needs_installer_role"


async def test_simulator_refuses_owner_token_on_installer_endpoints() -> None:
    async with profile_envoy("metered", clock=_clock()) as envoy:
        owner, installer = envoy.mint_token(user="owner"), envoy.mint_token(user="installer")
        async with aiohttp.ClientSession() as session:
            for path in (POWER_MODE, DPEL, AGF, PLC):
                for token, wanted in ((owner, 401), (installer, 200)):
                    async with session.get(envoy.url + path, ssl=False,
                                           headers={"Authorization": f"Bearer {token}"}) as reply:
                        assert (path, reply.status) == (path, wanted)


async def test_installer_report_and_reads() -> None:
    async with _gateway("installer") as (envoy, gateway):
        data = await gateway.update()
        report = gateway.capabilities
        assert report is not None
        assert report.role == "installer"
        for name in (CapabilityName.PRODUCTION_POWER_MODE, CapabilityName.EXPORT_LIMIT,
                     CapabilityName.GRID_PROFILE):
            assert report.available(name), report.get(name)
        assert data.power_forced_off is False
        assert data.dpel == DpelSettings(enabled=False, export_limit=True, limit_w=0.0, slew_rate=10.0,
                                         dynamic=False)
        assert data.grid_profile is not None
        assert data.grid_profile.selected_id == PROFILES[0]["id"]
        assert data.grid_profile.selected_name == PROFILES[0]["name"]
        assert [p.id for p in data.grid_profile.profiles] == [p["id"] for p in PROFILES]
        doc = snapshot_dict(data)
        assert (doc["power_forced_off"], doc["dpel"]["limit_w"], doc["grid_profile"]["selected_id"]) == (
            False, 0.0, PROFILES[0]["id"])
        assert (doc["plc_levels"], doc["q_relays"]) == (None, {})
        # not opted in: the PLC check was never asked
        assert [p for p, _ in _installer_requests(envoy) if p == PLC] == []


async def test_set_production_shows_on_next_read() -> None:
    async with _gateway("installer", cadence=Cadence.every_cycle()) as (envoy, gateway):
        before = await gateway.update()
        assert before.production is not None
        assert {inv.producing for inv in before.inverters.values()} == {True}
        assert (before.production.watts_now or 0) > 100
        assert await gateway.set_production(False) is False
        assert envoy.installer.power_forced_off is True
        _advance(envoy, 900)
        after = await gateway.update()
        assert after.power_forced_off is True
        assert after.production is not None
        assert after.production.watts_now == 0
        assert after.meters["production"].active_power_w == 0
        assert after.inverters
        assert {inv.producing for inv in after.inverters.values()} == {False}
        assert {inv.communicating for inv in after.inverters.values()} == {True}
        assert await gateway.set_production(True) is True
        assert (await gateway.update()).power_forced_off is False


async def test_set_dpel_changes_only_what_was_asked() -> None:
    async with _gateway("installer", cadence=Cadence.every_cycle()) as (envoy, gateway):
        exporting = (await gateway.update()).meters["net-consumption"].active_power_w
        assert exporting is not None
        assert exporting < -100
        got = await gateway.set_dpel(enabled=True, limit_w=0.0)
        assert got == DpelSettings(enabled=True, export_limit=True, limit_w=0.0, slew_rate=10.0, dynamic=False)
        assert envoy.installer.dpel["slew_rate"] == 10.0
        _advance(envoy, 900)
        data = await gateway.update()
        assert data.dpel == got
        net = data.meters["net-consumption"].active_power_w
        assert net is not None
        assert net >= -1.0  # export capped at 0 W
        got = await gateway.set_dpel(enabled=False)
        assert (got.enabled, got.limit_w) == (False, 0.0)


async def test_set_grid_profile_and_unknown_id() -> None:
    async with _gateway("installer") as (envoy, gateway):
        await gateway.update()
        wanted = PROFILES[2]
        got = await gateway.set_grid_profile(wanted["id"])
        assert (got.selected_id, got.selected_name) == (wanted["id"], wanted["name"])
        assert envoy.installer.selected_profile == wanted["id"]
        with pytest.raises(ControlRejected, match="no grid profile 'nope'"):
            await gateway.set_grid_profile("nope")
        assert envoy.installer.selected_profile == wanted["id"]


async def test_plc_opt_in_at_most_hourly() -> None:
    async with _gateway("installer", plc_check=True) as (envoy, gateway):
        assert gateway.plc_check_enabled is True
        data = await gateway.update()
        serials = sorted(data.inverters)
        assert data.plc_levels is not None
        assert sorted(data.plc_levels) == serials
        levels = await gateway.read_plc_levels()
        assert levels == data.plc_levels
        for _ in range(2):
            await gateway.update()
        assert [p for p, _ in _installer_requests(envoy) if p == PLC] == [PLC]


async def test_report_follows_a_firmware_change() -> None:
    async with _gateway("installer", cadence=Cadence(identity_check_s=0.0)) as (envoy, gateway):
        await gateway.update()
        first = gateway.capabilities
        assert first is not None
        assert first.firmware == envoy.source.firmware
        envoy.upgrade_firmware("8.3.5289")
        await gateway.update()
        report = gateway.capabilities
        assert report is not None
        assert report.firmware == "8.3.5289"
        assert report.available(CapabilityName.PRODUCTION_POWER_MODE)


@pytest.mark.parametrize(("user", "state"), [("installer", CapabilityState.AVAILABLE),
                                             ("envoy", CapabilityState.NEEDS_INSTALLER)])
async def test_digest_user_below_firmware_7_is_the_role(user: str, state: CapabilityState) -> None:
    async with replay_envoy("5.0.62") as envoy, Gateway(envoy.url, username=user) as gateway:
        await gateway.update()
        report = gateway.capabilities
        assert report is not None
        assert (report.role, report.firmware) == (user, "5.0.62")
        assert report.get(CapabilityName.PRODUCTION_POWER_MODE).state is state
        export = report.get(CapabilityName.EXPORT_LIMIT)
        if user == "installer":
            assert export.state is CapabilityState.NOT_ON_FIRMWARE
            assert "HTTP 404" in export.reason
        else:
            assert _installer_requests(envoy) == []


async def test_a_refused_installer_endpoint_raises_installer_role_required() -> None:
    async with _gateway("installer") as (envoy, gateway):
        await gateway.update()
        envoy.faults.add(parse_fault(f"401x5:{POWER_MODE}"))
        with pytest.raises(InstallerRoleRequired, match="needs an installer token") as refused:
            await gateway.set_production(False)
        assert (refused.value.host, refused.value.endpoint, refused.value.role) == (gateway.host, POWER_MODE,
                                                                                   "installer")
        assert envoy.installer.power_forced_off is False

"""Controls: read-modify-write bodies reach the simulated device, the read-back shows up in the snapshot."""

from __future__ import annotations

import copy
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from typing import Any

import orjson
import pytest

from iqgateway import ControlRejected, FeatureNotAvailable, Gateway, StorageMode
from iqgateway.simulator.profiles import make_profile
from iqgateway.simulator.replay import ReplaySource
from iqgateway.simulator.server import SimulatedEnvoy
from iqgateway.simulator.source import DeviceSource, Reply
from iqgateway.simulator.testing import capture_path
from tests.lib.conftest import capture_json, connected

WRITE_METHODS = ("POST", "PUT", "DELETE")


@dataclass
class Recorder:
    """A DeviceSource wrapper that notes every write's method, path and JSON body (and can ignore writes)."""

    inner: DeviceSource
    ignore_writes: bool = False
    writes: list[tuple[str, str, Any]] = field(default_factory=list)

    @property
    def serial(self) -> str:
        return self.inner.serial

    @property
    def firmware(self) -> str:
        return self.inner.firmware

    def respond(self, method: str, path: str, query: str, body: bytes) -> Reply:
        if method in WRITE_METHODS:
            self.writes.append((method, path, orjson.loads(body) if body else None))
            if self.ignore_writes:
                return Reply(200, b"{}")
        return self.inner.respond(method, path, query, body)

    def __getattr__(self, name: str) -> Any:
        return getattr(self.inner, name)


@asynccontextmanager
async def recorded(
    source: DeviceSource, *, ignore_writes: bool = False
) -> AsyncIterator[tuple[Recorder, SimulatedEnvoy]]:
    recorder = Recorder(source, ignore_writes=ignore_writes)
    async with SimulatedEnvoy(recorder) as envoy:
        yield recorder, envoy


@asynccontextmanager
async def ready(
    source: DeviceSource, *, ignore_writes: bool = False
) -> AsyncIterator[tuple[Recorder, SimulatedEnvoy, Gateway]]:
    async with recorded(source, ignore_writes=ignore_writes) as (recorder, envoy), connected(envoy) as gateway:
        await gateway.update()
        yield recorder, envoy, gateway


def gets(envoy: SimulatedEnvoy, path: str) -> int:
    return sum(1 for r in envoy.stats.log if r.method == "GET" and r.path == path)


async def test_relay_switch() -> None:
    async with ready(make_profile("full-us")) as (recorder, envoy, gateway):
        assert gateway.data is not None
        assert gateway.data.dry_contacts is not None
        assert gateway.data.dry_contacts["NC1"].status == "closed"
        reads = gets(envoy, "/ivp/ensemble/dry_contacts")
        data = await gateway.set_relay("NC1", closed=False)
        sent = {"dry_contacts": {"id": "NC1", "status": "open"}}
        assert recorder.writes == [("POST", "/ivp/ensemble/dry_contacts", sent)]
        assert gets(envoy, "/ivp/ensemble/dry_contacts") == reads + 1  # read back
        assert data.dry_contacts is not None
        assert data.dry_contacts["NC1"].status == "open"
        assert gateway.data is data


async def test_grid_switch() -> None:
    async with ready(make_profile("full-us")) as (recorder, _envoy, gateway):
        data = await gateway.set_grid_enabled(False)
        assert recorder.writes == [("POST", "/ivp/ensemble/relay", {"mains_admin_state": "open"})]
        assert data.enpower is not None
        assert data.enpower.mains_admin_state == "open"
        data = await gateway.set_grid_enabled(True)
        assert data.enpower is not None
        assert data.enpower.mains_admin_state == "closed"


async def test_relay_settings_change_only_what_was_asked() -> None:
    async with ready(ReplaySource(capture_path("8.1.41"))) as (recorder, _envoy, gateway):
        data = await gateway.update_relay_settings("NC2", soc_low=20, load_name="Pool pump")
        relays = capture_json("8.1.41", "ivp_ss_dry_contact_settings")["dry_contacts"]
        before = next(r for r in relays if r["id"] == "NC2")
        want = {**copy.deepcopy(before), "soc_low": 20.0, "load_name": "Pool pump"}
        assert recorder.writes == [("POST", "/ivp/ss/dry_contact_settings", {"dry_contacts": want})]
        assert data.dry_contacts is not None
        assert data.dry_contacts["NC2"].soc_low == 20.0
        assert data.dry_contacts["NC2"].load_name == "Pool pump"
        assert data.dry_contacts["NC1"].load_name == "Furnace"


async def test_unknown_relay_setting_is_refused_before_writing() -> None:
    async with ready(make_profile("full-us")) as (recorder, _envoy, gateway):
        with pytest.raises(Exception, match="unknown relay setting"):
            await gateway.update_relay_settings("NC1", colour="blue")
        assert recorder.writes == []


async def test_storage_mode_sends_the_whole_tariff_with_opt_schedules_off() -> None:
    name = "8.3.5169_with_generator"
    async with ready(ReplaySource(capture_path(name))) as (recorder, _envoy, gateway):
        data = await gateway.set_storage_mode(StorageMode.BACKUP)
        captured = capture_json(name, "admin_lib_tariff")["tariff"]
        [(method, path, body)] = recorder.writes
        assert (method, path) == ("PUT", "/admin/lib/tariff")
        sent = body["tariff"]
        assert sent["storage_settings"] == {**captured["storage_settings"], "mode": "backup", "opt_schedules": False}
        assert {k: v for k, v in sent.items() if k != "storage_settings"} == {
            k: v for k, v in captured.items() if k != "storage_settings"
        }
        assert data.storage_settings is not None
        assert data.storage_settings.mode == "backup"


async def test_reserve_and_charge_from_grid() -> None:
    async with ready(make_profile("full-us")) as (recorder, _envoy, gateway):
        data = await gateway.set_reserve_soc(40)
        assert recorder.writes[-1][2]["tariff"]["storage_settings"]["reserved_soc"] == 40.0
        assert "mode" in recorder.writes[-1][2]["tariff"]["storage_settings"]
        assert data.storage_settings is not None
        assert data.storage_settings.reserve_soc_percent == 40.0
        data = await gateway.set_charge_from_grid(True)
        assert recorder.writes[-1][2]["tariff"]["storage_settings"]["charge_from_grid"] is True
        assert data.storage_settings is not None
        assert data.storage_settings.charge_from_grid is True
        assert data.storage_settings.reserve_soc_percent == 40.0


async def test_generator_mode() -> None:
    async with ready(make_profile("full-us")) as (recorder, _envoy, gateway):
        data = await gateway.set_generator_mode("auto")
        assert recorder.writes == [("POST", "/ivp/ss/gen_mode", {"gen_cmd": "auto"})]
        assert data.generator is not None
        assert data.generator.mode is not None
        assert data.generator.mode["gen_cmd"] == "auto"
        with pytest.raises(Exception, match="generator mode"):
            await gateway.set_generator_mode("sometimes")


async def test_acb_sleep_and_wake() -> None:
    async with ready(make_profile("acb")) as (recorder, _envoy, gateway):
        assert gateway.data is not None
        assert gateway.data.acb is not None
        serial = sorted(gateway.data.acb.units)[0]
        data = await gateway.acb_sleep(serial, 25, 30)
        sleep = {"serial_num": serial, "sleep_min_soc": 25, "sleep_max_soc": 30}
        assert recorder.writes[-1] == ("PUT", "/admin/lib/acb_config", {"acb_sleep": [sleep]})
        assert data.acb is not None
        assert data.acb.units[serial].sleep_enabled is True
        data = await gateway.acb_wake(serial)
        assert recorder.writes[-1] == ("DELETE", "/admin/lib/acb_config", {"acb_sleep": [{"serial_num": serial}]})
        assert data.acb is not None
        assert data.acb.units[serial].sleep_enabled is False


async def test_absent_hardware_is_feature_not_available() -> None:
    async with ready(ReplaySource(capture_path("7.6.175_with_cts"))) as (recorder, envoy, gateway):
        with pytest.raises(FeatureNotAvailable):
            await gateway.set_grid_enabled(True)
        with pytest.raises(FeatureNotAvailable):
            await gateway.set_relay("NC1", closed=True)
        with pytest.raises(FeatureNotAvailable):
            await gateway.set_generator_mode("on")
        with pytest.raises(FeatureNotAvailable):
            await gateway.acb_wake("1")
        assert recorder.writes == []
        assert all(r.method == "GET" for r in envoy.stats.log)


async def test_unknown_relay_id() -> None:
    async with ready(make_profile("full-us")) as (recorder, _envoy, gateway):
        with pytest.raises(FeatureNotAvailable, match="NC9"):
            await gateway.set_relay("NC9", closed=True)
        assert recorder.writes == []


async def test_change_not_visible_on_read_back_is_rejected() -> None:
    async with ready(make_profile("full-us"), ignore_writes=True) as (recorder, _envoy, gateway):
        with pytest.raises(ControlRejected, match="still reports relay NC1 closed"):
            await gateway.set_relay("NC1", closed=False)
        assert len(recorder.writes) == 1
        assert gateway.data is not None
        assert gateway.data.dry_contacts is not None
        assert gateway.data.dry_contacts["NC1"].status == "closed"


async def test_refused_write() -> None:
    async with ready(make_profile("full-us")) as (_recorder, envoy, gateway):
        envoy.faults.add("500", "/ivp/ss/gen_mode")
        with pytest.raises(ControlRejected, match="HTTP 500"):
            await gateway.set_generator_mode("off")


async def test_control_right_after_setup_reads_first() -> None:
    """A control before any update: the gateway probes and reads first, then writes and reads back."""
    async with recorded(make_profile("full-us")) as (recorder, envoy):
        async with Gateway(envoy.url, token=envoy.mint_token()) as gateway:
            data = await gateway.set_relay("NC2", closed=False)
        sent = {"dry_contacts": {"id": "NC2", "status": "open"}}
        assert recorder.writes == [("POST", "/ivp/ensemble/dry_contacts", sent)]
        assert data.dry_contacts is not None
        assert data.dry_contacts["NC2"].status == "open"
        assert data.production is not None

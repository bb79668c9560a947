"""Every capture, replayed over real HTTP(S): byte-identical bodies, captured status codes, the device's headers."""

from __future__ import annotations

import json
import re
from pathlib import Path

import aiohttp
import orjson
import pytest

from iqgateway.simulator.replay import ReplaySource
from iqgateway.simulator.server import SimulatedEnvoy
from iqgateway.simulator.source import NOT_FOUND_BODY
from iqgateway.simulator.testing import replay_envoy
from tests.shared import CAPTURES, capture_names
from tests.simulator.conftest import GENERATOR, LEGACY, DeviceClient, client_for

# Request paths as clients send them (ENVOY-API.md); the test maps them to file names on its own.
REQUEST_PATHS = [
    "/info", "/home", "/production", "/production.json", "/production.json?details=1", "/api/v1/production",
    "/api/v1/production/inverters", "/ivp/meters", "/ivp/meters/readings", "/ivp/meters/reports",
    "/ivp/meters/pvReading", "/ivp/meters/gridReading", "/ivp/pdm/device_data", "/ivp/pdm/energy",
    "/ivp/ensemble/inventory", "/ivp/ensemble/secctrl", "/ivp/ensemble/power", "/ivp/ensemble/dry_contacts",
    "/ivp/ensemble/status", "/ivp/ensemble/generator", "/ivp/ss/dry_contact_settings", "/ivp/ss/gen_config",
    "/ivp/ss/gen_schedule", "/ivp/ss/gen_mode", "/ivp/ss/pel_settings", "/ivp/sc/pvlimit", "/admin/lib/tariff",
    "/inventory.json?deleted=1", "/inventory", "/inv",
]  # fmt: skip


def to_file(path: str) -> str:
    return re.sub(r"[/?=&]", "_", path.lstrip("/"))


def request_for(name: str) -> str:
    """The request path whose answer a capture file holds (from the known paths, never by reversing names)."""
    exact = [p for p in REQUEST_PATHS if to_file(p) == name]
    if exact:
        return exact[0]
    for known in sorted(REQUEST_PATHS, key=len, reverse=True):
        stem = to_file(known)
        if name.startswith(stem) and name[len(stem) : len(stem) + 1] == ".":
            return known + name[len(stem) :]  # /ivp/ss/gen_schedule.json
        if name.startswith(stem + "_"):
            return f"{known}/{name[len(stem) + 1 :]}"  # /ivp/pdm/device_data/1
    raise AssertionError(f"no request path for capture file {name}")


def expected(capture: Path, name: str) -> tuple[int, bytes]:
    log = capture / f"{name}_log.json"
    code = json.loads(log.read_text()).get("code", 200) if log.is_file() else 200
    return code, (capture / name).read_bytes()


def payloads(capture: Path) -> list[str]:
    return sorted(
        f.name for f in capture.iterdir() if f.is_file() and not f.name.endswith("_log.json") and f.name != "_readme"
    )


@pytest.mark.parametrize("name", capture_names())
async def test_every_capture_replays_byte_identical(name: str, http: aiohttp.ClientSession) -> None:
    capture = CAPTURES / name
    async with replay_envoy(capture) as envoy:
        client = client_for(http, envoy.url, capture)
        if client.token:
            assert (await client.get("/auth/check_jwt")).status == 200
        checks = [(request_for(file), file) for file in payloads(capture)]
        files = set(payloads(capture))
        if "production.json" in files and "production.json_details_1" not in files:
            checks.append(("/production.json?details=1", "production.json"))
        if "inventory" in files and "inventory.json_deleted_1" not in files:
            checks.append(("/inventory.json?deleted=1", "inventory"))
        for path, file in checks:
            code, body = expected(capture, file)
            answer = await client.get(path)
            assert (answer.status, answer.body) == (code, body), f"{name} {path}"
        missing = await client.get("/iqgateway/no/such/endpoint")
        assert (missing.status, missing.body) == (404, NOT_FOUND_BODY)
    assert envoy.stats.count("/info") >= 1


async def test_scheme_and_device_headers(http: aiohttp.ClientSession) -> None:
    async with replay_envoy(GENERATOR) as envoy, replay_envoy(LEGACY) as legacy:
        assert envoy.url.startswith("https://127.0.0.1:")
        assert legacy.url.startswith("http://127.0.0.1:")
        info = await DeviceClient(http, envoy.url).get("/info")
        assert info.headers["Server"] == "openresty"
        assert info.headers["Content-Type"] == "text/xml"
        assert b"<sn>202439990001</sn>" in info.body
    async with replay_envoy("3.9.36", auth="none") as old:  # a bare capture name is found too
        answer = await DeviceClient(http, old.url).get("/ivp/ensemble/inventory")
        assert answer.status == 404
        assert answer.headers["Content-Type"] == "application/json; charset=ISO-8859-4"
        assert answer.body == (CAPTURES / "3.9.36" / "ivp_ensemble_inventory").read_bytes()


async def test_scheme_override_and_no_redirects(http: aiohttp.ClientSession) -> None:
    async with replay_envoy(GENERATOR, scheme="http", auth="none") as envoy:
        assert envoy.url.startswith("http://")
        answer = await DeviceClient(http, envoy.url).get("/api/v1/production")
        assert answer.body == (GENERATOR / "api_v1_production").read_bytes()
        for odd in ("/", "/ivp", "/api_v1_production", "/production.json/"):
            assert (await DeviceClient(http, envoy.url).get(odd)).status == 404, odd


def test_source_identity_and_mapping() -> None:
    source = ReplaySource(CAPTURES / "8.2.4345_with_device_data")
    assert source.firmware == "8.2.4345"
    assert source.serial == "122446001637"
    odd = source.respond("GET", "/production.json", "details=1.json", b"")
    assert odd.body == (CAPTURES / "8.2.4345_with_device_data" / "production.json_details_1.json").read_bytes()
    assert (
        source.respond("GET", "/ivp/ss/gen_schedule.json", "", b"").body
        == (CAPTURES / "8.2.4345_with_device_data" / "ivp_ss_gen_schedule.json").read_bytes()
    )
    details = source.respond("GET", "/production.json", "details=1", b"")
    assert details.body == (CAPTURES / "8.2.4345_with_device_data" / "production.json_details_1").read_bytes()
    # an unknown query falls back to the bare path
    assert (
        source.respond("GET", "/api/v1/production", "x=1", b"").body
        == (CAPTURES / "8.2.4345_with_device_data" / "api_v1_production").read_bytes()
    )
    assert source.respond("GET", "/_readme", "", b"").status == 404
    acb = ReplaySource(CAPTURES / "8.3.5169_ACB_inventory")
    log = json.loads((CAPTURES / "8.3.5169_ACB_inventory" / "production.json_details_1_log.json").read_text())
    assert acb.respond("GET", "/production.json", "details=1", b"").latency_s == log["duration_seconds"]


async def test_upgrade_and_lifetime_reset_hooks(http: aiohttp.ClientSession) -> None:
    async with replay_envoy(LEGACY, auth="none") as envoy:
        client = DeviceClient(http, envoy.url)
        envoy.upgrade_firmware("5.0.70")
        info = await client.get("/info")
        assert b"<software>D5.0.70</software>" in info.body
        assert envoy.source.firmware == "5.0.70"
        before = orjson.loads((await client.get("/api/v1/production")).body)
        assert before["wattHoursLifetime"] == 133798553
        envoy.reset_lifetime()
        after = orjson.loads((await client.get("/api/v1/production")).body)
        assert after["wattHoursLifetime"] == 0
        assert after["wattHoursToday"] == 20161


async def test_writes_change_only_the_written_document(http: aiohttp.ClientSession) -> None:
    pytest.importorskip("iqgateway.simulator.writes", reason="writes.py (sim-profiles) not there yet")
    async with replay_envoy(GENERATOR) as envoy:
        client = DeviceClient(http, envoy.url, token=envoy.mint_token())
        tariff = orjson.loads((GENERATOR / "admin_lib_tariff").read_bytes())
        old_mode = tariff["tariff"]["storage_settings"]["mode"]
        new_mode = "backup" if old_mode != "backup" else "self-consumption"
        tariff["tariff"]["storage_settings"]["mode"] = new_mode
        put = await client.request(
            "PUT", "/admin/lib/tariff", body=orjson.dumps(tariff), headers={"Content-Type": "application/json"}
        )
        assert put.status == 200
        read_back = orjson.loads((await client.get("/admin/lib/tariff")).body)
        assert read_back["tariff"]["storage_settings"]["mode"] == new_mode
        untouched = await client.get("/ivp/ensemble/inventory")
        assert untouched.body == (GENERATOR / "ivp_ensemble_inventory").read_bytes()
        # a POST to a read-only endpoint answers the current payload
        post = await client.request("POST", "/api/v1/production", body=b"{}")
        assert post.status == 200
        assert orjson.loads(post.body) == orjson.loads((GENERATOR / "api_v1_production").read_bytes())


async def test_accounting_counts_requests_bytes_connections(http: aiohttp.ClientSession) -> None:
    source = ReplaySource(GENERATOR)
    async with SimulatedEnvoy(source, auth="none") as envoy:
        client = DeviceClient(http, envoy.url)
        size = len((GENERATOR / "api_v1_production").read_bytes())
        for _ in range(3):
            await client.get("/api/v1/production")
        await client.get("/info")
        assert envoy.stats.count("/api/v1/production") == 3
        assert envoy.stats.requests == 4
        assert envoy.stats.bytes_out == 3 * size + len((GENERATOR / "info").read_bytes())
        assert envoy.stats.connections_opened == 1  # keep-alive: one connection
        async with aiohttp.ClientSession(connector=aiohttp.TCPConnector(force_close=True)) as fresh:
            for _ in range(2):
                await DeviceClient(fresh, envoy.url).get("/info")
        assert envoy.stats.connections_opened == 3
        entry = envoy.stats.log[0]
        assert (entry.method, entry.path, entry.status, entry.bytes_out) == ("GET", "/api/v1/production", 200, size)
        admin = await http.get(envoy.url + "/__simulator__/stats", ssl=False)
        stats = await admin.json()
        assert stats["per_endpoint"]["/api/v1/production"] == 3
        assert stats["requests"] == 6  # admin calls are not counted

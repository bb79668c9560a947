"""Transport: host forms, scheme fallback, keep-alive, redirects, retries, size cap, secret-free logs."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

import aiohttp
import pytest
from aiohttp import web

from iqgateway import Cadence, CommunicationError, Gateway, InvalidResponse, IQGatewayError
from iqgateway.auth.passwords import installer_password
from iqgateway.simulator.testing import replay_envoy
from iqgateway.transport import SLOW_TIMEOUT_S, Transport, split_host, timeout_for
from tests.lib.conftest import connected
from tests.shared import capture_serial

# fault handling on optional endpoints: read every endpoint on every update
EVERY_UPDATE = Cadence.every_cycle()

LEGACY = "5.0.62"  # http + Digest
MODERN = "8.1.41"  # https + token


def test_host_forms() -> None:
    assert split_host("192.168.1.5") == (None, "192.168.1.5")
    assert split_host("envoy.local:8080") == (None, "envoy.local:8080")
    assert split_host("https://127.0.0.1:8443") == ("https", "127.0.0.1:8443")
    assert split_host("http://127.0.0.1:8080/") == ("http", "127.0.0.1:8080")
    assert split_host("[::1]:8443") == (None, "[::1]:8443")
    for bad in ("", "ftp://host", "https://"):
        with pytest.raises(IQGatewayError):
            split_host(bad)


def test_slow_endpoints_get_a_longer_timeout() -> None:
    assert timeout_for("/production.json?details=1", 10.0) == SLOW_TIMEOUT_S
    assert timeout_for("/inventory.json?deleted=1", 10.0) == SLOW_TIMEOUT_S
    assert timeout_for("/home", 10.0) == SLOW_TIMEOUT_S
    assert timeout_for("/ivp/meters", 10.0) == 10.0


async def test_bare_host_falls_back_to_http_and_remembers_it() -> None:
    async with replay_envoy(LEGACY) as envoy:
        async with Gateway(envoy.address, username="installer") as gateway:
            info = await gateway.setup()
            assert gateway.url == f"http://{envoy.address}"
            await gateway.probe()
            data = await gateway.update()
        assert info.serial == capture_serial(LEGACY)
        assert data.production is not None


async def test_bare_host_prefers_https() -> None:
    async with replay_envoy(MODERN) as envoy:
        async with Gateway(envoy.address, token=envoy.mint_token()) as gateway:
            await gateway.setup()
        assert gateway.url == f"https://{envoy.address}"


async def test_explicit_scheme_means_no_fallback() -> None:
    async with replay_envoy(LEGACY) as envoy:
        async with Gateway(f"https://{envoy.address}", username="installer") as gateway:
            with pytest.raises(CommunicationError) as caught:
                await gateway.setup()
        assert envoy.address in str(caught.value)
        assert "/info" in str(caught.value)
        assert envoy.stats.requests == 0


async def test_keep_alive_reuses_connections() -> None:
    async with replay_envoy(MODERN) as envoy, connected(envoy) as gateway:
        await gateway.update()
        await gateway.update()
        assert envoy.stats.connections_opened < envoy.stats.requests / 2


async def test_keep_alive_off_opens_a_connection_per_request() -> None:
    async with replay_envoy(MODERN) as envoy, connected(envoy, keep_alive=False) as gateway:
        await gateway.update()
        assert envoy.stats.connections_opened == envoy.stats.requests


async def test_keep_alive_off_with_an_injected_session() -> None:
    async with replay_envoy(LEGACY) as envoy, aiohttp.ClientSession() as session:
        async with connected(envoy, keep_alive=False, session=session) as gateway:
            await gateway.update()
        # the injected session stays open for its owner
        assert not session.closed
        # every request had its own connection (Digest challenge round included)
        assert envoy.stats.connections_opened == envoy.stats.requests


async def test_own_session_is_closed() -> None:
    async with replay_envoy(MODERN) as envoy:
        gateway = Gateway(envoy.url, token=envoy.mint_token())
        await gateway.setup()
        session = gateway._transport.session
        await gateway.close()
        assert session.closed


@asynccontextmanager
async def redirecting_server() -> AsyncIterator[str]:
    """A device with broken DNS: everything redirects to https://localhost/."""

    async def redirect(request: web.Request) -> web.Response:
        raise web.HTTPFound("https://localhost/home")

    app = web.Application()
    app.router.add_route("*", "/{tail:.*}", redirect)
    runner = web.AppRunner(app)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    port = runner.addresses[0][1]
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        await runner.cleanup()


async def test_redirects_are_not_followed() -> None:
    async with redirecting_server() as url:
        async with Gateway(url) as gateway:
            with pytest.raises(CommunicationError, match="redirect") as caught:
                await gateway.setup()
        assert "localhost" in str(caught.value)
        assert "/info" in str(caught.value)


async def test_503_is_retried_with_backoff_then_recovers() -> None:
    async with replay_envoy(MODERN) as envoy, connected(envoy) as gateway:
        await gateway.update()
        before = envoy.stats.count("/production.json")
        envoy.faults.add("503", "/production.json", count=2)
        data = await gateway.update()
        assert envoy.stats.count("/production.json") == before + 3
        assert not data.endpoints["/production.json?details=1"].stale


async def test_503_forever_on_an_optional_endpoint_is_bounded() -> None:
    async with replay_envoy(MODERN) as envoy, connected(envoy, cadence=EVERY_UPDATE) as gateway:
        await gateway.update()
        before = envoy.stats.count("/ivp/ensemble/secctrl")
        envoy.faults.add("503", "/ivp/ensemble/secctrl")
        data = await gateway.update()
        assert envoy.stats.count("/ivp/ensemble/secctrl") == before + 3
        assert data.endpoints["/ivp/ensemble/secctrl"].stale


async def test_a_timeout_is_not_retried() -> None:
    async with replay_envoy(MODERN) as envoy, connected(envoy, request_timeout=2.0, cadence=EVERY_UPDATE) as gateway:
        await gateway.update()
        before = envoy.stats.count("/ivp/ensemble/dry_contacts")
        envoy.faults.add("hang", "/ivp/ensemble/dry_contacts", seconds=3)
        data = await gateway.update()
        await asyncio.sleep(2)  # a hung request is counted when the device lets go of it
        assert envoy.stats.count("/ivp/ensemble/dry_contacts") == before + 1
        status = data.endpoints["/ivp/ensemble/dry_contacts"]
        assert status.stale
        assert status.error is not None
        assert "2 s" in status.error


async def test_body_size_cap() -> None:
    async with replay_envoy(MODERN) as envoy:
        transport = Transport(envoy.url, max_body=100)
        try:
            with pytest.raises(InvalidResponse, match="cap"):
                await transport.request("GET", "/info")
        finally:
            await transport.close()


async def test_request_log_has_no_secrets(caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.DEBUG, logger="iqgateway")
    async with replay_envoy(MODERN) as envoy:
        token = envoy.mint_token()
        async with connected(envoy, token=token) as gateway:
            await gateway.update()
            cookie = gateway._transport._session_cookie
    assert cookie
    text = caplog.text
    assert "GET /ivp/ensemble/inventory -> 200" in text
    assert token not in text
    assert token.split(".")[1] not in text
    assert cookie not in text
    assert "Authorization" not in text


async def test_digest_log_has_no_password(caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.DEBUG, logger="iqgateway")
    async with replay_envoy(LEGACY) as envoy, connected(envoy) as gateway:
        await gateway.update()
    assert "GET /api/v1/production -> 200" in caplog.text
    assert installer_password(capture_serial(LEGACY)) not in caplog.text
    assert "Digest" not in caplog.text


async def test_session_cookie_kept_with_an_injected_default_session() -> None:
    """aiohttp's default jar drops cookies of IP hosts: the transport keeps the device's sessionId itself."""
    async with replay_envoy(MODERN) as envoy, aiohttp.ClientSession() as session:
        async with connected(envoy, session=session) as gateway:
            await gateway.update()
            await gateway.update()
            assert gateway._transport.has_session_cookie
        assert envoy.stats.sessions_opened == 1
        assert not session.closed

"""The zeroconf advertisement is visible to a browser on the loopback interface."""

from __future__ import annotations

import asyncio
import socket

import pytest
from zeroconf import IPVersion, ServiceStateChange, Zeroconf
from zeroconf.asyncio import AsyncServiceBrowser, AsyncServiceInfo, AsyncZeroconf

from iqgateway.simulator.discovery import SERVICE_TYPE, service_info
from iqgateway.simulator.testing import replay_envoy
from tests.shared import capture_serial
from tests.simulator.conftest import GENERATOR


def loopback_multicast_problem() -> str:
    """Why multicast cannot work on 127.0.0.1 here, or "" if a loopback mDNS socket can be opened."""
    try:
        with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as sock:
            sock.setsockopt(socket.IPPROTO_IP, socket.IP_MULTICAST_IF, socket.inet_aton("127.0.0.1"))
            membership = socket.inet_aton("224.0.0.251") + socket.inet_aton("127.0.0.1")
            sock.setsockopt(socket.IPPROTO_IP, socket.IP_ADD_MEMBERSHIP, membership)
    except OSError as err:
        return f"no multicast on loopback: {err}"
    return ""


def test_service_info_carries_serial_and_firmware() -> None:
    info = service_info("202439990001", "8.3.5169", "127.0.0.1", 8443)
    assert info.type == SERVICE_TYPE
    assert info.properties == {b"serialnum": b"202439990001", b"protovers": b"8.3.5169"}
    assert info.port == 8443
    assert info.parsed_addresses() == ["127.0.0.1"]


async def test_advertisement_seen_by_a_browser_on_loopback() -> None:
    problem = loopback_multicast_problem()
    if problem:
        pytest.skip(problem)
    found: asyncio.Queue[str] = asyncio.Queue()

    def on_change(zeroconf: Zeroconf, service_type: str, name: str, state_change: ServiceStateChange) -> None:
        if state_change is ServiceStateChange.Added:
            found.put_nowait(name)

    browser_zc = AsyncZeroconf(interfaces=["127.0.0.1"], ip_version=IPVersion.V4Only)
    try:
        async with replay_envoy(GENERATOR, advertise=True) as envoy:
            if not envoy.advertised:
                pytest.skip("zeroconf could not announce on 127.0.0.1 here")
            browser = AsyncServiceBrowser(browser_zc.zeroconf, [SERVICE_TYPE], handlers=[on_change])
            try:
                name = await asyncio.wait_for(found.get(), 10)
                info = AsyncServiceInfo(SERVICE_TYPE, name)
                assert await info.async_request(browser_zc.zeroconf, 3000)
            finally:
                await browser.async_cancel()
            assert info.properties[b"serialnum"] == capture_serial(GENERATOR).encode()
            assert info.properties[b"protovers"] == b"8.3.5169"
            assert info.port == envoy.port
            assert info.parsed_addresses() == ["127.0.0.1"]
    finally:
        await browser_zc.async_close()

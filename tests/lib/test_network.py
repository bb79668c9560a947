"""Gateway.network(): /home read on demand from the simulated Envoy; failures are typed and name the endpoint."""

from __future__ import annotations

import pytest

from iqgateway import HttpStatusError, InvalidResponse
from iqgateway.simulator.testing import replay_envoy
from tests.lib.conftest import connected


async def test_network_reads_the_interfaces_of_the_capture() -> None:
    async with replay_envoy("8.3.1598_collar") as envoy, connected(envoy) as gateway:
        await gateway.update()
        envoy.stats.reset()
        home = await gateway.network()
        assert envoy.stats.requests == 1
    assert home.primary_interface == "wlan0"
    assert [(i.interface, i.mac) for i in home.interfaces] == [
        ("ppp0", None), ("eth0", "00:00:10:20:30:40"), ("wlan0", "00:10:2D:30:40:50")
    ]
    assert home.mac == "00:10:2D:30:40:50"  # the primary interface's


async def test_network_without_home_is_a_typed_error() -> None:
    async with replay_envoy("7.6.175_standard") as envoy, connected(envoy) as gateway:
        envoy.faults.add("404", "/home")
        with pytest.raises(HttpStatusError) as raised:
            await gateway.network()
    assert raised.value.endpoint == "/home"
    assert raised.value.host == gateway.host
    assert "HTTP 404" in str(raised.value)


async def test_network_with_a_broken_answer_is_a_typed_error() -> None:
    async with replay_envoy("8.3.1598_collar") as envoy, connected(envoy) as gateway:
        envoy.faults.add("garbage", "/home")
        with pytest.raises(InvalidResponse) as raised:
            await gateway.network()
    assert raised.value.endpoint == "/home"

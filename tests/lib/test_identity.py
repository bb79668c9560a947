"""The Gateway made for one serial refuses another device at the host, before sending it any credential."""

from __future__ import annotations

import pytest

from iqgateway import DeviceIdentityError, Gateway, IQGatewayError
from iqgateway.simulator.testing import replay_envoy
from tests.lib.conftest import connected, credentials
from tests.shared import capture_serial

CAPTURE = "8.1.41"


async def test_another_device_at_the_host_is_refused_before_any_credential() -> None:
    serial = capture_serial(CAPTURE)
    async with replay_envoy(CAPTURE) as envoy, Gateway(envoy.url, serial="122300000001",
                                                      **credentials(envoy)) as gateway:
        with pytest.raises(DeviceIdentityError) as caught:
            await gateway.update()
        assert envoy.stats.requests == envoy.stats.count("/info")  # nothing but the identity was asked
    err = caught.value
    assert (err.expected, err.found) == ("122300000001", serial)
    assert err.host == gateway.host
    assert err.endpoint == "/info"
    assert gateway.serial == "122300000001"


async def test_the_configured_device_is_read_and_reidentified_after_a_failure() -> None:
    serial = capture_serial(CAPTURE)
    async with replay_envoy(CAPTURE) as envoy, connected(envoy, serial=serial) as gateway:
        assert (await gateway.update()).info.serial == serial
        infos = envoy.stats.count("/info")
        fault = envoy.faults.add("500")
        with pytest.raises(IQGatewayError):
            await gateway.update()
        envoy.faults.remove(fault)
        envoy.upgrade_firmware("8.3.5200")
        data = await gateway.update()
    assert data.info.firmware == "8.3.5200"  # read again at once, not an hour later
    assert envoy.stats.count("/info") > infos

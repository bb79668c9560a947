"""pyenphase's runner, used as its documentation shows: `Envoy(host)`, setup, authenticate, probe, update.

pyenphase is installed only in the benchmark's environment (bench/requirements.txt); it is imported by name
at run time so that the project's own environment and type checks do not need it. It reads every endpoint
on every update, so its clock does not matter.
"""

from __future__ import annotations

import importlib
from typing import Any

from .device import SimDevice


def pyenphase_version() -> str:
    from importlib.metadata import version

    return version("pyenphase")


class PyenphaseClient:
    name = "pyenphase"

    def __init__(self, device: SimDevice) -> None:
        self._device = device
        self._envoy: Any = None

    async def start(self) -> None:
        module: Any = importlib.import_module("pyenphase")
        device = self._device
        # host:port without a scheme: pyenphase tries https, then http (firmware < 7)
        envoy = module.Envoy(device.address)
        self._envoy = envoy
        await envoy.setup()
        if device.token_auth:
            await envoy.authenticate(token=device.token)
        else:
            await envoy.authenticate(username="installer")
        await envoy.probe()

    async def update(self) -> None:
        await self._envoy.update()

    def advance(self, seconds: float) -> None:
        """pyenphase has no schedule: every update reads everything."""

    async def close(self) -> None:
        if self._envoy is not None:
            await self._envoy.close()

"""iqgateway's runner: `Gateway` setup / authenticate / probe / update on a clock the benchmark moves.

The Gateway's schedule decides what each update reads from the time it sees, so an hour of 60 s cycles is
simulated by moving that clock 60 s per cycle instead of waiting. The Gateway takes an injected clock when it
has a `clock` parameter; otherwise the `time` module of iqgateway.gateway is replaced, for this runner only,
by one whose `time()` runs ahead of the real one (deadlines keep the real monotonic clock).
"""

from __future__ import annotations

import contextlib
import inspect
import time
from types import ModuleType
from typing import Any
from unittest import mock

import iqgateway.gateway
from iqgateway import Gateway

from .device import SimDevice


class ShiftedTime:
    """The `time` module with `time()` `offset` seconds ahead; everything else is the real module's."""

    def __init__(self, real: ModuleType) -> None:
        self._real = real
        self.offset = 0.0

    def time(self) -> float:
        return float(self._real.time()) + self.offset

    def __call__(self) -> float:
        return self.time()

    def __getattr__(self, name: str) -> Any:
        return getattr(self._real, name)


class OursClient:
    name = "iqgateway"

    def __init__(self, device: SimDevice) -> None:
        self._device = device
        self._clock = ShiftedTime(time)
        self._stack = contextlib.ExitStack()
        self._gateway: Gateway | None = None
        self.clock_injection = "clock=" if "clock" in inspect.signature(Gateway).parameters else "patched time"

    async def start(self) -> None:
        device = self._device
        kw: dict[str, Any] = {"token": device.token} if device.token_auth else {"username": "installer"}
        if self.clock_injection == "clock=":
            kw["clock"] = self._clock
        else:
            self._stack.enter_context(mock.patch.object(iqgateway.gateway, "time", self._clock))
        # an explicit scheme: https for firmware >= 7, http below (the simulator serves one)
        self._gateway = Gateway(device.url, **kw)
        await self._gateway.setup()
        await self._gateway.authenticate()
        await self._gateway.probe()

    async def update(self) -> None:
        assert self._gateway is not None
        await self._gateway.update()

    def advance(self, seconds: float) -> None:
        self._clock.offset += seconds

    async def close(self) -> None:
        try:
            if self._gateway is not None:
                await self._gateway.close()
        finally:
            self._stack.close()

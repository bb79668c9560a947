"""iqgateway's runner: `Gateway` setup / authenticate / probe / update on a clock the benchmark moves.

The Gateway's schedule decides what each update reads from the time it sees, so an hour of 60 s cycles is
simulated by moving that clock 60 s per cycle instead of waiting: the Gateway gets a `clock` whose time runs
ahead of the real one (its deadlines keep the real monotonic clock).
"""

from __future__ import annotations

import time
from typing import Any

from iqgateway import Gateway

from .device import SimDevice


class ShiftedClock:
    """Wall-clock time `offset` seconds ahead of the real one; it starts at `start` (epoch seconds)."""

    def __init__(self, start: float) -> None:
        self.offset = start - time.time()

    def __call__(self) -> float:
        return time.time() + self.offset


class OursClient:
    name = "iqgateway"

    def __init__(self, device: SimDevice, start: float) -> None:
        self._device = device
        self._clock = ShiftedClock(start)
        self._gateway: Gateway | None = None

    async def start(self) -> None:
        device = self._device
        kw: dict[str, Any] = {"token": device.token} if device.token_auth else {"username": "installer"}
        # an explicit scheme: https for firmware >= 7, http below (the simulator serves one)
        self._gateway = Gateway(device.url, clock=self._clock, **kw)
        await self._gateway.setup()
        await self._gateway.authenticate()
        await self._gateway.probe()

    async def update(self) -> None:
        assert self._gateway is not None
        await self._gateway.update()

    def advance(self, seconds: float) -> None:
        self._clock.offset += seconds

    async def close(self) -> None:
        if self._gateway is not None:
            await self._gateway.close()

"""Follow many gateways from one asyncio process.

Each gateway has a task of its own that updates it once per cycle; the library decides what each update
fetches (its cadence), keeps the last good data of failing optional endpoints and guards the energy totals.
The fleet adds what many gateways need:

- a bounded number of updates in flight across the fleet: `max_in_flight` of gateways that answer, and
  half as many (at least one) of gateways that do not answer yet or any more;
- jittered schedules: the gateways start spread over the first cycle, and every cycle is up to 5 % shorter
  than `interval_s` (never longer: each gateway is published at least once per `interval_s`), so they
  never fall into step;
- per-gateway back-off: a gateway that failed is asked again after a growing pause, never faster than the
  cycle, at most every `max(interval_s, 5 min)`;
- one failing gateway never delays another: a gateway that has not answered yet, or whose last update
  failed, waits for a slot of the second pool, so gateways that hang until their deadline can only hold up
  each other, never a gateway that answers.

Sinks (MQTT, Prometheus) hear of each update and failure; they must not block (they queue their work).
"""

from __future__ import annotations

import asyncio
import logging
import random
import time
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Protocol

from ..derived.daily_store import load_state, save_state, site_zone
from ..errors import IQGatewayError
from ..gateway import Gateway
from .catalog import Reading, catalog

if TYPE_CHECKING:
    import aiohttp

    from ..models import GatewayData
    from .config import ExportConfig, GatewayConfig

_LOGGER = logging.getLogger(__name__)

BACKOFF_FIRST_S = 30.0  # the first retry comes after min(interval_s, this)
BACKOFF_CAP_S = 300.0
CYCLE_JITTER = 0.05  # each cycle lasts 95 % to 100 % of interval_s
DAILY_SAVE_S = 300.0  # a gateway's midnight closes are written at most this often (and at the end)


class GatewayState:
    """What the fleet knows of one gateway: its last snapshot and readings, whether it answers, counters."""

    __slots__ = ("config", "daily_saved_at", "data", "duration_s", "failures", "failures_total", "index",
                 "last_error", "last_success", "online", "readings", "serial", "updates_total")

    def __init__(self, index: int, config: GatewayConfig) -> None:
        self.index = index
        self.config = config
        self.serial: str | None = None  # known once the gateway answered /info
        self.data: GatewayData | None = None
        self.readings: tuple[Reading, ...] = ()
        self.online = False
        self.failures = 0  # in a row
        self.failures_total = 0
        self.updates_total = 0
        self.last_success: float | None = None  # epoch seconds
        self.last_error: str | None = None
        self.duration_s: float | None = None
        self.daily_saved_at = 0.0  # when the midnight closes were last written (epoch seconds)

    @property
    def host(self) -> str:
        return self.config.host

    def __repr__(self) -> str:
        return f"GatewayState(host={self.host!r}, serial={self.serial!r}, online={self.online})"


class Sink(Protocol):
    """Where the fleet's news goes; both calls return at once."""

    def updated(self, state: GatewayState) -> None: ...

    def failed(self, state: GatewayState) -> None: ...


def backoff_s(failures: int, interval_s: float) -> float:
    """Pause before asking a gateway again after `failures` failed updates in a row (before jitter)."""
    first = min(interval_s, BACKOFF_FIRST_S)
    return float(min(first * 2 ** max(0, failures - 1), max(interval_s, BACKOFF_CAP_S)))


class Fleet:
    """Every configured gateway, each followed by its own task."""

    def __init__(
        self,
        config: ExportConfig,
        session: aiohttp.ClientSession,
        sinks: Sequence[Sink] = (),
        *,
        rng: random.Random | None = None,
        clock: Callable[[], float] = time.time,
        update_deadline: float | None = None,
    ) -> None:
        self.config = config
        self.states = tuple(GatewayState(i, g) for i, g in enumerate(config.gateways))
        self._session = session
        self._sinks = list(sinks)
        self._rng = rng or random.Random()
        self._clock = clock
        self._update_deadline = update_deadline  # None: the library's
        self._slots = asyncio.Semaphore(config.max_in_flight)
        self._probation_slots = asyncio.Semaphore(max(1, config.max_in_flight // 2))
        self._gateways: dict[int, Gateway] = {}

    def add_sink(self, sink: Sink) -> None:
        self._sinks.append(sink)

    async def run(self) -> None:
        """Follow every gateway until cancelled."""
        try:
            async with asyncio.TaskGroup() as group:
                for state in self.states:
                    group.create_task(self._follow(state), name=f"gateway {state.host}")
        finally:
            for index, gateway in self._gateways.items():
                self._save_daily(self.states[index], gateway)
                await gateway.close()

    def _gateway(self, state: GatewayState) -> Gateway:
        gateway = self._gateways.get(state.index)
        if gateway is None:
            cfg = state.config
            gateway = Gateway(cfg.host, session=self._session, username=cfg.username, password=cfg.password,
                              token=cfg.token, tz=site_zone(cfg.tz) if cfg.tz is not None else None)
            if cfg.state_file is not None:
                try:
                    saved = load_state(Path(cfg.state_file))
                    if saved is not None:
                        gateway.restore_daily(saved)
                except IQGatewayError as err:
                    _LOGGER.warning("%s: starting the daily energy afresh: %s", state.host, err.message)
            if self._update_deadline is not None:
                gateway.update_deadline = self._update_deadline
            self._gateways[state.index] = gateway
        return gateway

    async def _follow(self, state: GatewayState) -> None:
        loop = asyncio.get_running_loop()
        interval = self.config.interval_s
        due = loop.time() + self._rng.uniform(0.0, interval)
        while True:
            await asyncio.sleep(max(0.0, due - loop.time()))
            slots = self._slots if state.online else self._probation_slots
            async with slots:
                ok = await self.poll(state)
            now = loop.time()
            if ok:
                due += interval * self._rng.uniform(1.0 - CYCLE_JITTER, 1.0)
            else:
                due = now + backoff_s(state.failures, interval) * self._rng.uniform(0.9, 1.1)
            due = max(due, now)

    async def poll(self, state: GatewayState) -> bool:
        """Update one gateway now and tell the sinks; False when the update failed."""
        gateway = self._gateway(state)
        started = time.monotonic()
        try:
            data = await gateway.update()
            readings = catalog(data, state.config.name)
        except IQGatewayError as err:
            self._failed(state, gateway, str(err))
            return False
        except Exception as err:
            _LOGGER.exception("%s: unexpected error while updating", state.host)
            self._failed(state, gateway, f"internal error ({type(err).__name__})")
            return False
        state.duration_s = time.monotonic() - started
        state.serial = data.info.serial
        state.data, state.readings = data, readings
        state.updates_total += 1
        state.last_success = data.updated_at if data.updated_at is not None else self._clock()
        if not state.online:
            _LOGGER.info("%s: Envoy %s answers (firmware %s, %d values)", state.host, state.serial,
                         data.info.firmware, len(readings))
        state.online, state.failures, state.last_error = True, 0, None
        if self._clock() - state.daily_saved_at >= DAILY_SAVE_S:
            self._save_daily(state, gateway)
        for sink in self._sinks:
            sink.updated(state)
        return True

    def _save_daily(self, state: GatewayState, gateway: Gateway) -> None:
        daily, path = gateway.daily, state.config.state_file
        if daily is None or path is None:
            return
        state.daily_saved_at = self._clock()
        try:
            save_state(Path(path), daily.to_state())
        except IQGatewayError as err:
            _LOGGER.warning("%s: %s", state.host, err.message)

    def _failed(self, state: GatewayState, gateway: Gateway, error: str) -> None:
        if gateway.info is not None:
            state.serial = gateway.info.serial
        if state.online or state.failures == 0:
            _LOGGER.warning("%s: update failed, offline until it answers again: %s", state.host, error)
        state.online = False
        state.failures += 1
        state.failures_total += 1
        state.last_error = error
        for sink in self._sinks:
            sink.failed(state)

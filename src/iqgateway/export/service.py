"""The export process: the fleet, the MQTT publisher and the metrics server in one event loop."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import signal
from typing import TYPE_CHECKING

import aiohttp

from .fleet import Fleet

if TYPE_CHECKING:
    from .config import ExportConfig

_LOGGER = logging.getLogger(__name__)


def missing_extra(config: ExportConfig) -> str | None:
    """The module the configuration needs that is not installed (the `export` extra), if any."""
    import importlib.util

    wanted = (("aiomqtt", config.mqtt is not None), ("prometheus_client", config.prometheus is not None))
    for module, needed in wanted:
        if needed and importlib.util.find_spec(module) is None:
            return module
    return None


def http_session() -> aiohttp.ClientSession:
    """One session for the whole fleet. No cookie jar: gateways on one address (ports) must not share cookies;
    each Gateway keeps its own session cookie."""
    connector = aiohttp.TCPConnector(limit=0, limit_per_host=4)
    return aiohttp.ClientSession(connector=connector, cookie_jar=aiohttp.DummyCookieJar())


async def run_export(config: ExportConfig, *, stop: asyncio.Event | None = None,
                     update_deadline: float | None = None) -> Fleet:
    """Run until SIGINT/SIGTERM, or until `stop` is set when one is given; the fleet as it ended."""
    loop = asyncio.get_running_loop()
    handled = []
    if stop is None:
        stop = asyncio.Event()
        for signum in (signal.SIGINT, signal.SIGTERM):
            with contextlib.suppress(NotImplementedError, RuntimeError):
                loop.add_signal_handler(signum, stop.set)
                handled.append(signum)
    async with http_session() as session:
        fleet = Fleet(config, session, update_deadline=update_deadline)
        tasks = [asyncio.create_task(fleet.run(), name="fleet")]
        server = None
        if config.mqtt is not None:
            from .mqtt import MqttPublisher

            publisher = MqttPublisher(config.mqtt, fleet.states)
            fleet.add_sink(publisher)
            tasks.append(asyncio.create_task(publisher.run(), name="mqtt"))
        if config.prometheus is not None:
            from .prometheus import MetricsServer, make_registry

            server = MetricsServer(config.prometheus, make_registry(fleet.states))
            await server.start()
        _LOGGER.info("following %d gateway(s) every %g s", len(fleet.states), config.interval_s)
        stopper = asyncio.create_task(stop.wait())
        try:
            done, _ = await asyncio.wait([stopper, *tasks], return_when=asyncio.FIRST_COMPLETED)
            for task in done - {stopper}:
                task.result()  # a task that ended on its own failed: say why
        finally:
            for task in (stopper, *tasks):
                task.cancel()
            await asyncio.gather(*tasks, return_exceptions=True)
            if server is not None:
                await server.stop()
            for signum in handled:
                loop.remove_signal_handler(signum)
    return fleet

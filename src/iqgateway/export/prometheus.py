"""The Prometheus side: `/metrics` in the exposition format (or OpenMetrics when the scraper asks for it).

A custom collector builds the samples from the fleet's latest snapshots at each scrape, so updating a
gateway costs nothing here. Every sample has a `serial` label (the Envoy's); names carry base units:
watts, joules (lifetime energy as `_joules_total` counters), volts, amperes, hertz, celsius, ratios (0..1)
and seconds. `iqgateway_up` is 1 while a gateway answers, 0 once an update failed.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator, Sequence
from typing import TYPE_CHECKING

from aiohttp import web
from prometheus_client import CollectorRegistry, PlatformCollector, ProcessCollector
from prometheus_client.core import CounterMetricFamily, GaugeMetricFamily, Metric
from prometheus_client.exposition import choose_encoder
from prometheus_client.registry import Collector

from .prometheus_table import FAMILIES, Family

if TYPE_CHECKING:
    from .config import PrometheusConfig
    from .fleet import GatewayState

_LOGGER = logging.getLogger(__name__)


class FleetCollector(Collector):
    """Samples of every gateway, from its last good snapshot."""

    def __init__(self, states: Sequence[GatewayState], families: Sequence[Family] = FAMILIES) -> None:
        self._states = states
        self._families = families

    def collect(self) -> Iterator[Metric]:
        states = self._states
        up = GaugeMetricFamily("iqgateway_up", "1 while the gateway answers, 0 once an update failed",
                               labels=("serial", "host"))
        info = GaugeMetricFamily("iqgateway_gateway_info", "Identity of the gateway (always 1)",
                                 labels=("serial", "host", "firmware", "part_number"))
        last = GaugeMetricFamily("iqgateway_last_update_timestamp_seconds",
                                 "When the last good update finished (epoch seconds)", labels=("serial",))
        duration = GaugeMetricFamily("iqgateway_update_duration_seconds", "How long the last good update took",
                                     labels=("serial",))
        updates = CounterMetricFamily("iqgateway_updates", "Good updates since the export started",
                                      labels=("serial",))
        failures = CounterMetricFamily("iqgateway_update_failures", "Failed updates since the export started",
                                       labels=("serial",))
        for state in states:
            serial = state.serial or ""
            up.add_metric((serial, state.host), 1.0 if state.online else 0.0)
            if state.serial is None:
                continue
            updates.add_metric((serial,), float(state.updates_total))
            failures.add_metric((serial,), float(state.failures_total))
            if state.data is not None:
                data = state.data
                info.add_metric((serial, state.host, data.info.firmware, data.info.part_number or ""), 1.0)
            if state.last_success is not None:
                last.add_metric((serial,), state.last_success)
            if state.duration_s is not None:
                duration.add_metric((serial,), state.duration_s)
        yield from (up, info, last, duration, updates, failures)
        for family in self._families:
            metric: GaugeMetricFamily | CounterMetricFamily
            labels = ("serial", *family.labels)
            if family.counter:
                metric = CounterMetricFamily(family.name, family.help, labels=labels)
            else:
                metric = GaugeMetricFamily(family.name, family.help, labels=labels)
            for state in states:
                if state.data is None or state.serial is None:
                    continue
                for label_values, value in family.samples(state.data):
                    metric.add_metric((state.serial, *label_values), value)
            if metric.samples:
                yield metric


def make_registry(states: Sequence[GatewayState]) -> CollectorRegistry:
    """A registry of its own (not the library-wide default): the fleet, and this process's CPU and memory."""
    registry = CollectorRegistry(auto_describe=False)
    registry.register(FleetCollector(states))
    ProcessCollector(registry=registry)
    PlatformCollector(registry=registry)
    return registry


def metrics_app(registry: CollectorRegistry) -> web.Application:
    async def metrics(request: web.Request) -> web.Response:
        encoder, content_type = choose_encoder(request.headers.get("Accept", ""))
        return web.Response(body=encoder(registry), headers={"Content-Type": content_type})

    async def index(request: web.Request) -> web.Response:
        return web.Response(text='iqgateway export: metrics at <a href="/metrics">/metrics</a>\n',
                            content_type="text/html")

    app = web.Application()
    app.router.add_get("/metrics", metrics)
    app.router.add_get("/", index)
    return app


class MetricsServer:
    """Serves /metrics on `listen` from the export's own event loop."""

    def __init__(self, config: PrometheusConfig, registry: CollectorRegistry) -> None:
        self.config = config
        self._runner = web.AppRunner(metrics_app(registry), access_log=None)
        self._site: web.TCPSite | None = None

    @property
    def url(self) -> str:
        host = self.config.host
        return f"http://{f'[{host}]' if ':' in host else host}:{self.config.port}/metrics"

    async def start(self) -> None:
        await self._runner.setup()
        self._site = web.TCPSite(self._runner, self.config.host, self.config.port)
        await self._site.start()
        _LOGGER.info("Prometheus metrics at %s", self.url)

    async def stop(self) -> None:
        await self._runner.cleanup()


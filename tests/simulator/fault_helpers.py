"""The simulator fault tests' devices, clients and checks: profiles on a frozen clock, Gateways reading
every endpoint on every update with short timeouts."""

from __future__ import annotations

import asyncio
import datetime
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

import orjson

from iqgateway import Cadence, Gateway
from iqgateway.errors import (
    IQGatewayError,
)
from iqgateway.models import GatewayData
from iqgateway.simulator.accounting import RequestRecord
from iqgateway.simulator.clock import SimClock
from iqgateway.simulator.server import SimulatedEnvoy

# full-us: firmware 8.3.5169 (token auth), CTs, batteries, Enpower, generator; production from production.json
FULL_US = "full-us"
FULL_US_TZ = "America/Chicago"
# standard: firmware 7.6.175, no CT; production (and its counters) from /api/v1/production
STANDARD = "standard"
STANDARD_TZ = "America/Denver"

PRODUCTION = "/production.json?details=1"
V1_PRODUCTION = "/api/v1/production"
READINGS = "/ivp/meters/readings"
POWER = "/ivp/ensemble/power"
INVENTORY = "/ivp/ensemble/inventory"

EVERY_UPDATE = Cadence.every_cycle()
NOON = datetime.datetime(2026, 6, 15, 12, 0)


def frozen(at: datetime.datetime = NOON, tz: str = FULL_US_TZ) -> SimClock:
    """A device clock that stands still (only advance() moves it): the profile answers the same every time."""
    return SimClock(at, speed=0, tz=tz)


@asynccontextmanager
async def polling(envoy: SimulatedEnvoy, **kw: Any) -> AsyncIterator[Gateway]:
    """A Gateway with a token minted by the device, reading every endpoint on every update, short timeouts."""
    options: dict[str, Any] = {
        "token": envoy.mint_token(),
        "cadence": EVERY_UPDATE,
        "request_timeout": 1.0,
        "update_deadline": 4.0,
        **kw,
    }
    device_clock = getattr(envoy.source, "clock", None)
    if isinstance(device_clock, SimClock):
        # the guard's "just after midnight" is judged on this clock: the device's, never the host's time of day
        options.setdefault("clock", device_clock.timestamp)
    async with Gateway(envoy.url, **options) as gateway:
        yield gateway


def device_doc(envoy: SimulatedEnvoy, path: str, query: str = "") -> Any:
    """The document the simulated device answers right now, straight from its source (no faults)."""
    return orjson.loads(envoy.source.respond("GET", path, query, b"").body)


def eim(doc: Any, section: str, measurement: str) -> dict[str, Any]:
    entry: dict[str, Any] = next(
        e for e in doc[section] if e.get("type") == "eim" and e.get("measurementType") == measurement
    )
    return entry


def faulted(envoy: SimulatedEnvoy, label: str) -> list[RequestRecord]:
    """The requests the device shaped with the fault `label` (its own request log)."""
    return [entry for entry in envoy.stats.log if entry.fault == label]


async def logged(envoy: SimulatedEnvoy, path: str, count: int, within_s: float = 5.0) -> int:
    """Wait until the device has logged `count` requests of `path` (it logs a delayed or hung request only
    when it ends, after the client gave up); the count then."""
    async with asyncio.timeout(within_s):
        while envoy.stats.count(path) < count:
            await asyncio.sleep(0.05)
    return envoy.stats.count(path)


def assert_names(err: IQGatewayError, envoy: SimulatedEnvoy, endpoint: str) -> None:
    assert err.host == envoy.address
    assert err.endpoint == endpoint
    assert envoy.address in str(err)
    assert endpoint in str(err)


def assert_production_is_the_device_documents(data: GatewayData, envoy: SimulatedEnvoy) -> None:
    doc = device_doc(envoy, "/production.json", "details=1")
    assert data.production is not None
    assert data.production.wh_lifetime == eim(doc, "production", "production")["whLifetime"]
    assert data.production.wh_today == eim(doc, "production", "production")["whToday"]
    assert data.consumption_total is not None
    assert data.consumption_total.wh_lifetime == eim(doc, "consumption", "total-consumption")["whLifetime"]

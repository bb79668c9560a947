"""Fixtures of the Home Assistant tests: a real HA test instance talking to the in-process simulator."""

from __future__ import annotations

# Our integration must be imported before anything of Home Assistant's test plugin puts its testing
# config on sys.path: whichever `custom_components` package is cached first is the one HA searches,
# and without ours HA silently loads its built-in enphase_envoy.
import custom_components.enphase_envoy  # noqa: F401  # isort: skip

import contextlib
import dataclasses
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator
from typing import Any, Protocol
from unittest.mock import patch

import pytest
from homeassistant.helpers import entity_registry as er
from pytest_homeassistant_custom_component.syrupy import HomeAssistantSnapshotExtension
from syrupy.assertion import SnapshotAssertion

from iqgateway import CloudEndpoints
from iqgateway.simulator.enlighten import SimulatedCloud
from iqgateway.simulator.server import SimulatedEnvoy
from iqgateway.simulator.testing import profile_envoy, replay_envoy, simulated_cloud


class StartEnvoy(Protocol):
    """`await start_envoy("7.6.175_standard")` or `await start_envoy(profile="...")`; stopped at teardown."""

    def __call__(
        self, capture: str | None = None, *, profile: str | None = None, **kwargs: Any
    ) -> Awaitable[SimulatedEnvoy]: ...


@pytest.fixture(autouse=True)
def quiet_window_off(request: pytest.FixtureRequest) -> Iterator[None]:
    """Tests on the real clock would be held by the quiet window when they run around 23:00 in Home Assistant's
    zone: the window stays only in tests marked `quiet_window` (which run on a frozen clock)."""
    if request.node.get_closest_marker("quiet_window") is not None:
        yield
        return
    from custom_components.enphase_envoy import persisted

    def without_window(options: Any) -> Any:
        return dataclasses.replace(persisted.load_policy(options), quiet=False)

    with patch("custom_components.enphase_envoy.load_policy", without_window):
        yield


@pytest.fixture(autouse=True)
def auto_enable_custom_integrations(enable_custom_integrations: None) -> None:
    """Let HA load ./custom_components in every test."""


@pytest.fixture
def snapshot(snapshot: SnapshotAssertion) -> SnapshotAssertion:
    """Snapshots serialized the way Home Assistant's own tests do."""
    return snapshot.use_extension(HomeAssistantSnapshotExtension)


@pytest.fixture
def entity_registry_enabled_by_default() -> Iterator[None]:
    """Register every entity enabled, including those the integration disables by default."""
    original = er.EntityRegistry.async_get_or_create

    def get_or_create(self: er.EntityRegistry, domain: str, platform: str, unique_id: str, **kw: Any) -> Any:
        kw["disabled_by"] = None
        return original(self, domain, platform, unique_id, **kw)

    with patch.object(er.EntityRegistry, "async_get_or_create", get_or_create):
        yield


@pytest.fixture
async def start_envoy(socket_enabled: None) -> AsyncIterator[StartEnvoy]:
    """Start simulated Envoys (a capture replay or a profile) on 127.0.0.1; all are stopped at teardown."""
    async with contextlib.AsyncExitStack() as stack:

        async def start(capture: str | None = None, *, profile: str | None = None, **kwargs: Any) -> SimulatedEnvoy:
            if profile is not None:
                return await stack.enter_async_context(profile_envoy(profile, **kwargs))
            if capture is None:
                raise ValueError("start_envoy needs a capture name or a profile")
            return await stack.enter_async_context(replay_envoy(capture, **kwargs))

        yield start


@pytest.fixture
async def start_cloud(socket_enabled: None) -> AsyncIterator[Callable[..., Awaitable[SimulatedCloud]]]:
    """Start a simulated Enphase cloud (Enlighten login + Entrez tokens); the integration is pointed at it."""
    async with contextlib.AsyncExitStack() as stack:

        async def start(**kwargs: Any) -> SimulatedCloud:
            cloud = await stack.enter_async_context(simulated_cloud(**kwargs))
            stack.enter_context(use_cloud(cloud))
            return cloud

        yield start


@contextlib.contextmanager
def use_cloud(cloud: SimulatedCloud) -> Iterator[None]:
    """Point the integration's Gateways at `cloud` instead of Enphase's servers."""
    endpoints = CloudEndpoints(enlighten_url=cloud.url, entrez_url=cloud.url)
    with patch("custom_components.enphase_envoy.connect.cloud_endpoints", return_value=endpoints):
        yield

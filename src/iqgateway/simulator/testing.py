"""Async context managers that run simulated devices for tests (free ports, stopped on exit).

    async with replay_envoy("8.3.5169_with_generator") as envoy: ...     # a capture name or folder
    async with profile_envoy("ensemble", batteries=2) as envoy: ...
    async with simulated_cloud() as cloud, replay_envoy(path, cloud=cloud) as envoy: ...

A bare capture name is looked up in $IQGATEWAY_CAPTURES, then in the checkout's `tests/captures` (the
working directory's, or the one this source tree sits in).
"""

from __future__ import annotations

import os
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

from .enlighten import SimulatedCloud
from .replay import ReplaySource
from .server import SimulatedEnvoy

PROFILE_ARGS = ("inverters", "batteries", "clock", "seed")


def capture_path(capture: str | Path) -> Path:
    """The folder of a capture given by path or by name."""
    path = Path(capture)
    if (path / "info").is_file():
        return path
    roots = [Path(os.environ["IQGATEWAY_CAPTURES"])] if os.environ.get("IQGATEWAY_CAPTURES") else []
    roots += [
        Path.cwd() / "tests" / "captures",
        Path(__file__).resolve().parents[3] / "tests" / "captures",
    ]
    for root in roots:
        if (root / path / "info").is_file():
            return root / path
    raise FileNotFoundError(f"no capture {capture!r} (looked in {', '.join(str(r) for r in roots)})")


@asynccontextmanager
async def replay_envoy(capture: str | Path, **kw: Any) -> AsyncIterator[SimulatedEnvoy]:
    """A running SimulatedEnvoy replaying `capture`; `kw` goes to SimulatedEnvoy (scheme, auth, faults, cloud...)."""
    async with SimulatedEnvoy(ReplaySource(capture_path(capture)), **kw) as envoy:
        yield envoy


@asynccontextmanager
async def profile_envoy(name: str, **kw: Any) -> AsyncIterator[SimulatedEnvoy]:
    """A running SimulatedEnvoy for a synthetic profile; inverters/batteries/clock/seed go to make_profile."""
    from .profiles import make_profile

    profile_kw = {key: kw.pop(key) for key in PROFILE_ARGS if key in kw}
    async with SimulatedEnvoy(make_profile(name, **profile_kw), **kw) as envoy:
        yield envoy


@asynccontextmanager
async def simulated_cloud(**kw: Any) -> AsyncIterator[SimulatedCloud]:
    """A running SimulatedCloud (accounts, mfa_accounts, token_lifetime_s...)."""
    async with SimulatedCloud(**kw) as cloud:
        yield cloud

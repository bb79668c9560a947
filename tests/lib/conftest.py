"""Library tests run the Gateway against the simulator over real HTTP(S) on 127.0.0.1.

Helpers (importable as `tests.lib.conftest`): credentials per firmware, a connected Gateway,
capture documents read straight from the files.
"""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

from iqgateway import Gateway
from iqgateway.simulator.server import SimulatedEnvoy
from tests.shared import CAPTURES


def credentials(envoy: SimulatedEnvoy) -> dict[str, Any]:
    """What the firmware wants: a token minted by the simulator (>= 7) or the installer's Digest login (< 7)."""
    if envoy.token_auth:
        return {"token": envoy.mint_token()}
    return {"username": "installer"}


@asynccontextmanager
async def connected(envoy: SimulatedEnvoy, **kw: Any) -> AsyncIterator[Gateway]:
    """A Gateway that went through setup, authenticate and probe (closed on exit)."""
    options = {**credentials(envoy), **kw}
    async with Gateway(envoy.url, **options) as gateway:
        await gateway.setup()
        await gateway.authenticate()
        await gateway.probe()
        yield gateway


def capture_dir(name: str) -> Path:
    return CAPTURES / name


def capture_json(name: str, file: str) -> Any:
    """A capture's JSON document, or None when the device did not serve it."""
    path = CAPTURES / name / file
    if not path.is_file():
        return None
    try:
        return json.loads(path.read_text())
    except ValueError:
        return None


"""The few requests `Gateway` provides to its control mixins (gateway_controls.py, gateway_installer.py)."""

from __future__ import annotations

import abc

from .answer import Answer
from .models import GatewayData
from .transport import HttpReply


class GatewayRequests(abc.ABC):
    """What a control mixin writes against: the host, the last snapshot, updates, reads, writes, read-backs."""

    @property
    @abc.abstractmethod
    def host(self) -> str: ...

    @property
    @abc.abstractmethod
    def data(self) -> GatewayData | None: ...

    @abc.abstractmethod
    async def _update(self) -> GatewayData:
        """An update, the caller holding the lock."""

    @abc.abstractmethod
    async def _get(self, path: str, *, required: bool = False) -> Answer:
        """One GET as an Answer."""

    @abc.abstractmethod
    async def _send(self, method: str, path: str, *, required: bool, body: bytes | None = None) -> HttpReply:
        """One authenticated request."""

    @abc.abstractmethod
    async def _read_back(self, paths: tuple[str, ...]) -> GatewayData:
        """Read `paths` again and assemble a new snapshot from them."""

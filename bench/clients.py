"""What the benchmark asks of a client library: start (identity, auth, probe), update, time moving on."""

from __future__ import annotations

from typing import Protocol


class Client(Protocol):
    """One client library talking to one simulated device."""

    name: str

    async def start(self) -> None:
        """Identity, authentication and probe: everything before the first update."""

    async def update(self) -> None:
        """One update cycle (raises on failure)."""

    def advance(self, seconds: float) -> None:
        """`seconds` of simulated time pass before the next update (a client without a schedule ignores it)."""

    async def close(self) -> None: ...

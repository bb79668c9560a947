"""A spinner with the current step ("probing 16 endpoints… /ivp/pdm/device_data") for work that takes a while.

It appears on stderr only, after the work has run for `delay_s`, and only when stderr is a terminal and
the output is not JSON, so pipes, scripts and `--json` see nothing of it.
"""

from __future__ import annotations

import asyncio
from types import TracebackType

from rich.console import Console
from rich.status import Status

SHOW_AFTER_S = 1.0


class Spinner:
    """`async with Spinner(enabled) as spinner: spinner.phase("probing…"); spinner.request(path)`."""

    def __init__(self, enabled: bool, *, delay_s: float = SHOW_AFTER_S, console: Console | None = None) -> None:
        self._console = console or Console(stderr=True, highlight=False)
        self.enabled = enabled and self._console.is_terminal and not self._console.is_dumb_terminal
        self._delay_s = delay_s
        self._phase = "connecting"
        self._path = ""
        self._status: Status | None = None
        self._timer: asyncio.Task[None] | None = None

    @property
    def text(self) -> str:
        return f"{self._phase}… {self._path}".rstrip()

    def phase(self, text: str) -> None:
        self._phase = text
        self._path = ""
        self._show()

    def request(self, path: str) -> None:
        self._path = path
        self._show()

    def _show(self) -> None:
        if self._status is not None:
            self._status.update(self.text)

    async def _later(self) -> None:
        await asyncio.sleep(self._delay_s)
        self._status = Status(self.text, console=self._console, spinner="dots")
        self._status.start()

    def stop(self) -> None:
        """Take the spinner off the screen (before printing the result)."""
        if self._timer is not None:
            self._timer.cancel()
            self._timer = None
        if self._status is not None:
            self._status.stop()
            self._status = None

    async def __aenter__(self) -> Spinner:
        if self.enabled:
            self._timer = asyncio.create_task(self._later())
        return self

    async def __aexit__(self, kind: type[BaseException] | None, err: BaseException | None,
                        tb: TracebackType | None) -> None:
        self.stop()

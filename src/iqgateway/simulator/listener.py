"""One aiohttp low-level HTTP(S) server on a host/port, counting connections; it can stop listening and resume."""

from __future__ import annotations

import asyncio
import contextlib
import ssl
from collections.abc import Awaitable, Callable

from aiohttp import web

Handler = Callable[[web.BaseRequest], Awaitable[web.StreamResponse]]

SHUTDOWN_TIMEOUT_S = 0.5


class Listener:
    """Serves `handler` on host:port (0 = a free port) with plain HTTP or TLS."""

    def __init__(
        self,
        handler: Handler,
        *,
        host: str = "127.0.0.1",
        port: int = 0,
        ssl_context: ssl.SSLContext | None = None,
        on_connection: Callable[[], None] | None = None,
    ) -> None:
        self._handler = handler
        self.host = host
        self.port = port
        self._ssl = ssl_context
        self._on_connection = on_connection
        self._runner: web.ServerRunner | None = None
        self._server: asyncio.Server | None = None

    @property
    def listening(self) -> bool:
        return self._server is not None

    async def start(self) -> None:
        if self._runner is not None:
            return
        runner = web.ServerRunner(
            web.Server(self._handler, handler_cancellation=True, access_log=None),
            shutdown_timeout=SHUTDOWN_TIMEOUT_S,
        )
        await runner.setup()
        self._runner = runner
        try:
            await self.resume()
        except OSError:
            await self.stop()
            raise

    async def resume(self) -> None:
        """Listen (again) on the same port."""
        if self._server is not None or self._runner is None:
            return
        factory = self._runner.server
        assert factory is not None
        on_connection = self._on_connection

        def protocol() -> asyncio.Protocol:
            if on_connection is not None:
                on_connection()
            return factory()

        loop = asyncio.get_running_loop()
        self._server = await loop.create_server(protocol, self.host, self.port, ssl=self._ssl, reuse_address=True)
        self.port = self._server.sockets[0].getsockname()[1]

    async def pause(self) -> None:
        """Stop listening: new connections are refused; open ones are closed."""
        server, self._server = self._server, None
        if server is None:
            return
        server.close()
        if hasattr(server, "close_clients"):  # Python 3.13+
            server.close_clients()
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(server.wait_closed(), SHUTDOWN_TIMEOUT_S * 4)

    async def stop(self) -> None:
        server, self._server = self._server, None
        if server is not None:
            server.close()
        runner, self._runner = self._runner, None
        if runner is not None:
            await runner.cleanup()
        if server is not None:
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(server.wait_closed(), SHUTDOWN_TIMEOUT_S * 4)

"""`MeterStream`: every frame of a gateway's `/stream/meter`, as an async iterator, over one connection at a time.

The device sends one server-sent event a second, but stalls for seconds and then bursts: each frame of a
burst comes out, in order, once. When the device closes the stream, resets the connection or sends
nothing for `stall_s`, the stream reconnects after a bounded, jittered back-off. A refusal of the
credentials' role raises StreamRoleError (the stream wants an installer token, or Digest user installer
on firmware 5) and ends the stream. When the gateway has no stream at all (not metered, HTTP 404), the
stream falls back to polling `/ivp/livedata/status` at `fallback_hz` (firmware 7 and later), says so in
`stats.fallback_reason`, and its frames carry `source="livedata"`. The regular update cycle is not touched.

    async with gateway.stream() as frames:
        async for frame in frames:
            print(frame.production.a.p_w)
"""

from __future__ import annotations

import asyncio
import logging
import random
import time
from collections.abc import AsyncGenerator, AsyncIterator, Callable
from contextlib import AsyncExitStack
from typing import TYPE_CHECKING

import aiohttp
import orjson

from .errors import (
    CommunicationError,
    DeviceUnavailable,
    FeatureNotAvailable,
    HttpStatusError,
    InvalidResponse,
    IQGatewayError,
    StreamRoleError,
)
from .frames import STREAM_PATH, StreamFrame, parse_frame
from .live import LivePower
from .sse import SseError, SseParser
from .stream_live import frame_from_live
from .stream_stats import StreamStats
from .transport import HttpReply

if TYPE_CHECKING:
    from .gateway import Gateway

_LOGGER = logging.getLogger(__name__)

DEFAULT_STALL_S = 20.0
DEFAULT_CONNECT_S = 10.0
BACKOFF_S = (0.5, 30.0)
MAX_BAD_FRAMES = 5
NO_STREAM_STATUSES = frozenset({404, 405, 501})


class _Stalled(CommunicationError):
    pass


class _Unusable(InvalidResponse):
    """Frame after frame the device sends something that is no frame: reconnecting would not help."""


class _NoStream(Exception):
    def __init__(self, reason: str) -> None:
        self.reason = reason
        super().__init__(reason)


class MeterStream:
    """The meter stream of one Gateway. Iterate it once; `close()` (or `async with`) ends the connection.

    `stall_s`: seconds without a byte before the connection counts as stalled. `backoff_s`: (first, longest)
    wait before a reconnect, doubled per failed attempt and jittered to 50-100 %. `give_up_s`: raise the
    last error when no frame came for this long (None: keep trying). `fallback`: poll live data when the
    gateway has no stream.
    """

    def __init__(
        self,
        gateway: Gateway,
        *,
        stall_s: float = DEFAULT_STALL_S,
        connect_s: float = DEFAULT_CONNECT_S,
        backoff_s: tuple[float, float] = BACKOFF_S,
        give_up_s: float | None = None,
        fallback: bool = True,
        fallback_hz: float = 1.0,
        rng: random.Random | None = None,
        clock: Callable[[], float] = time.time,
    ) -> None:
        if not (stall_s > 0 and connect_s > 0 and 0 < backoff_s[0] <= backoff_s[1] and fallback_hz > 0):
            raise ValueError("stall_s, connect_s, backoff_s and fallback_hz must be positive (first <= longest)")
        self._gateway = gateway
        self._stall_s = stall_s
        self._connect_s = connect_s
        self._backoff = backoff_s
        self._give_up_s = give_up_s
        self._fallback = fallback
        self._fallback_hz = fallback_hz
        self._rng = rng or random.Random()
        self._clock = clock
        self._seq = 0
        self._bad_in_row = 0
        self.stats = StreamStats()
        self._frames = self._run()

    def __repr__(self) -> str:
        return f"MeterStream(host={self._gateway.host!r}, state={self.stats.state})"

    def __aiter__(self) -> AsyncIterator[StreamFrame]:
        return self

    async def __anext__(self) -> StreamFrame:
        return await self._frames.__anext__()

    async def __aenter__(self) -> MeterStream:
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.close()

    async def close(self) -> None:
        """End the stream (and its connection); iterating afterwards ends at once."""
        await self._frames.aclose()
        if self.stats.state not in ("refused", "unavailable", "failed"):
            self.stats.state = "closed"

    # ------------------------------------------------------------------ the loop

    async def _run(self) -> AsyncGenerator[StreamFrame]:
        gateway = self._gateway
        await gateway._ready()
        info = gateway.info
        assert info is not None
        failures = 0
        silent_since = time.monotonic()
        while True:
            if self.stats.fallback_reason is not None:
                async for frame in self._poll_live():
                    yield frame
                return
            got = self.stats.frames
            try:
                async for frame in self._connection():
                    silent_since = time.monotonic()
                    yield frame
                reason = "the gateway closed the stream"
            except _NoStream as err:
                if not self._fallback:
                    self.stats.state = "unavailable"
                    raise FeatureNotAvailable(f"no meter stream: {err.reason}", host=gateway.host,
                                              endpoint=STREAM_PATH) from None
                self._start_fallback(err.reason)
                continue
            except _Unusable as err:
                self.stats.state = "failed"
                self.stats.last_error = err.message
                raise InvalidResponse(err.message, host=err.host, endpoint=err.endpoint) from None
            except StreamRoleError as err:
                self.stats.state = "refused"
                self.stats.last_error = err.message
                raise
            except (CommunicationError, InvalidResponse) as err:
                reason = err.message
                if self._give_up_s is not None and time.monotonic() - silent_since >= self._give_up_s:
                    self.stats.state = "failed"
                    raise
            failures = 1 if self.stats.frames > got else failures + 1
            self.stats.last_error = reason
            self.stats.reconnects += 1
            delay = self._delay(failures)
            _LOGGER.debug("%s %s: %s; reconnecting in %.1f s", gateway.host, STREAM_PATH, reason, delay)
            self.stats.state = "backoff"
            await asyncio.sleep(delay)

    def _delay(self, failures: int) -> float:
        first, longest = self._backoff
        return float(min(longest, first * 2.0 ** (failures - 1)) * (0.5 + self._rng.random() / 2))

    def _start_fallback(self, reason: str) -> None:
        self.stats.fallback_reason = f"{reason}: polling /ivp/livedata/status at {self._fallback_hz:g} Hz instead"
        _LOGGER.info("%s: no meter stream (%s)", self._gateway.host, self.stats.fallback_reason)

    # ------------------------------------------------------------------ one connection

    async def _connection(self) -> AsyncIterator[StreamFrame]:
        gateway = self._gateway
        self.stats.state = "connecting"
        info = gateway.info
        assert info is not None
        await gateway._auth.ensure_fresh(info)
        async with AsyncExitStack() as stack:
            resp = await self._open(stack)
            self.stats.connections += 1
            self.stats.state = "streaming"
            parser = SseParser()
            while True:
                try:
                    async with asyncio.timeout(self._stall_s):
                        chunk = await resp.content.readany()
                except TimeoutError:
                    self.stats.stalls += 1
                    raise _Stalled(f"no data for {self._stall_s:g} s", host=gateway.host,
                                   endpoint=STREAM_PATH) from None
                except (aiohttp.ClientError, OSError) as err:
                    raise CommunicationError(f"the stream broke off ({type(err).__name__})", host=gateway.host,
                                             endpoint=STREAM_PATH) from None
                if not chunk:
                    return
                try:
                    events = parser.feed(chunk)
                except SseError as err:
                    raise InvalidResponse(f"not server-sent events: {err}", host=gateway.host,
                                          endpoint=STREAM_PATH) from None
                for event in events:
                    frame = self._frame(event.data)
                    if frame is not None:
                        yield frame

    async def _open(self, stack: AsyncExitStack) -> aiohttp.ClientResponse:
        gateway = self._gateway
        auth = gateway._auth
        transport = gateway._transport
        for attempt in (1, 2):
            inner = AsyncExitStack()
            resp = await inner.enter_async_context(
                transport.open_stream(STREAM_PATH, auth.headers("GET", STREAM_PATH), connect_s=self._connect_s))
            status = resp.status
            if status == 200:
                stack.push_async_exit(inner)
                return resp
            challenge = tuple(resp.headers.getall("WWW-Authenticate", ()))
            await inner.aclose()
            if status in (401, 403):
                reply = HttpReply(method="GET", path=STREAM_PATH, status=status, body=b"", content_type="",
                                  duration_s=0.0, www_authenticate=challenge)
                if attempt == 1 and await auth.after_401(reply, info=gateway.info, required=True):
                    continue
                raise self._role_error(status)
            if status in NO_STREAM_STATUSES:
                raise _NoStream(f"{STREAM_PATH} answered HTTP {status}")
            if status == 503:
                raise DeviceUnavailable("the gateway answered 503 (busy or starting)", host=gateway.host,
                                        endpoint=STREAM_PATH)
            raise HttpStatusError(f"answered HTTP {status}", status=status, host=gateway.host, endpoint=STREAM_PATH)
        raise AssertionError("unreachable")

    def _role_error(self, status: int) -> StreamRoleError:
        gateway = self._gateway
        auth = gateway._auth
        if auth.uses_token:
            who = f"this {auth.token_user} token" if auth.token_user else "this token"
            message = (f"the meter stream needs an installer token (JWT enphaseUser: installer); the gateway "
                       f"refused {who} (HTTP {status})")
        else:
            who = f"user {auth.digest_user}" if auth.digest_user else "no credentials"
            message = (f"the meter stream needs the installer role (Digest user installer); the gateway refused "
                       f"{who} (HTTP {status})")
        return StreamRoleError(message, role="installer", host=gateway.host, endpoint=STREAM_PATH)

    def _frame(self, data: str) -> StreamFrame | None:
        host = self._gateway.host
        try:
            doc = orjson.loads(data)
            frame = parse_frame(doc, seq=self._seq, received_at=self._clock(), host=host)
        except (orjson.JSONDecodeError, InvalidResponse) as err:
            self._bad_in_row += 1
            problem = err.message if isinstance(err, IQGatewayError) else "a stream frame is not JSON"
            self.stats.bad_frames += 1
            self.stats.last_error = problem
            _LOGGER.debug("%s %s: frame skipped: %s", host, STREAM_PATH, problem)
            if self._bad_in_row >= MAX_BAD_FRAMES:
                raise _Unusable(f"{self._bad_in_row} frames in a row unusable, the last: {problem}",
                                host=host, endpoint=STREAM_PATH) from None
            return None
        self._bad_in_row = 0
        self._seq += 1
        self.stats.note_frame(time.monotonic())
        return frame

    # ------------------------------------------------------------------ fallback

    async def _poll_live(self) -> AsyncIterator[StreamFrame]:
        gateway = self._gateway
        live = LivePower(gateway)
        if not await live.start():
            self.stats.state = "unavailable"
            raise FeatureNotAvailable(f"no meter stream and no live data: {self.stats.fallback_reason}; "
                                      f"{live.reason}", host=gateway.host, endpoint=STREAM_PATH)
        self.stats.state = "fallback"
        period = 1 / self._fallback_hz
        next_at = time.monotonic()
        failures = 0
        while True:
            try:
                reading = await live.poll()
            except FeatureNotAvailable:
                self.stats.state = "unavailable"
                raise
            except (CommunicationError, InvalidResponse) as err:
                failures += 1
                self.stats.last_error = err.message
                await asyncio.sleep(self._delay(failures))
                next_at = time.monotonic()
                continue
            failures = 0
            frame = frame_from_live(reading, seq=self._seq, received_at=self._clock())
            self._seq += 1
            self.stats.note_frame(time.monotonic())
            yield frame
            next_at += period
            await asyncio.sleep(max(0.0, next_at - time.monotonic()))

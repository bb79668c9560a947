"""HTTP to one IQ Gateway: scheme choice, timeouts, bounded retries, the session cookie, a request log.

The transport knows nothing of Enphase data: it sends a request and hands back the status,
headers and the whole body (bytes, size-capped). Authentication headers come from a callable
the caller passes, so a retry (or a fresh Digest `nc`) gets a fresh header.

Device TLS is self-signed, so certificates of the device are not verified; the Enphase cloud
(auth/enlighten.py) goes through the same aiohttp session with normal verification.
Redirects are never followed: a device with broken DNS redirects to https://localhost/.
"""

from __future__ import annotations

import asyncio
import errno
import logging
import os
import re
import socket
import ssl
import time
from collections.abc import AsyncIterator, Callable, Mapping
from contextlib import asynccontextmanager
from dataclasses import dataclass
from http.cookies import CookieError, SimpleCookie
from types import MappingProxyType
from urllib.parse import SplitResult, urlsplit

import aiohttp

from .endpoints import slow_paths
from .errors import CommunicationError, DeviceTimeout, DeviceUnavailable, InvalidResponse, IQGatewayError

_LOGGER = logging.getLogger(__name__)

DEFAULT_TIMEOUT_S = 10.0
SLOW_TIMEOUT_S = 25.0
# Endpoints a real device takes seconds to answer (ENVOY-API.md latencies): they get SLOW_TIMEOUT_S.
SLOW_PATHS = slow_paths()
RETRY_DELAYS_S = (0.5, 1.5)
DROPPED_CONNECTION_ATTEMPTS = 2
MAX_BODY_BYTES = 32 * 1024 * 1024
SESSION_COOKIE = "sessionId"
_USERINFO = re.compile(r"(?<=://)[^/@\s]+@")

HeaderFactory = Callable[[str, str], Mapping[str, str]]


class ConnectFailed(CommunicationError):
    """No connection could be opened: the request never reached the device (safe to retry, also a write)."""


@dataclass(frozen=True, slots=True)
class HttpReply:
    """One complete HTTP answer of the device."""

    method: str
    path: str
    status: int
    body: bytes
    content_type: str
    duration_s: float
    www_authenticate: tuple[str, ...] = ()
    location: str | None = None


def split_host(host: str) -> tuple[str | None, str]:
    """("https" | "http" | None, "host[:port]") from "host", "host:port" or "scheme://host:port[/]"."""
    text = host.strip()
    if not text:
        raise IQGatewayError("no host given")
    scheme: str | None = None
    if "://" in text:
        parts = urlsplit(text)
        scheme = parts.scheme.lower()
        if scheme not in ("http", "https") or not parts.netloc:
            raise IQGatewayError("cannot use this as a device address (want http:// or https://)",
                                 host=_USERINFO.sub("", text)[:80])
    else:
        parts = urlsplit(f"//{text}")
    if "@" in parts.netloc:
        raise IQGatewayError("a device address carries no user name or password (give them apart)",
                             host=parts.netloc.rsplit("@", 1)[-1][:80])
    problem = _address_problem(parts)
    if problem is not None:
        raise IQGatewayError(f"cannot use this as a device address: {problem}", host=text[:80])
    return scheme, parts.netloc


def _address_problem(parts: SplitResult) -> str | None:
    if not parts.hostname:
        return "no host name"
    try:
        port = parts.port
    except ValueError:
        return "the port is not a number from 1 to 65535"
    if port is not None and not 1 <= port <= 65535:
        return "the port is not a number from 1 to 65535"
    if any(len(label) > 63 for label in parts.hostname.split(".")):
        return "a host name label is longer than 63 characters"
    try:
        parts.hostname.encode("idna")
    except UnicodeError:
        return "not a valid host name"
    return None


def timeout_for(path: str, default: float) -> float:
    """Per-request timeout: known slow endpoints get at least SLOW_TIMEOUT_S."""
    bare = path.split("?", 1)[0]
    return max(default, SLOW_TIMEOUT_S) if bare in SLOW_PATHS else default


class Transport:
    """The HTTP side of one Gateway. Not shared between Gateways."""

    def __init__(
        self,
        host: str,
        *,
        session: aiohttp.ClientSession | None = None,
        keep_alive: bool = True,
        request_timeout: float = DEFAULT_TIMEOUT_S,
        retry_delays: tuple[float, ...] = RETRY_DELAYS_S,
        max_body: int = MAX_BODY_BYTES,
    ) -> None:
        self._scheme, self._netloc = split_host(host)
        self._session = session
        self._own_session = session is None
        self.keep_alive = keep_alive
        self.request_timeout = request_timeout
        self.retry_delays = retry_delays
        self.max_body = max_body
        self._session_cookie: str | None = None

    # ------------------------------------------------------------------ identity

    @property
    def host(self) -> str:
        """The device address as errors name it ("192.168.1.5", "127.0.0.1:8443")."""
        return self._netloc

    @property
    def base_url(self) -> str:
        return f"{self._scheme or 'https'}://{self._netloc}"

    @property
    def has_session_cookie(self) -> bool:
        return self._session_cookie is not None

    def forget_session_cookie(self) -> None:
        self._session_cookie = None

    @property
    def session(self) -> aiohttp.ClientSession:
        """The aiohttp session (created on first use when none was injected)."""
        if self._session is None or (self._own_session and self._session.closed):
            connector = aiohttp.TCPConnector(force_close=not self.keep_alive)
            # the transport keeps the one cookie the device sets (sessionId) and sends it itself
            self._session = aiohttp.ClientSession(cookie_jar=aiohttp.DummyCookieJar(), connector=connector)
            self._own_session = True
        return self._session

    async def close(self) -> None:
        """Close the session only if this transport created it."""
        if self._own_session and self._session is not None and not self._session.closed:
            await self._session.close()
        self._session = None if self._own_session else self._session

    # ------------------------------------------------------------------ scheme

    async def resolve_scheme(self, path: str, headers: HeaderFactory | None = None) -> HttpReply:
        """GET `path` (the open /info) and settle the scheme: https first, then http, unless the host named one."""
        if self._scheme is not None:
            return await self.request("GET", path, headers=headers, attempts=2)
        self._scheme = "https"
        try:
            return await self.request("GET", path, headers=headers, attempts=1)
        except CommunicationError as https_error:
            _LOGGER.debug("%s: https failed (%s), trying http", self._netloc, https_error.message)
            self._scheme = "http"
            try:
                return await self.request("GET", path, headers=headers, attempts=2)
            except CommunicationError:
                self._scheme = None
                raise

    # ------------------------------------------------------------------ requests

    async def request(
        self,
        method: str,
        path: str,
        *,
        headers: HeaderFactory | None = None,
        body: bytes | None = None,
        content_type: str | None = None,
        limit_s: float | None = None,
        attempts: int | None = None,
        retry_connection_errors: bool = True,
    ) -> HttpReply:
        """Send one request; retry connection errors and 503 with backoff, never a timeout.

        `attempts` caps the tries (default: 1 + len(retry_delays); a connection the device dropped
        gets DROPPED_CONNECTION_ATTEMPTS). Raises DeviceTimeout,
        DeviceUnavailable (503 after the retries) or CommunicationError, each naming the endpoint.
        """
        limit = 1 + len(self.retry_delays) if attempts is None else max(1, attempts)
        wait = timeout_for(path, self.request_timeout) if limit_s is None else limit_s
        attempt = 0
        while True:
            attempt += 1
            extra = dict(headers(method, path)) if headers is not None else {}
            try:
                reply = await self._once(method, path, extra, body=body, content_type=content_type, wait=wait)
            except DeviceTimeout:
                raise
            except CommunicationError as err:
                refused = isinstance(err, ConnectFailed)
                # a dropped connection: aiohttp itself already tried a pooled connection's request once more
                cap = limit if refused else min(limit, DROPPED_CONNECTION_ATTEMPTS)
                if attempt >= cap or not (retry_connection_errors or refused):
                    raise
                await asyncio.sleep(self._delay(attempt))
                continue
            if reply.status == 503 and attempt < limit:
                await asyncio.sleep(self._delay(attempt))
                continue
            if reply.status == 503:
                raise DeviceUnavailable(
                    f"the device answered 503 (busy or starting) {attempt} time{'s' if attempt > 1 else ''}",
                    host=self._netloc, endpoint=path,
                )
            return reply

    def _delay(self, attempt: int) -> float:
        if not self.retry_delays:
            return 0.0
        return self.retry_delays[min(attempt - 1, len(self.retry_delays) - 1)]

    async def _once(
        self, method: str, path: str, extra: dict[str, str], *, body: bytes | None, content_type: str | None,
        wait: float,
    ) -> HttpReply:
        session = self.session
        if session.closed:
            raise CommunicationError("the HTTP session given to the gateway is closed", host=self._netloc,
                                     endpoint=path)
        if self._session_cookie is not None:
            extra["Cookie"] = f"{SESSION_COOKIE}={self._session_cookie}"
        if not self.keep_alive:
            extra["Connection"] = "close"
        if content_type is not None:
            extra["Content-Type"] = content_type
        url = f"{self.base_url}{path}"
        started = time.monotonic()
        try:
            async with session.request(
                method, url, headers=extra, data=body, ssl=False, allow_redirects=False,
                timeout=aiohttp.ClientTimeout(total=wait),
            ) as resp:
                self._keep_cookie(resp)
                data = await self._read_body(resp, path)
                reply = HttpReply(
                    method=method,
                    path=path,
                    status=resp.status,
                    body=data,
                    content_type=resp.headers.get("Content-Type", ""),
                    duration_s=time.monotonic() - started,
                    www_authenticate=tuple(resp.headers.getall("WWW-Authenticate", ())),
                    location=resp.headers.get("Location"),
                )
        except TimeoutError:
            self._log_failure(method, path, started, "timeout")
            raise DeviceTimeout(f"no answer within {wait:g} s", host=self._netloc, endpoint=path) from None
        except aiohttp.ClientConnectorError as err:
            self._log_failure(method, path, started, "cannot connect")
            raise ConnectFailed(
                f"cannot connect over {self._scheme} ({os_reason(err)})", host=self._netloc, endpoint=path
            ) from None
        except aiohttp.ServerDisconnectedError:
            self._log_failure(method, path, started, "disconnected")
            raise CommunicationError(
                "the device closed the connection without answering", host=self._netloc, endpoint=path
            ) from None
        except aiohttp.ClientPayloadError:
            self._log_failure(method, path, started, "payload cut short")
            raise CommunicationError("the answer was cut short", host=self._netloc, endpoint=path) from None
        except aiohttp.ClientResponseError as err:
            self._log_failure(method, path, started, "malformed HTTP")
            raise CommunicationError(
                f"malformed HTTP answer (status {err.status})", host=self._netloc, endpoint=path
            ) from None
        except (aiohttp.ClientError, OSError) as err:
            self._log_failure(method, path, started, os_reason(err))
            raise CommunicationError(
                f"connection failed ({os_reason(err)})", host=self._netloc, endpoint=path
            ) from None
        _LOGGER.debug(
            "%s %s -> %s in %.2f s, %d bytes", method, path, reply.status, reply.duration_s, len(reply.body)
        )
        if 300 <= reply.status < 400:
            where = f" to {reply.location}" if reply.location else ""
            raise CommunicationError(
                f"the device redirected (HTTP {reply.status}{where}); redirects are not followed",
                host=self._netloc, endpoint=path,
            )
        return reply

    @asynccontextmanager
    async def open_stream(self, path: str, headers: Mapping[str, str], *,
                          connect_s: float) -> AsyncIterator[aiohttp.ClientResponse]:
        """GET a long-lived answer (server-sent events): the response once its headers are in, body unread.

        `connect_s` bounds connecting and the headers only; the caller reads the body at its own pace.
        """
        extra = dict(headers)
        if self._session_cookie is not None:
            extra["Cookie"] = f"{SESSION_COOKIE}={self._session_cookie}"
        extra.setdefault("Accept", "text/event-stream")
        timeout = aiohttp.ClientTimeout(total=None, connect=connect_s, sock_connect=connect_s, sock_read=None)
        started = time.monotonic()
        try:
            async with asyncio.timeout(connect_s):
                resp = await self.session.get(f"{self.base_url}{path}", headers=extra, ssl=False,
                                              allow_redirects=False, timeout=timeout)
        except TimeoutError:
            self._log_failure("GET", path, started, "timeout")
            raise DeviceTimeout(f"no answer within {connect_s:g} s", host=self._netloc, endpoint=path) from None
        except aiohttp.ClientConnectorError as err:
            self._log_failure("GET", path, started, "cannot connect")
            raise ConnectFailed(f"cannot connect over {self._scheme} ({os_reason(err)})", host=self._netloc,
                                endpoint=path) from None
        except (aiohttp.ClientError, OSError) as err:
            self._log_failure("GET", path, started, type(err).__name__)
            raise CommunicationError(f"connection failed ({os_reason(err)})", host=self._netloc,
                                     endpoint=path) from None
        try:
            self._keep_cookie(resp)
            _LOGGER.debug("GET %s -> %s (stream) in %.2f s", path, resp.status, time.monotonic() - started)
            yield resp
        finally:
            resp.close()

    async def _read_body(self, resp: aiohttp.ClientResponse, path: str) -> bytes:
        declared = resp.content_length
        if declared is not None and declared > self.max_body:
            raise InvalidResponse(f"answer of {declared} bytes is over the {self.max_body} byte cap",
                                  host=self._netloc, endpoint=path)
        chunks: list[bytes] = []
        size = 0
        async for chunk in resp.content.iter_chunked(65536):
            size += len(chunk)
            if size > self.max_body:
                raise InvalidResponse(f"answer is over the {self.max_body} byte cap", host=self._netloc,
                                      endpoint=path)
            chunks.append(chunk)
        return b"".join(chunks)

    def _keep_cookie(self, resp: aiohttp.ClientResponse) -> None:
        for header in resp.headers.getall("Set-Cookie", ()):
            jar: SimpleCookie = SimpleCookie()
            try:
                jar.load(header)
            except CookieError:
                continue
            morsel = jar.get(SESSION_COOKIE)
            if morsel is not None and morsel.value:
                self._session_cookie = morsel.value

    def _log_failure(self, method: str, path: str, started: float, what: str) -> None:
        _LOGGER.debug("%s %s -> %s after %.2f s", method, path, what, time.monotonic() - started)


def os_reason(err: BaseException) -> str:
    """A short, secret-free reason for a connection failure, in words (no addresses, no class names)."""
    os_error = getattr(err, "os_error", None)
    number = getattr(os_error, "errno", None) or getattr(err, "errno", None)
    if isinstance(number, int) and number in _ERRNO_WORDS:
        return _ERRNO_WORDS[number]
    if isinstance(number, int) and number > 0:
        return os.strerror(number).lower()
    if isinstance(os_error, ssl.SSLError) or isinstance(err, ssl.SSLError | aiohttp.ClientSSLError):
        return "TLS handshake failed"
    if isinstance(os_error, socket.gaierror) or isinstance(err, socket.gaierror):
        return "name not found"
    return "network error"


_ERRNO_WORDS = MappingProxyType({
    errno.ECONNREFUSED: "connection refused",
    errno.ECONNRESET: "connection reset",
    errno.EHOSTUNREACH: "host unreachable",
    errno.ENETUNREACH: "network unreachable",
    errno.ETIMEDOUT: "connection timed out",
})

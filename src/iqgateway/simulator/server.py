"""The simulated Envoy's HTTP(S) server: one DeviceSource behind the device's TLS, auth, faults and latency.

    async with SimulatedEnvoy(ReplaySource(path)) as envoy:
        envoy.url            # "https://127.0.0.1:PORT" (http for firmware < 7)
        envoy.faults.add("hang", "/ivp/meters", seconds=5)
        envoy.stats.count("/production.json")

Admin API (no auth, not counted in the device's stats), under /__simulator__/:
    GET    /__simulator__/stats[?log=1]     counters (and the request log)
    DELETE /__simulator__/stats             counters start over
    GET    /__simulator__/faults            armed faults
    POST   /__simulator__/faults            {"spec": "hang=5:/ivp/meters"} or {"kind", "path", "count", "params"}
    DELETE /__simulator__/faults            every fault off (also ends a freeze or boot period)
    POST   /__simulator__/reboot            {"boot_s": 10}: 503 for boot_s seconds, sessions dropped
    POST   /__simulator__/upgrade           {"version": "8.3.5200"}: new firmware in /info
    POST   /__simulator__/reset_lifetime    lifetime counters restart at 0
    POST   /__simulator__/revoke            every token and session cookie answers 401 from now on
    POST   /__simulator__/token             {"days": 365, "user": "owner"} -> {"token": "..."}
    GET    /__simulator__/stream            the meter stream's settings, frames sent, connections
    POST   /__simulator__/stream            {"hz": 1, "stalls": true, "role": "auto", "drop_s": 3, ...}
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from types import MappingProxyType
from typing import Any

import orjson
from aiohttp import web

from .accounting import Accounting, RequestRecord
from .admin import ADMIN_PREFIX, admin_action
from .answer_faults import HTML_TYPE, NoAnswer, applies, device_minute, faulted, in_nightly_stall, reset_connection
from .auth import CHECK_JWT_PATH, UNAUTHORIZED_BODY, VALID_TOKEN_BODY, DeviceAuth
from .device_faults import device_fault_hook
from .discovery import Advertisement
from .enlighten import SimulatedCloud
from .faults import (
    ACTION_KINDS,
    CONNECTION_KINDS,
    OPEN_PATHS,
    Fault,
    FaultInjector,
    parse_fault,
    status_page,
)
from .firmware import uses_token_auth
from .installer import PATHS as INSTALLER_PATHS
from .installer import InstallerEndpoints
from .listener import Listener
from .meter_stream import STREAM_PATH, MeterStreamServer, StreamSettings
from .source import JSON_TYPE, DeviceSource, Reply
from .tls import self_signed_context
from .tokens import TokenSigner

_LOGGER = logging.getLogger(__name__)

DEFAULT_HANG_S = 120.0
DEFAULT_STALL_HANG_S = 60.0
DEFAULT_BOOT_S = 5.0
DEVICE_HEADERS: Mapping[str, str] = MappingProxyType({
    "Server": "openresty", "Pragma": "no-cache", "Expires": "1", "Cache-Control": "no-cache",
    "X-Frame-Options": "DENY", "X-Content-Type-Options": "nosniff",
})
ANSWER_FAULT_KINDS = frozenset({"status", "garbage", "truncate", "drift", "wrongtype", "empty", "spike", "zero",
                                "lifetoday"})


@dataclass(slots=True)
class _Exchange:
    """What the accounting needs to know about one request, filled in while it is answered."""

    fault: str | None = None
    auth: str = "unchecked"  # answered before the auth check (boot period, freeze, stall)
    session_opened: bool = False


class SimulatedEnvoy:
    """One simulated device on host:port (port 0 = a free port), HTTPS for firmware >= 7 unless told otherwise."""

    def __init__(
        self,
        source: DeviceSource,
        *,
        host: str = "127.0.0.1",
        port: int = 0,
        scheme: str = "auto",
        auth: str = "auto",
        latency: bool = False,
        cloud: SimulatedCloud | None = None,
        faults: Iterable[str | Fault] = (),
        advertise: bool = False,
        digest_users: Iterable[str] = ("installer", "envoy"),
        stream: StreamSettings | None = None,
    ) -> None:
        if scheme not in ("auto", "http", "https"):
            raise ValueError(f"scheme {scheme!r}: want auto, http or https")
        self.source = source
        self.host = host
        self.latency = latency
        self.cloud = cloud
        self.faults = FaultInjector(device_fault_hook(source))
        for fault in faults:
            self.faults.add(parse_fault(fault) if isinstance(fault, str) else fault)
        self.stats = Accounting()
        self.stream = MeterStreamServer(source, stream)
        self.installer = InstallerEndpoints(source)
        self._signer = cloud.signer if cloud is not None else TokenSigner()
        self._auth = DeviceAuth(lambda: source.serial, lambda: source.firmware, mode=auth, signers=[self._signer],
                                digest_users=digest_users)
        self._scheme_choice = scheme
        self.scheme = scheme if scheme != "auto" else ("https" if uses_token_auth(source.firmware) else "http")
        self._port = port
        self._listener: Listener | None = None
        self._advertise = advertise
        self._advertisement: Advertisement | None = None
        self.started_at = 0.0

    # ------------------------------------------------------------------ lifecycle

    @property
    def port(self) -> int:
        return self._listener.port if self._listener is not None else self._port

    @property
    def address(self) -> str:
        return f"{self.host}:{self.port}"

    @property
    def url(self) -> str:
        return f"{self.scheme}://{self.address}"

    @property
    def token_auth(self) -> bool:
        """Firmware >= 7: the device wants a JWT (else HTTP Digest)."""
        return self._auth.token_auth

    @property
    def advertised(self) -> bool:
        return self._advertisement is not None

    async def start(self) -> None:
        if self._listener is not None:
            return
        context = self_signed_context(self.host) if self.scheme == "https" else None
        listener = Listener(
            self._handle,
            host=self.host,
            port=self._port,
            ssl_context=context,
            on_connection=self.stats.connection_opened,
        )
        await listener.start()
        self._listener = listener
        self.started_at = time.time()
        self.faults.started = True
        if self.faults.boot_s:
            self.faults.begin_boot()
        if self._advertise:
            await self.start_advertising()

    async def stop(self) -> None:
        await self.stop_advertising()
        listener, self._listener = self._listener, None
        if listener is not None:
            self._port = listener.port
            await listener.stop()
        self.faults.started = False

    async def __aenter__(self) -> SimulatedEnvoy:
        await self.start()
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.stop()

    async def start_advertising(self) -> None:
        """Announce the device by zeroconf on its (IPv4) host address; a failure is logged, not raised."""
        if self._advertisement is not None:
            return
        host = self.host if self.host not in ("0.0.0.0", "", "localhost") else "127.0.0.1"  # noqa: S104
        advertisement = Advertisement(self.source.serial, self.source.firmware, self.port, host)
        try:
            await advertisement.start()
        except (OSError, ValueError, RuntimeError) as err:
            _LOGGER.warning("zeroconf advertisement on %s failed: %s", host, err)
            return
        self._advertisement = advertisement

    async def stop_advertising(self) -> None:
        advertisement, self._advertisement = self._advertisement, None
        if advertisement is not None:
            await advertisement.stop()

    # ------------------------------------------------------------------ device actions

    @property
    def session_count(self) -> int:
        return self._auth.session_count

    def mint_token(self, days: float = 365, user: str = "owner") -> str:
        """A token for this device (signed by the attached cloud's key if there is one)."""
        return self._signer.mint(self.source.serial, lifetime_s=days * 86400, user=user)

    def revoke_tokens(self) -> None:
        """Every current token, session cookie and Digest nonce answers 401 from now on."""
        self._auth.revoke()

    def reboot(self, boot_s: float | None = None) -> None:
        """The device restarts: sessions are gone, a freeze ends, 503 for `boot_s` seconds."""
        hook = getattr(self.source, "reboot", None)
        if callable(hook):
            hook()
        self._auth.forget_sessions()
        self.faults.unfreeze()
        self.faults.begin_boot(boot_s if boot_s is not None else (self.faults.boot_s or DEFAULT_BOOT_S))

    def upgrade_firmware(self, version: str) -> None:
        hook = getattr(self.source, "upgrade_firmware", None)
        if not callable(hook):
            raise ValueError(f"{type(self.source).__name__} cannot change its firmware")
        hook(version)

    def reset_lifetime(self) -> None:
        hook = getattr(self.source, "reset_lifetime", None)
        if not callable(hook):
            raise ValueError(f"{type(self.source).__name__} cannot reset its lifetime counters")
        hook()

    # ------------------------------------------------------------------ HTTP

    async def _handle(self, request: web.BaseRequest) -> web.StreamResponse:
        path = request.path
        if path == ADMIN_PREFIX or path.startswith(ADMIN_PREFIX + "/"):
            return await self._admin(request, path[len(ADMIN_PREFIX) :] or "/")
        arrived, began = time.time(), time.monotonic()
        exchange = _Exchange()
        status: int | None = None
        bytes_out = 0
        try:
            response = await self._answer(request, exchange)
            status = response.status
            body = response.body if isinstance(response, web.Response) else None
            bytes_out = 0 if request.method == "HEAD" else len(body or b"")  # type: ignore[arg-type]
            return response
        except NoAnswer:
            raise asyncio.CancelledError from None
        finally:
            self.stats.record(
                RequestRecord(
                    time=arrived,
                    method=request.method,
                    path=request.raw_path,
                    status=status,
                    bytes_out=bytes_out,
                    duration_s=time.monotonic() - began,
                    fault=exchange.fault,
                    auth=exchange.auth,
                    session_opened=exchange.session_opened,
                )
            )

    async def _answer(self, request: web.BaseRequest, exchange: _Exchange) -> web.StreamResponse:
        method, path, query = request.method, request.path, request.rel_url.raw_query_string
        body = await request.read()
        faults = self.faults
        faults.note_request()
        for action in (faults.take(ACTION_KINDS, path, query),):
            if action is not None:
                exchange.fault = action.label
                self._run_action(action)
        if faults.frozen:
            exchange.fault = "freeze"
            await self._hang(request, DEFAULT_HANG_S)
        stall = next(iter(faults.matching("stall", path, query)), None)
        if stall is not None and in_nightly_stall(self.source, stall):
            exchange.fault = stall.label
            await self._hang(request, float(stall.params.get("seconds", DEFAULT_STALL_HANG_S)))
        hourly = next(iter(faults.matching("hourly", path, query)), None)
        if hourly is not None and device_minute(self.source) % 60 - int(hourly.params.get("minute", 17)) in (0, 1):
            exchange.fault = hourly.label
            await self._hang(request, float(hourly.params.get("seconds", DEFAULT_HANG_S)))
        if faults.booting() and path not in OPEN_PATHS:
            exchange.fault = "boot"
            return self._response(503, status_page(503), HTML_TYPE)

        if path == CHECK_JWT_PATH and self._auth.token_auth:
            outcome = self._auth.check_jwt(request.headers)
        else:
            outcome = self._auth.check(method, path, request.raw_path, request.headers, request.cookies)
        exchange.auth, exchange.session_opened = outcome.kind, outcome.session_opened
        if not outcome.allowed:
            return self._unauthorized()
        if path == STREAM_PATH and method == "GET" and self.stream.available():
            if not self.stream.allowed(self._auth.role(request.headers, request.cookies),
                                       auth_checked=outcome.kind not in ("none", "open")):
                return self._unauthorized()
            return await self.stream.serve(request, self._headers("text/event-stream"))
        extra: dict[str, str] = {}
        if path == CHECK_JWT_PATH and self._auth.token_auth:
            reply = Reply(200, VALID_TOKEN_BODY, HTML_TYPE)
            if outcome.session_id:
                extra["Set-Cookie"] = f"sessionId={outcome.session_id}; Path=/; HttpOnly; Secure"
        elif path in INSTALLER_PATHS:
            role = self._auth.role(request.headers, request.cookies) if outcome.kind not in ("none", "open") else None
            reply = self.installer.respond(method, path, body, role)
        else:
            try:
                reply = self.source.respond(method, path, query, body)
            except Exception:
                _LOGGER.exception("simulated device failed to answer %s %s", method, request.raw_path)
                return self._response(500, status_page(500), HTML_TYPE)
            if reply.status == 401 and not self._auth.token_auth:
                extra["WWW-Authenticate"] = self._auth.challenge()

        connection_fault = faults.take(CONNECTION_KINDS, path, query)
        if connection_fault is not None:
            exchange.fault = connection_fault.label
            if connection_fault.kind == "reset":
                reset_connection(request)
            await self._hang(request, float(connection_fault.params.get("seconds", DEFAULT_HANG_S)))

        delay = reply.latency_s if self.latency else 0.0
        for fault in faults.take_every("latency", path, query):
            delay += float(fault.params.get("seconds", 1.0))
            exchange.fault = exchange.fault or fault.label

        answer_fault = faults.take(ANSWER_FAULT_KINDS, path, query, lambda f: applies(f, reply))
        if answer_fault is not None:
            exchange.fault = answer_fault.label
            status, payload, content_type, fault_headers = faulted(
                answer_fault, reply, self._auth.challenge, token_auth=self.token_auth)
            extra.update(fault_headers)
        else:
            status, payload, content_type = reply.status, reply.body, reply.content_type
        if delay > 0:
            await asyncio.sleep(delay)
        return self._response(status, payload, content_type, {**reply.headers, **extra})

    def _response(
        self, status: int, body: bytes, content_type: str, headers: dict[str, str] | None = None
    ) -> web.Response:
        merged = {**self._headers(content_type or JSON_TYPE), **(headers or {})}
        return web.Response(status=status, body=body, headers=merged)

    def _headers(self, content_type: str) -> dict[str, str]:
        merged = {**DEVICE_HEADERS, "Content-Type": content_type}
        if self.scheme == "https":
            merged["Strict-Transport-Security"] = "max-age=63072000; includeSubdomains"
        return merged

    def _unauthorized(self) -> web.Response:
        headers = {} if self._auth.token_auth else {"WWW-Authenticate": self._auth.challenge()}
        return self._response(401, UNAUTHORIZED_BODY, HTML_TYPE, headers)

    def _run_action(self, action: Fault) -> None:
        if action.kind == "reboot":
            seconds = action.params.get("seconds")
            self.reboot(float(seconds) if seconds is not None else None)
        elif action.kind == "upgrade":
            self.upgrade_firmware(str(action.params["version"]))
        elif action.kind == "reset_lifetime":
            self.reset_lifetime()
        elif action.kind == "revoke":
            self.revoke_tokens()

    async def _hang(self, request: web.BaseRequest, seconds: float) -> None:
        """No answer for `seconds`, then the connection closes without one."""
        await asyncio.sleep(seconds)
        transport = request.transport
        if transport is not None:
            transport.close()
        raise NoAnswer

    # ------------------------------------------------------------------ admin API

    async def _admin(self, request: web.BaseRequest, route: str) -> web.Response:
        method = request.method
        try:
            raw = await request.read()
            payload: Any = orjson.loads(raw) if raw.strip() else {}
            if not isinstance(payload, dict):
                raise ValueError("the body must be a JSON object")
            result = admin_action(self, method, route.rstrip("/") or "/", payload, request.query.get("log") == "1")
        except (ValueError, TypeError, KeyError, orjson.JSONDecodeError) as err:
            return _json_response(400, {"error": str(err)})
        if result is None:
            return _json_response(404, {"error": f"no admin endpoint {method} {ADMIN_PREFIX}{route}"})
        return _json_response(200, result)

def _json_response(status: int, payload: Any) -> web.Response:
    return web.Response(status=status, body=orjson.dumps(payload), headers={"Content-Type": JSON_TYPE})

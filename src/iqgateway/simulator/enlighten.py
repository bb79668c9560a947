"""A simulated Enphase cloud: Enlighten login and Entrez token minting on one plain-HTTP port.

    POST /login/login.json   form user[email], user[password]
        -> 200 {"session_id", "manager_token", "is_consumer", ...}; 401 JSON for bad credentials;
           200 {"success": false, "isBlocked": false, "requires_mfa": true, ...} (no session_id) for an MFA account
    POST /tokens             JSON {"session_id", "serial_num", "username"} -> the raw JWT (ES256, aud = serial,
                             iss "Entrez", enphaseUser "owner"); unknown session -> 401

Faults: `fail_next(count, status=..., html_body=...)`, `down("refuse" | "hang")` / `up()`.
"""

from __future__ import annotations

import asyncio
import secrets
from collections.abc import Iterable, Mapping
from typing import Any

import orjson
from aiohttp import web

from .listener import Listener
from .tokens import OWNER_LIFETIME_S, TokenSigner

DEMO_EMAIL = "owner@example.invalid"
DEMO_PASSWORD = "iqgateway-demo"
LOGIN_PATH = "/login/login.json"
TOKENS_PATH = "/tokens"
JSON_TYPE = "application/json"
DEFAULT_ERROR_PAGE = "<html><body><h1>Something went wrong</h1><p>Please try again later.</p></body></html>"


class SimulatedCloud:
    """Enlighten + Entrez stand-in; `.url` is the base for both of the client's cloud URLs."""

    def __init__(
        self,
        accounts: Mapping[str, str] | None = None,
        mfa_accounts: Iterable[str] = (),
        token_lifetime_s: float = OWNER_LIFETIME_S,
        host: str = "127.0.0.1",
        port: int = 0,
    ) -> None:
        self.accounts = dict(accounts) if accounts is not None else {DEMO_EMAIL: DEMO_PASSWORD}
        self.mfa_accounts = frozenset(mfa_accounts)
        self.token_lifetime_s = token_lifetime_s
        self.signer = TokenSigner()
        self._listener = Listener(self._handle, host=host, port=port)
        self._sessions: dict[str, str] = {}  # session_id -> email
        self._failures: list[tuple[int, str | None]] = []
        self._down_mode: str | None = None
        self._up = asyncio.Event()
        self.login_attempts = 0
        self.logins = 0
        self.tokens_issued = 0
        self.requests = 0

    # ------------------------------------------------------------------ lifecycle

    @property
    def url(self) -> str:
        return f"http://{self._listener.host}:{self._listener.port}"

    async def start(self) -> None:
        self._up.set()
        await self._listener.start()

    async def stop(self) -> None:
        self._up.set()
        await self._listener.stop()

    async def __aenter__(self) -> SimulatedCloud:
        await self.start()
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.stop()

    # ------------------------------------------------------------------ faults

    def fail_next(self, count: int = 1, *, status: int = 500, html_body: str | None = None) -> None:
        """The next `count` requests answer `status` with an HTML page (status 200 + html_body: an HTML error)."""
        self._failures.extend([(status, html_body)] * count)

    async def down(self, mode: str = "refuse") -> None:
        """`refuse`: connections refused; `hang`: requests get no answer until up()."""
        if mode not in ("refuse", "hang"):
            raise ValueError(f"cloud down mode {mode!r}: want refuse or hang")
        self._down_mode = mode
        if mode == "refuse":
            await self._listener.pause()
        else:
            self._up.clear()

    async def up(self) -> None:
        self._down_mode = None
        self._up.set()
        await self._listener.resume()

    # ------------------------------------------------------------------ tokens

    def mint(
        self, serial: str, *, lifetime_s: float | None = None, user: str = "owner", username: str = DEMO_EMAIL
    ) -> str:
        """A token as /tokens would hand out (not counted)."""
        return self.signer.mint(
            serial,
            lifetime_s=self.token_lifetime_s if lifetime_s is None else lifetime_s,
            user=user,
            username=username,
        )

    # ------------------------------------------------------------------ HTTP

    async def _handle(self, request: web.BaseRequest) -> web.StreamResponse:
        self.requests += 1
        if not self._up.is_set():
            await self._up.wait()
        if self._failures:
            status, html_body = self._failures.pop(0)
            return web.Response(
                status=status, body=(html_body or DEFAULT_ERROR_PAGE).encode(), headers={"Content-Type": "text/html"}
            )
        if request.method == "POST" and request.path == LOGIN_PATH:
            return await self._login(request)
        if request.method == "POST" and request.path == TOKENS_PATH:
            return await self._tokens(request)
        return _json(404, {"status": 404, "error": "Not Found"})

    async def _login(self, request: web.BaseRequest) -> web.Response:
        self.login_attempts += 1
        form = await request.post()
        email, password = str(form.get("user[email]", "")), str(form.get("user[password]", ""))
        known = self.accounts.get(email)
        if email in self.mfa_accounts and (known is None or secrets.compare_digest(known, password)):
            return _json(
                200,
                {
                    "success": False,
                    "isBlocked": False,
                    "requires_mfa": True,
                    "message": "Login requires a one-time code sent to the account's e-mail.",
                },
            )
        if known is None or not secrets.compare_digest(known, password):
            return _json(401, {"message": "Invalid email or password", "error": "Unauthorized"})
        self.logins += 1
        session_id = secrets.token_hex(16)
        self._sessions[session_id] = email
        return _json(
            200,
            {
                "message": "success",
                "session_id": session_id,
                "manager_token": secrets.token_urlsafe(32),
                "is_consumer": True,
                "user_id": 1000 + len(self._sessions),
                "user_name": email,
                "first_name": "Demo",
                "last_name": "Owner",
                "isBlocked": False,
            },
        )

    async def _tokens(self, request: web.BaseRequest) -> web.Response:
        try:
            body: Any = orjson.loads(await request.read())
        except orjson.JSONDecodeError:
            body = None
        if not isinstance(body, dict):
            return _json(400, {"status": 400, "message": "Bad request: a JSON object is expected"})
        email = self._sessions.get(str(body.get("session_id", "")))
        if email is None:
            return _json(401, {"status": 401, "message": "Unauthorized: unknown or expired session"})
        serial = str(body.get("serial_num") or "")
        if not serial:
            return _json(400, {"status": 400, "message": "Bad request: serial_num is required"})
        username = str(body.get("username") or email)
        if username != email:
            return _json(401, {"status": 401, "message": "Unauthorized: username does not match the session"})
        self.tokens_issued += 1
        token = self.mint(serial, username=email)
        return web.Response(status=200, body=token.encode(), headers={"Content-Type": "text/plain"})


def _json(status: int, payload: dict[str, Any]) -> web.Response:
    return web.Response(status=status, body=orjson.dumps(payload), headers={"Content-Type": JSON_TYPE})

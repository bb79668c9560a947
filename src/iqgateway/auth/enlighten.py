"""Getting a gateway token from the Enphase cloud: Enlighten login, then the Entrez token service.

1. `POST {enlighten_url}/login/login.json?` with the form fields `user[email]`, `user[password]`
   answers JSON with `session_id` (absent for accounts with multi-factor authentication).
2. `POST {entrez_url}/tokens` with JSON `{"session_id", "serial_num", "username"}` answers the
   raw JWT text.

The cloud sometimes fails (400/403, an HTML page with status 200, timeouts): every step is tried
a bounded number of times, each with its own timeout, and then gives a CloudError.
"""

from __future__ import annotations

import asyncio
import json
import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any

import aiohttp

from ..errors import CloudError, InvalidCredentials, MfaRequired
from ..transport import os_reason

_LOGGER = logging.getLogger(__name__)

LOGIN_PATH = "/login/login.json?"
TOKENS_PATH = "/tokens"
CLOUD_TIMEOUT_S = 15.0
CLOUD_ATTEMPTS = 2
RETRY_DELAY_S = 1.0


@dataclass(frozen=True, slots=True)
class CloudEndpoints:
    """Where the Enphase cloud lives; tests point both at the simulated cloud."""

    enlighten_url: str = "https://enlighten.enphaseenergy.com"
    entrez_url: str = "https://entrez.enphaseenergy.com"


@dataclass(frozen=True, slots=True)
class _CloudReply:
    status: int
    body: bytes
    content_type: str


async def _post(
    session: aiohttp.ClientSession,
    url: str,
    *,
    what: str,
    limit_s: float,
    form: dict[str, str] | None = None,
    payload: dict[str, str] | None = None,
) -> _CloudReply:
    try:
        async with session.post(
            url, data=form, json=payload, allow_redirects=False, timeout=aiohttp.ClientTimeout(total=limit_s)
        ) as resp:
            body = await resp.read()
            _LOGGER.debug("POST %s -> %s, %d bytes", what, resp.status, len(body))
            return _CloudReply(resp.status, body, resp.headers.get("Content-Type", ""))
    except TimeoutError:
        raise CloudError(f"{what}: no answer within {limit_s:g} s", endpoint=what) from None
    except (aiohttp.ClientError, OSError) as err:
        raise CloudError(f"{what}: cannot reach the Enphase cloud ({os_reason(err)})", endpoint=what) from None


def _json_object(body: bytes) -> dict[str, Any] | None:
    try:
        doc = json.loads(body)
    except (ValueError, UnicodeDecodeError):
        return None
    return doc if isinstance(doc, dict) else None


async def _login(session: aiohttp.ClientSession, cloud: CloudEndpoints, *, username: str, password: str,
                 limit_s: float) -> str:
    what = "Enlighten login"
    reply = await _post(
        session, f"{cloud.enlighten_url.rstrip('/')}{LOGIN_PATH}", what=what, limit_s=limit_s,
        form={"user[email]": username, "user[password]": password},
    )
    if reply.status == 401:
        raise InvalidCredentials("Enlighten rejected the username or password", endpoint=what)
    if reply.status != 200:
        raise CloudError(f"{what} answered HTTP {reply.status}", endpoint=what)
    doc = _json_object(reply.body)
    if doc is None:
        raise CloudError(f"{what} answered something that is not JSON (an error page?)", endpoint=what)
    session_id = doc.get("session_id")
    if isinstance(session_id, str) and session_id:
        return session_id
    message = str(doc.get("message") or "").lower()
    if not doc.get("requires_mfa") and any(word in message for word in ("invalid", "incorrect", "wrong")):
        raise InvalidCredentials("Enlighten rejected the username or password", endpoint=what)
    raise MfaRequired(
        "this Enlighten account uses multi-factor authentication: get a token at "
        "https://entrez.enphaseenergy.com and paste it instead of the password",
        endpoint=what,
    )


async def _token(session: aiohttp.ClientSession, cloud: CloudEndpoints, *, session_id: str, serial: str,
                 username: str, limit_s: float) -> str:
    what = "Entrez token service"
    reply = await _post(
        session, f"{cloud.entrez_url.rstrip('/')}{TOKENS_PATH}", what=what, limit_s=limit_s,
        payload={"session_id": session_id, "serial_num": serial, "username": username},
    )
    if reply.status != 200:
        raise CloudError(f"{what} answered HTTP {reply.status} for gateway {serial}", endpoint=what)
    try:
        text = reply.body.decode("ascii").strip()
    except UnicodeDecodeError:
        text = ""
    parts = text.split(".")
    if len(parts) != 3 or not all(parts[:2]) or any(c.isspace() or c in "<>{}" for c in text):
        raise CloudError(f"{what} answered something that is not a token (an error page?)", endpoint=what)
    return text


async def fetch_token(
    session: aiohttp.ClientSession,
    cloud: CloudEndpoints,
    *,
    username: str,
    password: str,
    serial: str,
    limit_s: float = CLOUD_TIMEOUT_S,
    attempts: int = CLOUD_ATTEMPTS,
) -> str:
    """A new token for gateway `serial`. Raises InvalidCredentials, MfaRequired or CloudError (bounded tries)."""

    async def bounded(step: Callable[[], Awaitable[str]]) -> str:
        last: CloudError | None = None
        for attempt in range(max(1, attempts)):
            if attempt:
                await asyncio.sleep(RETRY_DELAY_S)
            try:
                return await step()
            except CloudError as err:
                last = err
        assert last is not None
        raise CloudError(f"{last.message} (tried {max(1, attempts)} times)", endpoint=last.endpoint)

    session_id = await bounded(
        lambda: _login(session, cloud, username=username, password=password, limit_s=limit_s)
    )
    return await bounded(
        lambda: _token(session, cloud, session_id=session_id, serial=serial, username=username, limit_s=limit_s)
    )

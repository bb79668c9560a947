"""Helpers for the simulator tests: a small HTTP(S) client speaking the device's auth, run-time minted tokens."""

from __future__ import annotations

import base64
import hashlib
import json
import secrets
import time
import urllib.request
import uuid
from collections.abc import AsyncIterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import aiohttp
import pytest

from iqgateway.auth.passwords import installer_password
from iqgateway.simulator.profiles import PROFILES, ProfileSource
from tests.shared import CAPTURES, capture_firmware, capture_serial

from .profile_helpers import new_profile

TIMEOUT = aiohttp.ClientTimeout(total=10)


def b64url(raw: bytes) -> str:
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode()


def unsigned_token(serial: str, *, lifetime_s: float = 86400, user: str = "owner", aud: Any = None) -> str:
    """A well-formed JWT like Entrez's, minted now, with a signature nobody can check (as in replay mode)."""
    now = int(time.time())
    header = {"kid": secrets.token_hex(32), "typ": "JWT", "alg": "ES256"}
    payload = {
        "aud": serial if aud is None else aud,
        "iss": "Entrez",
        "enphaseUser": user,
        "exp": now + int(lifetime_s),
        "iat": now,
        "jti": str(uuid.uuid4()),
        "username": "tester@example.invalid",
    }
    return ".".join(
        [
            b64url(json.dumps(header).encode()),
            b64url(json.dumps(payload).encode()),
            b64url(secrets.token_bytes(64)),
        ]
    )


def digest_header(method: str, uri: str, challenge: str, user: str, password: str) -> str:
    """RFC 7616 Digest (MD5, qop auth) answer to a WWW-Authenticate challenge."""
    assert challenge.lower().startswith("digest ")
    fields = urllib.request.parse_keqv_list(urllib.request.parse_http_list(challenge[7:]))

    def md5(text: str) -> str:
        return hashlib.md5(text.encode()).hexdigest()

    nonce, realm, cnonce, nc = fields["nonce"], fields["realm"], secrets.token_hex(8), "00000001"
    response = md5(f"{md5(f'{user}:{realm}:{password}')}:{nonce}:{nc}:{cnonce}:auth:{md5(f'{method}:{uri}')}")
    return (
        f'Digest username="{user}", realm="{realm}", nonce="{nonce}", uri="{uri}", response="{response}", '
        f'algorithm=MD5, qop=auth, nc={nc}, cnonce="{cnonce}"'
    )


@dataclass
class Answer:
    status: int
    headers: Mapping[str, str]
    body: bytes


class DeviceClient:
    """Talks to a simulated Envoy like a client of the real one: Digest as `user`, or bearer token + cookie."""

    def __init__(
        self, session: aiohttp.ClientSession, url: str, *, token: str = "", user: str = "", password: str = ""
    ) -> None:
        self.session = session
        self.url = url
        self.token = token
        self.user = user
        self.password = password

    async def request(
        self,
        method: str,
        path: str,
        *,
        body: bytes | None = None,
        headers: Mapping[str, str] | None = None,
        timeout: float = 10.0,
    ) -> Answer:
        send = dict(headers or {})
        if self.token:
            send.setdefault("Authorization", f"Bearer {self.token}")
        answer = await self._raw(method, path, send, body, timeout)
        challenge = answer.headers.get("WWW-Authenticate", "")
        if answer.status == 401 and self.user and challenge.lower().startswith("digest"):
            send["Authorization"] = digest_header(method, path, challenge, self.user, self.password)
            answer = await self._raw(method, path, send, body, timeout)
        return answer

    async def get(self, path: str, **kw: Any) -> Answer:
        return await self.request("GET", path, **kw)

    async def _raw(
        self, method: str, path: str, headers: Mapping[str, str], body: bytes | None, timeout: float
    ) -> Answer:
        async with self.session.request(
            method,
            self.url + path,
            headers=headers,
            data=body,
            ssl=False,
            allow_redirects=False,
            timeout=aiohttp.ClientTimeout(total=timeout),
        ) as response:
            return Answer(response.status, response.headers, await response.read())


@pytest.fixture
async def http() -> AsyncIterator[aiohttp.ClientSession]:
    """A client session that keeps IP-host cookies (the device's sessionId) and skips URL normalisation."""
    async with aiohttp.ClientSession(
        cookie_jar=aiohttp.CookieJar(unsafe=True), timeout=TIMEOUT, requote_redirect_url=False
    ) as session:
        yield session


def client_for(session: aiohttp.ClientSession, url: str, capture: Path) -> DeviceClient:
    """The right credentials for the capture's firmware: an owner token (>= 7) or installer Digest (< 7)."""
    serial = capture_serial(capture)
    if capture_firmware(capture) >= (7,):
        return DeviceClient(session, url, token=unsigned_token(serial))
    return DeviceClient(session, url, user="installer", password=installer_password(serial))


GENERATOR = CAPTURES / "8.3.5169_with_generator"
LEGACY = CAPTURES / "5.0.62"


@pytest.fixture(scope="module")
def sources() -> dict[str, ProfileSource]:
    """One of each synthetic profile, frozen at the tests' start (profile_helpers.new_profile)."""
    return {name: new_profile(name) for name in PROFILES}

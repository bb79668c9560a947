"""HTTP Digest authentication (RFC 7616) for firmware below 7.

aiohttp 3.11 has no client-side Digest support, so this is a small implementation of our own:
MD5, MD5-sess, SHA-256 and SHA-256-sess; `qop=auth` (or no qop, RFC 2069 style). The last
challenge is kept with its nonce counter, so later requests answer straight away without
another 401 round trip, for as long as the device accepts the nonce.
"""

from __future__ import annotations

import hashlib
import secrets
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from types import MappingProxyType
from urllib.request import parse_http_list, parse_keqv_list

from ..errors import InvalidCredentials
from .passwords import envoy_password, installer_password

_HASHES: Mapping[str, Callable[[bytes], str]] = MappingProxyType({
    "MD5": lambda data: hashlib.md5(data, usedforsecurity=False).hexdigest(),
    "SHA-256": lambda data: hashlib.sha256(data).hexdigest(),
})


@dataclass(frozen=True, slots=True)
class DigestChallenge:
    """The parts of a `WWW-Authenticate: Digest ...` header an answer needs."""

    realm: str
    nonce: str
    algorithm: str  # as the device wrote it, e.g. "MD5", "MD5-sess"
    qop: str | None  # "auth" when offered, else None
    opaque: str | None
    stale: bool


def parse_challenge(header: str) -> DigestChallenge | None:
    """The Digest challenge in one WWW-Authenticate value, or None if it holds none we can answer."""
    scheme, _, rest = header.strip().partition(" ")
    if scheme.lower() != "digest":
        return None
    try:
        fields = parse_keqv_list(parse_http_list(rest))
    except ValueError:
        return None
    nonce = fields.get("nonce")
    if not nonce:
        return None
    algorithm = fields.get("algorithm") or "MD5"
    if algorithm.upper().removesuffix("-SESS") not in _HASHES:
        return None
    offered = [q.strip().lower() for q in (fields.get("qop") or "").split(",") if q.strip()]
    if offered and "auth" not in offered:
        return None
    return DigestChallenge(
        realm=fields.get("realm", ""),
        nonce=nonce,
        algorithm=algorithm,
        qop="auth" if offered else None,
        opaque=fields.get("opaque"),
        stale=(fields.get("stale") or "").lower() == "true",
    )


def resolve_credentials(username: str | None, password: str | None, serial: str, *,
                        host: str | None = None) -> tuple[str, str] | None:
    """(user, password) for Digest, or None for no auth.

    `installer` or `envoy` without a password (an empty one counts as none) get the password
    derived from the serial; any other user needs an explicit password.
    """
    if not username:
        return None
    if password:
        return username, password
    if username == "installer":
        return username, installer_password(serial)
    if username == "envoy":
        return username, envoy_password(serial)
    raise InvalidCredentials(f"user {username!r} needs a password (only installer and envoy have derived ones)",
                             host=host)


def stale_challenge(headers: tuple[str, ...]) -> bool:
    """The 401 only says the nonce went stale (the password itself was fine)."""
    return any(c is not None and c.stale for c in map(parse_challenge, headers))


class DigestAuth:
    """Answers Digest challenges for one user; keeps the last nonce and its counter."""

    def __init__(self, username: str, password: str, *, cnonce: Callable[[], str] | None = None) -> None:
        self.username = username
        self._password = password
        self._make_cnonce = cnonce or (lambda: secrets.token_hex(8))
        self._challenge: DigestChallenge | None = None
        self._nonce_count = 0

    def __repr__(self) -> str:
        return f"DigestAuth(username={self.username!r})"

    @property
    def answered(self) -> bool:
        """A challenge was taken: requests carry this user's answer."""
        return self._challenge is not None

    def accept_challenge(self, headers: tuple[str, ...]) -> bool:
        """Take the challenge of a 401. True if it is worth answering (a new nonce, or we had none)."""
        for header in headers:
            challenge = parse_challenge(header)
            if challenge is None:
                continue
            previous = self._challenge
            self._challenge = challenge
            self._nonce_count = 0
            return previous is None or previous.nonce != challenge.nonce or challenge.stale
        return False

    def header(self, method: str, uri: str) -> str | None:
        """The Authorization value for this request, or None before any challenge arrived."""
        challenge = self._challenge
        if challenge is None:
            return None
        self._nonce_count += 1
        nc = f"{self._nonce_count:08x}"
        cnonce = self._make_cnonce()
        algorithm = challenge.algorithm.upper()
        digest = _HASHES[algorithm.removesuffix("-SESS")]

        def h(text: str) -> str:
            return digest(text.encode())

        ha1 = h(f"{self.username}:{challenge.realm}:{self._password}")
        if algorithm.endswith("-SESS"):
            ha1 = h(f"{ha1}:{challenge.nonce}:{cnonce}")
        ha2 = h(f"{method}:{uri}")
        if challenge.qop:
            response = h(f"{ha1}:{challenge.nonce}:{nc}:{cnonce}:{challenge.qop}:{ha2}")
        else:
            response = h(f"{ha1}:{challenge.nonce}:{ha2}")
        parts = [
            f'username="{_quote(self.username)}"',
            f'realm="{_quote(challenge.realm)}"',
            f'nonce="{_quote(challenge.nonce)}"',
            f'uri="{_quote(uri)}"',
            f"algorithm={challenge.algorithm}",
            f'response="{response}"',
        ]
        if challenge.opaque is not None:
            parts.append(f'opaque="{_quote(challenge.opaque)}"')
        if challenge.qop:
            parts += [f"qop={challenge.qop}", f"nc={nc}", f'cnonce="{cnonce}"']
        return "Digest " + ", ".join(parts)


def _quote(value: str) -> str:
    return value.replace("\\", "\\\\").replace('"', '\\"')

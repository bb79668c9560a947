"""Enphase-style JWTs: minted and signed (ES256) by the simulated cloud, decoded (unverified) by the device."""

from __future__ import annotations

import base64
import secrets
import time
import uuid
from typing import Any

import jwt
import orjson
from cryptography.hazmat.primitives.asymmetric import ec

OWNER_LIFETIME_S = 365 * 86400
INSTALLER_LIFETIME_S = 12 * 3600


def _b64decode(part: str) -> bytes:
    return base64.urlsafe_b64decode(part + "=" * (-len(part) % 4))


def unverified_claims(token: str) -> tuple[dict[str, Any], dict[str, Any]] | None:
    """(header, payload) of a well-formed JWT, signature not checked; None if malformed."""
    parts = token.split(".")
    if len(parts) != 3 or not all(parts[:2]):
        return None
    try:
        header = orjson.loads(_b64decode(parts[0]))
        payload = orjson.loads(_b64decode(parts[1]))
    except (ValueError, orjson.JSONDecodeError):
        return None
    if not isinstance(header, dict) or not isinstance(payload, dict):
        return None
    return header, payload


class TokenSigner:
    """An ES256 key pair made at construction; mints tokens like Entrez and checks its own signatures."""

    def __init__(self, issuer: str = "Entrez") -> None:
        self._key = ec.generate_private_key(ec.SECP256R1())
        self.key_id = secrets.token_hex(32)
        self.issuer = issuer

    def mint(
        self,
        serial: str,
        *,
        lifetime_s: float = OWNER_LIFETIME_S,
        user: str = "owner",
        username: str = "owner@example.invalid",
    ) -> str:
        now = int(time.time())
        payload = {
            "aud": serial,
            "iss": self.issuer,
            "enphaseUser": user,
            "exp": now + int(lifetime_s),
            "iat": now,
            "jti": str(uuid.uuid4()),
            "username": username,
        }
        return jwt.encode(payload, self._key, algorithm="ES256", headers={"kid": self.key_id, "typ": "JWT"})

    def verify(self, token: str, serial: str) -> bool:
        """Signature (this key), audience and expiry all good."""
        try:
            jwt.decode(token, self._key.public_key(), algorithms=["ES256"], audience=serial)
        except jwt.PyJWTError:
            return False
        return True

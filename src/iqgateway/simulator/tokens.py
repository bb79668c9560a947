"""Enphase-style JWTs minted and signed (ES256) by the simulated cloud; the device reads them with read_jwt."""

from __future__ import annotations

import secrets
import time
import uuid

import jwt
from cryptography.hazmat.primitives.asymmetric import ec

OWNER_LIFETIME_S = 365 * 86400
INSTALLER_LIFETIME_S = 12 * 3600


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

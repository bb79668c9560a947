"""The simulated device's access control: HTTP Digest (firmware < 7) or Enphase JWT + session cookie (>= 7).

/info and /info.xml are always open. Firmware < 7: Digest, realm `enphaseenergy.com`, qop auth, MD5, users
`installer` (password derived from the serial) and `envoy` (last six digits). Firmware >= 7: `Authorization:
Bearer <JWT>` whose payload has aud = serial and an unexpired exp (a signature is checked only for tokens minted
by this simulator's own keys: the real Enphase signature cannot be checked locally), or the `sessionId` cookie
that `GET /auth/check_jwt` hands out.
"""

from __future__ import annotations

import hashlib
import hmac
import re
import secrets
import time
import urllib.request
from collections import OrderedDict
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass

from ..auth.passwords import envoy_password, installer_password
from ..auth.token import read_jwt
from .faults import OPEN_PATHS
from .firmware import uses_token_auth
from .tokens import TokenSigner

REALM = "enphaseenergy.com"
UNAUTHORIZED_BODY = b"<html><body><h2>401 Unauthorized</h2></body></html>"
VALID_TOKEN_BODY = b"<!DOCTYPE html><h2>Valid token.</h2>\n"
CHECK_JWT_PATH = "/auth/check_jwt"
NONCE_LIMIT = 4096


@dataclass(frozen=True, slots=True)
class AuthOutcome:
    """The verdict on one request."""

    allowed: bool
    kind: str  # "open", "none", "digest", "bearer", "cookie", "denied"
    session_opened: bool = False
    session_id: str | None = None  # a new session cookie to set


class DeviceAuth:
    """Access control of one simulated device; `mode` "auto" follows the firmware, "none" lets everything in."""

    def __init__(
        self,
        serial: Callable[[], str],
        firmware: Callable[[], str],
        *,
        mode: str = "auto",
        signers: Iterable[TokenSigner] = (),
        digest_users: Iterable[str] = ("installer", "envoy"),
    ) -> None:
        if mode not in ("auto", "none"):
            raise ValueError(f"auth mode {mode!r}: want auto or none")
        self._serial = serial
        self._firmware = firmware
        self.mode = mode
        self.digest_users = frozenset(digest_users)  # the local users the device lets in (firmware < 7)
        self._signers = {signer.key_id: signer for signer in signers}
        self._sessions: dict[str, str] = {}  # sessionId -> token user
        self._nonces: OrderedDict[str, float] = OrderedDict()
        self._revoked: set[str] = set()  # sha256 of tokens seen before a revoke
        self._seen: set[str] = set()
        self._revoked_before = 0  # tokens issued before this epoch second are revoked

    @property
    def token_auth(self) -> bool:
        return uses_token_auth(self._firmware())

    def add_signer(self, signer: TokenSigner) -> None:
        self._signers[signer.key_id] = signer

    # ------------------------------------------------------------------ verdicts

    def check(
        self, method: str, path: str, uri: str, headers: Mapping[str, str], cookies: Mapping[str, str]
    ) -> AuthOutcome:
        """May this request be answered? (`uri` = path with query, as sent.)"""
        if path in OPEN_PATHS:
            return AuthOutcome(True, "open")
        if self.mode == "none":
            return AuthOutcome(True, "none")
        if not self.token_auth:
            ok = self.digest_ok(method, path, uri, headers.get("Authorization", ""))
            return AuthOutcome(ok, "digest" if ok else "denied")
        if cookies.get("sessionId", "") in self._sessions:
            return AuthOutcome(True, "cookie")
        if self.token_ok(bearer(headers)):
            return AuthOutcome(True, "bearer", session_opened=True)
        return AuthOutcome(False, "denied")

    def role(self, headers: Mapping[str, str], cookies: Mapping[str, str]) -> str:
        """Who an allowed request comes from: the token's `enphaseUser` (or its session's), or the Digest user."""
        if self.token_auth:
            claims = read_jwt(bearer(headers))
            if claims is not None:
                return str(claims[1].get("enphaseUser", "owner"))
            return self._sessions.get(cookies.get("sessionId", ""), "")
        match = re.search(r'username="([^"]*)"', headers.get("Authorization", ""))
        return match.group(1) if match else ""

    def check_jwt(self, headers: Mapping[str, str]) -> AuthOutcome:
        """`GET /auth/check_jwt`: a valid bearer token opens a session (new sessionId cookie)."""
        token = bearer(headers)
        if self.mode == "none" or self.token_ok(token):
            session_id = secrets.token_hex(16)
            claims = read_jwt(token)
            self._sessions[session_id] = str(claims[1].get("enphaseUser", "owner")) if claims else "owner"
            return AuthOutcome(True, "bearer", session_opened=True, session_id=session_id)
        return AuthOutcome(False, "denied")

    def token_ok(self, token: str) -> bool:
        if not token:
            return False
        claims = read_jwt(token)
        if claims is None:
            return False
        header, payload = claims
        serial = self._serial()
        audience = payload.get("aud")
        if not (audience == serial or (isinstance(audience, list) and serial in audience)):
            return False
        expiry = payload.get("exp")
        if not isinstance(expiry, int | float) or isinstance(expiry, bool) or expiry <= time.time():
            return False
        signer = self._signers.get(str(header.get("kid", "")))
        if signer is not None and not signer.verify(token, serial):
            return False
        fingerprint = hashlib.sha256(token.encode()).hexdigest()
        issued = payload.get("iat")
        if fingerprint in self._revoked or (isinstance(issued, int | float) and issued < self._revoked_before):
            return False
        self._seen.add(fingerprint)
        return True

    def revoke(self) -> None:
        """Every token seen so far or issued before now, every session cookie and Digest nonce stops working."""
        self._revoked |= self._seen
        self._seen.clear()
        self._revoked_before = int(time.time())
        self._sessions.clear()
        self._nonces.clear()

    def forget_sessions(self) -> None:
        """A reboot: session cookies are gone (tokens stay valid)."""
        self._sessions.clear()
        self._nonces.clear()

    @property
    def session_count(self) -> int:
        return len(self._sessions)

    # ------------------------------------------------------------------ digest

    def challenge(self) -> str:
        nonce = secrets.token_urlsafe(18)
        self._nonces[nonce] = time.time()
        while len(self._nonces) > NONCE_LIMIT:
            self._nonces.popitem(last=False)
        return f'Digest realm="{REALM}", qop="auth", nonce="{nonce}", algorithm=MD5'

    def digest_ok(self, method: str, path: str, uri: str, authorization: str) -> bool:
        if not authorization.lower().startswith("digest "):
            return False
        fields = urllib.request.parse_keqv_list(urllib.request.parse_http_list(authorization[7:]))
        serial = self._serial()
        passwords = {"installer": installer_password(serial), "envoy": envoy_password(serial)}
        user = fields.get("username", "")
        password = passwords.get(user) if user in self.digest_users else None
        nonce = fields.get("nonce", "")
        if password is None or fields.get("realm") != REALM or nonce not in self._nonces:
            return False
        if fields.get("algorithm", "MD5").upper() != "MD5" or fields.get("uri") not in (uri, path):
            return False

        def md5(text: str) -> str:
            return hashlib.md5(text.encode(), usedforsecurity=False).hexdigest()

        ha1 = md5(f"{fields['username']}:{REALM}:{password}")
        ha2 = md5(f"{method}:{fields['uri']}")
        qop = fields.get("qop")
        if qop:
            if qop != "auth":
                return False
            expected = md5(f"{ha1}:{nonce}:{fields.get('nc', '')}:{fields.get('cnonce', '')}:{qop}:{ha2}")
        else:
            expected = md5(f"{ha1}:{nonce}:{ha2}")
        return hmac.compare_digest(expected, fields.get("response", ""))


def bearer(headers: Mapping[str, str]) -> str:
    value = headers.get("Authorization", "")
    return value[7:].strip() if value[:7].lower() == "bearer " else ""

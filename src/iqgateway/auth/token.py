"""Token authentication for firmware 7 and later.

The token is an Enphase JWT, pasted by the user or fetched from the cloud (enlighten.py). Its
signature cannot be checked locally; its payload tells the serial it is for (`aud`), who it is
for (`enphaseUser`: owner or installer) and when it expires (`exp`). The device validates it at
`GET /auth/check_jwt`, which also hands out a `sessionId` cookie the transport keeps.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import jwt

from ..errors import AuthenticationRequired, CommunicationError, InvalidCredentials, TokenExpired

if TYPE_CHECKING:
    from ..transport import Transport

CHECK_PATH = "/auth/check_jwt"
# A token from the cloud is replaced this long before it expires.
REFRESH_MARGIN = dt.timedelta(days=30)


@dataclass(frozen=True, slots=True)
class TokenClaims:
    """What the token's payload says (never the token itself)."""

    audience: tuple[str, ...]
    user: str | None  # enphaseUser: "owner" / "installer"
    username: str | None
    expires_at: dt.datetime | None
    issued_at: dt.datetime | None

    def expired(self, now: dt.datetime | None = None) -> bool:
        if self.expires_at is None:
            return False
        return self.expires_at <= (now or dt.datetime.now(dt.UTC))

    def due_for_refresh(self, now: dt.datetime | None = None) -> bool:
        if self.expires_at is None:
            return False
        return self.expires_at - REFRESH_MARGIN <= (now or dt.datetime.now(dt.UTC))


def _moment(value: Any) -> dt.datetime | None:
    if isinstance(value, bool) or not isinstance(value, int | float):
        return None
    try:
        return dt.datetime.fromtimestamp(value, dt.UTC)
    except (OverflowError, OSError, ValueError):
        return None


def read_jwt(token: str) -> tuple[dict[str, Any], dict[str, Any]] | None:
    """(header, payload) of a well-formed JWT, signature not checked; None if it is not one.

    Shared by the library (a token's claims) and the simulated device (which token it lets in).
    """
    try:
        parts = jwt.api_jwt.decode_complete(token.strip(), options={"verify_signature": False})
    except jwt.PyJWTError:
        return None
    header, payload = parts.get("header"), parts.get("payload")
    if not isinstance(header, dict) or not isinstance(payload, dict):
        return None
    return header, payload


def decode_token(token: str, *, serial: str, host: str | None = None) -> TokenClaims:
    """Read the token's payload; InvalidCredentials if malformed or for another serial, TokenExpired if past `exp`."""
    if not isinstance(token, str) or token.count(".") != 2:
        raise InvalidCredentials("the token is not a well-formed JWT (three dot-separated parts)", host=host)
    parts = read_jwt(token)
    if parts is None:
        raise InvalidCredentials("the token's payload cannot be decoded (not a JWT)", host=host)
    payload = parts[1]
    aud = payload.get("aud")
    audience = tuple(str(a) for a in aud) if isinstance(aud, list) else ((str(aud),) if aud is not None else ())
    if serial and audience and serial not in audience:
        raise InvalidCredentials(
            f"the token is for gateway {', '.join(audience)}, not for this gateway ({serial})", host=host
        )
    user = payload.get("enphaseUser")
    username = payload.get("username")
    claims = TokenClaims(
        audience=audience,
        user=user if isinstance(user, str) else None,
        username=username if isinstance(username, str) else None,
        expires_at=_moment(payload.get("exp")),
        issued_at=_moment(payload.get("iat")),
    )
    if claims.expired():
        assert claims.expires_at is not None
        raise TokenExpired(
            f"the token expired on {claims.expires_at:%Y-%m-%d %H:%M} UTC; get or paste a new one", host=host
        )
    return claims


class TokenAuth:
    """A validated token and how it was obtained."""

    def __init__(self, token: str, claims: TokenClaims, *, manual: bool) -> None:
        self._token = token.strip()
        self.claims = claims
        self.manual = manual

    def __repr__(self) -> str:
        return f"TokenAuth(user={self.claims.user!r}, manual={self.manual})"

    @property
    def token(self) -> str:
        return self._token

    def header(self) -> str:
        return f"Bearer {self._token}"

    async def validate(self, transport: Transport) -> None:
        """GET /auth/check_jwt: 200 = valid (the device sets the sessionId cookie).

        A device without the endpoint (404) is trusted with the Bearer header alone.
        """
        transport.forget_session_cookie()
        reply = await transport.request(
            "GET", CHECK_PATH, headers=lambda _m, _p: {"Authorization": self.header()}
        )
        if reply.status in (401, 403):
            raise InvalidCredentials(
                f"the gateway rejected the token (HTTP {reply.status}): it is revoked, "
                "for another gateway or not an Enphase token",
                host=transport.host, endpoint=CHECK_PATH,
            )
        if reply.status == 404:
            return
        if not 200 <= reply.status < 300:
            raise CommunicationError(
                f"token check answered HTTP {reply.status}", host=transport.host, endpoint=CHECK_PATH
            )


def missing_token_error(host: str, firmware: str) -> AuthenticationRequired:
    return AuthenticationRequired(
        f"firmware {firmware} needs a token: pass a token, or an Enlighten username and password", host=host
    )

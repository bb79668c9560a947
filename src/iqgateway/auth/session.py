"""A Gateway's credentials over time: the scheme the firmware wants, the token's lifecycle, each request's header.

Firmware below 7: no auth, or HTTP Digest (digest.py). Firmware 7 and later: a token, pasted or fetched from
the Enphase cloud (enlighten.py), validated at `/auth/check_jwt` (token.py), checked again when the device
refuses it, and renewed from the cloud before it expires when a username and password are known.
"""

from __future__ import annotations

import datetime as dt
import logging
import time

from ..errors import AuthenticationError, InvalidCredentials, TokenExpired
from ..firmware import uses_tokens
from ..models import AuthKind, DeviceInfo
from ..transport import HttpReply, Transport
from .digest import DigestAuth, resolve_credentials, stale_challenge
from .enlighten import CloudEndpoints, fetch_token
from .token import TokenAuth, decode_token, missing_token_error

_LOGGER = logging.getLogger(__name__)

# Firmware below 7 without a username: these local users, each with the password derived from the serial.
DEFAULT_USERS: tuple[str, ...] = ("installer", "envoy")

# After a failed background token refresh, the cloud is not asked again before this many seconds
# (unless the token has expired meanwhile).
REFRESH_RETRY_S = 3600.0


class AuthSession:
    """How one Gateway authenticates; never shows its password or token in a repr, log or error."""

    def __init__(self, transport: Transport, *, username: str | None, password: str | None, token: str | None,
                 cloud: CloudEndpoints | None) -> None:
        self._transport = transport
        self._username = username or None
        self._password = password or None
        self._given_token = token.strip() if token and token.strip() else None
        self._cloud = cloud or CloudEndpoints()
        self._kind: AuthKind | None = None
        self._digest: DigestAuth | None = None
        self._token: TokenAuth | None = None
        self._refresh_retry_at = 0.0
        self._renewal_failed: str | None = None
        self._authenticated = False
        # firmware < 7 without a username: the default users still to try after the one in use
        self._default_users: list[str] = []
        self._serial = ""

    def __repr__(self) -> str:
        return f"AuthSession(kind={self._kind})"

    @property
    def host(self) -> str:
        return self._transport.host

    @property
    def kind(self) -> AuthKind | None:
        return self._kind

    @property
    def authenticated(self) -> bool:
        return self._authenticated

    @property
    def token(self) -> str | None:
        return self._token.token if self._token is not None else None

    @property
    def token_expires_at(self) -> dt.datetime | None:
        return self._token.claims.expires_at if self._token is not None else None

    @property
    def token_user(self) -> str | None:
        return self._token.claims.user if self._token is not None else None

    @property
    def renewal_failed(self) -> str | None:
        return self._renewal_failed

    @property
    def digest_user(self) -> str | None:
        return self._digest.username if self._digest is not None else None

    @property
    def uses_token(self) -> bool:
        return self._token is not None

    @property
    def manual_token(self) -> bool:
        if self._token is not None:
            return self._token.manual
        return self._given_token is not None and not self._can_refresh

    @property
    def _can_refresh(self) -> bool:
        return bool(self._username and self._password)

    def forget_device(self) -> None:
        """The device changed (new firmware): authenticate again before the next request."""
        self._authenticated = False
        self._digest = None

    # ------------------------------------------------------------------ choosing and validating

    async def authenticate(self, info: DeviceInfo) -> None:
        """Choose and set up the auth scheme the firmware wants; for tokens, validate at /auth/check_jwt."""
        if not uses_tokens(info.firmware_version):
            self._token = None
            self._serial = info.serial
            creds = resolve_credentials(self._username, self._password, info.serial, host=self.host)
            self._default_users = []
            if creds is None and self._password is None:
                # the documented default: installer with its derived password, then envoy; the Digest answer is
                # only sent when the device asks for one
                creds = resolve_credentials(DEFAULT_USERS[0], None, info.serial, host=self.host)
                self._default_users = list(DEFAULT_USERS[1:])
            if creds is None:
                self._digest, self._kind = None, AuthKind.NONE
            else:
                self._digest, self._kind = DigestAuth(*creds), AuthKind.DIGEST
            self._authenticated = True
            return
        self._digest = None
        self._kind = AuthKind.TOKEN
        kept = self._token
        fresh_from_cloud = False
        if kept is None or kept.claims.expired() or info.serial not in kept.claims.audience:
            self._token, fresh_from_cloud = await self._new_token(info)
        assert self._token is not None
        try:
            await self._token.validate(self._transport)
        except InvalidCredentials:
            if fresh_from_cloud or not self._can_refresh:
                raise
            _LOGGER.info("%s: the gateway rejected the token: getting a new one from the cloud", self.host)
            self._token = await self._cloud_token(info)
            await self._token.validate(self._transport)
        self._authenticated = True

    async def revalidate(self, info: DeviceInfo | None) -> None:
        """Check the token at /auth/check_jwt again (a new session); a rejected one is renewed if possible."""
        assert self._token is not None
        try:
            await self._token.validate(self._transport)
        except InvalidCredentials:
            if not self._can_refresh or info is None:
                raise
            _LOGGER.info("%s: the gateway rejected the token: getting a new one from the cloud", self.host)
            self._token = await self._cloud_token(info)
            await self._token.validate(self._transport)

    async def _new_token(self, info: DeviceInfo) -> tuple[TokenAuth, bool]:
        """The given token (manual unless cloud credentials can replace it) or one from the cloud (True)."""
        if self._given_token is not None:
            try:
                claims = decode_token(self._given_token, serial=info.serial, host=self.host)
            except TokenExpired:
                if not self._can_refresh:
                    raise
                _LOGGER.info("%s: the stored token expired: getting a new one from the cloud", self.host)
            else:
                return TokenAuth(self._given_token, claims, manual=not self._can_refresh), False
        if self._can_refresh:
            return await self._cloud_token(info), True
        raise missing_token_error(self.host, info.firmware)

    async def _cloud_token(self, info: DeviceInfo) -> TokenAuth:
        assert self._username is not None
        assert self._password is not None
        raw = await fetch_token(
            self._transport.session, self._cloud, username=self._username, password=self._password,
            serial=info.serial,
        )
        claims = decode_token(raw, serial=info.serial, host=self.host)
        return TokenAuth(raw, claims, manual=False)

    # ------------------------------------------------------------------ renewal

    async def refresh(self, info: DeviceInfo) -> None:
        """Get a new token from the Enphase cloud (needs username and password) and validate it."""
        if not uses_tokens(info.firmware_version):
            raise AuthenticationError(f"firmware {info.firmware} does not use tokens", host=self.host)
        if not self._can_refresh:
            if self._given_token is not None:
                raise AuthenticationError(
                    "this gateway uses a pasted token, which cannot be refreshed here: paste a new token",
                    host=self.host,
                )
            raise AuthenticationError("refreshing the token needs the Enlighten username and password",
                                      host=self.host)
        self._token = await self._cloud_token(info)
        self._given_token = None
        self._kind = AuthKind.TOKEN
        await self._token.validate(self._transport)
        self._authenticated = True
        self._renewal_failed = None

    async def ensure_fresh(self, info: DeviceInfo) -> None:
        """Before an update: a pasted token must not have expired; a cloud token is renewed when due."""
        if self._token is None:
            return
        claims = self._token.claims
        if self._token.manual:
            if claims.expired():
                assert claims.expires_at is not None
                raise TokenExpired(
                    f"the pasted token expired on {claims.expires_at:%Y-%m-%d %H:%M} UTC: paste a new one",
                    host=self.host,
                )
            return
        if not claims.due_for_refresh():
            return
        if not claims.expired() and time.monotonic() < self._refresh_retry_at:
            return
        try:
            await self.refresh(info)
        except AuthenticationError as err:
            if claims.expired():
                raise
            self._refresh_retry_at = time.monotonic() + REFRESH_RETRY_S
            self._renewal_failed = err.message
            _LOGGER.warning("%s: token refresh failed, the current token is still valid (next try in %d min): %s",
                            self.host, REFRESH_RETRY_S // 60, err.message)

    # ------------------------------------------------------------------ requests

    def headers(self, method: str, path: str) -> dict[str, str]:
        """The Authorization header of one request (a fresh Digest answer each time)."""
        if self._token is not None:
            return {"Authorization": self._token.header()}
        if self._digest is not None:
            value = self._digest.header(method, path)
            return {"Authorization": value} if value else {}
        return {}

    async def after_401(self, reply: HttpReply, *, info: DeviceInfo | None, required: bool) -> bool:
        """True if the refused request is worth sending again: a new Digest challenge, or a token checked again."""
        digest = self._digest
        if digest is not None and self._default_users and digest.answered and not stale_challenge(
                reply.www_authenticate):
            user = self._default_users.pop(0)
            _LOGGER.debug("%s: user %s refused: trying %s", self.host, digest.username, user)
            creds = resolve_credentials(user, None, self._serial, host=self.host)
            assert creds is not None
            self._digest = DigestAuth(*creds)
            return self._digest.accept_challenge(reply.www_authenticate)
        if digest is not None and digest.accept_challenge(reply.www_authenticate):
            return True
        if self._token is not None and required:
            _LOGGER.debug("%s %s answered 401: checking the token again", reply.method, reply.path)
            await self.revalidate(info)
            return True
        return False

    def worked(self) -> None:
        """A request was let in: once that was with this user's Digest answer, the user stays."""
        if self._digest is not None and self._digest.answered:
            self._default_users = []

    def refusal(self, status: int) -> str:
        """Why the device refuses a request, as a message for AuthenticationRequired."""
        if self._token is not None:
            return (f"the gateway refuses the token (HTTP {status}); it may be revoked or lack the rights "
                    "for this endpoint: get or paste a new token")
        if self._digest is not None and self._username is None:
            return (f"the gateway refuses the default users {' and '.join(DEFAULT_USERS)} with their derived "
                    f"passwords (HTTP {status}): give --username and --password")
        if self._digest is not None:
            return f"the gateway refuses the password of user {self._digest.username} (HTTP {status})"
        return (f"the gateway asks for credentials (HTTP {status}): give a username "
                "(installer or envoy) and password")

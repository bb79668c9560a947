"""`Gateway`: one IQ Gateway on the network — setup, authentication, probe, updates and controls.

The flow: `setup()` reads `/info`; `authenticate()` picks none/Digest (firmware < 7) or a token
(firmware >= 7); `probe()` fetches the probe endpoints once and decides the features; `update()`
reads the endpoints that are due (schedule.py), keeps the last good answer of each, and hands
them to the parsers. The first update reuses the probe's answers instead of asking again.

Only a failure of the required production source, or of authentication, fails an update;
any other endpoint that fails keeps its last good data, marked stale.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import logging
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from . import controls
from .answer import Answer
from .assemble import assemble, check_answer
from .auth.digest import DigestAuth, resolve_credentials
from .auth.enlighten import CloudEndpoints, fetch_token
from .auth.token import TokenAuth, decode_token, missing_token_error
from .errors import (
    AuthenticationError,
    AuthenticationRequired,
    CommunicationError,
    ControlRejected,
    DeviceTimeout,
    DeviceUnavailable,
    FeatureNotAvailable,
    HttpStatusError,
    InvalidCredentials,
    InvalidResponse,
    IQGatewayError,
    TokenExpired,
    UnsupportedFirmware,
)
from .guards import EnergyGuard
from .info import parse_info
from .models import AuthKind, DeviceInfo, EndpointStatus, Feature, Features, GatewayData, StorageMode
from .probe import decide_features, probe_paths
from .schedule import Cadence, Schedule
from .transport import HttpReply, Transport, timeout_for

if TYPE_CHECKING:
    import aiohttp

_LOGGER = logging.getLogger(__name__)

INFO_PATH = "/info"
TOKEN_FIRMWARE: tuple[int, ...] = (7,)
# A round (probe or update) that has seen this many failed endpoints and no answer at all
# stops: the device as a whole is not answering.
DEVICE_DOWN_AFTER = 3
# After this many endpoints in a row failed, the rest of the round gets no retries.
NO_RETRY_AFTER = 2
_MARGIN_S = 0.5
# The probe's answers serve as the first update's data when that update follows within this time.
PROBE_REUSE_S = 30.0
# After a failed background token refresh, the cloud is not asked again before this many seconds
# (unless the token has expired meanwhile).
REFRESH_RETRY_S = 3600.0


@dataclass(slots=True)
class _PathState:
    last_good_at: float | None = None
    error: str | None = None


class _Round:
    """Bookkeeping of one probe or update: time left, failures, whether the device is down."""

    def __init__(self, budget_s: float) -> None:
        self.ends = time.monotonic() + budget_s
        self.answered = 0
        self.failures: list[str] = []
        self.in_a_row = 0

    def remaining(self) -> float:
        return self.ends - time.monotonic()

    def attempts(self) -> int | None:
        return 1 if self.in_a_row >= NO_RETRY_AFTER else None

    def timeout(self, path: str, default: float) -> float:
        return max(0.5, min(timeout_for(path, default), self.remaining() - _MARGIN_S))

    def note(self, answer: Answer) -> None:
        if answer.error is not None and isinstance(answer.error, CommunicationError):
            self.failures.append(f"{answer.path} ({_short(answer.error)})")
            self.in_a_row += 1
        else:
            self.answered += 1
            self.in_a_row = 0

    def device_down(self) -> bool:
        return self.answered == 0 and len(self.failures) >= DEVICE_DOWN_AFTER


def _short(err: IQGatewayError) -> str:
    if isinstance(err, DeviceTimeout):
        return "timeout"
    if isinstance(err, DeviceUnavailable):
        return "503"
    return err.message.split(" (", 1)[0]


def _is_production_path(path: str) -> bool:
    bare = path.split("?", 1)[0]
    return bare in ("/production.json", "/production", "/api/v1/production")


class Gateway:
    """One IQ Gateway. Not thread-safe; one asyncio task at a time uses it (updates and controls are serialised)."""

    def __init__(
        self,
        host: str,
        *,
        session: aiohttp.ClientSession | None = None,
        username: str | None = None,
        password: str | None = None,
        token: str | None = None,
        keep_alive: bool = True,
        request_timeout: float = 10.0,
        update_deadline: float = 45.0,
        cloud: CloudEndpoints | None = None,
        cadence: Cadence | None = None,
    ) -> None:
        self._transport = Transport(host, session=session, keep_alive=keep_alive, request_timeout=request_timeout)
        self._username = username or None
        self._password = password or None
        self._given_token = token.strip() if token and token.strip() else None
        self._cloud = cloud or CloudEndpoints()
        self._request_timeout = request_timeout
        self._update_deadline = update_deadline
        self._schedule = Schedule(cadence)
        self._guard = EnergyGuard()
        self._lock = asyncio.Lock()
        self._info: DeviceInfo | None = None
        self._features: Features | None = None
        self._data: GatewayData | None = None
        self._auth_kind: AuthKind | None = None
        self._digest: DigestAuth | None = None
        self._token: TokenAuth | None = None
        self._refresh_retry_at = 0.0
        self._authenticated = False
        self._cache: dict[str, Answer] = {}
        self._states: dict[str, _PathState] = {}
        self._pending: dict[str, Answer] = {}
        self._in_flight: str | None = None
        self._info_at = 0.0

    def __repr__(self) -> str:
        return f"Gateway(host={self.host!r}, auth={self._auth_kind})"

    # ------------------------------------------------------------------ properties

    @property
    def host(self) -> str:
        return self._transport.host

    @property
    def info(self) -> DeviceInfo | None:
        return self._info

    @property
    def features(self) -> Features | None:
        return self._features

    @property
    def data(self) -> GatewayData | None:
        return self._data

    @property
    def auth_kind(self) -> AuthKind | None:
        return self._auth_kind

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
    def manual_token(self) -> bool:
        if self._token is not None:
            return self._token.manual
        return self._given_token is not None and not self._can_refresh

    @property
    def url(self) -> str:
        """The device's base URL (scheme settled by setup())."""
        return self._transport.base_url

    @property
    def update_deadline(self) -> float:
        """Seconds an update (and the probe) may take in all."""
        return self._update_deadline

    @update_deadline.setter
    def update_deadline(self, seconds: float) -> None:
        self._update_deadline = float(seconds)

    @property
    def cadence(self) -> Cadence:
        return self._schedule.cadence

    # ------------------------------------------------------------------ lifecycle

    async def close(self) -> None:
        """Close the HTTP session if the Gateway created it (an injected one stays open)."""
        await self._transport.close()

    async def __aenter__(self) -> Gateway:
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.close()

    async def setup(self) -> DeviceInfo:
        """GET /info (no auth): serial, firmware, part number; settles https or http."""
        try:
            async with asyncio.timeout(self._update_deadline):
                reply = await self._transport.resolve_scheme(INFO_PATH)
        except TimeoutError:
            raise DeviceTimeout(f"no identity within {self._update_deadline:g} s", host=self.host,
                                endpoint=INFO_PATH) from None
        if reply.status == 404:
            raise UnsupportedFirmware(
                "the device has no /info identity (HTTP 404): not an IQ Gateway, or firmware below 3.9 — unsupported",
                host=self.host, endpoint=INFO_PATH,
            )
        if reply.status != 200:
            raise HttpStatusError(f"identity answered HTTP {reply.status}", status=reply.status, host=self.host,
                                  endpoint=INFO_PATH)
        info: DeviceInfo = self._parse(lambda: parse_info(reply.body, host=self.host), INFO_PATH)
        previous = self._info
        if previous is not None and (previous.firmware != info.firmware or previous.serial != info.serial):
            _LOGGER.info("%s: firmware changed from %s to %s: authenticating and probing again",
                         self.host, previous.firmware, info.firmware)
            self._forget_device()
        self._info = info
        self._info_at = time.time()
        return info

    async def _check_identity(self) -> None:
        """Re-read /info now and then: an unannounced firmware upgrade means authenticating and probing again."""
        every = self._schedule.cadence.identity_check_s
        if every is None or time.time() - self._info_at < every:
            return
        try:
            await self.setup()
        except CommunicationError as err:
            self._info_at = time.time()
            _LOGGER.debug("%s: identity check failed: %s", self.host, err.message)

    def _forget_device(self) -> None:
        self._authenticated = False
        self._features = None
        self._digest = None
        self._cache.clear()
        self._states.clear()
        self._pending.clear()
        self._schedule.reset()

    async def authenticate(self) -> None:
        """Choose and set up the auth scheme the firmware wants; for tokens, validate at /auth/check_jwt."""
        info = self._info or await self.setup()
        if info.firmware_version < TOKEN_FIRMWARE:
            self._token = None
            creds = resolve_credentials(self._username, self._password, info.serial)
            if creds is None:
                self._digest, self._auth_kind = None, AuthKind.NONE
            else:
                self._digest, self._auth_kind = DigestAuth(*creds), AuthKind.DIGEST
            self._authenticated = True
            return
        self._digest = None
        self._auth_kind = AuthKind.TOKEN
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

    async def _revalidate(self) -> None:
        """Check the token at /auth/check_jwt again (a new session); a rejected one is renewed if possible."""
        assert self._token is not None
        try:
            await self._token.validate(self._transport)
        except InvalidCredentials:
            if not self._can_refresh or self._info is None:
                raise
            _LOGGER.info("%s: the gateway rejected the token: getting a new one from the cloud", self.host)
            self._token = await self._cloud_token(self._info)
            await self._token.validate(self._transport)

    @property
    def _can_refresh(self) -> bool:
        return bool(self._username and self._password)

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

    async def refresh_token(self) -> None:
        """Get a new token from the Enphase cloud (needs username and password) and validate it."""
        info = self._info or await self.setup()
        if info.firmware_version < TOKEN_FIRMWARE:
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
        self._auth_kind = AuthKind.TOKEN
        await self._token.validate(self._transport)
        self._authenticated = True

    async def _ensure_token_fresh(self) -> None:
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
            await self.refresh_token()
        except AuthenticationError as err:
            if claims.expired():
                raise
            self._refresh_retry_at = time.monotonic() + REFRESH_RETRY_S
            _LOGGER.warning("%s: token refresh failed, the current token is still valid (next try in %d min): %s",
                            self.host, REFRESH_RETRY_S // 60, err.message)

    # ------------------------------------------------------------------ requests

    def _auth_headers(self, method: str, path: str) -> dict[str, str]:
        if self._token is not None:
            return {"Authorization": self._token.header()}
        if self._digest is not None:
            value = self._digest.header(method, path)
            return {"Authorization": value} if value else {}
        return {}

    async def _send(
        self,
        method: str,
        path: str,
        *,
        required: bool,
        body: bytes | None = None,
        limit_s: float | None = None,
        attempts: int | None = None,
    ) -> HttpReply:
        """One authenticated request: Digest answers a fresh challenge once; a token is re-checked once."""
        is_write = body is not None

        async def send() -> HttpReply:
            return await self._transport.request(
                method, path, headers=self._auth_headers, body=body,
                content_type="application/json" if is_write else None, limit_s=limit_s, attempts=attempts,
                retry_connection_errors=not is_write,
            )

        reply = await send()
        if reply.status == 401:
            if self._digest is not None and self._digest.accept_challenge(reply.www_authenticate):
                reply = await send()
            elif self._token is not None and required:
                _LOGGER.debug("%s %s answered 401: checking the token again", method, path)
                await self._revalidate()
                reply = await send()
        if required and reply.status in (401, 403):
            raise AuthenticationRequired(self._refusal(reply.status), host=self.host, endpoint=path)
        return reply

    def _refusal(self, status: int) -> str:
        if self._token is not None:
            return (f"the gateway refuses the token (HTTP {status}); it may be revoked or lack the rights "
                    "for this endpoint: get or paste a new token")
        if self._digest is not None:
            return f"the gateway refuses the password of user {self._digest.username} (HTTP {status})"
        return (f"the gateway asks for credentials (HTTP {status}): give a username "
                "(installer or envoy) and password")

    async def _get(self, path: str, *, required: bool = False, round_: _Round | None = None) -> Answer:
        """GET one endpoint as an Answer; a communication failure is an Answer with `error` set."""
        self._in_flight = path
        limit_s = round_.timeout(path, self._request_timeout) if round_ is not None else None
        attempts = round_.attempts() if round_ is not None else None
        try:
            reply = await self._send("GET", path, required=required, limit_s=limit_s, attempts=attempts)
        except AuthenticationError:
            raise
        except IQGatewayError as err:
            answer = Answer(path=path, status=0, body=b"", content_type="", fetched_at=time.time(), error=err)
        else:
            answer = Answer(path=path, status=reply.status, body=reply.body, content_type=reply.content_type,
                            fetched_at=time.time())
        if round_ is not None:
            round_.note(answer)
        return answer

    async def fetch_raw(self, path: str) -> Answer:
        """One authenticated GET of any path (diagnostics, capture); errors come back in the Answer."""
        if not path.startswith("/"):
            path = "/" + path
        if self._info is None:
            await self.setup()
        if not self._authenticated:
            await self.authenticate()
        return await self._get(path)

    async def post_json(self, path: str, payload: Mapping[str, Any]) -> Answer:
        """One authenticated POST of a JSON document (not verified by a read-back; no retry once sent).

        Communication errors come back in the Answer, like fetch_raw; an authentication failure raises.
        """
        if not path.startswith("/"):
            path = "/" + path
        if self._info is None:
            await self.setup()
        if not self._authenticated:
            await self.authenticate()
        try:
            reply = await self._send("POST", path, required=False, body=controls.encode(payload))
        except AuthenticationError:
            raise
        except IQGatewayError as err:
            return Answer(path=path, status=0, body=b"", content_type="", fetched_at=time.time(), error=err)
        return Answer(path=path, status=reply.status, body=reply.body, content_type=reply.content_type,
                      fetched_at=time.time())

    def _parse(self, call: Callable[[], Any], path: str | None) -> Any:
        """Run a parser; a parser bug becomes a typed error instead of a raw exception."""
        try:
            return call()
        except IQGatewayError:
            raise
        except Exception as err:
            _LOGGER.debug("parser failed on %s", path, exc_info=True)
            raise InvalidResponse(f"could not read the answer ({type(err).__name__} in the parser)",
                                  host=self.host, endpoint=path) from None

    # ------------------------------------------------------------------ probe

    async def probe(self) -> Features:
        """Fetch the probe endpoints once and decide what the device has and what updates read."""
        info = self._info or await self.setup()
        if not self._authenticated:
            await self.authenticate()
        round_ = _Round(self._update_deadline)
        self._in_flight = None
        answers: dict[str, Answer] = {}
        try:
            async with asyncio.timeout(self._update_deadline + 2 * _MARGIN_S):
                for path in probe_paths(info):
                    if path in answers:
                        continue
                    answers[path] = await self._get(path, round_=round_)
                    if round_.device_down():
                        raise DeviceUnavailable(
                            "the gateway is not answering: " + ", ".join(round_.failures), host=self.host
                        )
        except TimeoutError:
            raise DeviceTimeout(f"probe ran past its {self._update_deadline:g} s deadline", host=self.host,
                                endpoint=self._in_flight) from None
        try:
            features: Features = self._parse(lambda: decide_features(info, answers, host=self.host), None)
        except IQGatewayError:
            refused = [p for p, a in answers.items() if _is_production_path(p) and a.status in (401, 403)]
            if not refused:
                raise
            if self._token is not None:
                # the token may have lost its session: check it again and ask the refused sources once more
                await self._revalidate()
                for path in refused:
                    answers[path] = await self._get(path)
                refused = [p for p in refused if answers[p].status in (401, 403)]
                if not refused:
                    return self._probed(answers, self._parse(
                        lambda: decide_features(info, answers, host=self.host), None))
            raise AuthenticationRequired(self._refusal(answers[refused[0]].status), host=self.host,
                                         endpoint=refused[0]) from None
        return self._probed(answers, features)

    def _probed(self, answers: dict[str, Answer], features: Features) -> Features:
        self._features = features
        self._cache.clear()
        self._states.clear()
        self._schedule.reset()
        self._pending = {path: answers[path] for path in features.endpoints if path in answers}
        return features

    # ------------------------------------------------------------------ update

    async def update(self) -> GatewayData:
        """Read what is due, keep the last good data of failing optional endpoints, assemble a snapshot."""
        async with self._lock:
            return await self._update()

    async def _update(self) -> GatewayData:
        if self._info is None:
            await self.setup()
        else:
            await self._check_identity()
        if not self._authenticated:
            await self.authenticate()
        if self._features is None:
            await self.probe()
        await self._ensure_token_fresh()
        info, features = self._info, self._features
        assert info is not None
        assert features is not None
        required = features.production_source
        now = time.time()
        due = list(self._schedule.due(features.endpoints, now))
        if required is not None and required in due:
            due.remove(required)
            due.insert(0, required)
        round_ = _Round(self._update_deadline)
        self._in_flight = None
        try:
            async with asyncio.timeout(self._update_deadline + 2 * _MARGIN_S):
                for path in due:
                    answer = self._pending.pop(path, None)
                    if answer is not None and now - answer.fetched_at > PROBE_REUSE_S:
                        answer = None  # the probe was too long ago to stand in for this update
                    if answer is None:
                        if path != required and round_.remaining() < 1.0:
                            self._states.setdefault(path, _PathState()).error = "skipped: update deadline reached"
                            continue
                        answer = await self._get(path, required=path == required, round_=round_)
                    self._schedule.fetched(path, answer.fetched_at)
                    problem = self._judge(path, answer)
                    if path == required and problem is not None:
                        self._record(path, answer, problem)
                        raise problem
                    self._record(path, answer, problem)
        except TimeoutError:
            raise DeviceTimeout(f"update ran past its {self._update_deadline:g} s deadline", host=self.host,
                                endpoint=self._in_flight) from None
        finally:
            self._pending.clear()
        return self._assemble(info, features)

    def _judge(self, path: str, answer: Answer) -> IQGatewayError | None:
        """None if the answer is usable, else why not (a typed error naming the endpoint)."""
        if answer.error is not None:
            return answer.error
        try:
            problem = check_answer(path, answer, host=self.host)
        except IQGatewayError as err:
            problem = err
        except Exception as err:  # a parser bug must not take the whole update down
            _LOGGER.debug("check_answer failed on %s", path, exc_info=True)
            problem = InvalidResponse(f"could not read the answer ({type(err).__name__} in the parser)",
                                      host=self.host, endpoint=path)
        if problem is None and not 200 <= answer.status < 300:
            problem = HttpStatusError(f"answered HTTP {answer.status}", status=answer.status, host=self.host,
                                      endpoint=path)
        return problem

    def _record(self, path: str, answer: Answer, problem: IQGatewayError | None) -> None:
        state = self._states.setdefault(path, _PathState())
        if problem is None:
            self._cache[path] = answer
            state.last_good_at = answer.fetched_at
            state.error = None
        else:
            state.error = problem.message
            _LOGGER.debug("%s %s: keeping the last good answer: %s", self.host, path, problem.message)

    def _statuses(self, now: float) -> dict[str, EndpointStatus]:
        out = {}
        for path, state in self._states.items():
            age = None if state.last_good_at is None else max(0.0, now - state.last_good_at)
            out[path] = EndpointStatus(path=path, fetched_at=state.last_good_at, age_s=age,
                                       stale=state.error is not None, error=state.error)
        return out

    def _assemble(self, info: DeviceInfo, features: Features) -> GatewayData:
        now = time.time()
        statuses = self._statuses(now)
        data: GatewayData = self._parse(
            lambda: assemble(info, features, dict(self._cache), host=self.host, statuses=statuses, now=now),
            features.production_source,
        )
        data = self._parse(lambda: self._guard.apply(data), features.production_source)
        self._align_inverters(data, features, now)
        self._data = data
        return data

    def _align_inverters(self, data: GatewayData, features: Features, now: float) -> None:
        source = features.inverter_source
        if source is None or not data.inverters:
            return
        path = next((p for p in features.endpoints if p.split("?", 1)[0] == source.split("?", 1)[0]), None)
        fetched = self._cache.get(path) if path else None
        if path is None or fetched is None or now - fetched.fetched_at > 5:
            return
        reports = [inv.last_report_date for inv in data.inverters.values() if inv.last_report_date]
        if reports:
            self._schedule.expect_next_report(path, float(max(reports)), now)

    def endpoint_due_at(self, path: str) -> float | None:
        """Epoch seconds when `path` is next due (None: due now or on demand)."""
        return self._schedule.next_due(path)

    # ------------------------------------------------------------------ controls

    async def _require(self, feature: Feature, what: str) -> Features:
        """The features, after a first update if there was none yet; FeatureNotAvailable if `feature` is absent."""
        if self._data is None or self._features is None:
            await self._update()
        assert self._features is not None
        if feature not in self._features:
            raise FeatureNotAvailable(f"{what}: this gateway has no {feature.value}", host=self.host)
        return self._features

    async def _document(self, path: str) -> dict[str, Any]:
        answer = await self._get(path, required=True)
        if answer.error is not None:
            raise answer.error
        if not 200 <= answer.status < 300:
            raise HttpStatusError(f"answered HTTP {answer.status} when read before a change", status=answer.status,
                                  host=self.host, endpoint=path)
        return controls.decode_document(answer.body, path=path, host=self.host)

    async def _write(
        self,
        method: str,
        path: str,
        body: Mapping[str, Any],
        *,
        touched: tuple[str, ...],
        check: Callable[[GatewayData], str | None],
    ) -> GatewayData:
        """Send a write, read back the touched endpoints, verify the change is visible."""
        try:
            reply = await self._send(method, path, required=True, body=controls.encode(body))
        except AuthenticationRequired:
            raise
        except CommunicationError as err:
            raise ControlRejected(f"the change was not confirmed: {err.message}", host=self.host,
                                  endpoint=path) from None
        if not 200 <= reply.status < 300:
            raise ControlRejected(f"the gateway refused the change (HTTP {reply.status})", host=self.host,
                                  endpoint=path)
        assert self._info is not None
        assert self._features is not None
        for read_path in touched:
            answer = await self._get(read_path)
            self._schedule.fetched(read_path, answer.fetched_at)
            self._record(read_path, answer, self._judge(read_path, answer))
        data = self._assemble(self._info, self._features)
        problem = check(data)
        if problem is not None:
            overwrites = self._info.firmware_version >= (8, 3, 5289)
            note = " (on this firmware the Enphase cloud may overwrite local changes)" if overwrites else ""
            raise ControlRejected(f"the gateway accepted the change but {problem}{note}", host=self.host,
                                  endpoint=path)
        return data

    def _read_path(self, bare: str, fallback: str) -> str:
        """The path (with query) the update uses for `bare`, or `fallback`."""
        if self._features is not None:
            for path in self._features.endpoints:
                if path.split("?", 1)[0] == bare:
                    return path
        return fallback

    async def set_grid_enabled(self, enabled: bool) -> GatewayData:
        """Close (grid on) or open (off grid) the Enpower/IQ System Controller main relay."""
        async with self._lock:
            await self._require(Feature.ENPOWER, "grid switching")
            return await self._write("POST", controls.RELAY_PATH, controls.relay_body(enabled),
                                     touched=(controls.INVENTORY_PATH,),
                                     check=lambda data: controls.grid_applied(data, enabled))

    async def set_relay(self, relay_id: str, closed: bool) -> GatewayData:
        """Close or open one dry-contact relay (NC1, NO1, ...)."""
        async with self._lock:
            await self._require(Feature.DRY_CONTACTS, "relay switching")
            self._known_relay(relay_id)
            return await self._write("POST", controls.DRY_CONTACTS_PATH,
                                     controls.dry_contact_body(relay_id, closed),
                                     touched=(controls.DRY_CONTACTS_PATH,),
                                     check=lambda data: controls.relay_applied(data, relay_id, closed))

    def _known_relay(self, relay_id: str) -> None:
        relays = self._data.dry_contacts if self._data is not None else None
        if relays is not None and relay_id not in relays:
            raise FeatureNotAvailable(f"no relay {relay_id!r} on this gateway (has {', '.join(sorted(relays))})",
                                      host=self.host, endpoint=controls.DRY_CONTACTS_PATH)

    async def update_relay_settings(self, relay_id: str, **changes: Any) -> GatewayData:
        """Change a relay's settings: mode, grid_action, micro_grid_action, generator_action, soc_low, soc_high,
        load_name."""
        async with self._lock:
            await self._require(Feature.DRY_CONTACTS, "relay settings")
            self._known_relay(relay_id)
            current = await self._document(controls.DRY_CONTACT_SETTINGS_PATH)
            body = controls.relay_settings_body(current, relay_id, changes, host=self.host)
            return await self._write(
                "POST", controls.DRY_CONTACT_SETTINGS_PATH, body, touched=(controls.DRY_CONTACT_SETTINGS_PATH,),
                check=lambda data: controls.relay_settings_applied(data, relay_id, body["dry_contacts"], changes),
            )

    async def _set_storage(
        self, *, mode: StorageMode | None = None, reserve_soc: float | None = None,
        charge_from_grid: bool | None = None,
    ) -> GatewayData:
        async with self._lock:
            await self._require(Feature.TARIFF, "storage settings")
            assert self._info is not None
            current = await self._document(controls.TARIFF_PATH)
            body = controls.tariff_body(current, firmware=self._info.firmware_version, host=self.host, mode=mode,
                                        reserve_soc=reserve_soc, charge_from_grid=charge_from_grid)

            def check(data: GatewayData) -> str | None:
                return controls.storage_applied(data, mode=mode, reserve_soc=reserve_soc,
                                                charge_from_grid=charge_from_grid)

            touched = [self._read_path(controls.TARIFF_PATH, controls.TARIFF_PATH)]
            if reserve_soc is not None and Feature.ENCHARGE in (self._features or ()):
                touched.append(self._read_path(controls.SECCTRL_PATH, controls.SECCTRL_PATH))
            return await self._write("PUT", controls.TARIFF_PATH, body, touched=tuple(touched), check=check)

    async def set_storage_mode(self, mode: StorageMode) -> GatewayData:
        """Battery mode: backup, self-consumption or economy."""
        return await self._set_storage(mode=StorageMode(mode))

    async def set_reserve_soc(self, percent: float) -> GatewayData:
        """Battery reserve kept for outages, percent."""
        return await self._set_storage(reserve_soc=percent)

    async def set_charge_from_grid(self, enabled: bool) -> GatewayData:
        return await self._set_storage(charge_from_grid=enabled)

    async def acb_sleep(self, serial: str, min_soc: int, max_soc: int) -> GatewayData:
        """Put an AC battery to sleep between the given state-of-charge bounds."""
        return await self._acb(serial, controls.acb_sleep_body(serial, min_soc, max_soc, host=self.host), "PUT",
                               sleeping=True)

    async def acb_wake(self, serial: str) -> GatewayData:
        return await self._acb(serial, controls.acb_wake_body(serial), "DELETE", sleeping=False)

    async def _acb(self, serial: str, body: Mapping[str, Any], method: str, *, sleeping: bool) -> GatewayData:
        async with self._lock:
            await self._require(Feature.ACB, "AC battery sleep")
            acb = self._data.acb if self._data is not None else None
            if acb is not None and acb.units and serial not in acb.units:
                raise FeatureNotAvailable(f"no AC battery {serial}", host=self.host,
                                          endpoint=controls.ACB_CONFIG_PATH)
            touched = (self._read_path("/inventory.json", controls.ACB_INVENTORY_PATH),)
            return await self._write(method, controls.ACB_CONFIG_PATH, body, touched=touched,
                                     check=lambda data: controls.acb_applied(data, serial, sleeping))

    async def set_generator_mode(self, mode: str) -> GatewayData:
        """Generator command: on, off or auto."""
        async with self._lock:
            await self._require(Feature.GENERATOR, "generator mode")
            body = controls.gen_mode_body(mode, host=self.host)
            touched = [controls.GEN_MODE_PATH]
            generator_state = self._read_path(controls.GENERATOR_PATH, "")
            if generator_state:
                touched.append(generator_state)
            return await self._write("POST", controls.GEN_MODE_PATH, body, touched=tuple(touched),
                                     check=lambda data: controls.generator_applied(data, mode))

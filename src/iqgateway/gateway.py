"""`Gateway`: one IQ Gateway on the network — setup, authentication, probe, updates and controls.

The flow: `setup()` reads `/info`; `authenticate()` picks none/Digest (firmware < 7) or a token
(firmware >= 7); `probe()` fetches the probe endpoints once and decides the features; `update()`
reads the endpoints that are due (schedule.py), keeps the last good answer of each, and hands
them to the parsers. The first update reuses the probe's answers instead of asking again.

Only a failure of the required production source, or of authentication, fails an update;
any other endpoint that fails keeps its last good data, marked stale.

Beside this module: auth/session.py (credentials and the token's lifecycle), rounds.py (one round's
budget and failures), answer_cache.py (the last good answers), gateway_controls.py (the controls),
gateway_views.py (the properties, daily energy and the load policy).
"""

from __future__ import annotations

import asyncio
import logging
import math
import time
from collections.abc import Callable, Mapping
from datetime import tzinfo
from typing import TYPE_CHECKING, Any

from . import controls
from .answer import Answer
from .answer_cache import AnswerCache, run_parser
from .auth.enlighten import CloudEndpoints
from .auth.session import AuthSession
from .cadence_rules import SiteCadence
from .derived.daily_energy import DailyEnergy, DailyFigures
from .derived.daily_readings import apply_daily
from .errors import (
    AuthenticationError,
    AuthenticationRequired,
    CommunicationError,
    DeviceTimeout,
    HttpStatusError,
    InvalidResponse,
    IQGatewayError,
    UnsupportedFirmware,
)
from .freshness import DEFAULT_STALE_AFTER, PowerWatch
from .gateway_controls import GatewayControls
from .gateway_installer import GatewayInstaller
from .gateway_probe import GatewayProbe
from .gateway_stream import GatewayStream
from .gateway_views import GatewayViews
from .info import INFO_PATH, parse_info
from .models import DeviceInfo, Features, GatewayData
from .policy import LoadGovernor, LoadPolicy
from .reassembly import Assembler, Basis
from .rounds import Round
from .schedule import LIVE_POWER_PATH, Cadence, Schedule
from .transport import RETRY_DELAYS_S, HttpReply, Transport

if TYPE_CHECKING:
    import aiohttp

_LOGGER = logging.getLogger(__name__)

# Inverter endpoints are aligned with the inverters' reporting only from an answer at most this old.
ALIGN_WITHIN_S = 5.0


class Gateway(GatewayViews, GatewayInstaller, GatewayProbe, GatewayControls, GatewayStream):
    """One IQ Gateway. Not thread-safe; one asyncio task at a time uses it (updates and controls are serialised).

    `host` is "192.168.1.5", "host:port" or a URL with its scheme ("https://127.0.0.1:8443": that scheme
    only, no https -> http fallback). Firmware below 7 takes a local `username` (installer or envoy; their
    passwords derive from the serial) or none; firmware 7 and later a `token`, or the Enlighten `username`
    and `password` to fetch and renew one. An injected `session` stays open on close(). `clock` (epoch seconds,
    default `time.time`) is the wall clock of the schedule and of the answers' timestamps; deadlines and
    timeouts always run on the monotonic clock. With the site's time zone `tz`, today and last-seven-days are
    rebuilt from the lifetime counters at local midnight (`daily`; the device's figures stay in `device_wh_*`).
    `policy` (policy.py) spares the device: a quiet window, latency back-off, no reads at learned hang minutes.
    After `stale_after` updates in a row without a usable answer
    of the live-power source, update() raises StaleError (a failed production source fails it at once).
    `retry_delays` are the pauses before a failed request is tried again (connection errors, 503).
    `on_request(path)` is called before each request (a progress display). `plc_check` opts in to the PLC
    signal check (installer tokens; at most hourly, it loads the device). `capabilities` says what the
    credentials, firmware and hardware allow (gateway_installer.py). With `serial`, a device at the host
    whose /info names another serial raises DeviceIdentityError before any credential is sent to it.

        async with Gateway("192.168.1.5", token=token) as gateway:
            data = await gateway.update()  # setup, authenticate and probe happen on the first update
    """

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
        clock: Callable[[], float] | None = None,
        tz: tzinfo | None = None,
        policy: LoadPolicy | None = None,
        stale_after: int = DEFAULT_STALE_AFTER,
        retry_delays: tuple[float, ...] = RETRY_DELAYS_S,
        on_request: Callable[[str], None] | None = None,
        plc_check: bool = False,
        serial: str | None = None,
    ) -> None:
        self._serial = serial or None
        self._transport = Transport(host, session=session, keep_alive=keep_alive, request_timeout=request_timeout,
                                    retry_delays=retry_delays)
        self._auth = AuthSession(self._transport, username=username, password=password, token=token, cloud=cloud)
        self._request_timeout = request_timeout
        self._update_deadline = update_deadline
        self._governor = LoadGovernor(policy, tz)
        self._schedule = Schedule(cadence, self._governor)
        self._site = SiteCadence(tz)
        self._clock = clock if clock is not None else time.time
        self._assembler = Assembler(self._transport.host, tz)
        self._daily = DailyEnergy(tz) if tz is not None else None
        self._daily_figures: Mapping[str, DailyFigures] = {}
        self._power = PowerWatch(stale_after)
        self._on_request = on_request
        self._cache = AnswerCache(self._transport.host)
        self._lock = asyncio.Lock()
        self._info: DeviceInfo | None = None
        self._info_at = 0.0
        self._features: Features | None = None
        self._reprobe_at: float | None = None
        self._data: GatewayData | None = None
        self._plc_check = plc_check
        self._capabilities = None

    def __repr__(self) -> str:
        return f"Gateway(host={self.host!r}, auth={self._auth.kind})"

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
                self._notify(INFO_PATH)
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
        info = run_parser(lambda: parse_info(reply.body, host=self.host), host=self.host, path=INFO_PATH)
        self._identified(info)
        return info

    async def _check_identity(self) -> None:
        """Re-read /info now and then: an unannounced firmware upgrade means authenticating and probing again."""
        every = self._schedule.cadence.identity_check_s
        if every is None or self._clock() - self._info_at < every:
            return
        try:
            await self.setup()
        except CommunicationError as err:
            self._info_at = self._clock()
            _LOGGER.debug("%s: identity check failed: %s", self.host, err.message)

    def _notify(self, path: str) -> None:
        if self._on_request is not None:
            self._on_request(path)

    async def authenticate(self) -> None:
        """Choose and set up the auth scheme the firmware wants; for tokens, validate at /auth/check_jwt."""
        info = self._info or await self.setup()
        await self._auth.authenticate(info)

    async def refresh_token(self) -> None:
        """Get a new token from the Enphase cloud (needs username and password) and validate it."""
        info = self._info or await self.setup()
        await self._auth.refresh(info)

    async def _ready(self) -> None:
        """Identity read and authenticated, as any request of a user needs."""
        if self._info is None:
            await self.setup()
        if not self._auth.authenticated:
            await self.authenticate()

    # ------------------------------------------------------------------ requests

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
                method, path, headers=self._auth.headers, body=body,
                content_type="application/json" if is_write else None, limit_s=limit_s, attempts=attempts,
                retry_connection_errors=not is_write,
            )

        reply = await send()
        if reply.status == 401 and await self._auth.after_401(reply, info=self._info, required=required):
            reply = await send()
        if reply.status not in (401, 403):
            self._auth.worked()
        if required and reply.status in (401, 403):
            raise AuthenticationRequired(self._auth.refusal(reply.status), host=self.host, endpoint=path)
        return reply

    async def _answer(self, method: str, path: str, *, required: bool, body: bytes | None = None,
                      round_: Round | None = None, limit_s: float | None = None) -> Answer:
        """One request as an Answer; a communication failure is an Answer with `error` set."""
        if limit_s is None and round_ is not None:
            limit_s = round_.timeout(path, self._request_timeout)
        attempts = round_.attempts() if round_ is not None else None
        try:
            reply = await self._send(method, path, required=required, body=body, limit_s=limit_s, attempts=attempts)
        except AuthenticationError:
            raise
        except IQGatewayError as err:
            return Answer(path=path, status=0, body=b"", content_type="", fetched_at=self._clock(), error=err)
        return Answer(path=path, status=reply.status, body=reply.body, content_type=reply.content_type,
                      fetched_at=self._clock())

    async def _get(self, path: str, *, required: bool = False, round_: Round | None = None,
                   limit_s: float | None = None) -> Answer:
        """GET one endpoint as an Answer; a communication failure is an Answer with `error` set."""
        if round_ is not None:
            round_.in_flight = path
        started, wall = time.monotonic(), self._clock()
        self._notify(path)
        answer = await self._answer("GET", path, required=required, round_=round_, limit_s=limit_s)
        self._governor.note(path, wall, time.monotonic() - started, failed=answer.error is not None
                            or answer.status >= 500, timed_out=isinstance(answer.error, DeviceTimeout))
        if round_ is not None:
            round_.note(answer)
        return answer

    async def fetch_raw(self, path: str) -> Answer:
        """One authenticated GET of any path (diagnostics, capture); errors come back in the Answer."""
        await self._ready()
        return await self._get(_rooted(path))

    async def post_json(self, path: str, payload: Mapping[str, Any]) -> Answer:
        """One authenticated POST of a JSON document (not verified by a read-back; no retry once sent).

        Communication errors come back in the Answer, like fetch_raw; an authentication failure raises.
        """
        await self._ready()
        return await self._answer("POST", _rooted(path), required=False, body=controls.encode(payload))

    # ------------------------------------------------------------------ update

    async def update(self) -> GatewayData:
        """Read what is due, keep the last good data of failing optional endpoints, assemble a snapshot."""
        async with self._lock:
            try:
                return await self._update()
            except (CommunicationError, InvalidResponse):
                self._info_at = -math.inf  # the device may come back with another firmware: identify it first
                raise

    async def _update(self) -> GatewayData:
        if self._features and self._info and self.quiet_now():
            return self._assemble(self._info, self._features)  # the quiet window: nothing is asked
        if self._info is None:
            await self.setup()
        else:
            await self._check_identity()
        if not self._auth.authenticated:
            await self.authenticate()
        if self._features is None:
            await self.probe()
        elif self._reprobe_at is not None and self._clock() >= self._reprobe_at:
            await self._probe_again()
        info, features = self._info, self._features
        assert info is not None
        assert features is not None
        await self._auth.ensure_fresh(info)
        required = features.production_source
        now = self._clock()
        due = list(self._schedule.due(features.endpoints, now))
        if required is not None and required in due:
            due.remove(required)
            due.insert(0, required)
        # once live power went missing, no retries until the device answers again
        round_ = Round(self._update_deadline, retries=self._power.misses == 0)
        try:
            async with asyncio.timeout(round_.hard_limit_s):
                for path in due:
                    answer = self._cache.probe_answer(path, now)
                    if answer is None:
                        if path != required and round_.device_down():
                            self._cache.skipped(path, "skipped: the device stopped answering")
                            continue
                        if path != required and round_.remaining() < 1.0:
                            self._cache.skipped(path, "skipped: update deadline reached")
                            continue
                        answer = await self._get(path, required=path == required, round_=round_)
                    self._schedule.fetched(path, answer.fetched_at)
                    problem = self._cache.record(path, answer)
                    if path == required and problem is not None:
                        raise problem
        except TimeoutError:
            raise DeviceTimeout(f"update ran past its {self._update_deadline:g} s deadline", host=self.host,
                                endpoint=round_.in_flight) from None
        finally:
            self._cache.drop_probe_answers()
        power = self._power_path(features)
        if power is not None:
            later = self._clock()
            self._power.after_update(host=self.host, path=power, asked=power in due,
                                     status=self._cache.status(power, later), now=later)
        return self._assemble(info, features)

    def _power_path(self, features: Features) -> str | None:
        """Where live power comes from: the CT readings when they carry it, else the production source."""
        if self._schedule.meters_carry_power and LIVE_POWER_PATH in features.endpoints:
            return LIVE_POWER_PATH
        return features.production_source

    async def _read_back(self, paths: tuple[str, ...]) -> GatewayData:
        """After a write: read the touched endpoints again and assemble a new snapshot."""
        for path in paths:
            answer = await self._get(path)
            self._schedule.fetched(path, answer.fetched_at)
            self._cache.record(path, answer)
        assert self._info is not None
        assert self._features is not None
        return self._assemble(self._info, self._features)

    def _assemble(self, info: DeviceInfo, features: Features) -> GatewayData:
        now = self._clock()
        statuses = self._cache.statuses(now)
        answers = self._cache.good()
        basis = Basis(info, features, self._power_path(features), ct_counters=self._schedule.metered)
        data = self._assembler.snapshot(basis, answers, statuses, now)
        if self._daily is not None:
            data, self._daily_figures = apply_daily(self._daily, data)
        self._align_inverters(data, features, now)
        self._site.after_update(self._schedule, features, answers, data, now)
        self._data = data
        return data

    def _align_inverters(self, data: GatewayData, features: Features, now: float) -> None:
        source = features.inverter_source
        if source is None or not data.inverters:
            return
        path = self._read_path(source.split("?", 1)[0], "")
        fetched = self._cache.good_answer(path) if path else None
        if fetched is None or now - fetched.fetched_at > ALIGN_WITHIN_S:
            return
        reports = [inv.last_report_date for inv in data.inverters.values() if inv.last_report_date]
        if reports:
            self._schedule.expect_next_report(path, float(max(reports)), now)


def _rooted(path: str) -> str:
    return path if path.startswith("/") else "/" + path

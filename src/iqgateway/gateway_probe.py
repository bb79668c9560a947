"""The Gateway's probe: which endpoints answer and what they describe, bounded per endpoint.

Each endpoint has its own time limit and the probe as a whole none: what answered is used, and when
endpoints did not answer, the device is probed again REPROBE_AFTER_S later (the update does it).
"""

from __future__ import annotations

import abc
import logging
import math
from collections.abc import Callable

from .answer import Answer
from .answer_cache import AnswerCache, run_parser
from .auth.session import AuthSession
from .errors import AuthenticationRequired, CommunicationError, DeviceTimeout, DeviceUnavailable, IQGatewayError
from .freshness import PowerWatch
from .models import DeviceInfo, Features
from .probe import decide_features, probe_paths
from .rounds import Round
from .schedule import Schedule, meters_carry_power, meters_carry_storage

_LOGGER = logging.getLogger(__name__)

# After this many probe endpoints hung, the others (not production) get PROBE_SHORT_TIMEOUT_S.
PROBE_HANGS_BEFORE_SHORT = 2
PROBE_SHORT_TIMEOUT_S = 3.0
# Endpoints that did not answer the probe are asked again (a new probe) this long after it.
REPROBE_AFTER_S = 300.0


def is_production_path(path: str) -> bool:
    bare = path.split("?", 1)[0]
    return bare in ("/production.json", "/production", "/api/v1/production")


class GatewayProbe(abc.ABC):
    """The probe of `Gateway`, written against the state and requests it provides."""

    _info: DeviceInfo | None
    _features: Features | None
    _auth: AuthSession
    _cache: AnswerCache
    _schedule: Schedule
    _power: PowerWatch
    _request_timeout: float
    _reprobe_at: float | None
    _clock: Callable[[], float]

    @property
    @abc.abstractmethod
    def host(self) -> str: ...

    @abc.abstractmethod
    async def setup(self) -> DeviceInfo:
        """Read /info."""

    @abc.abstractmethod
    async def authenticate(self) -> None:
        """Set up the auth scheme."""

    @abc.abstractmethod
    async def _get(self, path: str, *, required: bool = False, round_: Round | None = None,
                   limit_s: float | None = None) -> Answer:
        """One GET as an Answer."""

    async def probe(self) -> Features:
        """Fetch the probe endpoints once and decide what the device has and what updates read."""
        info = self._info or await self.setup()
        if not self._auth.authenticated:
            await self.authenticate()
        # each endpoint has its own time limit, the probe as a whole none: what answered is used
        round_ = Round(math.inf)
        answers: dict[str, Answer] = {}
        hung = 0
        for path in probe_paths(info):
            if path in answers:
                continue
            limit = round_.timeout(path, self._request_timeout)
            if hung >= PROBE_HANGS_BEFORE_SHORT and not is_production_path(path):
                limit = min(limit, PROBE_SHORT_TIMEOUT_S)
            answers[path] = await self._get(path, round_=round_, limit_s=limit)
            hung += isinstance(answers[path].error, DeviceTimeout)
            if round_.device_down():
                raise DeviceUnavailable("the gateway is not answering: " + ", ".join(round_.failures),
                                        host=self.host)
        failed = [path for path, answer in answers.items() if isinstance(answer.error, CommunicationError)]
        self._reprobe_at = self._clock() + REPROBE_AFTER_S if failed else None
        if failed:
            _LOGGER.info("%s: %s did not answer the probe: asked again in %g s", self.host, ", ".join(failed),
                         REPROBE_AFTER_S)

        def decide() -> Features:
            return run_parser(lambda: decide_features(info, answers, host=self.host), host=self.host, path=None)

        try:
            features = decide()
        except IQGatewayError:
            refused = [p for p, a in answers.items() if is_production_path(p) and a.status in (401, 403)]
            if not refused:
                raise
            if self._auth.uses_token:
                # the token may have lost its session: check it again and ask the refused sources once more
                await self._auth.revalidate(self._info)
                for path in refused:
                    answers[path] = await self._get(path)
                refused = [p for p in refused if answers[p].status in (401, 403)]
                if not refused:
                    return await self._finish_probe(info, answers, decide())
            raise AuthenticationRequired(self._auth.refusal(answers[refused[0]].status), host=self.host,
                                         endpoint=refused[0]) from None
        return await self._finish_probe(info, answers, features)

    async def _probe_again(self) -> None:
        """Endpoints that did not answer the probe are asked again; the device as known stays if it fails."""
        try:
            await self.probe()
        except CommunicationError as err:
            self._reprobe_at = self._clock() + REPROBE_AFTER_S
            _LOGGER.debug("%s: probing again failed: %s", self.host, err.message)

    @abc.abstractmethod
    async def _probe_installer(self, info: DeviceInfo, features: Features, answers: dict[str, Answer]) -> Features:
        """The installer endpoints the role allows: the capability report."""

    async def _finish_probe(self, info: DeviceInfo, answers: dict[str, Answer], features: Features) -> Features:
        return self._probed(answers, await self._probe_installer(info, features, answers))

    def _probed(self, answers: dict[str, Answer], features: Features) -> Features:
        self._features = features
        self._cache.clear()
        self._schedule.reset()
        self._schedule.meters_carry_power = meters_carry_power(features)
        self._schedule.meters_carry_storage = meters_carry_storage(features)
        self._cache.keep_probe_answers(answers, features.endpoints)
        self._power.reset()
        return features

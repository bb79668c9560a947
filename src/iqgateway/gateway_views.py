"""What a Gateway shows: identity, authentication, cadence, daily energy in the site's zone, the load policy."""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Callable, Mapping
from typing import Any

from .answer_cache import AnswerCache
from .auth.session import AuthSession
from .derived.daily_energy import DailyEnergy, DailyFigures
from .errors import DeviceIdentityError, IQGatewayError
from .freshness import PowerWatch
from .info import INFO_PATH
from .models import AuthKind, DeviceInfo, Features, GatewayData
from .policy import LoadGovernor, LoadPolicy
from .probe import probe_paths
from .schedule import Cadence, Schedule
from .transport import Transport

_LOGGER = logging.getLogger(__name__)


class GatewayViews:
    """The properties of `Gateway`, and its daily energy and load policy (`daily`, `policy`, `load_report()`)."""

    _governor: LoadGovernor
    _schedule: Schedule
    _clock: Callable[[], float]
    _daily: DailyEnergy | None
    _daily_figures: Mapping[str, DailyFigures]
    _transport: Transport
    _auth: AuthSession
    _info: DeviceInfo | None
    _features: Features | None
    _data: GatewayData | None
    _update_deadline: float
    _power: PowerWatch
    _cache: AnswerCache
    _serial: str | None
    _info_at: float

    @property
    def host(self) -> str:
        """The device address as errors name it ("192.168.1.5", "127.0.0.1:8443")."""
        return self._transport.host

    @property
    def info(self) -> DeviceInfo | None:
        """The identity read by setup() (None before)."""
        return self._info

    @property
    def serial(self) -> str | None:
        """The serial this Gateway was made for (DeviceIdentityError if another answers), else the one read."""
        if self._serial is not None:
            return self._serial
        return self._info.serial if self._info is not None else None

    def _identified(self, info: DeviceInfo) -> None:
        """A new /info reading: another device's is refused; a firmware change means authenticating again."""
        expected = self._serial
        if expected is not None and info.serial != expected:
            raise DeviceIdentityError(
                f"the device answering is {info.serial}, not {expected}: its address went to another device",
                expected=expected, found=info.serial, host=self.host, endpoint=INFO_PATH,
            )
        previous = self._info
        if previous is not None and (previous.firmware != info.firmware or previous.serial != info.serial):
            _LOGGER.info("%s: firmware changed from %s to %s: authenticating and probing again",
                         self.host, previous.firmware, info.firmware)
            self._forget_device()
        self._info = info
        self._info_at = self._clock()

    def _forget_device(self) -> None:
        self._auth.forget_device()
        self._features = None
        self._cache.clear()
        self._schedule.reset()

    def known_paths(self) -> tuple[str, ...]:
        """Every endpoint this device may answer: /info, the probe's, those updates read and those answered."""
        paths = [INFO_PATH]
        if self._info is not None:
            paths.extend(probe_paths(self._info))
        if self._features is not None:
            paths.extend(self._features.endpoints)
        if self._data is not None:
            paths.extend(self._data.raw)
        return tuple(dict.fromkeys(paths))

    @property
    def features(self) -> Features | None:
        """What the probe found (None before the probe, or after a firmware change)."""
        return self._features

    @property
    def data(self) -> GatewayData | None:
        """The last snapshot an update or a control produced (None before the first)."""
        return self._data

    @property
    def auth_kind(self) -> AuthKind | None:
        """How requests are authenticated: none, digest or token (None before authenticate())."""
        return self._auth.kind

    @property
    def token(self) -> str | None:
        """The token in use (a secret: store it, never log it); None without token auth."""
        return self._auth.token

    @property
    def token_expires_at(self) -> dt.datetime | None:
        """When the token in use expires (UTC), from its payload."""
        return self._auth.token_expires_at

    @property
    def token_renewal_failed(self) -> str | None:
        """Why the last renewal of a cloud token failed while the token was still valid (None once one worked)."""
        return self._auth.renewal_failed

    @property
    def renews_token(self) -> bool:
        """The token in use is renewed from the Enphase cloud before it expires (a pasted one is not)."""
        return self._auth.kind is AuthKind.TOKEN and not self._auth.manual_token

    @property
    def token_user(self) -> str | None:
        """Whom the token in use is for: "owner" or "installer"."""
        return self._auth.token_user

    @property
    def manual_token(self) -> bool:
        """The token was pasted and cannot be renewed here (no Enlighten username and password)."""
        return self._auth.manual_token

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
    def stale_after(self) -> int:
        """Updates in a row without a usable live-power answer after which update() raises StaleError."""
        return self._power.stale_after

    @property
    def cadence(self) -> Cadence:
        """How often each endpoint family is read."""
        return self._schedule.cadence


    @property
    def policy(self) -> LoadPolicy:
        """How updates spare the device (quiet window, back-off, hang minutes); settable."""
        return self._governor.policy

    @policy.setter
    def policy(self, policy: LoadPolicy) -> None:
        self._governor.policy = policy

    def quiet_now(self) -> bool:
        """Updates send nothing now (the policy's quiet window; never before the first snapshot)."""
        return self._data is not None and self._governor.quiet(self._clock())

    def load_report(self) -> dict[str, Any]:
        """The policy and, per endpoint read so far, latency (last, p95), failures in the last hour, the
        interval it is read at now (and why, where the site's own answers changed it: cadence_rules.py) and the
        minutes of the hour it is kept away from."""
        report = self._governor.as_dict(self._clock())
        for path, entry in report["endpoints"].items():
            interval = self._schedule.interval(path)
            entry["interval_s"] = None if interval is None else self._governor.stretched(path, interval)
            entry["interval_reason"] = self._schedule.reason(path)
        return report

    @property
    def daily(self) -> DailyEnergy | None:
        """The midnight closes of the lifetime counters (None without a time zone); save its `to_state()`."""
        return self._daily

    @property
    def daily_figures(self) -> Mapping[str, DailyFigures]:
        """Every counter's daily figures of the last snapshot ("production", "meters.net-consumption.received"...)."""
        return self._daily_figures

    def restore_daily(self, state: Mapping[str, Any]) -> None:
        """Continue from a saved `daily.to_state()` (before the first update); InvalidState if it is not one."""
        if self._daily is None:
            return
        try:
            self._daily = DailyEnergy.from_state(state, self._daily.tz)
        except IQGatewayError as err:
            raise type(err)(err.message, host=self.host) from None

    def endpoint_due_at(self, path: str) -> float | None:
        """Epoch seconds when `path` is next due (None: due now or on demand)."""
        return self._schedule.next_due(path)

"""Live power: the power flows of `/ivp/livedata/status`, polled every few seconds beside the regular update.

The device refreshes that document about once a second while its live stream is enabled
(`POST /ivp/livedata/stream {"enable": 1}`) and shows the last data only otherwise, so the stream
enable is re-sent about once a minute. Each `poll()` is one light GET (plus, when due, that enable);
the Gateway's regular update cycle is not touched.

A gateway without live data (firmware before 7, a firmware that does not serve the document, a
token it refuses the document to) is not an error at `start()`: `supported` becomes False and
`reason` says why, for diagnostics.
"""

from __future__ import annotations

import dataclasses
import logging
import time
from collections.abc import Callable
from typing import TYPE_CHECKING

from .corrections.layout import split_phase_live
from .endpoints.livedata import LIVEDATA, parse_livedata
from .endpoints.values import load_json
from .errors import AuthenticationRequired, FeatureNotAvailable, HttpStatusError, InvalidResponse
from .models import PHASE_NAMES, Feature, LiveData, LiveMeter

if TYPE_CHECKING:
    from .gateway import Gateway

_LOGGER = logging.getLogger(__name__)

LIVEDATA_STREAM = "/ivp/livedata/stream"
DEFAULT_STREAM_REFRESH_S = 60.0
LIVE_FIRMWARE: tuple[int, ...] = (7,)


class LivePower:
    """Live power flows of one Gateway (set up, authenticated and preferably probed).

    `clock` gives monotonic seconds (time.monotonic by default) and decides when the stream
    enable is due again.
    """

    def __init__(self, gateway: Gateway, *, stream_refresh_s: float = DEFAULT_STREAM_REFRESH_S,
                 clock: Callable[[], float] = time.monotonic) -> None:
        if not stream_refresh_s > 0:
            raise ValueError("stream_refresh_s must be positive")
        self._gateway = gateway
        self._refresh_s = float(stream_refresh_s)
        self._clock = clock
        self._supported: bool | None = None
        self._reason: str | None = None
        self._started = False
        self._enabled_at: float | None = None
        self._worked = False
        self._last: LiveData | None = None

    @property
    def supported(self) -> bool | None:
        """True once live data was read, False when the gateway has none, None while not known yet."""
        return self._supported

    @property
    def reason(self) -> str | None:
        """Why live power is not available (None while it is, or not known yet)."""
        return self._reason

    @property
    def last(self) -> LiveData | None:
        """The last live data read."""
        return self._last

    @property
    def stream_enabled(self) -> bool | None:
        """Whether the device said, at the last poll, that its live stream is on."""
        return self._last.stream_enabled if self._last is not None else None

    def _unsupported(self, reason: str) -> bool:
        if self._supported is not False:
            _LOGGER.debug("%s: no live power: %s", self._gateway.host, reason)
        self._supported = False
        self._reason = reason
        return False

    async def start(self) -> bool:
        """Decide whether the gateway has live data and enable its stream; False (with `reason`) if not.

        No GET is made here: the probe already read the status document; without a probe the
        first poll decides.
        """
        self._started = True
        gateway = self._gateway
        info = gateway.info or await gateway.setup()
        if info.firmware_version < LIVE_FIRMWARE:
            return self._unsupported(f"firmware {info.firmware} has no live data (it needs firmware 7 or later)")
        features = gateway.features
        if features is not None and Feature.LIVE_DATA not in features:
            return self._unsupported(
                f"the gateway (firmware {info.firmware}) did not serve {LIVEDATA} when probed"
            )
        await self.enable()
        return self._supported is not False

    async def enable(self) -> bool:
        """Send the live stream enable now; True if the gateway accepted it."""
        self._enabled_at = self._clock()
        answer = await self._gateway.post_json(LIVEDATA_STREAM, {"enable": 1})
        if answer.error is not None:
            _LOGGER.debug("%s: live stream enable failed: %s", self._gateway.host, answer.error)
            return False
        if answer.status in (404, 405, 501) and not self._worked:
            self._unsupported(f"the gateway has no live data stream ({LIVEDATA_STREAM} answered HTTP "
                              f"{answer.status})")
            return False
        if answer.status in (401, 403) and not self._worked:
            self._unsupported(f"the gateway refuses the live data stream to these credentials ({LIVEDATA_STREAM} "
                              f"answered HTTP {answer.status}); some firmware wants an installer token")
            return False
        if not 200 <= answer.status < 300:
            _LOGGER.debug("%s: live stream enable answered HTTP %s", self._gateway.host, answer.status)
            return False
        return True

    def _phases_in_use(self, live: LiveData) -> LiveData:
        """Per-phase power only for the phases the installation has (the device reports three, unused ones 0)."""
        features = self._gateway.features
        if features is None:
            return live
        keep = PHASE_NAMES[:features.phase_count] if features.phase_count > 1 else ()

        def trim(meter: LiveMeter | None) -> LiveMeter | None:
            if meter is None or meter.phases is None:
                return meter
            phases = {name: phase for name, phase in meter.phases.items() if name in keep}
            return dataclasses.replace(meter, phases=phases or None)

        return dataclasses.replace(live, pv=trim(live.pv), storage=trim(live.storage), grid=trim(live.grid),
                                   load=trim(live.load), generator=trim(live.generator))

    def _no_live_power(self) -> FeatureNotAvailable:
        return FeatureNotAvailable(f"no live power: {self._reason}", host=self._gateway.host, endpoint=LIVEDATA)

    def _enable_due(self) -> bool:
        return self._enabled_at is None or self._clock() - self._enabled_at >= self._refresh_s

    async def poll(self) -> LiveData:
        """One GET of the live status (re-sending the stream enable first when it is due).

        Raises FeatureNotAvailable when the gateway has no live data (then `reason` says why),
        else the typed error of the failed request or of a malformed answer.
        """
        if not self._started:
            await self.start()
        if self._supported is False:
            raise self._no_live_power()
        if self._enable_due():
            await self.enable()
        host = self._gateway.host
        answer = await self._gateway.fetch_raw(LIVEDATA)
        if answer.error is not None:
            raise answer.error
        if answer.status in (404, 401, 403) and not self._worked:
            refused = answer.status != 404
            self._unsupported(
                f"the gateway refuses live data to these credentials ({LIVEDATA} answered HTTP {answer.status})"
                if refused else f"the gateway does not serve {LIVEDATA} (HTTP 404)"
            )
            raise self._no_live_power()
        if answer.status in (401, 403):
            raise AuthenticationRequired(f"the gateway refused live data (HTTP {answer.status})", host=host,
                                         endpoint=LIVEDATA)
        if not 200 <= answer.status < 300:
            raise HttpStatusError(f"answered HTTP {answer.status}", status=answer.status, host=host,
                                  endpoint=LIVEDATA)
        try:
            doc = load_json(answer.body)
        except ValueError:
            raise InvalidResponse("answered a body that is not JSON", host=host, endpoint=LIVEDATA) from None
        live = parse_livedata(doc)
        if live is None:
            raise InvalidResponse("answered JSON without live meters", host=host, endpoint=LIVEDATA)
        live = self._phases_in_use(split_phase_live(doc, live)[0] or live)
        self._worked = True
        self._supported = True
        self._reason = None
        self._last = live
        return live

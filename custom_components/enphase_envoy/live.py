"""Live power: a small coordinator polling the Envoy's live data every few seconds, beside the regular one.

Each refresh is one light request (`LivePower.poll()`; the stream enable it re-sends once a minute is its
own affair); the regular 60 s cycle is not touched. A firmware without live data is no error: the
coordinator stops polling and `reason` says why (diagnostics show it).
"""

from __future__ import annotations

import logging
from datetime import timedelta
from typing import Any

from homeassistant.core import HomeAssistant
from homeassistant.helpers.update_coordinator import DataUpdateCoordinator, UpdateFailed

from iqgateway import FeatureNotAvailable, Gateway, IQGatewayError, LiveData, LivePower

from .const import DOMAIN
from .coordinator import EnvoyConfigEntry

_LOGGER = logging.getLogger(__name__)


class LivePowerCoordinator(DataUpdateCoordinator[LiveData]):
    """Polls `/ivp/livedata/status` every `interval_s` seconds while the Envoy has live data."""

    config_entry: EnvoyConfigEntry

    def __init__(self, hass: HomeAssistant, entry: EnvoyConfigEntry, gateway: Gateway, interval_s: float) -> None:
        super().__init__(
            hass,
            _LOGGER,
            config_entry=entry,
            name=f"{entry.title} live power",
            update_interval=timedelta(seconds=interval_s),
        )
        self.interval_s = interval_s
        self.host = gateway.host
        self.gateway = gateway
        self.live = LivePower(gateway, clock=hass.loop.time)  # the stream enable is due on the clock HA schedules by
        self._start_failed: str | None = None

    @property
    def supported(self) -> bool | None:
        """True once live data was read, False when the Envoy has none, None while not known yet."""
        if self._start_failed is not None:
            return False
        return self.live.supported

    @property
    def reason(self) -> str | None:
        """Why there is no live power (None while there is, or while it is not known yet)."""
        return self._start_failed or self.live.reason

    async def async_start(self) -> None:
        """Find out whether the Envoy has live data; if it has, enable its stream and read it once."""
        try:
            started = await self.live.start()
        except IQGatewayError as err:
            self._start_failed = f"the live data stream could not be started: {err}"
            started = False
        if not started:
            self._stop_polling()
            return
        await self.async_refresh()

    def _stop_polling(self) -> None:
        _LOGGER.debug("%s: no live power: %s", self.name, self.reason)
        self.update_interval = None

    async def _async_update_data(self) -> LiveData:
        if self.gateway.quiet_now() and self.data is not None:
            return self.data  # the load policy's quiet window: the last live figures stand
        try:
            return await self.live.poll()
        except FeatureNotAvailable as err:
            self._stop_polling()
            raise self._failed(err) from err
        except IQGatewayError as err:
            raise self._failed(err) from err

    def _failed(self, err: IQGatewayError) -> UpdateFailed:
        return UpdateFailed(
            translation_domain=DOMAIN,
            translation_key="update_failed",
            translation_placeholders={"host": self.host, "reason": str(err)},
        )

    def as_diagnostics(self) -> dict[str, Any]:
        return {
            "enabled": True,
            "interval_s": self.interval_s,
            "supported": self.supported,
            "reason": self.reason,
            "polling": self.update_interval is not None,
            "last_update_success": self.last_update_success,
            "stream_enabled": self.live.stream_enabled,
        }

"""The polling coordinator: one Gateway per config entry, read once a minute.

The library authenticates, renews the token and checks the device's identity; the coordinator turns its
errors into Home Assistant's, feeds the derived energy totals and keeps what the Gateway learnt in the entry.
"""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING, TypeAlias

from homeassistant.config_entries import ConfigEntry
from homeassistant.core import HomeAssistant, callback
from homeassistant.exceptions import ConfigEntryAuthFailed, ConfigEntryError, HomeAssistantError
from homeassistant.helpers.update_coordinator import DataUpdateCoordinator, UpdateFailed

from iqgateway import (
    AuthenticationError,
    CloudError,
    DeviceIdentityError,
    Gateway,
    GatewayData,
    IQGatewayError,
    StaleError,
    UnsupportedFirmware,
)

from . import persisted
from .acb import default_band
from .const import DOMAIN, SCAN_INTERVAL
from .derived_energy import DerivedEnergy
from .devices import record_firmware
from .token_issues import clear_token_issues, sync_token

if TYPE_CHECKING:
    from .live import LivePowerCoordinator
    from .realtime import RealtimeStream

_LOGGER = logging.getLogger(__name__)

# A type alias statement would read better, but ruff targets Python 3.11 for the whole repository.
EnvoyConfigEntry: TypeAlias = ConfigEntry["EnvoyCoordinator"]


class EnvoyCoordinator(DataUpdateCoordinator[GatewayData]):
    """Reads the Envoy once a minute and says in Home Assistant's terms what went wrong."""

    config_entry: EnvoyConfigEntry

    def __init__(self, hass: HomeAssistant, entry: EnvoyConfigEntry, gateway: Gateway) -> None:
        super().__init__(hass, _LOGGER, config_entry=entry, name=entry.title, update_interval=SCAN_INTERVAL)
        self.gateway = gateway
        self.derived = DerivedEnergy()  # fed here, whether or not its sensors are enabled
        self.live: LivePowerCoordinator | None = None  # set up by __init__ when the option is on
        self.realtime: RealtimeStream | None = None
        self.mac: str | None = None  # the Envoy's, read from /home after setup
        self.picked_sleep_band: str | None = None  # the AC battery sleep band picked in the select
        self._daily_store = persisted.daily_store(hass, entry.entry_id)
        self._derived_store = persisted.derived_store(hass, entry.entry_id)

    @property
    def serial(self) -> str:
        return self.gateway.serial or str(self.config_entry.unique_id)

    @property
    def acb_sleep_band(self) -> str:
        """The band the AC battery sleep buttons use: the one picked, else a default (acb.py)."""
        return self.picked_sleep_band or default_band(self.data)

    async def _async_setup(self) -> None:
        await persisted.restore_daily(self._daily_store, self.gateway)
        await persisted.restore_derived(self._derived_store, self.derived)

    async def _async_update_data(self) -> GatewayData:
        try:
            data = await self.gateway.update()
        except AuthenticationError as err:
            if not isinstance(err, CloudError):
                await self._check_identity()  # refused credentials may mean another device took the address
            raise self._ha_error(err) from err
        except IQGatewayError as err:
            raise self._ha_error(err) from err
        self.derived.feed(data)
        sync_token(self.hass, self.config_entry, self.gateway)
        record_firmware(self.hass, self.config_entry.entry_id, data.info)
        persisted.save_daily_later(self._daily_store, self.gateway)
        persisted.save_derived_later(self._derived_store, self.derived)
        return data

    async def _check_identity(self) -> None:
        try:
            await self.gateway.setup()
        except DeviceIdentityError as err:
            raise self._ha_error(err) from err
        except IQGatewayError:
            return

    async def async_save(self) -> None:
        """Write the midnight closes and the derived totals now (the entry unloads)."""
        await persisted.save_daily(self._daily_store, self.gateway)
        await self._derived_store.async_save(self.derived.to_state())

    @callback
    def clear_issues(self) -> None:
        clear_token_issues(self.hass, self.config_entry.entry_id)

    def _ha_error(self, err: IQGatewayError) -> HomeAssistantError:
        """A library error as Home Assistant's: reauthentication only for refused credentials."""
        host = self.gateway.host
        if isinstance(err, DeviceIdentityError):
            return UpdateFailed(
                translation_domain=DOMAIN,
                translation_key="unexpected_device",
                translation_placeholders={"host": host, "expected_serial": err.expected, "actual_serial": err.found},
            )
        if isinstance(err, UnsupportedFirmware):
            return ConfigEntryError(
                translation_domain=DOMAIN,
                translation_key="unsupported_firmware",
                translation_placeholders={"host": host, "firmware": str(err.firmware or "?")},
            )
        if isinstance(err, AuthenticationError) and not isinstance(err, CloudError):
            return ConfigEntryAuthFailed(
                translation_domain=DOMAIN,
                translation_key="authentication_failed",
                translation_placeholders={"host": host, "reason": str(err)},
            )
        if isinstance(err, StaleError):
            return UpdateFailed(
                translation_domain=DOMAIN,
                translation_key="data_stale",
                translation_placeholders={"host": host, "endpoint": err.endpoint or "?", "reason": err.message},
            )
        return UpdateFailed(
            translation_domain=DOMAIN,
            translation_key="update_failed",
            translation_placeholders={"host": host, "reason": str(err)},
        )

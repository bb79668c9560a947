"""The polling coordinator: one Gateway per config entry, read once a minute."""

from __future__ import annotations

import logging
from collections.abc import Mapping
from datetime import datetime, timedelta, tzinfo
from typing import TYPE_CHECKING, Any, TypeAlias

import aiohttp
from homeassistant.config_entries import ConfigEntry
from homeassistant.const import CONF_PASSWORD, CONF_TOKEN, CONF_USERNAME
from homeassistant.core import HomeAssistant, callback
from homeassistant.exceptions import ConfigEntryAuthFailed, ConfigEntryError
from homeassistant.helpers import device_registry as dr
from homeassistant.helpers import issue_registry as ir
from homeassistant.helpers.aiohttp_client import async_create_clientsession
from homeassistant.helpers.update_coordinator import DataUpdateCoordinator, UpdateFailed
from homeassistant.util import dt as dt_util
from homeassistant.util.ssl import get_default_no_verify_context

from iqgateway import (
    AuthenticationError,
    AuthenticationRequired,
    AuthKind,
    CloudEndpoints,
    CloudError,
    DeviceInfo,
    Gateway,
    GatewayData,
    InvalidCredentials,
    IQGatewayError,
    StaleError,
    TokenExpired,
    UnsupportedFirmware,
)
from iqgateway.firmware import uses_tokens

from .acb import default_band
from .const import (
    CONF_USE_MANUAL_TOKEN,
    DOMAIN,
    ISSUE_MANUAL_TOKEN_EXPIRING,
    ISSUE_TOKEN_REFRESH_FAILED,
    SCAN_INTERVAL,
    TOKEN_RENEW_BEFORE,
)
from .derived_energy import DerivedEnergy
from .persisted import daily_store, restore_daily, save_daily, save_daily_later

if TYPE_CHECKING:
    from .live import LivePowerCoordinator
    from .realtime import RealtimeStream

_LOGGER = logging.getLogger(__name__)

# After a failed cloud token refresh, wait this long before asking the cloud again.
TOKEN_RETRY = timedelta(hours=1)
# Read /info this often (and after every failed update) to notice a firmware upgrade.
IDENTITY_CHECK = timedelta(hours=1)

# A type alias statement would read better, but ruff targets Python 3.11 for the whole repository.
EnvoyConfigEntry: TypeAlias = ConfigEntry["EnvoyCoordinator"]


def cloud_endpoints() -> CloudEndpoints | None:
    """The Enphase cloud tokens come from; None means the library's default (Enphase's own servers)."""
    return None


def make_session(hass: HomeAssistant, *, keep_alive: bool) -> aiohttp.ClientSession:
    """An HTTP session for one Envoy. The library keeps the device's session cookie itself: no cookie jar.

    With keep-alive the session shares Home Assistant's connection pool (closed with the config entry when
    created during its setup). Without, it gets its own connector that opens a connection per request;
    the caller closes it.
    """
    jar = aiohttp.DummyCookieJar()
    if keep_alive:
        return async_create_clientsession(hass, verify_ssl=False, cookie_jar=jar)
    connector = aiohttp.TCPConnector(ssl=get_default_no_verify_context(), force_close=True)
    return aiohttp.ClientSession(connector=connector, cookie_jar=jar)


def make_gateway(
    host: str, data: Mapping[str, Any], session: aiohttp.ClientSession, *, keep_alive: bool = True,
    tz: tzinfo | None = None, plc_check: bool = False,
) -> Gateway:
    """A Gateway for config entry data as this integration or HA core's integration writes it.

    `tz`: the site's time zone, to rebuild today / last seven days from the lifetime counters.
    `plc_check`: read the inverters' PLC signal levels (installer tokens; at most hourly).
    """
    token = data.get(CONF_TOKEN) or None
    if data.get(CONF_USE_MANUAL_TOKEN):
        return Gateway(host, session=session, token=token, keep_alive=keep_alive, cloud=cloud_endpoints(), tz=tz,
                       plc_check=plc_check)
    return Gateway(
        host,
        session=session,
        username=data.get(CONF_USERNAME) or None,
        password=data.get(CONF_PASSWORD),
        token=token,
        keep_alive=keep_alive,
        cloud=cloud_endpoints(),
        tz=tz,
        plc_check=plc_check,
    )


def known_device_ids(data: GatewayData) -> set[str]:
    """Device registry identifiers of the hardware in one snapshot."""
    serial = data.info.serial
    ids = {serial, *data.inverters, *data.summary_only_inverters}
    ids.update(data.encharge or {})
    ids.update(data.dry_contacts or {})
    ids.update(relay.serial for relay in data.q_relays)
    if data.enpower is not None:
        ids.add(data.enpower.serial_number)
    if data.acb is not None:
        ids.add(f"{serial}_acb")
        ids.update(data.acb.units)
    if data.collar is not None:
        ids.add(data.collar.serial_number)
    if data.c6cc is not None:
        ids.add(data.c6cc.serial_number)
    return ids


@callback
def clear_token_issues(hass: HomeAssistant, entry_id: str) -> None:
    """Withdraw the token repair issues of one entry."""
    for issue in (ISSUE_MANUAL_TOKEN_EXPIRING, ISSUE_TOKEN_REFRESH_FAILED):
        ir.async_delete_issue(hass, DOMAIN, f"{issue}_{entry_id}")


class EnvoyCoordinator(DataUpdateCoordinator[GatewayData]):
    """Reads the Envoy once a minute; keeps its token fresh and notices firmware changes."""

    config_entry: EnvoyConfigEntry

    def __init__(self, hass: HomeAssistant, entry: EnvoyConfigEntry, gateway: Gateway) -> None:
        super().__init__(hass, _LOGGER, config_entry=entry, name=entry.title, update_interval=SCAN_INTERVAL)
        self.gateway = gateway
        self.firmware: str | None = None
        self._identity_due = dt_util.utcnow() + IDENTITY_CHECK
        self._token_retry_at: datetime | None = None
        # beyond core: the derived energy totals; live power when the option is on (set up by __init__)
        self.derived = DerivedEnergy()
        self.live: LivePowerCoordinator | None = None
        self.mac: str | None = None  # the Envoy's, read from /home after setup (read_mac)
        self.picked_sleep_band: str | None = None  # the AC battery sleep band picked in the select
        self._daily_store = daily_store(hass, entry.entry_id)
        self.realtime: RealtimeStream | None = None

    @property
    def serial(self) -> str:
        info = self.gateway.info
        return info.serial if info is not None else str(self.config_entry.unique_id)

    @property
    def acb_sleep_band(self) -> str:
        """The band the AC battery sleep buttons use: the one picked, else a default (acb.py)."""
        return self.picked_sleep_band or default_band(self.data)

    @property
    def manual_token(self) -> bool:
        """A pasted token: no cloud credentials to renew it with (core's entries have them)."""
        data = self.config_entry.data
        return bool(data.get(CONF_USE_MANUAL_TOKEN)) or not (data.get(CONF_USERNAME) and data.get(CONF_PASSWORD))

    def _can_renew(self) -> bool:
        info = self.gateway.info
        return not self.manual_token and info is not None and uses_tokens(info.firmware_version)

    async def _restore_daily(self) -> None:
        await restore_daily(self._daily_store, self.gateway)

    async def async_save_daily(self) -> None:
        """Write the midnight closes now (the entry unloads)."""
        await save_daily(self._daily_store, self.gateway)

    @callback
    def _save_daily(self) -> None:
        save_daily_later(self._daily_store, self.gateway)

    async def _async_setup(self) -> None:
        """Identify, authenticate and probe the device once, before the first update."""
        await self._restore_daily()
        try:
            info = await self.gateway.setup()
            self._check_serial(info)  # before any credential goes to another device
            try:
                await self.gateway.authenticate()
            except (TokenExpired, InvalidCredentials):
                if not self._can_renew():
                    raise
                # the stored cloud token expired or was revoked while Home Assistant was away
                await self.gateway.refresh_token()
            await self.gateway.probe()
        except UnsupportedFirmware as err:
            raise ConfigEntryError(
                translation_domain=DOMAIN,
                translation_key="unsupported_firmware",
                translation_placeholders={"host": self.gateway.host, "firmware": str(err.firmware or "?")},
            ) from err
        except CloudError as err:
            raise self._update_failed(err) from err
        except AuthenticationError as err:
            raise self._auth_failed(err) from err
        except IQGatewayError as err:
            raise self._update_failed(err) from err
        self.firmware = info.firmware
        self._identity_due = dt_util.utcnow() + IDENTITY_CHECK
        self._store_token()

    async def _async_update_data(self) -> GatewayData:
        try:
            if self.gateway.quiet_now():  # the load policy's quiet window: the update asks nothing
                return await self.gateway.update()
            if dt_util.utcnow() >= self._identity_due:
                # a changed firmware makes the Gateway authenticate and probe again in update()
                self._check_serial(await self.gateway.setup())
                self._identity_due = dt_util.utcnow() + IDENTITY_CHECK
            await self._maintain_token()
            try:
                data = await self.gateway.update()
            except (AuthenticationRequired, InvalidCredentials, TokenExpired):
                if not self._can_renew():
                    raise
                await self.gateway.refresh_token()  # the device no longer takes the cloud token: get a new one
                data = await self.gateway.update()
        except CloudError as err:
            raise self._update_failed(err) from err
        except AuthenticationError as err:
            await self._check_identity_after_refusal()
            raise self._auth_failed(err) from err
        except IQGatewayError as err:
            self._identity_due = dt_util.utcnow()  # the device may come back with a new firmware
            raise self._update_failed(err) from err
        self._check_serial(data.info)
        self._token_checked()
        self._save_daily()
        if data.info.firmware != self.firmware:
            self._firmware_changed(data.info)
        return data

    def _check_serial(self, info: DeviceInfo) -> None:
        """Another Envoy answering at the host (its address went to another device): not ours to read."""
        expected = self.config_entry.unique_id
        if expected and info.serial != expected:
            raise UpdateFailed(
                translation_domain=DOMAIN,
                translation_key="unexpected_device",
                translation_placeholders={
                    "host": self.gateway.host, "expected_serial": expected, "actual_serial": info.serial,
                },
            )

    async def _check_identity_after_refusal(self) -> None:
        """Refused credentials may mean another device took the address: that is no case for reauthentication."""
        try:
            info = await self.gateway.setup()
        except IQGatewayError:
            return
        self._check_serial(info)

    @callback
    def _firmware_changed(self, info: DeviceInfo) -> None:
        _LOGGER.info("Envoy %s firmware changed from %s to %s", info.serial, self.firmware, info.firmware)
        self.firmware = info.firmware
        dr.async_get(self.hass).async_get_or_create(
            config_entry_id=self.config_entry.entry_id, identifiers={(DOMAIN, info.serial)}, sw_version=info.firmware
        )

    async def async_read_mac(self) -> None:
        """The Envoy's MAC address, read from /home once; without it the device just has no MAC."""
        try:
            home = await self.gateway.network()
        except IQGatewayError as err:
            _LOGGER.debug("No MAC address for Envoy %s: %s", self.serial, err)
            return
        if home.mac is None:
            return
        self.mac = home.mac

    def _token_expiring(self) -> datetime | None:
        """The token's expiry when it is due for renewal (within 30 days), else None."""
        gateway = self.gateway
        expires = gateway.token_expires_at
        if gateway.auth_kind is not AuthKind.TOKEN or expires is None:
            return None
        return expires if expires - dt_util.utcnow() <= TOKEN_RENEW_BEFORE else None

    async def _maintain_token(self) -> None:
        """Renew a cloud token a month before it expires; tell the user about a pasted one."""
        expires = self._token_expiring()
        if expires is None:
            return
        if self.manual_token:
            self._raise_issue(ISSUE_MANUAL_TOKEN_EXPIRING, expires)
            return
        now = dt_util.utcnow()
        if self._token_retry_at is not None and now < self._token_retry_at:
            return
        try:
            await self.gateway.refresh_token()
        except IQGatewayError as err:
            self._token_retry_at = now + TOKEN_RETRY
            _LOGGER.warning("Could not renew the token of Envoy %s from the Enphase cloud: %s", self.serial, err)
            self._raise_issue(ISSUE_TOKEN_REFRESH_FAILED, expires, reason=str(err))
            return
        self._token_retry_at = None
        _LOGGER.debug("Renewed the token of Envoy %s", self.serial)

    @callback
    def _token_checked(self) -> None:
        """After an update: keep a renewed token (ours or the Gateway's own) and withdraw settled issues."""
        self._store_token()
        if self._token_expiring() is None:
            self._token_retry_at = None
            self.clear_issues()

    @callback
    def _store_token(self) -> None:
        """Keep the token the Gateway uses in the entry (no reload: only a changed option reloads)."""
        token = self.gateway.token
        entry = self.config_entry
        if token and token != entry.data.get(CONF_TOKEN):
            self.hass.config_entries.async_update_entry(entry, data={**entry.data, CONF_TOKEN: token})

    @callback
    def _raise_issue(self, issue: str, expires: datetime, reason: str = "") -> None:
        ir.async_create_issue(
            self.hass,
            DOMAIN,
            f"{issue}_{self.config_entry.entry_id}",
            is_fixable=False,
            is_persistent=False,
            severity=ir.IssueSeverity.WARNING if expires > dt_util.utcnow() else ir.IssueSeverity.ERROR,
            translation_key=issue,
            translation_placeholders={
                "title": self.config_entry.title,
                "expires": dt_util.as_local(expires).strftime("%Y-%m-%d"),
                "reason": reason,
            },
        )

    @callback
    def clear_issues(self) -> None:
        clear_token_issues(self.hass, self.config_entry.entry_id)

    def _auth_failed(self, err: IQGatewayError) -> ConfigEntryAuthFailed:
        return ConfigEntryAuthFailed(
            translation_domain=DOMAIN,
            translation_key="authentication_failed",
            translation_placeholders={"host": self.gateway.host, "reason": str(err)},
        )

    def _update_failed(self, err: IQGatewayError) -> UpdateFailed:
        if isinstance(err, StaleError):
            return UpdateFailed(
                translation_domain=DOMAIN,
                translation_key="data_stale",
                translation_placeholders={"host": self.gateway.host, "endpoint": err.endpoint or "?",
                                          "reason": err.message},
            )
        return UpdateFailed(
            translation_domain=DOMAIN,
            translation_key="update_failed",
            translation_placeholders={"host": self.gateway.host, "reason": str(err)},
        )

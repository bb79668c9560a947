"""Config flow: set up an Envoy by hand or from zeroconf; reauthenticate, reconfigure, options."""

from __future__ import annotations

import asyncio
import logging
import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import aiohttp
import voluptuous as vol
from homeassistant import config_entries
from homeassistant.config_entries import (
    SOURCE_IGNORE,
    ConfigEntry,
    ConfigFlow,
    ConfigFlowResult,
    OptionsFlow,
)
from homeassistant.const import CONF_HOST, CONF_NAME, CONF_PASSWORD, CONF_TOKEN, CONF_USERNAME
from homeassistant.core import callback
from homeassistant.helpers.aiohttp_client import async_create_clientsession
from homeassistant.helpers.selector import TextSelector, TextSelectorConfig, TextSelectorType
from homeassistant.helpers.service_info.zeroconf import ZeroconfServiceInfo

from iqgateway import AuthenticationError, CloudError, DeviceInfo, IQGatewayError, LoadPolicy, uses_tokens

from .connect import make_gateway
from .const import (
    CONF_SERIAL,
    CONF_USE_MANUAL_TOKEN,
    DEFAULT_LIVE_POWER_INTERVAL_S,
    DOMAIN,
    INSTALLER_USERNAME,
    MAX_LIVE_POWER_INTERVAL_S,
    MIN_LIVE_POWER_INTERVAL_S,
    OPTION_ALLOW_GRID_PROFILE,
    OPTION_DIAGNOSTICS_INCLUDE_FIXTURES,
    OPTION_DISABLE_KEEP_ALIVE,
    OPTION_LIVE_POWER,
    OPTION_LIVE_POWER_INTERVAL,
    OPTION_PLC_CHECK,
    OPTION_QUIET_END,
    OPTION_QUIET_START,
    OPTION_QUIET_WINDOW,
    OPTION_REALTIME,
    OPTION_SLOW_REQUEST_S,
)

_LOGGER = logging.getLogger(__name__)

# A device still answering at its configured host keeps it; this bounds the check during discovery.
HOST_CHECK_TIMEOUT_S = 5.0
DEFAULT_PORTS = (None, 0, 80, 443)
SECRET = TextSelector(TextSelectorConfig(type=TextSelectorType.PASSWORD))

# Newer Home Assistant (2026.11 has it) reloads the entry itself after an options flow of this class changed the options
# (no update listener); 2025.4 lacks it, and EnvoyOptionsFlow reloads by itself there.
if TYPE_CHECKING:
    OptionsFlowBase = OptionsFlow
else:
    OptionsFlowBase = getattr(config_entries, "OptionsFlowWithReload", OptionsFlow)
RELOADS_ITSELF = OptionsFlowBase is not OptionsFlow


@dataclass(frozen=True, slots=True)
class Validated:
    """What a successful check against the device yields."""

    info: DeviceInfo
    data: dict[str, Any]


class CheckFailed(Exception):
    """The device check failed: `error` is the form's error key, `reason` the text shown with it."""

    def __init__(self, error: str, reason: str) -> None:
        super().__init__(reason)
        self.error = error
        self.reason = reason


def credentials(user_input: Mapping[str, Any]) -> dict[str, Any]:
    """The credential part of the entry data from a form (missing optional fields become blank)."""
    token = str(user_input.get(CONF_TOKEN) or "").strip()
    username = str(user_input.get(CONF_USERNAME) or "").strip()
    manual = bool(user_input.get(CONF_USE_MANUAL_TOKEN)) or bool(token and not username)
    return {
        CONF_USERNAME: username,
        CONF_PASSWORD: str(user_input.get(CONF_PASSWORD) or ""),
        CONF_TOKEN: token,
        CONF_USE_MANUAL_TOKEN: manual,
    }


def firmware_major(version: str | None) -> int | None:
    found = re.search(r"\d+", version or "")
    return int(found.group()) if found else None


def discovered_host(info: ZeroconfServiceInfo) -> str:
    """The host an announcement points at; the port only when it is not the device's usual one."""
    if info.port in DEFAULT_PORTS:
        return info.host
    return f"{info.host}:{info.port}"


class EnvoyConfigFlow(ConfigFlow, domain=DOMAIN):
    """Set up an Enphase Envoy."""

    VERSION = 1

    def __init__(self) -> None:
        self._host: str | None = None
        self._protovers: str | None = None

    @staticmethod
    @callback
    def async_get_options_flow(config_entry: ConfigEntry) -> EnvoyOptionsFlow:
        return EnvoyOptionsFlow()

    async def _check(self, host: str, user_input: Mapping[str, Any]) -> Validated:
        """Identify and authenticate the device at `host` with the form's credentials."""
        creds = credentials(user_input)
        if creds[CONF_USE_MANUAL_TOKEN] and not creds[CONF_TOKEN]:
            raise CheckFailed("invalid_auth", "a token is needed when 'use a pasted token' is on")
        session = async_create_clientsession(
            self.hass, verify_ssl=False, auto_cleanup=False, cookie_jar=aiohttp.DummyCookieJar()
        )
        gateway = make_gateway(host, creds, session)
        try:
            info = await gateway.setup()
            await gateway.authenticate()
            await gateway.probe()  # reads the protected endpoints: a wrong Digest password shows here
        except CloudError as err:
            raise CheckFailed("cannot_connect", str(err)) from err
        except AuthenticationError as err:
            raise CheckFailed("invalid_auth", str(err)) from err
        except IQGatewayError as err:
            raise CheckFailed("cannot_connect", str(err)) from err
        except Exception as err:
            _LOGGER.exception("Unexpected error while checking the Envoy at %s", host)
            raise CheckFailed("unknown", f"{type(err).__name__}: {err}") from err
        finally:
            await gateway.close()
            session.detach()
        if not creds[CONF_USE_MANUAL_TOKEN]:
            creds[CONF_TOKEN] = gateway.token or ""
        return Validated(info, {CONF_HOST: host, CONF_NAME: f"Envoy {info.serial}"} | creds)

    def _schema(self, *, host: bool, defaults: Mapping[str, Any]) -> vol.Schema:
        fields: dict[vol.Marker, Any] = {}
        if host:
            fields[vol.Required(CONF_HOST, default=defaults.get(CONF_HOST, vol.UNDEFINED))] = str
        fields[vol.Optional(CONF_USERNAME, default=defaults.get(CONF_USERNAME, ""))] = str
        fields[vol.Optional(CONF_PASSWORD, default="")] = SECRET
        fields[vol.Optional(CONF_TOKEN, default="")] = SECRET
        fields[vol.Optional(CONF_USE_MANUAL_TOKEN, default=bool(defaults.get(CONF_USE_MANUAL_TOKEN, False)))] = bool
        return vol.Schema(fields)

    async def async_step_user(self, user_input: dict[str, Any] | None = None) -> ConfigFlowResult:
        """Ask for the host and credentials, check them against the device, create the entry."""
        errors: dict[str, str] = {}
        placeholders = {"reason": ""}
        if user_input is not None:
            host = str(user_input[CONF_HOST]).strip()
            try:
                checked = await self._check(host, user_input)
            except CheckFailed as failed:
                errors["base"] = failed.error
                placeholders["reason"] = failed.reason
            else:
                await self.async_set_unique_id(checked.info.serial, raise_on_progress=False)
                self._abort_if_unique_id_configured()
                return self.async_create_entry(title=f"Envoy {checked.info.serial}", data=checked.data)
        defaults: dict[str, Any] = dict(user_input or {})
        if self._host and CONF_HOST not in defaults:
            defaults[CONF_HOST] = self._host
        major = firmware_major(self._protovers)
        if CONF_USERNAME not in defaults and major is not None and not uses_tokens((major,)):
            defaults[CONF_USERNAME] = INSTALLER_USERNAME
        return self.async_show_form(
            step_id="user",
            data_schema=self._schema(host=True, defaults=defaults),
            errors=errors,
            description_placeholders=placeholders,
        )

    async def async_step_zeroconf(self, discovery_info: ZeroconfServiceInfo) -> ConfigFlowResult:
        """An Envoy announced itself: new ones go to the user step, known ones keep or update their host."""
        if discovery_info.ip_address.version != 4:
            return self.async_abort(reason="not_ipv4_address")
        serial = str(discovery_info.properties.get("serialnum") or "").strip()
        if not serial:
            return self.async_abort(reason="not_envoy_device")
        host = discovered_host(discovery_info)
        await self.async_set_unique_id(serial)
        entry = self.hass.config_entries.async_entry_for_domain_unique_id(DOMAIN, serial)
        if entry is not None and entry.source != SOURCE_IGNORE:
            return await self._known_device_seen(entry, discovery_info, host)
        self._abort_if_unique_id_configured()
        self._host = host
        self._protovers = discovery_info.properties.get("protovers")
        self.context["title_placeholders"] = {CONF_SERIAL: serial, CONF_HOST: host}
        return await self.async_step_user()

    async def _known_device_seen(
        self, entry: ConfigEntry, discovery_info: ZeroconfServiceInfo, host: str
    ) -> ConfigFlowResult:
        """Follow a device to a new address, but never flap between the interfaces of one device."""
        current = str(entry.data.get(CONF_HOST, ""))
        port = f":{discovery_info.port}" if discovery_info.port not in DEFAULT_PORTS else ""
        announced = {f"{address}{port}" for address in discovery_info.ip_addresses if address.version == 4}
        if current == host or current in announced or await self._still_answers(current, entry.unique_id):
            return self.async_abort(reason="already_configured")
        _LOGGER.info("Envoy %s moved from %s to %s", entry.unique_id, current, host)
        return self.async_update_reload_and_abort(
            entry, data_updates={CONF_HOST: host}, reason="already_configured"
        )

    async def _still_answers(self, host: str, serial: str | None) -> bool:
        """Whether the device with `serial` still answers /info at `host`."""
        session = async_create_clientsession(
            self.hass, verify_ssl=False, auto_cleanup=False, cookie_jar=aiohttp.DummyCookieJar()
        )
        gateway = make_gateway(host, {}, session)
        try:
            async with asyncio.timeout(HOST_CHECK_TIMEOUT_S):
                info = await gateway.setup()
        except (IQGatewayError, TimeoutError):
            return False
        finally:
            await gateway.close()
            session.detach()
        return info.serial == serial

    async def async_step_reauth(self, entry_data: Mapping[str, Any]) -> ConfigFlowResult:
        return await self.async_step_reauth_confirm()

    async def async_step_reauth_confirm(self, user_input: dict[str, Any] | None = None) -> ConfigFlowResult:
        """New credentials (username/password or a pasted token) for the configured device."""
        entry = self._get_reauth_entry()
        host = str(entry.data[CONF_HOST])
        return await self._confirm_same_device(entry, "reauth_confirm", user_input, host, user_input,
                                               keep=(CONF_HOST, CONF_NAME), ask_host=False)

    async def async_step_reconfigure(self, user_input: dict[str, Any] | None = None) -> ConfigFlowResult:
        """Change host or credentials of the configured device (it must be the same device)."""
        entry = self._get_reconfigure_entry()
        host = str(user_input[CONF_HOST]).strip() if user_input is not None else ""
        merged = None
        if user_input is not None:
            # blank secret fields keep the stored ones
            merged = dict(user_input)
            for key in (CONF_PASSWORD, CONF_TOKEN):
                if not merged.get(key):
                    merged[key] = entry.data.get(key, "")
        return await self._confirm_same_device(entry, "reconfigure", user_input, host, merged, keep=(CONF_NAME,),
                                               ask_host=True)

    async def _confirm_same_device(
        self, entry: ConfigEntry, step_id: str, user_input: dict[str, Any] | None, host: str,
        credentials: dict[str, Any] | None, *, keep: tuple[str, ...], ask_host: bool,
    ) -> ConfigFlowResult:
        """Check `credentials` at `host` against the configured device; update the entry (all but `keep`)."""
        errors: dict[str, str] = {}
        placeholders = {"reason": "", CONF_SERIAL: str(entry.unique_id), CONF_HOST: entry.data[CONF_HOST]}
        if credentials is not None:
            try:
                checked = await self._check(host, credentials)
            except CheckFailed as failed:
                errors["base"] = failed.error
                placeholders["reason"] = failed.reason
            else:
                await self.async_set_unique_id(checked.info.serial)
                self._abort_if_unique_id_mismatch()
                updates = {k: v for k, v in checked.data.items() if k not in keep}
                return self.async_update_reload_and_abort(entry, data_updates=updates)
        self.context["title_placeholders"] = {CONF_SERIAL: str(entry.unique_id), CONF_HOST: entry.data[CONF_HOST]}
        return self.async_show_form(
            step_id=step_id,
            data_schema=self._schema(host=ask_host, defaults=dict(user_input or entry.data)),
            errors=errors,
            description_placeholders=placeholders,
        )


CLOCK_TIME = r"^([01]\d|2[0-3]):[0-5]\d$"
DEFAULT_QUIET = (LoadPolicy().quiet_start.strftime("%H:%M"), LoadPolicy().quiet_end.strftime("%H:%M"))


class EnvoyOptionsFlow(OptionsFlowBase):
    """Diagnostics fixtures, keep-alive, live power, realtime and the load policy; changed options reload."""

    async def async_step_init(self, user_input: dict[str, Any] | None = None) -> ConfigFlowResult:
        options = self.config_entry.options
        if user_input is not None:
            optional = (OPTION_LIVE_POWER, OPTION_LIVE_POWER_INTERVAL, OPTION_QUIET_WINDOW, OPTION_QUIET_START,
                        OPTION_QUIET_END, OPTION_SLOW_REQUEST_S, OPTION_REALTIME, OPTION_PLC_CHECK,
                        OPTION_ALLOW_GRID_PROFILE)
            kept = {k: options[k] for k in optional if k in options}
            new = kept | user_input
            if not RELOADS_ITSELF and new != dict(options):
                manager = self.hass.config_entries
                manager.async_update_entry(self.config_entry, options=new)
                manager.async_schedule_reload(self.config_entry.entry_id)
            return self.async_create_entry(data=new)
        schema = vol.Schema(
            {
                vol.Required(
                    OPTION_DIAGNOSTICS_INCLUDE_FIXTURES,
                    default=bool(options.get(OPTION_DIAGNOSTICS_INCLUDE_FIXTURES, False)),
                ): bool,
                vol.Required(
                    OPTION_DISABLE_KEEP_ALIVE, default=bool(options.get(OPTION_DISABLE_KEEP_ALIVE, False))
                ): bool,
                # live power is off unless asked for: left out, it stays as it was
                vol.Optional(
                    OPTION_LIVE_POWER, description={"suggested_value": bool(options.get(OPTION_LIVE_POWER, False))}
                ): bool,
                vol.Optional(
                    OPTION_LIVE_POWER_INTERVAL,
                    description={
                        "suggested_value": options.get(OPTION_LIVE_POWER_INTERVAL, DEFAULT_LIVE_POWER_INTERVAL_S)
                    },
                ): vol.All(vol.Coerce(int), vol.Range(min=MIN_LIVE_POWER_INTERVAL_S, max=MAX_LIVE_POWER_INTERVAL_S)),
                vol.Optional(
                    OPTION_QUIET_WINDOW, description={"suggested_value": options.get(OPTION_QUIET_WINDOW, True)}
                ): bool,
                vol.Optional(
                    OPTION_QUIET_START,
                    description={"suggested_value": options.get(OPTION_QUIET_START, DEFAULT_QUIET[0])},
                ): vol.Match(CLOCK_TIME),
                vol.Optional(
                    OPTION_QUIET_END,
                    description={"suggested_value": options.get(OPTION_QUIET_END, DEFAULT_QUIET[1])},
                ): vol.Match(CLOCK_TIME),
                vol.Optional(
                    OPTION_SLOW_REQUEST_S,
                    description={"suggested_value": options.get(OPTION_SLOW_REQUEST_S, LoadPolicy().slow_s)},
                ): vol.All(vol.Coerce(float), vol.Range(min=1, max=120)),
                vol.Optional(
                    OPTION_REALTIME, description={"suggested_value": bool(options.get(OPTION_REALTIME, False))}
                ): bool,
                vol.Optional(
                    OPTION_PLC_CHECK, description={"suggested_value": bool(options.get(OPTION_PLC_CHECK, False))}
                ): bool,
                vol.Optional(
                    OPTION_ALLOW_GRID_PROFILE,
                    description={"suggested_value": bool(options.get(OPTION_ALLOW_GRID_PROFILE, False))},
                ): bool,
            }
        )
        return self.async_show_form(
            step_id="init",
            data_schema=schema,
            description_placeholders={
                CONF_SERIAL: str(self.config_entry.unique_id),
                CONF_HOST: str(self.config_entry.data.get(CONF_HOST, "")),
            },
        )


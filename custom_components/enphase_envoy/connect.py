"""How the integration reaches one Envoy: its HTTP session (from Home Assistant's helpers) and its Gateway."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import tzinfo
from typing import Any

import aiohttp
from homeassistant.const import CONF_PASSWORD, CONF_TOKEN, CONF_USERNAME
from homeassistant.core import HomeAssistant
from homeassistant.helpers.aiohttp_client import async_create_clientsession, async_get_clientsession

from iqgateway import CloudEndpoints, Gateway

from .const import CONF_USE_MANUAL_TOKEN


def cloud_endpoints() -> CloudEndpoints | None:
    """The Enphase cloud tokens come from; None means the library's default (Enphase's own servers)."""
    return None


def make_session(hass: HomeAssistant, *, keep_alive: bool) -> aiohttp.ClientSession:
    """Home Assistant's shared session (the device's certificate is self-signed), or without keep-alive a
    session of the entry's own whose requests each ask for their connection to be closed (closed with the entry
    when made during its setup). The library keeps the device's session cookie itself."""
    if keep_alive:
        return async_get_clientsession(hass, verify_ssl=False)
    return async_create_clientsession(
        hass, verify_ssl=False, cookie_jar=aiohttp.DummyCookieJar(), headers={"Connection": "close"}
    )


def make_gateway(
    host: str, data: Mapping[str, Any], session: aiohttp.ClientSession, *, keep_alive: bool = True,
    tz: tzinfo | None = None, serial: str | None = None, plc_check: bool = False,
) -> Gateway:
    """A Gateway for config entry data as this integration or HA core's integration writes it.

    `tz`: the site's time zone, to rebuild today / last seven days from the lifetime counters. `serial`: the
    device the entry is for (another one answering at the host raises DeviceIdentityError). `plc_check`: read
    the inverters' PLC signal levels (installer tokens; at most hourly).
    """
    manual = bool(data.get(CONF_USE_MANUAL_TOKEN))
    return Gateway(
        host,
        session=session,
        username=None if manual else data.get(CONF_USERNAME) or None,
        password=None if manual else data.get(CONF_PASSWORD),
        token=data.get(CONF_TOKEN) or None,
        keep_alive=keep_alive,
        cloud=cloud_endpoints(),
        tz=tz,
        serial=serial,
        plc_check=plc_check,
    )

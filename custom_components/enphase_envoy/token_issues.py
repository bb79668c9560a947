"""The token's repair issues and its copy in the entry: what Home Assistant shows of the library's renewal."""

from __future__ import annotations

import logging
from datetime import datetime

from homeassistant.config_entries import ConfigEntry
from homeassistant.const import CONF_TOKEN
from homeassistant.core import HomeAssistant, callback
from homeassistant.helpers import issue_registry as ir
from homeassistant.util import dt as dt_util

from iqgateway import AuthKind, Gateway

from .const import DOMAIN, ISSUE_MANUAL_TOKEN_EXPIRING, ISSUE_TOKEN_REFRESH_FAILED, TOKEN_RENEW_BEFORE

_LOGGER = logging.getLogger(__name__)
ISSUES = (ISSUE_MANUAL_TOKEN_EXPIRING, ISSUE_TOKEN_REFRESH_FAILED)


@callback
def clear_token_issues(hass: HomeAssistant, entry_id: str) -> None:
    """Withdraw the token repair issues of one entry."""
    for issue in ISSUES:
        ir.async_delete_issue(hass, DOMAIN, f"{issue}_{entry_id}")


@callback
def sync_token(hass: HomeAssistant, entry: ConfigEntry, gateway: Gateway) -> None:
    """After an update: keep the token in use in the entry (no reload), and raise or withdraw its issues:
    a pasted token expiring within a month, or a cloud token whose renewal failed."""
    token = gateway.token
    if token and token != entry.data.get(CONF_TOKEN):
        hass.config_entries.async_update_entry(entry, data={**entry.data, CONF_TOKEN: token})
    expires = gateway.token_expires_at
    due = (gateway.auth_kind is AuthKind.TOKEN and expires is not None
           and expires - dt_util.utcnow() <= TOKEN_RENEW_BEFORE)
    if not due or expires is None:
        clear_token_issues(hass, entry.entry_id)
    elif not gateway.renews_token:
        _raise(hass, entry, ISSUE_MANUAL_TOKEN_EXPIRING, expires, "")
    elif (reason := gateway.token_renewal_failed) is not None:
        _raise(hass, entry, ISSUE_TOKEN_REFRESH_FAILED, expires, reason)


@callback
def _raise(hass: HomeAssistant, entry: ConfigEntry, issue: str, expires: datetime, reason: str) -> None:
    issue_id = f"{issue}_{entry.entry_id}"
    if issue == ISSUE_TOKEN_REFRESH_FAILED and ir.async_get(hass).async_get_issue(DOMAIN, issue_id) is None:
        _LOGGER.warning("Could not renew the token of Envoy %s from the Enphase cloud: %s", entry.title, reason)
    ir.async_create_issue(
        hass,
        DOMAIN,
        issue_id,
        is_fixable=False,
        is_persistent=False,
        severity=ir.IssueSeverity.WARNING if expires > dt_util.utcnow() else ir.IssueSeverity.ERROR,
        translation_key=issue,
        translation_placeholders={
            "title": entry.title,
            "expires": dt_util.as_local(expires).strftime("%Y-%m-%d"),
            "reason": reason,
        },
    )

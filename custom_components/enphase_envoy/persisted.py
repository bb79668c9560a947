"""What the integration keeps for the Gateway between restarts and reads from the entry's options.

The midnight closes of the lifetime counters (today / last seven days) and the derived energy totals live in
a Store per entry each; the load policy comes from the options.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from typing import Any

from homeassistant.core import HomeAssistant, callback
from homeassistant.helpers.storage import Store

from iqgateway import Gateway, InvalidState, LoadPolicy

from .const import DOMAIN, POLICY_OPTIONS
from .derived_energy import DerivedEnergy

_LOGGER = logging.getLogger(__name__)

DAILY_STORE_VERSION = 1
DERIVED_STORE_VERSION = 1
# the closes are written at most this often
DAILY_SAVE_DELAY_S = 60.0


def load_policy(options: Mapping[str, Any]) -> LoadPolicy:
    """The Gateway's load policy from the entry's options (an unusable option keeps its default)."""
    policy = LoadPolicy()
    for option, name in POLICY_OPTIONS.items():
        if option in options:
            try:
                policy = policy.with_options({name: options[option]})
            except ValueError as err:
                _LOGGER.warning("Ignoring the option %s: %s", option, err)
    return policy


def daily_store(hass: HomeAssistant, entry_id: str) -> Store[dict[str, Any]]:
    """Where one entry's midnight closes live between restarts."""
    return Store(hass, DAILY_STORE_VERSION, f"{DOMAIN}.daily_energy.{entry_id}")


async def restore_daily(store: Store[dict[str, Any]], gateway: Gateway) -> None:
    """Continue the midnight closes saved before the restart (a broken document: start afresh)."""
    saved = await store.async_load()
    if saved is None:
        return
    try:
        gateway.restore_daily(saved)
    except InvalidState as err:
        _LOGGER.warning("Envoy %s: starting the daily energy afresh: %s", gateway.host, err)


async def save_daily(store: Store[dict[str, Any]], gateway: Gateway) -> None:
    daily = gateway.daily
    if daily is not None:
        await store.async_save(daily.to_state())


@callback
def save_daily_later(store: Store[dict[str, Any]], gateway: Gateway) -> None:
    daily = gateway.daily
    if daily is not None:
        store.async_delay_save(daily.to_state, DAILY_SAVE_DELAY_S)


def derived_store(hass: HomeAssistant, entry_id: str) -> Store[dict[str, Any]]:
    """Where one entry's derived energy totals live between restarts."""
    return Store(hass, DERIVED_STORE_VERSION, f"{DOMAIN}.derived_energy.{entry_id}")


async def restore_derived(store: Store[dict[str, Any]], derived: DerivedEnergy) -> None:
    saved = await store.async_load()
    if isinstance(saved, Mapping):
        derived.restore(saved)


@callback
def save_derived_later(store: Store[dict[str, Any]], derived: DerivedEnergy) -> None:
    store.async_delay_save(derived.to_state, DAILY_SAVE_DELAY_S)

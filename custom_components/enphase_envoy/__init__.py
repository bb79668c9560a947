"""Enphase Envoy (IQ Gateway) integration built on the iqgateway library."""

from __future__ import annotations

from homeassistant.const import CONF_HOST
from homeassistant.core import HomeAssistant
from homeassistant.helpers import device_registry as dr
from homeassistant.helpers import issue_registry as ir

from .const import (
    DEFAULT_LIVE_POWER_INTERVAL_S,
    DOMAIN,
    MIN_LIVE_POWER_INTERVAL_S,
    OPTION_DISABLE_KEEP_ALIVE,
    OPTION_LIVE_POWER,
    OPTION_LIVE_POWER_INTERVAL,
    OPTION_REALTIME,
    PLATFORMS,
)
from .coordinator import (
    EnvoyConfigEntry,
    EnvoyCoordinator,
    clear_token_issues,
    known_device_ids,
    make_gateway,
    make_session,
)
from .live import LivePowerCoordinator
from .realtime import async_start_realtime, stream_issue_id


async def async_setup_entry(hass: HomeAssistant, entry: EnvoyConfigEntry) -> bool:
    """Connect to the Envoy, read it once and set up the platforms."""
    keep_alive = not entry.options.get(OPTION_DISABLE_KEEP_ALIVE, False)
    session = make_session(hass, keep_alive=keep_alive)
    if not keep_alive:
        entry.async_on_unload(session.close)
    gateway = make_gateway(entry.data[CONF_HOST], entry.data, session, keep_alive=keep_alive)
    coordinator = EnvoyCoordinator(hass, entry, gateway)
    await coordinator.async_config_entry_first_refresh()
    entry.runtime_data = coordinator
    if entry.options.get(OPTION_LIVE_POWER, False):
        interval = max(
            float(entry.options.get(OPTION_LIVE_POWER_INTERVAL, DEFAULT_LIVE_POWER_INTERVAL_S)),
            MIN_LIVE_POWER_INTERVAL_S,
        )
        coordinator.live = LivePowerCoordinator(hass, entry, gateway, interval)
        await coordinator.live.async_start()  # stopped with the entry (DataUpdateCoordinator's own unload hook)
    if entry.options.get(OPTION_REALTIME, False):
        coordinator.realtime = await async_start_realtime(hass, entry, gateway, coordinator.async_update_listeners)
    else:
        ir.async_delete_issue(hass, DOMAIN, stream_issue_id(entry.entry_id))
    await hass.config_entries.async_forward_entry_setups(entry, PLATFORMS)
    entry.async_on_unload(entry.add_update_listener(_async_options_updated))
    return True


async def async_unload_entry(hass: HomeAssistant, entry: EnvoyConfigEntry) -> bool:
    """Unload the platforms and let go of the device."""
    unloaded = await hass.config_entries.async_unload_platforms(entry, PLATFORMS)
    if unloaded:
        await entry.runtime_data.gateway.close()
        entry.runtime_data.clear_issues()  # raised again by the next setup if still true
    return unloaded


async def async_remove_entry(hass: HomeAssistant, entry: EnvoyConfigEntry) -> None:
    """A removed entry leaves no repair issue behind."""
    clear_token_issues(hass, entry.entry_id)
    ir.async_delete_issue(hass, DOMAIN, stream_issue_id(entry.entry_id))


async def _async_options_updated(hass: HomeAssistant, entry: EnvoyConfigEntry) -> None:
    """Reload when the options changed; a renewed token stored in the data needs no reload."""
    if dict(entry.options) != dict(entry.runtime_data.options_at_setup):
        hass.config_entries.async_schedule_reload(entry.entry_id)


async def async_remove_config_entry_device(
    hass: HomeAssistant, entry: EnvoyConfigEntry, device: dr.DeviceEntry
) -> bool:
    """Allow removing a device only when the Envoy no longer reports it (a replaced inverter or battery)."""
    current = known_device_ids(entry.runtime_data.data)
    return not any(domain == DOMAIN and ident in current for domain, ident in device.identifiers)

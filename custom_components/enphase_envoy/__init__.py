"""Enphase Envoy (IQ Gateway) integration built on the iqgateway library."""

from __future__ import annotations

from homeassistant.config_entries import ConfigEntries
from homeassistant.const import CONF_HOST
from homeassistant.core import HomeAssistant
from homeassistant.helpers import device_registry as dr
from homeassistant.helpers import issue_registry as ir
from homeassistant.util import dt as dt_util

from .connect import make_gateway, make_session
from .const import (
    DEFAULT_LIVE_POWER_INTERVAL_S,
    DOMAIN,
    MIN_LIVE_POWER_INTERVAL_S,
    OPTION_DISABLE_KEEP_ALIVE,
    OPTION_LIVE_POWER,
    OPTION_LIVE_POWER_INTERVAL,
    OPTION_PLC_CHECK,
    OPTION_REALTIME,
    PLATFORMS,
)
from .coordinator import EnvoyConfigEntry, EnvoyCoordinator
from .devices import known_device_ids, read_mac
from .installer import track_installer_issue
from .live import LivePowerCoordinator
from .persisted import daily_store, derived_store, load_policy
from .realtime import async_start_realtime, stream_issue_id
from .token_issues import clear_token_issues


async def async_setup_entry(hass: HomeAssistant, entry: EnvoyConfigEntry) -> bool | None:
    """Connect to the Envoy, read it once and set up the platforms; raise when it cannot be set up."""
    keep_alive = not entry.options.get(OPTION_DISABLE_KEEP_ALIVE, False)
    session = make_session(hass, keep_alive=keep_alive)  # a session of its own is closed with the entry
    gateway = make_gateway(entry.data[CONF_HOST], entry.data, session, keep_alive=keep_alive,
                           tz=dt_util.get_default_time_zone(), serial=entry.unique_id,
                           plc_check=bool(entry.options.get(OPTION_PLC_CHECK)))
    gateway.policy = load_policy(entry.options)
    coordinator = EnvoyCoordinator(hass, entry, gateway)
    await coordinator.async_config_entry_first_refresh()
    if not entry.unique_id:  # an entry written without one: the device at the host is ours from now on
        hass.config_entries.async_update_entry(entry, unique_id=coordinator.data.info.serial)
    entry.runtime_data = coordinator
    track_installer_issue(hass, entry)
    if entry.options.get(OPTION_LIVE_POWER, False):
        interval = max(
            float(entry.options.get(OPTION_LIVE_POWER_INTERVAL, DEFAULT_LIVE_POWER_INTERVAL_S)),
            MIN_LIVE_POWER_INTERVAL_S,
        )
        coordinator.live = LivePowerCoordinator(hass, entry, gateway, interval)
        await coordinator.live.async_start()  # stopped with the entry (DataUpdateCoordinator's own unload hook)
    coordinator.mac = await read_mac(gateway)  # the Envoy's device carries its MAC address from the start
    if entry.options.get(OPTION_REALTIME, False):
        coordinator.realtime = await async_start_realtime(hass, entry, gateway, coordinator.async_update_listeners)
    else:
        ir.async_delete_issue(hass, DOMAIN, stream_issue_id(entry.entry_id))
    await hass.config_entries.async_forward_entry_setups(entry, PLATFORMS)
    return setup_done()


async def async_unload_entry(hass: HomeAssistant, entry: EnvoyConfigEntry) -> bool | None:
    """Unload the platforms and let go of the device."""
    manager = hass.config_entries
    or_raise = getattr(manager, "async_unload_platforms_or_raise", None)
    if or_raise is not None:
        await or_raise(entry, PLATFORMS)
    elif not await manager.async_unload_platforms(entry, PLATFORMS):
        return False
    await entry.runtime_data.async_save()
    await entry.runtime_data.gateway.close()
    entry.runtime_data.clear_issues()  # raised again by the next setup if still true
    return setup_done()


def setup_done() -> bool | None:
    """What a setup or unload that worked returns: None where Home Assistant asks for it (2026.x), else True.

    Home Assistant 2025.4 takes only True as success; 2026.x wants None (failures raise) and came with
    `async_unload_platforms_or_raise`, which tells the two apart.
    """
    return None if hasattr(ConfigEntries, "async_unload_platforms_or_raise") else True


async def async_remove_entry(hass: HomeAssistant, entry: EnvoyConfigEntry) -> None:
    """A removed entry leaves no repair issue and no stored midnight closes behind."""
    clear_token_issues(hass, entry.entry_id)
    await daily_store(hass, entry.entry_id).async_remove()
    await derived_store(hass, entry.entry_id).async_remove()
    ir.async_delete_issue(hass, DOMAIN, stream_issue_id(entry.entry_id))


async def async_remove_config_entry_device(
    hass: HomeAssistant, entry: EnvoyConfigEntry, device: dr.DeviceEntry
) -> bool:
    """Allow removing a device only when the Envoy no longer reports it (a replaced inverter or battery)."""
    current = known_device_ids(entry.runtime_data.data)
    return not any(domain == DOMAIN and ident in current for domain, ident in device.identifiers)

"""Helpers of the action tests: find entities by unique_id, call services, read the simulated device."""

from __future__ import annotations

from typing import Any

from custom_components.enphase_envoy.const import DOMAIN
from homeassistant.core import HomeAssistant
from homeassistant.helpers import entity_registry as er

from iqgateway import Gateway, GatewayData
from iqgateway.simulator.server import SimulatedEnvoy
from tests.ha.common import firmware_major


def entity_id(hass: HomeAssistant, domain: str, unique_id: str) -> str:
    found = er.async_get(hass).async_get_entity_id(domain, DOMAIN, unique_id)
    assert found is not None, f"no {domain} entity with unique_id {unique_id}"
    return found


def state_of(hass: HomeAssistant, domain: str, unique_id: str) -> str:
    state = hass.states.get(entity_id(hass, domain, unique_id))
    assert state is not None
    return state.state


async def call(hass: HomeAssistant, domain: str, service: str, unique_id: str, **data: Any) -> None:
    await hass.services.async_call(
        domain, service, {"entity_id": entity_id(hass, domain, unique_id), **data}, blocking=True
    )
    await hass.async_block_till_done()


def device_document(envoy: SimulatedEnvoy, path: str) -> Any:
    """The simulated device's current JSON document of GET `path` (what it would answer now)."""
    return envoy.source.documents[path]  # type: ignore[attr-defined,unused-ignore]


def tariff_storage(envoy: SimulatedEnvoy) -> dict[str, Any]:
    return device_document(envoy, "/admin/lib/tariff")["tariff"]["storage_settings"]  # type: ignore[no-any-return]


def relay_setting(envoy: SimulatedEnvoy, relay_id: str) -> dict[str, Any]:
    doc = device_document(envoy, "/ivp/ss/dry_contact_settings")
    return next(r for r in doc["dry_contacts"] if r["id"] == relay_id)


def relay_status(envoy: SimulatedEnvoy, relay_id: str) -> str:
    doc = device_document(envoy, "/ivp/ensemble/dry_contacts")
    return next(r["status"] for r in doc["dry_contacts"] if r["id"] == relay_id)  # type: ignore[no-any-return]


def enpower_inventory(envoy: SimulatedEnvoy) -> dict[str, Any]:
    doc = device_document(envoy, "/ivp/ensemble/inventory")
    group = next(g for g in doc if g.get("type") == "ENPOWER")
    return group["devices"][0]  # type: ignore[no-any-return]


async def read_device(envoy: SimulatedEnvoy) -> GatewayData:
    """What the simulated Envoy reports now, read by a Gateway of its own (not the integration's)."""
    if firmware_major(envoy) < 7:
        gateway = Gateway(envoy.url, username="installer", password="")
    else:
        gateway = Gateway(envoy.url, token=envoy.mint_token())
    try:
        await gateway.setup()
        await gateway.authenticate()
        await gateway.probe()
        return await gateway.update()
    finally:
        await gateway.close()
